/**
 * The local CloudWatch's metric store: datapoints per metric (namespace, name and exact dimension set), kept in time
 * order, and the statistics CloudWatch computes over the datapoints of one period.
 *
 * Percentiles are nearest-rank: pNN of a period is the smallest value v such that at least NN% of the period's
 * samples are ≤ v, i.e. the value at rank ⌈NN/100 · n⌉ (at least 1) of the n samples sorted ascending, where a value
 * published with a count c is c samples. So p50 of 1..10 is 5, p90 is 9, p95 and p100 are 10, p0 is 1. Like
 * CloudWatch, a percentile needs the raw values: a period holding a statistic set (other than one with SampleCount 1
 * or Minimum = Maximum) has no percentile datapoint.
 */

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

export interface MetricIdentity {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
}

/** A raw value and how many times it occurred. */
export interface MetricSample {
  readonly value: number;
  readonly count: number;
}

/** One published value, value list or statistic set. */
export interface StoredDatum {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly unit: string;
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
  /** Absent for statistic sets, from which CloudWatch cannot compute percentiles. */
  readonly samples?: readonly MetricSample[];
}

/** The datapoints of one period, combined. */
export interface PeriodAggregate {
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
  /** `None` when the period mixes units. */
  readonly unit: string;
  /** Absent when any datapoint of the period was a statistic set. */
  readonly samples?: readonly MetricSample[];
}

export type BasicStatistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';

export const BASIC_STATISTICS: readonly BasicStatistic[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

/** A statistic an alarm or a query asks for: a basic one or a percentile (`p99`, `p99.9`). */
export type Statistic =
  | { readonly kind: 'basic'; readonly name: BasicStatistic }
  | { readonly kind: 'percentile'; readonly name: string; readonly percentile: number };

/** `p0` … `p100` with up to ten decimals, as CloudWatch's ExtendedStatistic percentiles; undefined otherwise. */
export function parsePercentile(text: string): number | undefined {
  const match = /^p(\d{1,3}(?:\.\d{1,10})?)$/.exec(text);
  if (!match) return undefined;
  const percentile = Number(match[1]);
  return percentile >= 0 && percentile <= 100 ? percentile : undefined;
}

export function basicStatistic(text: string): BasicStatistic | undefined {
  return BASIC_STATISTICS.find((name) => name === text);
}

/** The value of `statistic` over a period, or undefined when the period has no such datapoint. */
export function statisticValue(aggregate: PeriodAggregate, statistic: Statistic): number | undefined {
  if (statistic.kind === 'percentile') {
    return aggregate.samples === undefined ? undefined : nearestRankPercentile(aggregate.samples, statistic.percentile);
  }
  switch (statistic.name) {
    case 'SampleCount':
      return aggregate.sampleCount;
    case 'Sum':
      return aggregate.sum;
    case 'Minimum':
      return aggregate.minimum;
    case 'Maximum':
      return aggregate.maximum;
    case 'Average':
      return aggregate.sum / aggregate.sampleCount;
  }
}

/** Nearest-rank percentile (module comment) of weighted samples; `samples` must not be empty. */
export function nearestRankPercentile(samples: readonly MetricSample[], percentile: number): number {
  const sorted = [...samples].sort((a, b) => a.value - b.value);
  const total = sorted.reduce((sum, sample) => sum + sample.count, 0);
  // Rounded before the ceiling so that e.g. 7% of 100 is rank 7, not 8 from 7.000000000000001.
  const rank = Math.max(1, Math.ceil(Number(((percentile / 100) * total).toFixed(9))));
  let seen = 0;
  for (const sample of sorted) {
    seen += sample.count;
    if (seen >= rank) return sample.value;
  }
  return sorted[sorted.length - 1].value;
}

/** The datapoints of one metric in timestamp order (ties keep arrival order). */
class MetricSeries {
  private readonly data: StoredDatum[] = [];

  add(datum: StoredDatum): void {
    // Datapoints mostly arrive in time order, so the insertion point is usually the end.
    let index = this.data.length;
    while (index > 0 && this.data[index - 1].timestamp > datum.timestamp) index--;
    this.data.splice(index, 0, datum);
  }

  /** Datapoints with `start ≤ timestamp < end`. */
  between(start: number, end: number): StoredDatum[] {
    return this.data.slice(this.firstAtOrAfter(start), this.firstAtOrAfter(end));
  }

  private firstAtOrAfter(time: number): number {
    let low = 0;
    let high = this.data.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.data[middle].timestamp < time) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** The metrics of one region. */
export class MetricStore {
  private readonly series = new Map<string, MetricSeries>();

  add(metric: MetricIdentity, datum: StoredDatum): void {
    const key = metricKey(metric);
    let series = this.series.get(key);
    if (series === undefined) {
      series = new MetricSeries();
      this.series.set(key, series);
    }
    series.add(datum);
  }

  /** The datapoints of `metric` in `[start, end)` with `unit` (any unit when undefined), combined; undefined if none. */
  aggregate(metric: MetricIdentity, start: number, end: number, unit?: string): PeriodAggregate | undefined {
    const data = (this.series.get(metricKey(metric))?.between(start, end) ?? []).filter(
      (datum) => unit === undefined || datum.unit === unit,
    );
    if (data.length === 0) return undefined;
    const units = new Set(data.map((datum) => datum.unit));
    const raw = data.every((datum) => datum.samples !== undefined);
    return {
      sampleCount: data.reduce((sum, datum) => sum + datum.sampleCount, 0),
      sum: data.reduce((sum, datum) => sum + datum.sum, 0),
      minimum: data.reduce((minimum, datum) => Math.min(minimum, datum.minimum), Infinity),
      maximum: data.reduce((maximum, datum) => Math.max(maximum, datum.maximum), -Infinity),
      unit: units.size === 1 ? data[0].unit : 'None',
      samples: raw ? data.flatMap((datum) => datum.samples ?? []) : undefined,
    };
  }
}

/** Dimensions are a set: their order in a request does not make another metric. */
function metricKey(metric: MetricIdentity): string {
  const dimensions = [...metric.dimensions]
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0))
    .map((dimension) => [dimension.Name, dimension.Value]);
  return JSON.stringify([metric.namespace, metric.metricName, dimensions]);
}
