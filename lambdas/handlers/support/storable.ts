/**
 * Whether attributes can be stored in a DynamoDB item as given, checked at the edge so that a value DynamoDB would
 * refuse is the caller's input error rather than a failed write: attribute names are non-empty, numbers are finite and
 * within DynamoDB's range (magnitude 1e-130 to below 1e126, or zero), nesting is at most 32 levels deep, and the item
 * stays well under the 400 KB limit.
 */
import * as z from 'zod';

const MAX_DEPTH = 32;
const MAX_JSON_BYTES = 350 * 1024;

/** The first problem that keeps `value` out of a DynamoDB item, or undefined. */
export function storageProblem(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'number') {
    const magnitude = Math.abs(value);
    if (!Number.isFinite(value)) return `${path || 'a value'} is not a finite number`;
    if (magnitude !== 0 && (magnitude < 1e-130 || magnitude >= 1e126)) {
      return `${path || 'a value'} (${value}) is outside the numbers DynamoDB stores`;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return `${path} is nested deeper than ${MAX_DEPTH} levels`;
  const entries = Array.isArray(value) ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
  for (const [key, item] of entries) {
    if (!Array.isArray(value) && key === '') return `${path || 'the attributes'} have an empty attribute name`;
    const problem = storageProblem(item, path === '' ? key : `${path}.${key}`, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** A zod record of attributes that DynamoDB accepts as they are. */
export function storable<T extends z.ZodType<Record<string, unknown>>>(schema: T) {
  return schema.superRefine((attributes, context) => {
    const problem = storageProblem(attributes);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    else if (Buffer.byteLength(JSON.stringify(attributes)) > MAX_JSON_BYTES) {
      context.addIssue({ code: 'custom', message: `the attributes are larger than ${MAX_JSON_BYTES / 1024} KB` });
    }
  });
}
