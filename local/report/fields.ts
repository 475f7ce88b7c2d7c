/**
 * Reading untyped exported documents (lineage items, handler reports) field by field: the report shows what is there
 * and leaves out what is not, instead of failing on a document written by another version.
 */

export type Fields = Readonly<Record<string, unknown>>;

export function asObject(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A number, or a contract string for a non-finite one (`"NaN"`, `"Infinity"`, `"-Infinity"`). */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
  return undefined;
}

export function asBoolean(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}
