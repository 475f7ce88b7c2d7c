/**
 * The audit table (docs/wiring.md: partition key `stream`, sort key `seq`) as an append-only hash chain. Writers race
 * for the next seq with a conditional PutItem; a loser re-reads the head and tries again, so concurrent appenders never
 * fork the chain, leave a gap or lose an entry. Only PutItem, Query and Scan are used: the construct grants nothing
 * else, which is what makes the table append-only.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InputError, WardenError } from '../shared/errors';
import {
  nextEntry,
  parseAuditEntry,
  parseAuditInput,
  sortForExport,
  type AuditEntry,
  type AuditInput,
} from './audit-chain';
import { backoff, queryAll, scanAll, toDocumentClient, type LedgerClient } from './dynamodb';
import { storageProblem } from './storable';

export interface AuditAppendInput extends AuditInput {
  /** When it happened. @default the ledger's clock at the moment of the write */
  readonly at?: Date;
}

export interface AuditLedgerOptions {
  /** Appends tried while other writers keep taking the next seq first. @default 50 */
  readonly maxAttempts?: number;
  /** Clock for entries appended without `at` (the local runtime passes its virtual clock). @default the system clock */
  readonly now?: () => Date;
}

/** Other writers took the next seq on every attempt; the entry was not written and the append may be retried. */
export class AuditContentionError extends WardenError {
  override readonly name = 'Warden.AuditContention';
}

const NAMES = { '#stream': 'stream' };

export class AuditLedger {
  private readonly documents: DynamoDBDocumentClient;
  private readonly maxAttempts: number;
  private readonly now: () => Date;

  constructor(
    client: LedgerClient,
    private readonly tableName: string,
    options: AuditLedgerOptions = {},
  ) {
    this.documents = toDocumentClient(client);
    this.maxAttempts = options.maxAttempts ?? 50;
    this.now = options.now ?? (() => new Date());
  }

  /** Appends one entry at the end of its stream and returns it as stored. */
  async append(input: AuditAppendInput): Promise<AuditEntry> {
    const { at, ...fields } = input;
    const parsed = parseAuditInput(fields);
    const problem = storageProblem(parsed.detail, 'detail');
    if (problem !== undefined) throw new InputError(`The audit entry cannot be stored: ${problem}.`);
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const entry = nextEntry(await this.head(parsed.stream), parsed, at ?? this.now());
      if (await this.tryPut(entry)) return entry;
      await backoff(attempt);
    }
    throw new AuditContentionError(
      `Could not append to audit stream "${parsed.stream}": other writers took the next seq ${this.maxAttempts} times.`,
    );
  }

  /** The last entry of `stream`, or undefined when it has none. */
  async head(stream: string): Promise<AuditEntry | undefined> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#stream = :stream',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: { ':stream': stream },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return Items?.[0] === undefined ? undefined : toEntry(Items[0]);
  }

  /** Every entry of `stream` in seq order. */
  async read(stream: string): Promise<AuditEntry[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: '#stream = :stream',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':stream': stream },
      ConsistentRead: true,
    });
    return items.map(toEntry);
  }

  /** Names of all streams, sorted. */
  async streams(): Promise<string[]> {
    const items = await scanAll(this.documents, {
      TableName: this.tableName,
      ProjectionExpression: '#stream',
      ExpressionAttributeNames: NAMES,
      ConsistentRead: true,
    });
    return [...new Set(items.map((item) => String(item.stream)))].sort();
  }

  /** Every entry, streams sorted by name and each in seq order: what `warden audit export` prints. */
  async exportAll(): Promise<AuditEntry[]> {
    const items = await scanAll(this.documents, { TableName: this.tableName, ConsistentRead: true });
    return sortForExport(items.map(toEntry));
  }

  /** Writes `entry` unless its seq is taken; false means another writer got there first. */
  private async tryPut(entry: AuditEntry): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: entry,
          ConditionExpression: 'attribute_not_exists(#stream)',
          ExpressionAttributeNames: NAMES,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The SDK resends a request whose response was lost (timeout, reset connection). When an earlier attempt did
      // write, the seq already holds this very entry: that is success, not a reason to append it a second time.
      return (error.$metadata.attempts ?? 1) > 1 && error.Item?.hash?.S === entry.hash;
    }
  }
}

function toEntry(item: Record<string, unknown>): AuditEntry {
  return parseAuditEntry(item, `Audit item ${String(item.stream)}/${String(item.seq)}`);
}
