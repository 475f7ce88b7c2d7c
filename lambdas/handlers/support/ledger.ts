/** The ledger (lineage, audit, brakes) as the handlers reach it: DynamoDB in the ledger region, tables from config. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LineageRepository } from '../../ledger/lineage-repository';
import { awsClient } from '../../shared/aws-clients';
import type { WardenConfig } from '../../shared/config';

export function dynamoDbClient(region: string): DynamoDBClient {
  return awsClient('DynamoDB', region, (clientRegion) => new DynamoDBClient({ region: clientRegion }));
}

export function lineageRepository(cfg: WardenConfig): LineageRepository {
  return new LineageRepository(dynamoDbClient(cfg.ledgerRegion), cfg.lineageTable, cfg.modelName);
}
