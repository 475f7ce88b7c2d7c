import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantItems, grantKeyDecrypt, grantKeyUse, grantObjectWrite } from './grants';
import { acknowledge } from './nag/acknowledge';
import { SecureBucket } from './secure-bucket';
import { WardenFunction, type WardenFunctionOptions } from './warden-function';

/** What a {@link LineageStore} is keyed, replicated and logged with. */
export interface LineageStoreProps {
  /** The model family whose lineage and audit trail this store keeps. */
  readonly modelName: string;
  /** Customer-managed key of this region for tables, digests and logs. */
  readonly encryptionKey: kms.IKey;
  /**
   * Serving regions other than this stack's that get table replicas, each with the ARN (key or alias ARN) of that
   * region's customer-managed key. @default no replicas
   */
  readonly replicaKeyArns?: Record<string, string>;
  /** Bucket that receives the access logs of the digest bucket. */
  readonly accessLogsBucket: s3.IBucket;
  /** How long audit digests cannot be deleted or overwritten (S3 Object Lock, compliance mode). @default 7 years */
  readonly digestRetention?: Duration;
  /** Settings shared by Warden functions (VPC, log retention). @default none */
  readonly functionDefaults?: WardenFunctionOptions;
}

/** Global secondary indexes of the lineage table (docs/wiring.md). */
export const LINEAGE_INDEXES = ['by-dataset', 'live-by-region'];

/** Name of a table, fixed so that every region's stack can address its replica without cross-region references. */
export function lineageTableName(modelName: string): string {
  return `warden-${modelName}-lineage`;
}

/** Name of the audit table, fixed like the lineage table's. */
export function auditTableName(modelName: string): string {
  return `warden-${modelName}-audit`;
}

/**
 * Lineage and audit for one model family: two global tables (point-in-time recovery, deletion protection, the
 * region's customer-managed key, a replica in every serving region), and an anchor function that copies every audit
 * chain head to an S3 Object Lock bucket, so that editing the table is detectable from outside it.
 */
export class LineageStore extends Construct {
  /** Model versions, their datasets, live pointers per region, deployments and remediation brakes. */
  readonly lineageTable: dynamodb.TableV2;
  /** The append-only, hash-chained audit trail; its stream feeds {@link anchorFunction}. */
  readonly auditTable: dynamodb.TableV2;
  /** Object Lock (compliance) bucket holding chain-head digests. */
  readonly digestBucket: s3.Bucket;
  /** Copies every new audit chain head from the table's stream to {@link digestBucket}. */
  readonly anchorFunction: lambda.IFunction;

  constructor(scope: Construct, id: string, props: LineageStoreProps) {
    super(scope, id);
    const replicaRegions = Object.keys(props.replicaKeyArns ?? {});
    const encryption = dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey, props.replicaKeyArns);
    const common = {
      billing: dynamodb.Billing.onDemand(),
      encryption,
      deletionProtection: true,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
      replicas: replicaRegions.map((region) => ({ region })),
    };
    this.lineageTable = new dynamodb.TableV2(this, 'Lineage', {
      ...common,
      tableName: lineageTableName(props.modelName),
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      globalSecondaryIndexes: [
        {
          indexName: 'by-dataset',
          partitionKey: { name: 'datasetSha256', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        },
        {
          indexName: 'live-by-region',
          partitionKey: { name: 'livePk', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        },
      ],
    });
    this.auditTable = new dynamodb.TableV2(this, 'Audit', {
      ...common,
      tableName: auditTableName(props.modelName),
      partitionKey: { name: 'stream', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'seq', type: dynamodb.AttributeType.NUMBER },
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
    });

    this.digestBucket = new SecureBucket(this, 'Digests', {
      notReplicatedBecause:
        'Digests anchor the chain of a global table; Object Lock in compliance mode already makes them immutable for the retention period.',
      encryptionKey: props.encryptionKey,
      accessLogsBucket: props.accessLogsBucket,
      accessLogsPrefix: 'audit-digests/',
      objectLockRetention: s3.ObjectLockRetention.compliance(props.digestRetention ?? Duration.days(7 * 365)),
    }).bucket;

    const anchor = new WardenFunction(this, 'Anchor', {
      ...props.functionDefaults,
      handler: 'anchor-audit',
      encryptionKey: props.encryptionKey,
      environment: {
        WARDEN_MODEL_NAME: props.modelName,
        WARDEN_AUDIT_DIGEST_BUCKET: this.digestBucket.bucketName,
      },
    });
    anchor.function.addEventSource(
      new DynamoEventSource(this.auditTable, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        retryAttempts: 10,
        bisectBatchOnError: true,
        onFailure: new SqsDlq(anchor.deadLetterQueue),
      }),
    );
    grantObjectWrite(this.digestBucket, anchor.function, 'digests/*');
    this.anchorFunction = anchor.function;
    acknowledge(
      anchor.role,
      ['AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]'],
      'Granted by the DynamoDB stream event source and its failure queue for the one customer-managed key of this region.',
    );
  }

  /** Read and write lineage items (versions, live pointers, deployments, remediation brakes). */
  grantLineageReadWrite(grantee: iam.IGrantable): void {
    grantItems(grantee, this.lineageTable.tableArn, { indexes: LINEAGE_INDEXES, write: true, update: true });
    if (this.lineageTable.encryptionKey) grantKeyUse(this.lineageTable.encryptionKey, grantee);
  }

  /**
   * Append to the audit chain: `PutItem` (the handlers make it conditional) and reads of the chain head. No update or
   * delete is ever granted, so the table is append-only to Warden itself.
   */
  grantAuditAppend(grantee: iam.IGrantable): void {
    grantItems(grantee, this.auditTable.tableArn, { write: true });
    if (this.auditTable.encryptionKey) grantKeyUse(this.auditTable.encryptionKey, grantee);
  }

  /** Read the audit chain (verification, export). */
  grantAuditRead(grantee: iam.IGrantable): void {
    grantItems(grantee, this.auditTable.tableArn);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [this.auditTable.tableArn] }),
    );
    if (this.auditTable.encryptionKey) grantKeyDecrypt(this.auditTable.encryptionKey, grantee);
  }
}
