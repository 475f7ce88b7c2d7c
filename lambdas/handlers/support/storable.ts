/**
 * Attributes a handler stores in a DynamoDB item, checked at the edge (../../ledger/storable.ts) on the event as it
 * came, before the schema parses it: a key the schema would drop (`__proto__`) is refused, not lost.
 */
import * as z from 'zod';
import { storageProblem } from '../../ledger/storable';

/** `schema`, for a record of attributes that DynamoDB stores as they are; `name` names them in messages. */
export function storable<T extends z.ZodType<Record<string, unknown>>>(schema: T, name = 'attributes') {
  return z
    .unknown()
    .superRefine((value, context) => {
      // What is not an object at all is the schema's to refuse, with its own message.
      if (typeof value !== 'object' || value === null) return;
      const problem = storageProblem(value, name);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    })
    .pipe(schema);
}
