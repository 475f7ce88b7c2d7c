/** Drift metrics of a column that is numeric in both files (CONTRACTS.md `warden drift`). */
import { div } from './arithmetic';
import { ExactSum } from './exact-sum';
import { ecdfDistances } from './drift-ecdf';
import { populationStabilityIndex } from './drift-divergence';
import { histogramCounts, histogramEdges } from './drift-histogram';
import { kolmogorovSurvival } from './drift-kolmogorov';

export interface NumericDriftMetrics {
  readonly ks: { readonly statistic: number; readonly pValue: number };
  readonly wasserstein: number;
  readonly wassersteinNorm: number;
  readonly psi: number;
}

/** Both samples sorted ascending, finite and non-empty. */
export function numericDrift(base: Float64Array, current: Float64Array): NumericDriftMetrics {
  const n = base.length;
  const m = current.length;
  const { ksStatistic, wasserstein } = ecdfDistances(base, current);
  // CONTRACTS.md `ks.pValue`: Q(√(nm/(n+m))·D), scipy `kstwobign.sf`.
  const pValue = kolmogorovSurvival(Math.sqrt((n * m) / (n + m)) * ksStatistic);
  // CONTRACTS.md `psi` (numeric): 10 equal-width bins over min..max of both samples together.
  const edges = histogramEdges(Math.min(base[0], current[0]), Math.max(base[n - 1], current[m - 1]));
  const psi = populationStabilityIndex(histogramCounts(base, edges), histogramCounts(current, edges));
  return {
    ks: { statistic: ksStatistic, pValue },
    wasserstein,
    // CONTRACTS.md `wassersteinNorm`: wasserstein ÷ population std of the baseline, with `div` semantics for a
    // constant baseline (0/0 = 0: no shift at all; x/0 = Infinity: any shift of a constant is unbounded drift).
    wassersteinNorm: div(wasserstein, populationStd(base)),
    psi,
  };
}

// numpy `std(ddof=0)`: √(Σ (x − mean)² / n). Corrected two-pass form Σd² − (Σd)²/n with d = x − rounded mean (Higham,
// "Accuracy and Stability of Numerical Algorithms", §1.9), summed exactly, and with d scaled by its largest magnitude so
// the squares neither underflow nor overflow: accurate to a few ulps even for a spread that is tiny next to the mean,
// or tiny or huge in itself. A constant sample (sorted: equal ends) is exactly 0.
export function populationStd(sortedValues: Float64Array): number {
  const n = sortedValues.length;
  if (sortedValues[0] === sortedValues[n - 1]) return 0;
  const sum = new ExactSum();
  for (let i = 0; i < n; i++) sum.add(sortedValues[i]);
  const mean = sum.value / n;
  const scale = Math.max(mean - sortedValues[0], sortedValues[n - 1] - mean);
  const deviations = new ExactSum();
  const squares = new ExactSum();
  for (let i = 0; i < n; i++) {
    const deviation = (sortedValues[i] - mean) / scale;
    deviations.add(deviation);
    squares.add(deviation * deviation);
  }
  const offset = deviations.value;
  return scale * Math.sqrt(Math.max(0, squares.value - (offset * offset) / n) / n);
}
