/**
 * The two ECDF distances between samples, computed together in one linear merge of the sorted values: both only
 * depend on F_base − F_cur between consecutive distinct values of the union.
 */
import { ExactSum } from './exact-sum';

export interface EcdfDistances {
  /** Two-sample Kolmogorov–Smirnov statistic D = sup |F_base − F_cur|. */
  readonly ksStatistic: number;
  /** 1-Wasserstein distance ∫ |F_base − F_cur| dx. */
  readonly wasserstein: number;
}

/**
 * Both arrays must be sorted ascending, finite and non-empty.
 *
 * CONTRACTS.md `ks.statistic`: scipy `ks_2samp` evaluates i/n − j/m (counts ≤ x, searchsorted right) at every pooled
 * value; evaluating once per distinct value after consuming all its ties gives the same numbers.
 * CONTRACTS.md `wasserstein`: scipy `wasserstein_distance` sums |i/n − j/m|·(next pooled value − x) over the pooled
 * sorted values (tied gaps add 0); the sum is exact.
 */
export function ecdfDistances(base: Float64Array, current: Float64Array): EcdfDistances {
  const n = base.length;
  const m = current.length;
  let i = 0;
  let j = 0;
  let ksStatistic = 0;
  const sum = new ExactSum();
  let x = Math.min(base[0], current[0]);
  for (;;) {
    while (i < n && base[i] === x) i++;
    while (j < m && current[j] === x) j++;
    const gap = Math.abs(i / n - j / m);
    if (gap > ksStatistic) ksStatistic = gap;
    if (i === n && j === m) break;
    const next = j >= m || (i < n && base[i] <= current[j]) ? base[i] : current[j];
    sum.add(gap * (next - x));
    x = next;
  }
  return { ksStatistic, wasserstein: sum.value };
}
