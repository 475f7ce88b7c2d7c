/**
 * The request and response shapes of the CloudWatch actions the local CloudWatch serves, as the AWS SDK v3 has them
 * (the subset Warden uses), declared here so that the emulator's types do not depend on the SDK package.
 */
import type { AlarmStateValue, TreatMissingData } from './evaluation';

export interface DimensionInput {
  readonly Name: string;
  readonly Value: string;
}

/** A Date, an ISO 8601 string (what a Date becomes on the wire) or epoch seconds. */
export type TimestampInput = Date | string | number;

export interface MetricDatumInput {
  readonly MetricName: string;
  readonly Dimensions?: readonly DimensionInput[];
  /** null is how NaN and ±Infinity arrive after the wire copy; rejected like them. */
  readonly Value?: number | null;
  readonly Values?: readonly number[];
  readonly Counts?: readonly number[];
  readonly StatisticValues?: {
    readonly SampleCount: number;
    readonly Sum: number;
    readonly Minimum: number;
    readonly Maximum: number;
  };
  readonly Timestamp?: TimestampInput;
  readonly Unit?: string;
  readonly StorageResolution?: number;
}

export interface PutMetricDataInput {
  readonly Namespace: string;
  readonly MetricData: readonly MetricDatumInput[];
}

export interface GetMetricStatisticsInput {
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions?: readonly DimensionInput[];
  readonly StartTime: TimestampInput;
  readonly EndTime: TimestampInput;
  /** Seconds. */
  readonly Period: number;
  readonly Statistics?: readonly string[];
  readonly ExtendedStatistics?: readonly string[];
  readonly Unit?: string;
}

export interface StatisticsDatapoint {
  /** Start of the period. */
  readonly Timestamp: Date;
  readonly SampleCount?: number;
  readonly Average?: number;
  readonly Sum?: number;
  readonly Minimum?: number;
  readonly Maximum?: number;
  readonly Unit: string;
  readonly ExtendedStatistics?: Readonly<Record<string, number>>;
}

export interface GetMetricStatisticsOutput {
  readonly Label: string;
  /** Periods with data, oldest first. */
  readonly Datapoints: StatisticsDatapoint[];
}

/**
 * PutMetricAlarm's input, and equally the Properties of an `AWS::CloudWatch::Alarm` (same names; CloudFormation may
 * give numbers and booleans as strings).
 */
export interface MetricAlarmProperties {
  /** Required by PutMetricAlarm; CloudFormation generates one when absent. */
  readonly AlarmName?: string;
  readonly AlarmDescription?: string;
  /** @default true */
  readonly ActionsEnabled?: boolean | string;
  readonly AlarmActions?: readonly string[];
  readonly OKActions?: readonly string[];
  readonly InsufficientDataActions?: readonly string[];
  readonly MetricName?: string;
  readonly Namespace?: string;
  readonly Dimensions?: readonly DimensionInput[];
  /** `SampleCount`, `Average`, `Sum`, `Minimum` or `Maximum`; exclusive with ExtendedStatistic. */
  readonly Statistic?: string;
  /** A percentile, `p0` … `p100` (e.g. `p99`, `p99.9`). */
  readonly ExtendedStatistic?: string;
  /** Seconds: 10, 20, 30 or a multiple of 60. */
  readonly Period?: number | string;
  /** N. */
  readonly EvaluationPeriods?: number | string;
  /** M. @default EvaluationPeriods */
  readonly DatapointsToAlarm?: number | string;
  readonly Threshold?: number | string;
  readonly ComparisonOperator?: string;
  /** @default 'missing' */
  readonly TreatMissingData?: TreatMissingData | string;
  /** For percentile alarms: `ignore` keeps the state while a period has too few samples. @default 'evaluate' */
  readonly EvaluateLowSampleCountPercentile?: string;
  readonly Unit?: string;
}

/** PutCompositeAlarm's input, and equally the Properties of an `AWS::CloudWatch::CompositeAlarm`. */
export interface CompositeAlarmProperties {
  /** Required by PutCompositeAlarm; CloudFormation generates one when absent. */
  readonly AlarmName?: string;
  readonly AlarmRule?: string;
  readonly AlarmDescription?: string;
  /** @default true */
  readonly ActionsEnabled?: boolean | string;
  readonly AlarmActions?: readonly string[];
  readonly OKActions?: readonly string[];
  readonly InsufficientDataActions?: readonly string[];
}

export type AlarmType = 'MetricAlarm' | 'CompositeAlarm';

export interface DescribeAlarmsInput {
  /** At most 100. */
  readonly AlarmNames?: readonly string[];
  readonly AlarmNamePrefix?: string;
  /** @default ['MetricAlarm'] — as in CloudWatch, composite alarms are listed only when asked for. */
  readonly AlarmTypes?: readonly AlarmType[];
  readonly StateValue?: AlarmStateValue;
  readonly ActionPrefix?: string;
}

interface AlarmDescriptionBase {
  readonly AlarmName: string;
  readonly AlarmArn: string;
  readonly AlarmDescription?: string;
  readonly AlarmConfigurationUpdatedTimestamp: Date;
  readonly ActionsEnabled: boolean;
  readonly AlarmActions: string[];
  readonly OKActions: string[];
  readonly InsufficientDataActions: string[];
  readonly StateValue: AlarmStateValue;
  readonly StateReason: string;
  readonly StateReasonData?: string;
  readonly StateUpdatedTimestamp: Date;
  readonly StateTransitionedTimestamp: Date;
}

export interface MetricAlarmDescription extends AlarmDescriptionBase {
  readonly MetricName: string;
  readonly Namespace: string;
  readonly Statistic?: string;
  readonly ExtendedStatistic?: string;
  readonly Dimensions: DimensionInput[];
  readonly Period: number;
  readonly Unit?: string;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly TreatMissingData?: string;
  readonly EvaluateLowSampleCountPercentile?: string;
}

export interface CompositeAlarmDescription extends AlarmDescriptionBase {
  readonly AlarmRule: string;
}

export interface DescribeAlarmsOutput {
  /** Sorted by name. */
  readonly MetricAlarms: MetricAlarmDescription[];
  /** Sorted by name. */
  readonly CompositeAlarms: CompositeAlarmDescription[];
}

export interface SetAlarmStateInput {
  readonly AlarmName: string;
  readonly StateValue: AlarmStateValue | string;
  readonly StateReason: string;
  /** A JSON document. */
  readonly StateReasonData?: string;
}

export interface DeleteAlarmsInput {
  readonly AlarmNames: readonly string[];
}

/** What `client(region)` returns: one method per action, for `commandSender('CloudWatch', …)`. */
export interface CloudWatchActions {
  PutMetricData(input: PutMetricDataInput): Promise<object>;
  GetMetricStatistics(input: GetMetricStatisticsInput): Promise<GetMetricStatisticsOutput>;
  PutMetricAlarm(input: MetricAlarmProperties): Promise<object>;
  PutCompositeAlarm(input: CompositeAlarmProperties): Promise<object>;
  DescribeAlarms(input?: DescribeAlarmsInput): Promise<DescribeAlarmsOutput>;
  SetAlarmState(input: SetAlarmStateInput): Promise<object>;
  DeleteAlarms(input: DeleteAlarmsInput): Promise<object>;
}
