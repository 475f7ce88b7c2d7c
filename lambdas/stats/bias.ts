/**
 * `warden bias` (CONTRACTS.md): one pass over a CSV stream into {@link BiasCounts}, the pre- and post-training metrics
 * of the resulting table, and the threshold gate that turns them into a verdict.
 */
import { InputError } from '../shared/errors';
import { BiasCounts, type BiasSpec } from './bias-counts';
import {
  type PosttrainingMetrics,
  type PretrainingMetrics,
  posttrainingMetrics,
  pretrainingMetrics,
} from './bias-metrics';
import { readCsv } from './csv';

export const PRETRAINING_METRICS = ['CI', 'DPL', 'KL', 'JS', 'LP', 'TVD', 'KS', 'CDDL'] as const;
export const POSTTRAINING_METRICS = [
  'DPPL',
  'DI',
  'DCA',
  'DCR',
  'RD',
  'SD',
  'DAR',
  'DRR',
  'AD',
  'TE',
  'CDDPL',
  'GE',
  'AccuracyGap',
] as const;
export type BiasMetric = (typeof PRETRAINING_METRICS)[number] | (typeof POSTTRAINING_METRICS)[number];

/** Gate applied when the caller sets no thresholds; AccuracyGap 0.1 is the bar that blocks deployment. */
export const DEFAULT_BIAS_THRESHOLDS: Readonly<Partial<Record<BiasMetric, number>>> = {
  DPL: 0.2,
  DPPL: 0.2,
  AccuracyGap: 0.1,
};

/** `fail`: crossing a threshold fails the gate; `warn`: it is reported but the gate passes. */
export type BiasMode = 'fail' | 'warn';
export type BiasVerdict = 'pass' | 'warn' | 'fail';

export interface BiasReport {
  readonly facet: { readonly column: string; readonly value: string };
  readonly counts: BiasReportCounts;
  readonly pretraining: PretrainingMetrics;
  /** Only with a prediction column. */
  readonly posttraining?: PosttrainingMetrics;
  /** The thresholds applied, one per computed metric that has one. */
  readonly thresholds: Partial<Record<BiasMetric, number>>;
  readonly verdict: BiasVerdict;
  /** Metrics over their threshold, in metric order. */
  readonly failed: BiasMetric[];
}

export interface BiasReportCounts {
  /** Data rows read. */
  readonly rows: number;
  /** Rows left out because the label, facet, prediction or group value was empty. */
  readonly skippedRows: number;
  readonly facetA: number;
  readonly facetD: number;
  /** Rows with a positive label in facet a / d. */
  readonly labelPositiveA: number;
  readonly labelPositiveD: number;
  /** Rows predicted positive in facet a / d (only with a prediction column). */
  readonly predictedPositiveA?: number;
  readonly predictedPositiveD?: number;
  /** Distinct values of the facet column (facet a may hold several). */
  readonly facetValues: number;
  /** Distinct values of the group column (only with a group column). */
  readonly groups?: number;
}

/** How the metrics are judged. */
export interface BiasGate {
  /** Thresholds as returned by {@link resolveBiasThresholds}. */
  readonly thresholds: Partial<Record<BiasMetric, number>>;
  /** @default 'fail' */
  readonly mode?: BiasMode;
}

/**
 * The thresholds that apply to the metrics `spec` computes: the defaults, overridden or extended by `overrides`.
 * A metric fails when |value| > threshold; DI with threshold t fails outside [t, 1/t] (the four-fifths rule).
 * Throws {@link InputError} for unknown metrics, metrics the spec does not compute and negative thresholds, so a typo
 * never silently removes a gate.
 */
export function resolveBiasThresholds(
  spec: Pick<BiasSpec, 'prediction' | 'group'>,
  overrides: Readonly<Record<string, number>> = {},
): Partial<Record<BiasMetric, number>> {
  const computed = computedMetrics(spec);
  for (const [name, value] of Object.entries(overrides)) {
    if (!isBiasMetric(name)) {
      throw new InputError(
        `Unknown bias metric "${name}" in a threshold; the metrics are ${[...PRETRAINING_METRICS, ...POSTTRAINING_METRICS].join(', ')}.`,
      );
    }
    if (!computed.includes(name)) {
      const needs =
        name === 'CDDL' || name === 'CDDPL' ? 'a group column (--group)' : 'a prediction column (--prediction)';
      const alsoPrediction =
        name === 'CDDPL' && spec.prediction === undefined ? ' and a prediction column (--prediction)' : '';
      throw new InputError(`A threshold for ${name} needs ${needs}${alsoPrediction}, which was not given.`);
    }
    if (name === 'DI' ? !(value > 0) : !(value >= 0)) {
      throw new InputError(
        `The threshold for ${name} must be ${name === 'DI' ? 'above 0' : '0 or more'}, got ${value}.`,
      );
    }
  }
  const thresholds: Partial<Record<BiasMetric, number>> = {};
  for (const name of computed) {
    const value = overrides[name] ?? DEFAULT_BIAS_THRESHOLDS[name];
    if (value !== undefined) thresholds[name] = value;
  }
  return thresholds;
}

/** Reads the CSV stream once and judges it; `source` names the file in error messages. */
export async function analyzeBias(
  stream: AsyncIterable<Uint8Array>,
  spec: BiasSpec,
  gate: BiasGate,
  source = 'the file',
): Promise<BiasReport> {
  const counts = new BiasCounts(spec, source);
  await readCsv(stream, counts, { source });
  return biasReport(counts, gate);
}

/** Metrics and verdict of counted rows (one file, or several parts merged). */
export function biasReport(counts: BiasCounts, gate: BiasGate): BiasReport {
  const { spec } = counts;
  const table = counts.table();
  const { a, d } = table;
  const pretraining = pretrainingMetrics(table);
  const posttraining = table.predicted ? posttrainingMetrics(table) : undefined;
  const values: Partial<Record<BiasMetric, number>> = { ...pretraining, ...posttraining };
  const failed = computedMetrics(spec).filter((name) => {
    const threshold = gate.thresholds[name];
    const value = values[name];
    return threshold !== undefined && value !== undefined && crosses(name, value, threshold);
  });
  const verdict: BiasVerdict = failed.length === 0 ? 'pass' : gate.mode === 'warn' ? 'warn' : 'fail';
  return {
    facet: { column: spec.facet, value: spec.facetValue },
    counts: {
      rows: table.rows,
      skippedRows: table.skippedRows,
      facetA: a.tn + a.fp + a.fn + a.tp,
      facetD: d.tn + d.fp + d.fn + d.tp,
      labelPositiveA: a.fn + a.tp,
      labelPositiveD: d.fn + d.tp,
      ...(table.predicted && { predictedPositiveA: a.fp + a.tp, predictedPositiveD: d.fp + d.tp }),
      facetValues: table.facetValues.size,
      ...(table.groups && { groups: table.groups.size }),
    },
    pretraining,
    ...(posttraining && { posttraining }),
    thresholds: { ...gate.thresholds },
    verdict,
    failed,
  };
}

/** Whether a metric value is over its threshold; NaN (undefined metric) never is. */
function crosses(name: BiasMetric, value: number, threshold: number): boolean {
  if (Number.isNaN(value)) return false;
  // Four-fifths rule: DI is a ratio whose neutral value is 1, so t bounds it on both sides as [t, 1/t].
  if (name === 'DI') return value < Math.min(threshold, 1 / threshold) || value > Math.max(threshold, 1 / threshold);
  return Math.abs(value) > threshold;
}

function computedMetrics(spec: Pick<BiasSpec, 'prediction' | 'group'>): BiasMetric[] {
  const grouped = spec.group !== undefined;
  const metrics: BiasMetric[] = PRETRAINING_METRICS.filter((name) => grouped || name !== 'CDDL');
  if (spec.prediction === undefined) return metrics;
  return [...metrics, ...POSTTRAINING_METRICS.filter((name) => grouped || name !== 'CDDPL')];
}

function isBiasMetric(name: string): name is BiasMetric {
  return (
    (PRETRAINING_METRICS as readonly string[]).includes(name) ||
    (POSTTRAINING_METRICS as readonly string[]).includes(name)
  );
}
