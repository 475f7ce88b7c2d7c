/**
 * When a column counts as drifted: each metric has a threshold and a column drifts when any metric that applies to its
 * type crosses it (distances above it, the KS p-value below it).
 */
import { InputError } from '../shared/errors';
import type { CategoricalDriftMetrics } from './drift-categorical';
import type { NumericDriftMetrics } from './drift-numeric';

export interface DriftThresholds {
  /** Both types: PSI above this drifts. */
  readonly psi: number;
  /** Numeric: KS statistic above this drifts. */
  readonly ksStatistic: number;
  /** Numeric: KS p-value below this drifts; off when undefined, since with large samples tiny shifts are significant. */
  readonly ksPValue?: number;
  /** Numeric: Wasserstein distance in baseline standard deviations above this drifts. */
  readonly wassersteinNorm: number;
  /** Categorical: Jensen–Shannon distance above this drifts. */
  readonly jsDistance: number;
}

export type DriftMetricName = keyof DriftThresholds;

export const DRIFT_METRIC_NAMES: readonly DriftMetricName[] = [
  'psi',
  'ksStatistic',
  'ksPValue',
  'wassersteinNorm',
  'jsDistance',
];

/**
 * PSI 0.2 is the customary "significant shift" line; 0.1 for KS, JS and normalised Wasserstein flags a tenth of the
 * probability mass, or of a standard deviation, moved.
 */
export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = {
  psi: 0.2,
  ksStatistic: 0.1,
  wassersteinNorm: 0.1,
  jsDistance: 0.1,
};

/** Defaults overridden by `overrides` (e.g. from `--threshold`); an unknown metric name is an input error. */
export function resolveDriftThresholds(overrides: Readonly<Record<string, number>> = {}): DriftThresholds {
  for (const name of Object.keys(overrides)) {
    if (!(DRIFT_METRIC_NAMES as readonly string[]).includes(name)) {
      throw new InputError(`Unknown drift threshold "${name}"; use one of ${DRIFT_METRIC_NAMES.join(', ')}.`);
    }
  }
  return { ...DEFAULT_DRIFT_THRESHOLDS, ...overrides };
}

/** The metrics of a numeric column that cross their thresholds. */
export function crossedNumeric(metrics: NumericDriftMetrics, thresholds: DriftThresholds): DriftMetricName[] {
  const crossed: DriftMetricName[] = [];
  if (metrics.psi > thresholds.psi) crossed.push('psi');
  if (metrics.ks.statistic > thresholds.ksStatistic) crossed.push('ksStatistic');
  if (thresholds.ksPValue !== undefined && metrics.ks.pValue < thresholds.ksPValue) crossed.push('ksPValue');
  if (metrics.wassersteinNorm > thresholds.wassersteinNorm) crossed.push('wassersteinNorm');
  return crossed;
}

/** The metrics of a categorical column that cross their thresholds. */
export function crossedCategorical(metrics: CategoricalDriftMetrics, thresholds: DriftThresholds): DriftMetricName[] {
  const crossed: DriftMetricName[] = [];
  if (metrics.psi > thresholds.psi) crossed.push('psi');
  if (metrics.jsDistance > thresholds.jsDistance) crossed.push('jsDistance');
  return crossed;
}
