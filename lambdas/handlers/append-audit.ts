/**
 * `append-audit`: appends one entry to the audit hash chain (CONTRACTS.md "Audit ledger", docs/wiring.md). The stream
 * defaults to the model name; the ledger checks the entry (JSON detail, well-formed strings) and links it to the head.
 */
import * as z from 'zod';
import { AuditName, AuditStream, type JsonObject } from '../ledger/audit-chain';
import { AuditLedger } from '../ledger/audit-ledger';
import { config } from '../shared/config';
import { wardenHandler } from '../shared/handler';
import { dynamoDbClient } from './support/ledger';
import { storable } from './support/storable';

export const AppendAuditInput = z.object({
  /** @default the model name */
  stream: AuditStream.optional(),
  actor: AuditName,
  action: AuditName,
  subject: AuditName,
  detail: storable(z.record(z.string(), z.unknown()), 'detail'),
});
export type AppendAuditInput = z.infer<typeof AppendAuditInput>;

export const handler = wardenHandler(
  'append-audit',
  AppendAuditInput,
  async (input) => {
    const cfg = config();
    const ledger = new AuditLedger(dynamoDbClient(cfg.ledgerRegion), cfg.auditTable);
    // The ledger checks the detail in depth (finite numbers, well-formed strings) and says what is wrong.
    const entry = await ledger.append({
      ...input,
      stream: input.stream ?? cfg.modelName,
      detail: input.detail as JsonObject,
    });
    return { stream: entry.stream, seq: entry.seq, hash: entry.hash };
  },
  // The state machines put the run's correlation id into the detail.
  (input) => (typeof input.detail.correlationId === 'string' ? input.detail.correlationId : undefined),
);
