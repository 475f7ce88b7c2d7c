/**
 * Survival function of the limiting Kolmogorov distribution, Q(λ) = P(K > λ) (scipy `kstwobign.sf`), accurate to
 * about 1e-16 absolute over the whole range.
 *
 * The alternating series Q(λ) = 2 Σ (−1)^{k−1} e^{−2k²λ²} needs ~1/λ terms and cancels badly for small λ, so below
 * the cutover the Jacobi theta transform of the CDF is used instead, as cephes `kolmogorov` does: it converges in a
 * handful of terms there, and each series only ever adds terms of one sign or a rapidly shrinking alternating tail.
 */
const CUTOVER = 0.82;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Q(λ) for λ ≥ 0; 1 at 0 and below, 0 for +Infinity, NaN for NaN. */
export function kolmogorovSurvival(lambda: number): number {
  if (Number.isNaN(lambda)) return NaN;
  if (lambda <= 0) return 1;
  if (lambda <= CUTOVER) return 1 - kolmogorovCdfTheta(lambda);
  return kolmogorovSurvivalSeries(lambda);
}

// CONTRACTS.md `ks.pValue` via Jacobi's identity: 1 − Q(λ) = √(2π)/λ Σ_{k≥1} e^{−(2k−1)²π²/(8λ²)}.
function kolmogorovCdfTheta(lambda: number): number {
  const scale = (Math.PI * Math.PI) / (8 * lambda * lambda);
  let sum = 0;
  for (let k = 1; ; k++) {
    const odd = 2 * k - 1;
    const term = Math.exp(-odd * odd * scale);
    sum += term;
    if (term <= sum * Number.EPSILON) break;
  }
  return Math.min(1, (SQRT_2PI / lambda) * sum);
}

// CONTRACTS.md `ks.pValue`: Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}.
function kolmogorovSurvivalSeries(lambda: number): number {
  const scale = 2 * lambda * lambda;
  let sum = 0;
  for (let k = 1; ; k++) {
    const term = Math.exp(-k * k * scale);
    if (term === 0 || term <= Math.abs(sum) * Number.EPSILON) break;
    sum += k % 2 === 1 ? term : -term;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
