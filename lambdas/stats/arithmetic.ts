/** Division and subtraction with the conventions of CONTRACTS.md, shared by the bias and drift metrics. */

/** `div(a, b)` of CONTRACTS.md: a/b, with 0/0 = 0 and x/0 = ±Infinity. */
export function div(a: number, b: number): number {
  if (b !== 0) return a / b;
  if (a === 0) return 0;
  return a > 0 ? Infinity : -Infinity;
}

/** a − b, except that two infinities of the same sign give 0 (CONTRACTS.md, as Clarify does). */
export function difference(a: number, b: number): number {
  return a === b && !Number.isFinite(a) ? 0 : a - b;
}
