/**
 * What the local CloudWatch says about a state change, shaped as CloudWatch does: the "CloudWatch Alarm State Change"
 * EventBridge event (CloudWatch User Guide, "Alarm events and EventBridge"), its state reasons ("Threshold Crossed:
 * 2 out of the last 3 datapoints [...] were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM
 * transition).") and reason data, and the timestamp formats of each field.
 */
import { createHash } from 'node:crypto';
import type { AlarmStateValue, TreatMissingData } from './evaluation';
import type { Dimension } from './metric-store';

export interface AlarmStateDetail {
  readonly value: AlarmStateValue;
  readonly reason: string;
  /** A JSON document. */
  readonly reasonData?: string;
  /** `2024-06-01T00:05:00.000+0000`. */
  readonly timestamp: string;
}

export interface MetricAlarmEventConfiguration {
  readonly description?: string;
  readonly metrics: readonly {
    readonly id: string;
    readonly metricStat: {
      readonly metric: {
        readonly dimensions: Readonly<Record<string, string>>;
        readonly name: string;
        readonly namespace: string;
      };
      readonly period: number;
      readonly stat: string;
      readonly unit?: string;
    };
    readonly returnData: true;
  }[];
}

export interface CompositeAlarmEventConfiguration {
  readonly description?: string;
  readonly alarmRule: string;
}

/** The EventBridge event CloudWatch sends when an alarm changes state. */
export interface AlarmStateChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'CloudWatch Alarm State Change';
  readonly source: 'aws.cloudwatch';
  readonly account: string;
  /** `2024-06-01T00:05:00Z`. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly [string];
  readonly detail: {
    readonly alarmName: string;
    readonly state: AlarmStateDetail;
    readonly previousState: AlarmStateDetail;
    readonly configuration: MetricAlarmEventConfiguration | CompositeAlarmEventConfiguration;
  };
}

/** `2024-06-01T00:05:00.000+0000`, as in state timestamps and reason data. */
export function awsTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000');
}

/** `2024-06-01T00:05:00Z`, as in an event's `time`. */
export function eventTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

/** A UUID-shaped id derived from `seed`, so that runs replay with the same ids. */
export function stableId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A number as CloudWatch (Java) prints it in reasons: `5.0`, `0.25`, `1.0E7`. */
export function javaDouble(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e7 || magnitude < 1e-3)) {
    const [mantissa, exponent] = value.toExponential().split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

const COMPARISON_PHRASES: Readonly<Record<string, string>> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** A datapoint of the evaluation as reasons list it. */
export interface ReasonDatapoint {
  /** Start of its period, epoch ms. */
  readonly periodStart: number;
  readonly value: number;
  readonly sampleCount: number;
  readonly breaching: boolean;
}

export interface ThresholdReasonInput {
  readonly previous: AlarmStateValue;
  readonly next: 'OK' | 'ALARM';
  /** Real datapoints evaluated, oldest first. */
  readonly datapoints: readonly ReasonDatapoint[];
  /** Missing datapoints filled in with the TreatMissingData value. */
  readonly filled: number;
  readonly treatMissingData: TreatMissingData;
  readonly comparisonOperator: string;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

/** The reason of a transition to OK or ALARM decided by datapoints. */
export function thresholdReason(input: ThresholdReasonInput): string {
  const toAlarm = input.next === 'ALARM';
  const phrase = `${toAlarm ? '' : 'not '}${COMPARISON_PHRASES[input.comparisonOperator]} the threshold (${javaDouble(input.threshold)})`;
  // An OK transition needs enough non-breaching datapoints that fewer than M can breach.
  const minimum = toAlarm ? input.datapointsToAlarm : input.evaluationPeriods - input.datapointsToAlarm + 1;
  const transition = `(minimum ${plural(minimum, 'datapoint')} for ${input.previous} -> ${input.next} transition)`;
  const fill = input.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
  if (input.datapoints.length === 0) {
    return (
      `Threshold Crossed: no datapoints were received for ${plural(input.filled, 'period')} and ` +
      `${plural(input.filled, 'missing datapoint')} ${wasWere(input.filled)} treated as [${fill}].`
    );
  }
  const supporting = input.datapoints.filter((datapoint) => datapoint.breaching === toAlarm).reverse();
  const listed = supporting.map((datapoint) => `${javaDouble(datapoint.value)} (${reasonDate(datapoint.periodStart)})`);
  const filled =
    input.filled > 0
      ? ` and ${plural(input.filled, 'missing datapoint')} ${wasWere(input.filled)} treated as [${fill}]`
      : '';
  return (
    `Threshold Crossed: ${supporting.length} out of the last ${input.datapoints.length} datapoints ` +
    `[${listed.join(', ')}] ${wasWere(supporting.length)} ${phrase}${filled} ${transition}.`
  );
}

/** The reason of a transition to INSUFFICIENT_DATA. */
export function insufficientDataReason(unknown: number): string {
  return `Insufficient Data: ${plural(unknown, 'datapoint')} ${wasWere(unknown)} unknown.`;
}

export interface ThresholdReasonData {
  readonly queryDate: number;
  readonly statistic: string;
  readonly unit?: string;
  readonly period: number;
  readonly threshold: number;
  /** Start of the oldest period evaluated. */
  readonly startDate: number;
  readonly datapoints: readonly ReasonDatapoint[];
}

/** A metric alarm's `reasonData` document. */
export function thresholdReasonData(input: ThresholdReasonData): string {
  return JSON.stringify({
    version: '1.0',
    queryDate: awsTimestamp(input.queryDate),
    startDate: awsTimestamp(input.startDate),
    statistic: input.statistic,
    ...(input.unit === undefined ? {} : { unit: input.unit }),
    period: input.period,
    recentDatapoints: input.datapoints.map((datapoint) => datapoint.value),
    threshold: input.threshold,
    evaluatedDatapoints: [...input.datapoints].reverse().map((datapoint) => ({
      timestamp: awsTimestamp(datapoint.periodStart),
      sampleCount: datapoint.sampleCount,
      value: datapoint.value,
    })),
  });
}

/** A composite alarm's `reasonData` document: the alarms whose states made it change. */
export function compositeReasonData(
  triggering: readonly { readonly arn: string; readonly value: AlarmStateValue; readonly timestamp: number }[],
): string {
  return JSON.stringify({
    triggeringAlarms: triggering.map((alarm) => ({
      arn: alarm.arn,
      state: { value: alarm.value, timestamp: awsTimestamp(alarm.timestamp) },
    })),
  });
}

/** `arn:…:alarm:Child transitioned to ALARM at Saturday 01 June, 2024 00:05:00 UTC`. */
export function compositeTransitionReason(childArn: string, value: AlarmStateValue, at: number): string {
  const date = new Date(at);
  const weekday = date.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
  const month = date.toLocaleDateString('en-US', { month: 'long', timeZone: 'UTC' });
  const day = String(date.getUTCDate()).padStart(2, '0');
  const time = date.toISOString().slice(11, 19);
  return `${childArn} transitioned to ${value} at ${weekday} ${day} ${month}, ${date.getUTCFullYear()} ${time} UTC`;
}

export function metricEventConfiguration(alarm: {
  readonly arn: string;
  readonly description?: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
  readonly period: number;
  readonly stat: string;
  readonly unit?: string;
}): MetricAlarmEventConfiguration {
  return {
    ...(alarm.description === undefined ? {} : { description: alarm.description }),
    metrics: [
      {
        id: stableId(`${alarm.arn}/metric`),
        metricStat: {
          metric: {
            dimensions: Object.fromEntries(alarm.dimensions.map((dimension) => [dimension.Name, dimension.Value])),
            name: alarm.metricName,
            namespace: alarm.namespace,
          },
          period: alarm.period,
          stat: alarm.stat,
          ...(alarm.unit === undefined ? {} : { unit: alarm.unit }),
        },
        returnData: true,
      },
    ],
  };
}

/** `dd/MM/yy HH:mm:ss` in UTC, as datapoints are dated in reasons. */
function reasonDate(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function wasWere(count: number): string {
  return count === 1 ? 'was' : 'were';
}
