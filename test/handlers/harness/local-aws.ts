/**
 * What a handler test runs against: the local S3 server and DynamoDB Local, reached through the SDK's own endpoint
 * variables (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_DYNAMODB`) exactly as a deployed handler reaches AWS; recording
 * stand-ins for the services with no local equivalent (EventBridge, CloudWatch, SageMaker, Step Functions); and the
 * Warden environment variables of docs/wiring.md.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { overrideAwsClients, type AwsService, type CommandSender } from '../../../lambdas/shared/aws-clients';
import {
  createAuditTable,
  createLineageTable,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from '../../../local/emulators/dynamodb-local';
import { startLocalS3, type LocalS3 } from '../../../local/emulators/s3';

export const ARTIFACTS = 'warden-artifacts';
export const DATA = 'warden-data';
export const DIGESTS = 'warden-audit-digests';
export const LINEAGE_TABLE = 'warden-lineage';
export const AUDIT_TABLE = 'warden-audit';
export const MODEL = 'credit';

export interface LocalAws {
  readonly s3: LocalS3;
  /** A client of DynamoDB Local for assertions (only when started with `withDynamo`). */
  dynamoClient(): DynamoDBClient;
  stop(): Promise<void>;
}

/** Starts local S3 (always) and DynamoDB Local (when `withDynamo`), creates the buckets and tables, points the SDK at them. */
export async function startLocalAws(options: { withDynamo?: boolean } = {}): Promise<LocalAws> {
  const s3 = await startLocalS3();
  for (const bucket of [ARTIFACTS, DATA, DIGESTS]) await s3.createBucket(bucket);
  process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
  let dynamo: DynamoDbLocal | undefined;
  if (options.withDynamo) {
    dynamo = await startDynamoDbLocal();
    await createLineageTable(dynamo.client, LINEAGE_TABLE);
    await createAuditTable(dynamo.client, AUDIT_TABLE);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  }
  return {
    s3,
    dynamoClient() {
      if (dynamo === undefined) throw new Error('DynamoDB Local was not started: pass { withDynamo: true }.');
      return dynamo.client;
    },
    async stop() {
      await s3.close();
      await dynamo?.stop();
    },
  };
}

/** Sets the Warden variables a handler reads (plus `extra`), replacing those of an earlier test. */
export function setWardenEnv(extra: Record<string, string | undefined> = {}): void {
  for (const name of Object.keys(process.env))
    if (name.startsWith('WARDEN_')) Reflect.deleteProperty(process.env, name);
  Object.assign(process.env, {
    WARDEN_MODEL_NAME: MODEL,
    WARDEN_ARTIFACTS_BUCKET: ARTIFACTS,
    WARDEN_LINEAGE_TABLE: LINEAGE_TABLE,
    WARDEN_AUDIT_TABLE: AUDIT_TABLE,
    WARDEN_AUDIT_DIGEST_BUCKET: DIGESTS,
    WARDEN_EVENT_BUS: 'default',
  });
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
}

export interface RecordedCall {
  readonly service: AwsService;
  readonly region: string;
  /** The command's class name, e.g. `PutEventsCommand`. */
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** How a stand-in answers a command; the default answers `{}`. */
export type Responder = (command: string, input: Record<string, unknown>, region: string) => unknown;

/**
 * Recording stand-ins for the services without a local equivalent: every command sent is recorded and answered by
 * `responders[service]`. EventBridge accepts every entry unless told otherwise.
 */
export function recordAwsCalls(responders: Partial<Record<AwsService, Responder>> = {}): {
  readonly calls: RecordedCall[];
  of(service: AwsService, command?: string): RecordedCall[];
  restore(): void;
} {
  const calls: RecordedCall[] = [];
  const eventBridge: Responder = (command, input) =>
    command === 'PutEventsCommand'
      ? {
          FailedEntryCount: 0,
          Entries: (input.Entries as unknown[]).map((_entry, i) => ({ EventId: `event-${calls.length}-${i}` })),
        }
      : {};
  const standIn =
    (service: AwsService, responder: Responder | undefined) =>
    (region: string): CommandSender => ({
      async send(command: unknown) {
        const name = (command as object).constructor.name;
        const input = (command as { input: Record<string, unknown> }).input;
        calls.push({ service, region, command: name, input });
        const answer = (responder ?? (() => ({})))(name, input, region);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
  const restore = overrideAwsClients({
    EventBridge: standIn('EventBridge', responders.EventBridge ?? eventBridge),
    CloudWatch: standIn('CloudWatch', responders.CloudWatch),
    SageMaker: standIn('SageMaker', responders.SageMaker),
    SFN: standIn('SFN', responders.SFN),
  });
  return {
    calls,
    of: (service, command) =>
      calls.filter((call) => call.service === service && (command === undefined || call.command === command)),
    restore,
  };
}

/** The `Detail` of every `warden` event put so far, with its detail-type. */
export function putEvents(calls: readonly RecordedCall[]): { detailType: string; detail: Record<string, unknown> }[] {
  return calls
    .filter((call) => call.command === 'PutEventsCommand')
    .flatMap((call) =>
      (call.input.Entries as { DetailType: string; Detail: string }[]).map((entry) => ({
        detailType: entry.DetailType,
        detail: JSON.parse(entry.Detail) as Record<string, unknown>,
      })),
    );
}

/**
 * The items of one audit stream as its DynamoDB stream delivers them to anchor-audit (NEW_IMAGE, in sequence order),
 * read consistently from DynamoDB Local.
 */
export async function auditStreamRecords(aws: LocalAws, stream: string, eventName = 'INSERT') {
  const { Items = [] } = await aws.dynamoClient().send(
    new QueryCommand({
      TableName: AUDIT_TABLE,
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'stream' },
      ExpressionAttributeValues: { ':s': { S: stream } },
      ConsistentRead: true,
    }),
  );
  return Items.map((image, i) => ({
    eventID: `e${i}`,
    eventName,
    eventSource: 'aws:dynamodb',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:111122223333:table/warden-audit/stream/2025',
    dynamodb: {
      Keys: { stream: image.stream, seq: image.seq },
      NewImage: image,
      SequenceNumber: `${1000 + i}`,
      StreamViewType: 'NEW_IMAGE',
    },
  }));
}
