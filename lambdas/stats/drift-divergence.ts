/**
 * Divergences between two distributions given as aligned count vectors (histogram bins or categories, the same index
 * meaning the same bin or category in both).
 */

/** Proportion that stands in for an empty bin, so PSI stays finite (CONTRACTS.md `psi`). */
const PSI_EMPTY_PROPORTION = 1e-4;

// CONTRACTS.md `psi`: Σ (p_cur − p_base)·ln(p_cur/p_base) over proportions, 0 replaced by 1e-4.
export function populationStabilityIndex(baseCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  const baseTotal = total(baseCounts);
  const currentTotal = total(currentCounts);
  let psi = 0;
  for (let i = 0; i < baseCounts.length; i++) {
    const base = baseCounts[i] / baseTotal || PSI_EMPTY_PROPORTION;
    const current = currentCounts[i] / currentTotal || PSI_EMPTY_PROPORTION;
    psi += (current - base) * Math.log(current / base);
  }
  return psi;
}

/**
 * CONTRACTS.md `jsDistance`: scipy `jensenshannon(p, q)` = √(½ Σ rel_entr(p, m) + ½ Σ rel_entr(q, m)), m = (p + q)/2,
 * natural log, no smoothing. Rounding could leave a divergence that is truly 0 a few ulps below it, where scipy's square
 * root would return NaN, so it is clamped at 0.
 */
export function jensenShannonDistance(baseCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  const baseTotal = total(baseCounts);
  const currentTotal = total(currentCounts);
  let left = 0;
  let right = 0;
  for (let i = 0; i < baseCounts.length; i++) {
    const p = baseCounts[i] / baseTotal;
    const q = currentCounts[i] / currentTotal;
    const m = (p + q) / 2;
    left += relativeEntropy(p, m);
    right += relativeEntropy(q, m);
  }
  return Math.sqrt(Math.max(0, (left + right) / 2));
}

/** scipy `rel_entr(x, y)` for y > 0 whenever x > 0: x·ln(x/y), and 0 for x = 0. */
function relativeEntropy(x: number, y: number): number {
  return x > 0 ? x * Math.log(x / y) : 0;
}

function total(counts: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i];
  return sum;
}
