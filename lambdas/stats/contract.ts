/**
 * The data contract of CONTRACTS.md (`warden validate --contract`), validated with zod: unknown keys are errors, and
 * rules that make no sense for a type (a `min` on a categorical column) are rejected rather than ignored.
 */
import * as z from 'zod';
import { InputError } from '../shared/errors';

const columnBase = {
  name: z.string().min(1),
  /** Whether an empty field is allowed. @default true */
  nullable: z.boolean().optional(),
  /** Largest fraction of empty fields tolerated. */
  maxMissingFraction: z.number().min(0).max(1).optional(),
  /** Never echo values of this column in reports. @default false */
  pii: z.boolean().optional(),
};

const numericColumn = (type: 'integer' | 'number') =>
  z
    .strictObject({ ...columnBase, type: z.literal(type), min: z.number().optional(), max: z.number().optional() })
    .refine((column) => column.min === undefined || column.max === undefined || column.min <= column.max, {
      message: 'min must not exceed max',
    });

export const ColumnContractSchema = z.discriminatedUnion('type', [
  numericColumn('integer'),
  numericColumn('number'),
  z.strictObject({ ...columnBase, type: z.literal('categorical'), allowed: z.array(z.string()).min(1).optional() }),
  z.strictObject({ ...columnBase, type: z.literal('boolean') }),
  z.strictObject({ ...columnBase, type: z.literal('string') }),
  z.strictObject({ ...columnBase, type: z.literal('timestamp') }),
]);

export const DataContractSchema = z
  .strictObject({
    name: z.string().min(1),
    /** Fewest data rows accepted. @default 0 */
    minRows: z.number().int().min(0).optional(),
    /** Whether columns not listed in the contract are accepted. @default true */
    allowExtraColumns: z.boolean().optional(),
    columns: z.array(ColumnContractSchema).min(1),
  })
  .superRefine((contract, context) => {
    const seen = new Set<string>();
    contract.columns.forEach((column, index) => {
      if (seen.has(column.name)) {
        context.addIssue({
          code: 'custom',
          path: ['columns', index, 'name'],
          message: `duplicate column "${column.name}"`,
        });
      }
      seen.add(column.name);
    });
  });

export type ColumnContract = z.infer<typeof ColumnContractSchema>;
export type DataContract = z.infer<typeof DataContractSchema>;
export type ColumnType = ColumnContract['type'];

/** Parses a contract document; every problem is listed in one sentence. */
export function parseContract(document: unknown, source = 'The contract'): DataContract {
  const result = DataContractSchema.safeParse(document);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'top level';
    return `${where}: ${issue.message}`;
  });
  throw new InputError(`${source} is not a valid data contract (${problems.join('; ')}).`);
}

/** Parses contract JSON text. */
export function parseContractText(text: string, source = 'The contract'): DataContract {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${source} is not valid JSON (${(error as Error).message}).`);
  }
  return parseContract(document, source);
}
