/**
 * `anchor-audit`: triggered by the audit table's stream (NEW_IMAGE), writes every new chain entry's digest
 * `{ stream, seq, hash, at }` to `digests/<stream>/<seq>.json` in the Object Lock bucket. Only the newest digest of a
 * stream matters for verification, but each is written so that no gap depends on batching. The bucket's compliance
 * retention makes the digests immutable: rewriting or truncating the table afterwards no longer matches them.
 *
 * An entry modified or removed in the table is tampering with an append-only chain: it is logged as an error and
 * counted (`AuditTampering`), never anchored. A failed write is reported per record, so the stream retries only those.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { config } from '../shared/config';
import { wardenHandler } from '../shared/handler';
import { logger, metrics, MetricUnit } from '../shared/logger';
import { s3Client } from '../shared/object-store';

const StreamRecord = z.object({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({
    SequenceNumber: z.string().min(1),
    Keys: z.record(z.string(), z.unknown()).optional(),
    NewImage: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  }),
});

export const AnchorAuditInput = z.object({ Records: z.array(StreamRecord) });
export type AnchorAuditInput = z.infer<typeof AnchorAuditInput>;

/** The chain fields a digest carries. */
const Digest = z.object({
  stream: z.string().min(1),
  seq: z.number().int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.string().min(1),
});

export interface AnchorAuditResult {
  /** Records whose digest could not be written: the stream retries them. */
  readonly batchItemFailures: { itemIdentifier: string }[];
}

export function digestKey(stream: string, seq: number): string {
  return `digests/${encodeURIComponent(stream)}/${seq}.json`;
}

export const handler = wardenHandler(
  'anchor-audit',
  AnchorAuditInput,
  async (input): Promise<AnchorAuditResult> => {
    const cfg = config();
    const s3 = s3Client(cfg.region);
    const failures: { itemIdentifier: string }[] = [];
    let anchored = 0;
    await Promise.all(
      input.Records.map(async (record) => {
        const id = record.dynamodb.SequenceNumber;
        if (record.eventName !== 'INSERT') {
          metrics.addMetric('AuditTampering', MetricUnit.Count, 1);
          logger.error('an audit entry was modified or removed: the chain is append-only', {
            eventName: record.eventName,
            ...entryKey(record.dynamodb.Keys),
          });
          return;
        }
        const digest = Digest.safeParse(imageOf(record.dynamodb.NewImage));
        if (!digest.success) {
          metrics.addMetric('AuditTampering', MetricUnit.Count, 1);
          logger.error('an audit item is not a chain entry', { sequenceNumber: id, ...entryKey(record.dynamodb.Keys) });
          return;
        }
        const { stream, seq, hash, at } = digest.data;
        try {
          await s3.send(
            new PutObjectCommand({
              Bucket: cfg.auditDigestBucket,
              Key: digestKey(stream, seq),
              Body: JSON.stringify({ stream, seq, hash, at }),
              ContentType: 'application/json',
            }),
          );
          anchored++;
        } catch (error) {
          logger.error('an audit digest could not be written', { stream, seq, error: (error as Error).message });
          failures.push({ itemIdentifier: id });
        }
      }),
    );
    metrics.addMetric('AuditDigestsWritten', MetricUnit.Count, anchored);
    return { batchItemFailures: failures };
  },
  () => undefined,
);

/** The digest fields of a stream image (DynamoDB's attribute-value JSON: `{ "S": … }`, `{ "N": "…" }`). */
function imageOf(image: Record<string, Record<string, unknown>> | undefined): unknown {
  if (image === undefined) return undefined;
  const { stream, seq, hash, at } = image;
  return { stream: stream?.S, seq: typeof seq?.N === 'string' ? Number(seq.N) : undefined, hash: hash?.S, at: at?.S };
}

/** Longest key part logged: the item's keys are the stream's to name, not a payload to copy into the logs. */
const LOGGED_KEY_CHARS = 256;

/**
 * The table key (`stream`, `seq`) of a record's item, for the logs: only those two, as strings cut short, whatever else
 * the stream record's Keys carry (a tampered item can hold anything, nested too deep to log).
 */
function entryKey(keys: Record<string, unknown> | undefined): { stream?: string; seq?: string } {
  return { stream: keyPart(keys?.stream, 'S'), seq: keyPart(keys?.seq, 'N') };
}

function keyPart(attribute: unknown, type: 'S' | 'N'): string | undefined {
  if (typeof attribute !== 'object' || attribute === null) return undefined;
  const value = (attribute as Record<string, unknown>)[type];
  return typeof value === 'string' ? value.slice(0, LOGGED_KEY_CHARS) : undefined;
}
