/** Drift metrics of a column that is numeric in both files (CONTRACTS.md `warden drift`). */
import { CompensatedSum } from './drift-compensated-sum';
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
    wassersteinNorm: divide(wasserstein, populationStd(base)),
    psi,
  };
}

// numpy `std(ddof=0)`: √(Σ (x − mean)² / n), both sums compensated.
export function populationStd(values: Float64Array): number {
  const sum = new CompensatedSum();
  for (let i = 0; i < values.length; i++) sum.add(values[i]);
  const mean = sum.value / values.length;
  const squares = new CompensatedSum();
  for (let i = 0; i < values.length; i++) {
    const deviation = values[i] - mean;
    squares.add(deviation * deviation);
  }
  return Math.sqrt(squares.value / values.length);
}

function divide(numerator: number, denominator: number): number {
  if (denominator !== 0) return numerator / denominator;
  return numerator === 0 ? 0 : numerator > 0 ? Infinity : -Infinity;
}
