/**
 * The local CloudWatch's requests, read from what arrives (SDK inputs after the wire copy, where dates are ISO
 * strings and NaN / ±Infinity are null, or CloudFormation properties, where numbers may be strings) and validated as
 * CloudWatch does, failing with the error CloudWatch returns. Error names are those the AWS SDK v3 raises:
 * PutMetricData and GetMetricStatistics fail with `InvalidParameterValueException`,
 * `InvalidParameterCombinationException` or `MissingRequiredParameterException`; PutMetricAlarm and
 * PutCompositeAlarm with `ValidationError` (unmodelled, so the SDK names it by its code) or `LimitExceededFault`.
 */
import { ServiceError } from '../service';
import { type AlarmRule, AlarmRuleSyntaxError, parseAlarmRule, ruleReferences } from './alarm-rule';
import type { AlarmStateValue, TreatMissingData } from './evaluation';
import {
  basicStatistic,
  type Dimension,
  type MetricIdentity,
  type MetricSample,
  parsePercentile,
  type Statistic,
  type StoredDatum,
} from './metric-store';

/** The `name` of each error the local CloudWatch raises, as the AWS SDK v3 names them. */
export const CloudWatchErrors = {
  InvalidParameterValue: 'InvalidParameterValueException',
  InvalidParameterCombination: 'InvalidParameterCombinationException',
  MissingParameter: 'MissingRequiredParameterException',
  Validation: 'ValidationError',
  LimitExceeded: 'LimitExceededFault',
  ResourceNotFound: 'ResourceNotFound',
  ResourceConflict: 'ResourceConflict',
  InvalidFormat: 'InvalidFormatFault',
} as const;

export type ComparisonOperator =
  'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';

const COMPARISON_OPERATORS: readonly ComparisonOperator[] = [
  'GreaterThanThreshold',
  'GreaterThanOrEqualToThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
];

const TREAT_MISSING_DATA: readonly TreatMissingData[] = ['missing', 'notBreaching', 'breaching', 'ignore'];

export const ALARM_STATES: readonly AlarmStateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

const STANDARD_UNITS: ReadonlySet<string> = new Set([
  ...['Seconds', 'Microseconds', 'Milliseconds', 'Percent', 'Count', 'Count/Second', 'None'],
  ...['Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits', 'Gigabits'],
  'Terabits',
  ...['Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes'].map((unit) => `${unit}/Second`),
  ...['Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits'].map((unit) => `${unit}/Second`),
]);

/** CloudWatch rejects values outside ±2^360. */
const LARGEST_VALUE = 2 ** 360;
const MAX_METRIC_DATA = 1000;
const MAX_VALUES_PER_DATUM = 150;
const MAX_DIMENSIONS = 30;
const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;
const TWO_HOURS_MS = 2 * 3600 * 1000;
const MAX_STATISTICS_DATAPOINTS = 1440;
const ONE_DAY_S = 86_400;
const SEVEN_DAYS_S = 7 * ONE_DAY_S;
const MAX_RULE_ALARMS = 100;

export interface MetricPut {
  readonly metric: MetricIdentity;
  readonly datum: StoredDatum;
}

export function parsePutMetricData(input: unknown, now: number): MetricPut[] {
  const request = record(input);
  const namespace = requiredString(request.Namespace, 'Namespace');
  if (namespace.length > 255 || namespace.startsWith('AWS/')) {
    throw invalidValue(`The value ${namespace} for parameter Namespace is invalid.`);
  }
  if (!Array.isArray(request.MetricData) || request.MetricData.length === 0) {
    throw missing('The parameter MetricData is required.');
  }
  if (request.MetricData.length > MAX_METRIC_DATA) {
    throw invalidValue(`The collection MetricData must not have a size greater than ${MAX_METRIC_DATA}.`);
  }
  return request.MetricData.map((item: unknown, index) => {
    const field = `MetricData.member.${index + 1}`;
    const datum = record(item);
    const metricName = requiredString(datum.MetricName, `${field}.MetricName`);
    const dimensions = parseDimensions(datum.Dimensions, `${field}.Dimensions`, invalidValue);
    const timestamp = datum.Timestamp === undefined ? now : parseTime(datum.Timestamp, `${field}.Timestamp`);
    if (timestamp < now - TWO_WEEKS_MS || timestamp > now + TWO_HOURS_MS) {
      throw invalidValue(
        `The parameter ${field}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
      );
    }
    const unit = datum.Unit === undefined ? 'None' : String(datum.Unit);
    if (!STANDARD_UNITS.has(unit)) throw invalidValue(`The value ${unit} for parameter ${field}.Unit is invalid.`);
    if (datum.StorageResolution !== undefined && datum.StorageResolution !== 1 && datum.StorageResolution !== 60) {
      throw invalidValue(
        `The value ${String(datum.StorageResolution)} for parameter ${field}.StorageResolution is invalid.`,
      );
    }
    return {
      metric: { namespace, metricName, dimensions },
      datum: { timestamp, unit, ...parseMeasurements(datum, field) },
    };
  });
}

/** Exactly one of Value, Values (with optional Counts) and StatisticValues. */
function parseMeasurements(datum: Record<string, unknown>, field: string): Omit<StoredDatum, 'timestamp' | 'unit'> {
  const given = (['Value', 'Values', 'StatisticValues'] as const).filter((name) => datum[name] !== undefined);
  if (given.length > 1) {
    throw combination(
      `The parameters ${given.map((name) => `${field}.${name}`).join(' and ')} are mutually exclusive and you have specified more than one.`,
    );
  }
  if (datum.Counts !== undefined && datum.Values === undefined) {
    throw combination(`The parameter ${field}.Counts requires ${field}.Values.`);
  }
  if (datum.StatisticValues !== undefined) return parseStatisticSet(record(datum.StatisticValues), field);
  if (datum.Values !== undefined) return fromSamples(parseValueList(datum, field));
  if (datum.Value === undefined) throw missing(`The parameter ${field}.Value is required.`);
  return fromSamples([{ value: metricValue(datum.Value, `${field}.Value`), count: 1 }]);
}

function parseValueList(datum: Record<string, unknown>, field: string): MetricSample[] {
  if (!Array.isArray(datum.Values)) throw invalidValue(`The parameter ${field}.Values must be a list.`);
  if (datum.Values.length > MAX_VALUES_PER_DATUM) {
    throw invalidValue(`The collection ${field}.Values must not have a size greater than ${MAX_VALUES_PER_DATUM}.`);
  }
  const values = datum.Values.map((value: unknown, index) => metricValue(value, `${field}.Values.member.${index + 1}`));
  if (datum.Counts === undefined) return values.map((value) => ({ value, count: 1 }));
  if (!Array.isArray(datum.Counts) || datum.Counts.length !== values.length) {
    throw invalidValue(`The parameters ${field}.Values and ${field}.Counts must be of the same size.`);
  }
  return values.map((value, index) => {
    const count = (datum.Counts as unknown[])[index];
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) {
      throw invalidValue(`The value ${String(count)} for parameter ${field}.Counts.member.${index + 1} is invalid.`);
    }
    return { value, count };
  });
}

function fromSamples(samples: readonly MetricSample[]): Omit<StoredDatum, 'timestamp' | 'unit'> {
  const counted = samples.filter((sample) => sample.count > 0);
  if (counted.length === 0) throw invalidValue('A datum must count at least one value.');
  return {
    sampleCount: counted.reduce((sum, sample) => sum + sample.count, 0),
    sum: counted.reduce((sum, sample) => sum + sample.value * sample.count, 0),
    minimum: counted.reduce((minimum, sample) => Math.min(minimum, sample.value), Infinity),
    maximum: counted.reduce((maximum, sample) => Math.max(maximum, sample.value), -Infinity),
    samples: counted,
  };
}

function parseStatisticSet(set: Record<string, unknown>, field: string): Omit<StoredDatum, 'timestamp' | 'unit'> {
  const [sampleCount, sum, minimum, maximum] = (['SampleCount', 'Sum', 'Minimum', 'Maximum'] as const).map((name) => {
    if (set[name] === undefined) throw missing(`The parameter ${field}.StatisticValues.${name} is required.`);
    return metricValue(set[name], `${field}.StatisticValues.${name}`);
  });
  if (!(sampleCount > 0) || minimum > maximum) {
    throw invalidValue(
      `The parameter ${field}.StatisticValues is invalid: SampleCount must be positive and Minimum ≤ Maximum.`,
    );
  }
  // CloudWatch computes percentiles from a statistic set only when it stands for one repeated value.
  const single = sampleCount === 1 || minimum === maximum;
  return {
    sampleCount,
    sum,
    minimum,
    maximum,
    samples: single ? [{ value: sampleCount === 1 ? sum : minimum, count: sampleCount }] : undefined,
  };
}

/** A finite number within ±2^360; null is what NaN and ±Infinity become on the wire. */
function metricValue(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > LARGEST_VALUE) {
    throw invalidValue(`The value ${value === null ? 'NaN' : String(value)} for parameter ${field} is invalid.`);
  }
  return value;
}

export interface MetricStatisticsQuery {
  readonly metric: MetricIdentity;
  readonly start: number;
  readonly end: number;
  /** Seconds. */
  readonly period: number;
  readonly statistics: readonly Statistic[];
  readonly unit?: string;
}

export function parseGetMetricStatistics(input: unknown, now: number): MetricStatisticsQuery {
  const request = record(input);
  const namespace = requiredString(request.Namespace, 'Namespace');
  const metricName = requiredString(request.MetricName, 'MetricName');
  const dimensions = parseDimensions(request.Dimensions, 'Dimensions', invalidValue);
  if (request.StartTime === undefined) throw missing('The parameter StartTime is required.');
  if (request.EndTime === undefined) throw missing('The parameter EndTime is required.');
  if (request.Period === undefined) throw missing('The parameter Period is required.');
  const start = parseTime(request.StartTime, 'StartTime');
  const end = parseTime(request.EndTime, 'EndTime');
  const period = Number(request.Period);
  if (
    !Number.isInteger(period) ||
    period < 1 ||
    (period < 60 ? ![1, 5, 10, 20, 30].includes(period) : period % 60 !== 0)
  ) {
    throw invalidValue('The parameter Period must be 1, 5, 10, 20, 30 or a multiple of 60.');
  }
  if (start >= end) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
  const basic = stringList(request.Statistics, 'Statistics').map((name) => {
    const statistic = basicStatistic(name);
    if (statistic === undefined) throw invalidValue(`The value ${name} for parameter Statistics is invalid.`);
    return { kind: 'basic', name: statistic } as const;
  });
  const extended = stringList(request.ExtendedStatistics, 'ExtendedStatistics').map((name) => {
    const percentile = parsePercentile(name);
    if (percentile === undefined) throw invalidValue(`The value ${name} for parameter ExtendedStatistics is invalid.`);
    return { kind: 'percentile', name, percentile } as const;
  });
  if (basic.length + extended.length === 0) {
    throw combination('Must specify either Statistics or ExtendedStatistics.');
  }
  const requested = Math.ceil((end - start) / (period * 1000));
  if (requested > MAX_STATISTICS_DATAPOINTS) {
    throw combination(
      `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS}. ` +
        'You may reduce the datapoints requested by increasing Period, or decreasing the time range.',
    );
  }
  const unit = request.Unit === undefined ? undefined : String(request.Unit);
  if (unit !== undefined && !STANDARD_UNITS.has(unit))
    throw invalidValue(`The value ${unit} for parameter Unit is invalid.`);
  return {
    metric: { namespace, metricName, dimensions },
    start: alignQueryStart(start, period, now),
    end,
    period,
    statistics: [...basic, ...extended],
    unit,
  };
}

/** GetMetricStatistics rounds StartTime down: to the minute (the period, below a minute) within 15 days, to 5 minutes within 63 days, else to the hour. */
function alignQueryStart(start: number, period: number, now: number): number {
  const age = now - start;
  const stepSeconds = age <= 15 * ONE_DAY_S * 1000 ? Math.min(period, 60) : age <= 63 * ONE_DAY_S * 1000 ? 300 : 3600;
  return Math.floor(start / (stepSeconds * 1000)) * stepSeconds * 1000;
}

/** What metric and composite alarms have in common. */
interface AlarmConfigBase {
  readonly alarmName: string;
  readonly description?: string;
  readonly actionsEnabled: boolean;
  readonly alarmActions: readonly string[];
  readonly okActions: readonly string[];
  readonly insufficientDataActions: readonly string[];
}

export interface MetricAlarmConfig extends AlarmConfigBase {
  readonly metric: MetricIdentity;
  readonly statistic: Statistic;
  /** Seconds. */
  readonly period: number;
  readonly unit?: string;
  readonly evaluationPeriods: number;
  /** As given; M defaults to N when absent. */
  readonly datapointsToAlarm?: number;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  /** As given; `missing` when absent. */
  readonly treatMissingData?: TreatMissingData;
  readonly evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore';
}

/** PutMetricAlarm's input or AWS::CloudWatch::Alarm's Properties (the same names); `defaultName` if it has none. */
export function parseMetricAlarm(input: unknown, defaultName?: string): MetricAlarmConfig {
  const request = record(input);
  if (request.Metrics !== undefined) {
    throw validation('Alarms on metric math (Metrics) are not evaluated by the local CloudWatch; use MetricName.');
  }
  const alarmName = parseAlarmName(request.AlarmName ?? defaultName);
  if (request.MetricName === undefined) throw validation('MetricName is required.');
  if (request.Namespace === undefined) throw validation('Namespace is required.');
  const statistic = parseAlarmStatistic(request.Statistic, request.ExtendedStatistic);
  const period = integer(request.Period, 'Period');
  if (!(period === 10 || period === 20 || period === 30 || (period > 0 && period % 60 === 0))) {
    throw validation('Period must be 10, 20, 30 or a multiple of 60.');
  }
  const evaluationPeriods = integer(request.EvaluationPeriods, 'EvaluationPeriods');
  if (evaluationPeriods < 1) throw validation('EvaluationPeriods must be at least 1.');
  const longest = period < 3600 ? ONE_DAY_S : SEVEN_DAYS_S;
  if (period * evaluationPeriods > longest) {
    throw validation(`Period multiplied by EvaluationPeriods must not exceed ${longest} seconds.`);
  }
  const datapointsToAlarm =
    request.DatapointsToAlarm === undefined ? undefined : integer(request.DatapointsToAlarm, 'DatapointsToAlarm');
  if (datapointsToAlarm !== undefined && (datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods)) {
    throw validation('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
  }
  const threshold = Number(request.Threshold);
  if (request.Threshold === undefined || request.Threshold === null || !Number.isFinite(threshold)) {
    throw validation('Threshold is required and must be a finite number.');
  }
  const unit = optionalString(request.Unit);
  if (unit !== undefined && !STANDARD_UNITS.has(unit)) throw validation(`Unit ${unit} is not a CloudWatch unit.`);
  const evaluateLowSampleCountPercentile = optionalString(request.EvaluateLowSampleCountPercentile);
  if (
    evaluateLowSampleCountPercentile !== undefined &&
    evaluateLowSampleCountPercentile !== 'evaluate' &&
    evaluateLowSampleCountPercentile !== 'ignore'
  ) {
    throw validation('EvaluateLowSampleCountPercentile must be evaluate or ignore.');
  }
  return {
    alarmName,
    description: optionalString(request.AlarmDescription),
    actionsEnabled: parseBoolean(request.ActionsEnabled, true),
    alarmActions: stringList(request.AlarmActions, 'AlarmActions', validation),
    okActions: stringList(request.OKActions, 'OKActions', validation),
    insufficientDataActions: stringList(request.InsufficientDataActions, 'InsufficientDataActions', validation),
    metric: {
      namespace: String(request.Namespace),
      metricName: String(request.MetricName),
      dimensions: parseDimensions(request.Dimensions, 'Dimensions', validation),
    },
    statistic,
    period,
    unit,
    evaluationPeriods,
    datapointsToAlarm,
    threshold,
    comparisonOperator: oneOf(request.ComparisonOperator, COMPARISON_OPERATORS, 'ComparisonOperator'),
    treatMissingData:
      request.TreatMissingData === undefined
        ? undefined
        : oneOf(request.TreatMissingData, TREAT_MISSING_DATA, 'TreatMissingData'),
    evaluateLowSampleCountPercentile,
  };
}

function parseAlarmStatistic(statistic: unknown, extended: unknown): Statistic {
  if ((statistic === undefined) === (extended === undefined)) {
    throw validation('Exactly one of Statistic and ExtendedStatistic must be specified.');
  }
  if (statistic !== undefined) {
    const name = basicStatistic(String(statistic));
    if (name === undefined) throw validation(`Statistic ${String(statistic)} is not a CloudWatch statistic.`);
    return { kind: 'basic', name };
  }
  const percentile = parsePercentile(String(extended));
  if (percentile === undefined) {
    throw validation(`ExtendedStatistic ${String(extended)} is not supported by the local CloudWatch (pNN only).`);
  }
  return { kind: 'percentile', name: String(extended), percentile };
}

export interface CompositeAlarmConfig extends AlarmConfigBase {
  readonly alarmRule: string;
  readonly rule: AlarmRule;
}

/** PutCompositeAlarm's input or AWS::CloudWatch::CompositeAlarm's Properties; `defaultName` if it has none. */
export function parseCompositeAlarm(input: unknown, defaultName?: string): CompositeAlarmConfig {
  const request = record(input);
  const alarmName = parseAlarmName(request.AlarmName ?? defaultName);
  const alarmRule = request.AlarmRule;
  if (typeof alarmRule !== 'string' || alarmRule.length === 0) throw validation('AlarmRule is required.');
  if (alarmRule.length > 10240) throw validation('AlarmRule must be at most 10240 characters long.');
  let rule: AlarmRule;
  try {
    rule = parseAlarmRule(alarmRule);
  } catch (error) {
    if (error instanceof AlarmRuleSyntaxError) throw validation(error.message);
    throw error;
  }
  if (ruleReferences(rule).length > MAX_RULE_ALARMS) {
    throw validation(`An alarm rule can reference at most ${MAX_RULE_ALARMS} alarms.`);
  }
  return {
    alarmName,
    description: optionalString(request.AlarmDescription),
    actionsEnabled: parseBoolean(request.ActionsEnabled, true),
    alarmActions: stringList(request.AlarmActions, 'AlarmActions', validation),
    okActions: stringList(request.OKActions, 'OKActions', validation),
    insufficientDataActions: stringList(request.InsufficientDataActions, 'InsufficientDataActions', validation),
    alarmRule,
    rule,
  };
}

function parseAlarmName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
    throw validation('AlarmName is required and must be 1 to 255 characters long.');
  }
  return value;
}

function parseDimensions(value: unknown, field: string, fail: (message: string) => ServiceError): Dimension[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw fail(`The parameter ${field} must be a list.`);
  if (value.length > MAX_DIMENSIONS)
    throw fail(`The collection ${field} must not have a size greater than ${MAX_DIMENSIONS}.`);
  const names = new Set<string>();
  return value.map((item: unknown, index) => {
    const dimension = record(item);
    const member = `${field}.member.${index + 1}`;
    const name = dimension.Name;
    const dimensionValue = dimension.Value;
    if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
      throw fail(`The parameter ${member}.Name must be 1 to 255 characters long.`);
    }
    if (typeof dimensionValue !== 'string' || dimensionValue.length === 0 || dimensionValue.length > 1024) {
      throw fail(`The parameter ${member}.Value must be 1 to 1024 characters long.`);
    }
    if (names.has(name)) throw fail(`The parameter ${member}.Name has a duplicate value ${name}.`);
    names.add(name);
    return { Name: name, Value: dimensionValue };
  });
}

/** A Date, an ISO 8601 string, or a number of epoch seconds (as AWS reads numeric timestamps); epoch ms out. */
function parseTime(value: unknown, field: string): number {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value * 1000
        : typeof value === 'string'
          ? Date.parse(value)
          : NaN;
  if (!Number.isFinite(ms)) throw invalidValue(`The value ${String(value)} for parameter ${field} is not a timestamp.`);
  return ms;
}

function integer(value: unknown, field: string): number {
  const number = Number(value);
  if (value === undefined || value === null || !Number.isInteger(number)) {
    throw validation(`${field} is required and must be an integer.`);
  }
  return number;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw validation(`${field} must be one of ${allowed.join(', ')}; got ${String(value)}.`);
  return found;
}

function parseBoolean(value: unknown, absent: boolean): boolean {
  if (value === undefined) return absent;
  return value === true || value === 'true';
}

function stringList(value: unknown, field: string, fail = invalidValue): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw fail(`The parameter ${field} must be a list of strings.`);
  }
  return value;
}

function requiredString(value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') throw missing(`The parameter ${field} is required.`);
  if (typeof value !== 'string') throw invalidValue(`The parameter ${field} must be a string.`);
  return value;
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

export function validation(message: string): ServiceError {
  return new ServiceError(CloudWatchErrors.Validation, message);
}

function invalidValue(message: string): ServiceError {
  return new ServiceError(CloudWatchErrors.InvalidParameterValue, message);
}

function combination(message: string): ServiceError {
  return new ServiceError(CloudWatchErrors.InvalidParameterCombination, message);
}

function missing(message: string): ServiceError {
  return new ServiceError(CloudWatchErrors.MissingParameter, message);
}
