/**
 * JSON output of the contract: non-finite numbers are written as the strings `"Infinity"`, `"-Infinity"`, `"NaN"`
 * (CONTRACTS.md), because JSON has no literal for them.
 */
export function toContractJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
    indent,
  );
}

/** Reads a number written by {@link toContractJson}. */
export function fromContractNumber(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}
