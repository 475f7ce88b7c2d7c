/**
 * The local CloudWatch: per region, a metric store and the metric and composite alarms of the synthesized template,
 * evaluated on the virtual clock the way CloudWatch evaluates them, each state change sent on as CloudWatch's
 * "CloudWatch Alarm State Change" EventBridge event.
 *
 * A metric alarm is evaluated when it is created or updated and then at every boundary of its period (multiples of
 * the period since the epoch, so a 5-minute alarm evaluates at :00, :05, …). Each evaluation looks at the most recent
 * complete periods — the evaluation range, see `cloudwatch/evaluation.ts` for its length and the M-of-N and
 * missing-data rules — and computes the alarm's statistic over each period's datapoints (`cloudwatch/metric-store.ts`
 * defines the percentile). As in CloudWatch, alarms on `AWS/DynamoDB` metrics always ignore missing data, and
 * SetAlarmState holds only until the next evaluation. A composite alarm is evaluated when it is created or updated
 * and whenever an alarm its rule references changes state; rule true is ALARM, false is OK.
 *
 * Clients (`client(region)`, for `commandSender`) are validated as CloudWatch validates its API; `record` is how the
 * other emulators publish their service metrics (`AWS/SageMaker`, …), which clients may not.
 */
import type { Cancel, VirtualClock } from '../runtime/clock';
import { ServiceError } from './service';
import type {
  CloudWatchActions,
  CompositeAlarmDescription,
  CompositeAlarmProperties,
  DescribeAlarmsInput,
  DescribeAlarmsOutput,
  DeleteAlarmsInput,
  GetMetricStatisticsInput,
  GetMetricStatisticsOutput,
  MetricAlarmDescription,
  MetricAlarmProperties,
  PutMetricDataInput,
  SetAlarmStateInput,
  StatisticsDatapoint,
} from './cloudwatch/api';
import { evaluateAlarmRule, ruleReferences } from './cloudwatch/alarm-rule';
import {
  type AlarmDecision,
  type AlarmStateValue,
  decideAlarmState,
  evaluationRangeLength,
  type TreatMissingData,
} from './cloudwatch/evaluation';
import {
  type AlarmStateChangeEvent,
  awsTimestamp,
  compositeReasonData,
  compositeTransitionReason,
  eventTime,
  insufficientDataReason,
  metricEventConfiguration,
  type ReasonDatapoint,
  stableId,
  thresholdReason,
  thresholdReasonData,
} from './cloudwatch/events';
import {
  ALARM_STATES,
  CloudWatchErrors,
  type CompositeAlarmConfig,
  type MetricAlarmConfig,
  parseCompositeAlarm,
  parseGetMetricStatistics,
  parseMetricAlarm,
  parsePutMetricData,
  validation,
} from './cloudwatch/inputs';
import { type Dimension, MetricStore, type Statistic, statisticValue } from './cloudwatch/metric-store';

export type { AlarmStateChangeEvent } from './cloudwatch/events';
export type { AlarmStateValue, TreatMissingData } from './cloudwatch/evaluation';
export type * from './cloudwatch/api';
export { CloudWatchErrors } from './cloudwatch/inputs';

export interface LocalCloudWatchOptions {
  /** The account in alarm ARNs and events. */
  readonly account: string;
  /** Alarms are evaluated on it; datapoints without a timestamp are dated by it. */
  readonly clock: VirtualClock;
  /** Receives every alarm state change as CloudWatch's EventBridge event; awaited, one change after the other. */
  readonly onAlarmStateChange: (region: string, event: AlarmStateChangeEvent) => void | Promise<void>;
}

/** One state change, as the history keeps it. */
export interface AlarmHistoryEntry {
  readonly region: string;
  readonly alarmName: string;
  readonly alarmType: 'MetricAlarm' | 'CompositeAlarm';
  /** Virtual epoch milliseconds. */
  readonly time: number;
  readonly previousState: AlarmStateValue;
  readonly state: AlarmStateValue;
  readonly reason: string;
  /** The event sent for it. */
  readonly event: AlarmStateChangeEvent;
}

/** Names an alarm as CloudFormation's `Ref` (the name) and `Fn::GetAtt … Arn` do. */
export interface AlarmReference {
  readonly alarmName: string;
  readonly alarmArn: string;
}

/** CloudWatch's default quota of alarms per region. */
const MAX_ALARMS_PER_REGION = 5000;
const INITIAL_REASON = 'Unchecked: Initial alarm creation';

interface AlarmStatus {
  readonly value: AlarmStateValue;
  readonly reason: string;
  readonly reasonData?: string;
  /** Virtual epoch ms of the last state update. */
  readonly at: number;
}

interface MetricAlarmRecord {
  readonly type: 'MetricAlarm';
  readonly arn: string;
  config: MetricAlarmConfig;
  configuredAt: number;
  state: AlarmStatus;
  stopEvaluating: Cancel;
}

interface CompositeAlarmRecord {
  readonly type: 'CompositeAlarm';
  readonly arn: string;
  config: CompositeAlarmConfig;
  configuredAt: number;
  state: AlarmStatus;
  /** Names of the alarms its rule references. */
  children: readonly string[];
}

type AlarmRecord = MetricAlarmRecord | CompositeAlarmRecord;

interface Region {
  readonly metrics: MetricStore;
  readonly alarms: Map<string, AlarmRecord>;
}

/** A state change decided but not yet sent. */
type PendingEvents = AlarmStateChangeEvent[];

export class LocalCloudWatch {
  private readonly regions = new Map<string, Region>();
  private readonly log: AlarmHistoryEntry[] = [];
  private eventCount = 0;

  constructor(private readonly options: LocalCloudWatchOptions) {}

  /** An SDK-shaped client of `region`, for `commandSender('CloudWatch', cloudWatch.client(region))`. */
  client(region: string): CloudWatchActions {
    return {
      PutMetricData: async (input: PutMetricDataInput) => {
        const metrics = this.region(region).metrics;
        for (const { metric, datum } of parsePutMetricData(input, this.options.clock.now())) metrics.add(metric, datum);
        return {};
      },
      GetMetricStatistics: async (input: GetMetricStatisticsInput) => this.getMetricStatistics(region, input),
      PutMetricAlarm: async (input: MetricAlarmProperties) => {
        if (input?.AlarmName === undefined) throw validation('AlarmName is required.');
        await this.defineAlarm(region, input);
        return {};
      },
      PutCompositeAlarm: async (input: CompositeAlarmProperties) => {
        if (input?.AlarmName === undefined) throw validation('AlarmName is required.');
        await this.defineCompositeAlarm(region, input);
        return {};
      },
      DescribeAlarms: async (input?: DescribeAlarmsInput) => this.describeAlarms(region, input ?? {}),
      SetAlarmState: async (input: SetAlarmStateInput) => {
        await this.setAlarmState(region, input);
        return {};
      },
      DeleteAlarms: async (input: DeleteAlarmsInput) => {
        this.deleteAlarms(region, input);
        return {};
      },
    };
  }

  /**
   * Publishes a service metric without the client validation, so that emulators can publish under `AWS/…`.
   * @param dimensions `{ EndpointName: 'e', VariantName: 'v' }` or `[{ Name, Value }]`.
   * @param timestamp virtual epoch ms or a Date. @default the clock's now
   * @param unit a CloudWatch unit. @default 'None'
   */
  record(
    region: string,
    namespace: string,
    metricName: string,
    dimensions: Readonly<Record<string, string>> | readonly Dimension[],
    value: number,
    timestamp: number | Date = this.options.clock.now(),
    unit = 'None',
  ): void {
    if (!Number.isFinite(value)) throw new RangeError(`A metric value must be finite, got ${value} for ${metricName}.`);
    const list = Array.isArray(dimensions)
      ? (dimensions as readonly Dimension[])
      : Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }));
    this.region(region).metrics.add(
      { namespace, metricName, dimensions: list },
      {
        timestamp: timestamp instanceof Date ? timestamp.getTime() : timestamp,
        unit,
        sampleCount: 1,
        sum: value,
        minimum: value,
        maximum: value,
        samples: [{ value, count: 1 }],
      },
    );
  }

  /**
   * Creates or updates a metric alarm from PutMetricAlarm's input or an `AWS::CloudWatch::Alarm`'s resolved
   * Properties, and evaluates it at once. An update keeps the alarm's state.
   * @param defaultName the name when the properties have none (CloudFormation's generated physical name).
   */
  async defineAlarm(region: string, properties: MetricAlarmProperties, defaultName?: string): Promise<AlarmReference> {
    const config = parseMetricAlarm(properties, defaultName);
    const alarms = this.region(region).alarms;
    const name = config.alarmName;
    const existing = this.existingOfType(region, name, 'MetricAlarm');
    const now = this.options.clock.now();
    let alarm: MetricAlarmRecord;
    if (existing === undefined) {
      this.checkQuota(alarms);
      alarm = {
        type: 'MetricAlarm',
        arn: this.alarmArn(region, name),
        config,
        configuredAt: now,
        state: { value: 'INSUFFICIENT_DATA', reason: INITIAL_REASON, at: now },
        stopEvaluating: () => undefined,
      };
      alarms.set(name, alarm);
    } else {
      alarm = existing;
      alarm.stopEvaluating();
      alarm.config = config;
      alarm.configuredAt = now;
    }
    const periodMs = config.period * 1000;
    const evaluated = alarm;
    alarm.stopEvaluating = this.options.clock.every(
      periodMs,
      (at) => this.settle(region, (pending) => this.evaluateMetricAlarm(region, evaluated, at, pending)),
      Math.floor(now / periodMs) * periodMs + periodMs,
    );
    await this.settle(region, (pending) => this.evaluateMetricAlarm(region, evaluated, now, pending));
    return { alarmName: name, alarmArn: alarm.arn };
  }

  /**
   * Creates or updates a composite alarm from PutCompositeAlarm's input or an `AWS::CloudWatch::CompositeAlarm`'s
   * resolved Properties, and evaluates it at once. Every alarm the rule references must exist in the region.
   * @param defaultName the name when the properties have none (CloudFormation's generated physical name).
   */
  async defineCompositeAlarm(
    region: string,
    properties: CompositeAlarmProperties,
    defaultName?: string,
  ): Promise<AlarmReference> {
    const config = parseCompositeAlarm(properties, defaultName);
    const alarms = this.region(region).alarms;
    const name = config.alarmName;
    const existing = this.existingOfType(region, name, 'CompositeAlarm');
    const children = this.resolveChildren(region, name, ruleReferences(config.rule));
    const now = this.options.clock.now();
    let alarm: CompositeAlarmRecord;
    if (existing === undefined) {
      this.checkQuota(alarms);
      alarm = {
        type: 'CompositeAlarm',
        arn: this.alarmArn(region, name),
        config,
        configuredAt: now,
        state: { value: 'INSUFFICIENT_DATA', reason: INITIAL_REASON, at: now },
        children,
      };
      alarms.set(name, alarm);
    } else {
      alarm = existing;
      alarm.config = config;
      alarm.configuredAt = now;
      alarm.children = children;
    }
    const cause = existing === undefined ? 'created' : 'updated';
    await this.settle(region, (pending) => this.evaluateComposite(region, alarm, { cause }, pending));
    return { alarmName: name, alarmArn: alarm.arn };
  }

  /** The current state of an alarm (metric or composite); ResourceNotFound if there is none of that name. */
  alarmState(region: string, alarmName: string): AlarmStateValue {
    return this.alarm(region, alarmName).state.value;
  }

  /** State changes in the order they happened, optionally of one region and one alarm. */
  history(region?: string, alarmName?: string): AlarmHistoryEntry[] {
    return this.log.filter(
      (entry) =>
        (region === undefined || entry.region === region) && (alarmName === undefined || entry.alarmName === alarmName),
    );
  }

  alarmArn(region: string, alarmName: string): string {
    return `arn:${partition(region)}:cloudwatch:${region}:${this.options.account}:alarm:${alarmName}`;
  }

  /** Stops evaluating every alarm (the clock keeps no timer of this CloudWatch). */
  close(): void {
    for (const { alarms } of this.regions.values()) {
      for (const alarm of alarms.values()) if (alarm.type === 'MetricAlarm') alarm.stopEvaluating();
    }
  }

  private region(region: string): Region {
    let found = this.regions.get(region);
    if (found === undefined) {
      found = { metrics: new MetricStore(), alarms: new Map() };
      this.regions.set(region, found);
    }
    return found;
  }

  private alarm(region: string, alarmName: string): AlarmRecord {
    const alarm = this.regions.get(region)?.alarms.get(alarmName);
    if (alarm === undefined) {
      throw new ServiceError(CloudWatchErrors.ResourceNotFound, `Alarm ${alarmName} does not exist in ${region}.`);
    }
    return alarm;
  }

  private existingOfType<T extends AlarmRecord['type']>(
    region: string,
    name: string,
    type: T,
  ): Extract<AlarmRecord, { type: T }> | undefined {
    const existing = this.region(region).alarms.get(name);
    if (existing === undefined) return undefined;
    if (existing.type !== type) throw validation(`An alarm named ${name} already exists and is a ${existing.type}.`);
    return existing as Extract<AlarmRecord, { type: T }>;
  }

  private checkQuota(alarms: Map<string, AlarmRecord>): void {
    if (alarms.size >= MAX_ALARMS_PER_REGION) {
      throw new ServiceError(
        CloudWatchErrors.LimitExceeded,
        `The maximum number of alarms (${MAX_ALARMS_PER_REGION}) in this region has been reached.`,
      );
    }
  }

  /** Decides state changes (`decide` pushes their events), then sends the events in order. */
  private async settle(region: string, decide: (pending: PendingEvents) => void): Promise<void> {
    const pending: PendingEvents = [];
    decide(pending);
    for (const event of pending) await this.options.onAlarmStateChange(region, event);
  }

  private evaluateMetricAlarm(region: string, alarm: MetricAlarmRecord, at: number, pending: PendingEvents): void {
    if (this.regions.get(region)?.alarms.get(alarm.config.alarmName) !== alarm) return;
    const { config } = alarm;
    const periodMs = config.period * 1000;
    const lastEnd = Math.floor(at / periodMs) * periodMs;
    const evaluationPeriods = config.evaluationPeriods;
    const datapointsToAlarm = config.datapointsToAlarm ?? evaluationPeriods;
    const length = evaluationRangeLength(evaluationPeriods);
    const range: (ReasonDatapoint | undefined)[] = [];
    for (let age = length; age >= 1; age--) {
      const periodStart = lastEnd - age * periodMs;
      range.push(this.periodDatapoint(region, config, periodStart));
    }
    // CloudWatch: alarms on AWS/DynamoDB metrics always ignore missing data.
    const treatMissingData: TreatMissingData =
      config.metric.namespace === 'AWS/DynamoDB' ? 'ignore' : (config.treatMissingData ?? 'missing');
    const decision = decideAlarmState(
      range.map((point) => (point === undefined ? 'missing' : point.breaching ? 'breaching' : 'notBreaching')),
      { evaluationPeriods, datapointsToAlarm, treatMissingData },
    );
    if (decision.outcome === 'keep' || decision.state === alarm.state.value) return;
    const evaluated = decision.evaluated.flatMap((index) => range[index] ?? []);
    if (this.tooFewSamples(config, evaluated)) return;
    const reasonData = thresholdReasonData({
      queryDate: at,
      statistic: config.statistic.name,
      unit: config.unit,
      period: config.period,
      threshold: config.threshold,
      startDate: evaluated[0]?.periodStart ?? lastEnd - evaluationPeriods * periodMs,
      datapoints: evaluated,
    });
    const reason = this.metricReason(alarm, decision, evaluated, treatMissingData, datapointsToAlarm);
    this.changeState(region, alarm, { value: decision.state, reason, reasonData, at }, pending);
  }

  /** The alarm's statistic over one period, classified against the threshold; undefined when missing. */
  private periodDatapoint(region: string, config: MetricAlarmConfig, periodStart: number): ReasonDatapoint | undefined {
    const periodEnd = periodStart + config.period * 1000;
    const aggregate = this.region(region).metrics.aggregate(config.metric, periodStart, periodEnd, config.unit);
    const value = aggregate === undefined ? undefined : statisticValue(aggregate, config.statistic);
    if (aggregate === undefined || value === undefined) return undefined;
    return {
      periodStart,
      value,
      sampleCount: aggregate.sampleCount,
      breaching: breaches(value, config.comparisonOperator, config.threshold),
    };
  }

  /**
   * EvaluateLowSampleCountPercentile `ignore`: no state change while a percentile datapoint has fewer samples than
   * CloudWatch deems significant, 10 / (1 − q) for q ≥ 0.5 and 10 / q below (q = percentile / 100; p0 and p100 are
   * always significant).
   */
  private tooFewSamples(config: MetricAlarmConfig, evaluated: readonly ReasonDatapoint[]): boolean {
    const statistic: Statistic = config.statistic;
    if (statistic.kind !== 'percentile' || config.evaluateLowSampleCountPercentile !== 'ignore') return false;
    const percentile = statistic.percentile;
    if (percentile <= 0 || percentile >= 100) return false;
    // In percent points, so that p90 needs exactly 100 samples rather than 10 / 0.09999999999999998.
    const needed = percentile >= 50 ? 1000 / (100 - percentile) : 1000 / percentile;
    return evaluated.some((datapoint) => datapoint.sampleCount < needed);
  }

  private metricReason(
    alarm: MetricAlarmRecord,
    decision: Extract<AlarmDecision, { outcome: 'state' }>,
    evaluated: readonly ReasonDatapoint[],
    treatMissingData: TreatMissingData,
    datapointsToAlarm: number,
  ): string {
    const { config } = alarm;
    if (decision.state === 'INSUFFICIENT_DATA') {
      return insufficientDataReason(config.evaluationPeriods - evaluated.length);
    }
    return thresholdReason({
      previous: alarm.state.value,
      next: decision.state,
      datapoints: evaluated,
      filled: decision.filled,
      treatMissingData,
      comparisonOperator: config.comparisonOperator,
      threshold: config.threshold,
      evaluationPeriods: config.evaluationPeriods,
      datapointsToAlarm,
    });
  }

  private evaluateComposite(
    region: string,
    alarm: CompositeAlarmRecord,
    trigger: { readonly cause: 'created' | 'updated' } | { readonly cause: 'child'; readonly child: AlarmRecord },
    pending: PendingEvents,
  ): void {
    const alarms = this.region(region).alarms;
    const stateOf = (reference: string): AlarmStateValue => {
      const name = this.referencedName(region, reference);
      return (name === undefined ? undefined : alarms.get(name)?.state.value) ?? 'INSUFFICIENT_DATA';
    };
    const value: AlarmStateValue = evaluateAlarmRule(alarm.config.rule, stateOf) ? 'ALARM' : 'OK';
    if (value === alarm.state.value) return;
    const at = this.options.clock.now();
    const triggering =
      trigger.cause === 'child' ? [trigger.child] : alarm.children.flatMap((child) => alarms.get(child) ?? []);
    const reason =
      trigger.cause === 'child'
        ? compositeTransitionReason(trigger.child.arn, trigger.child.state.value, trigger.child.state.at)
        : `${alarm.arn} was ${trigger.cause} and its alarm rule evaluates to ${value}`;
    const reasonData = compositeReasonData(
      triggering.map((child) => ({ arn: child.arn, value: child.state.value, timestamp: child.state.at })),
    );
    this.changeState(region, alarm, { value, reason, reasonData, at }, pending);
  }

  /** Records a state change, queues its event, and re-evaluates the composite alarms that reference the alarm. */
  private changeState(region: string, alarm: AlarmRecord, next: AlarmStatus, pending: PendingEvents): void {
    if (next.value === alarm.state.value) return;
    const previous = alarm.state;
    alarm.state = next;
    const event = this.stateChangeEvent(region, alarm, previous);
    this.log.push({
      region,
      alarmName: alarm.config.alarmName,
      alarmType: alarm.type,
      time: next.at,
      previousState: previous.value,
      state: next.value,
      reason: next.reason,
      event,
    });
    pending.push(event);
    for (const parent of this.region(region).alarms.values()) {
      if (parent.type === 'CompositeAlarm' && parent.children.includes(alarm.config.alarmName)) {
        this.evaluateComposite(region, parent, { cause: 'child', child: alarm }, pending);
      }
    }
  }

  private stateChangeEvent(region: string, alarm: AlarmRecord, previous: AlarmStatus): AlarmStateChangeEvent {
    const { config } = alarm;
    const configuration =
      alarm.type === 'MetricAlarm'
        ? metricEventConfiguration({
            arn: alarm.arn,
            description: alarm.config.description,
            namespace: alarm.config.metric.namespace,
            metricName: alarm.config.metric.metricName,
            dimensions: alarm.config.metric.dimensions,
            period: alarm.config.period,
            stat: alarm.config.statistic.name,
            unit: alarm.config.unit,
          })
        : {
            ...(config.description === undefined ? {} : { description: config.description }),
            alarmRule: alarm.config.alarmRule,
          };
    return {
      version: '0',
      id: stableId(`${this.options.account}/${region}/${alarm.arn}/${++this.eventCount}`),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: this.options.account,
      time: eventTime(alarm.state.at),
      region,
      resources: [alarm.arn],
      detail: {
        alarmName: config.alarmName,
        state: stateDetail(alarm.state),
        previousState: stateDetail(previous),
        configuration,
      },
    };
  }

  /** The names of a composite's references; ValidationError for unknown ones, itself, and cycles. */
  private resolveChildren(region: string, compositeName: string, references: readonly string[]): string[] {
    const alarms = this.region(region).alarms;
    const names = references.map((reference) => this.referencedName(region, reference));
    const unknown = references.filter((_, index) => {
      const name = names[index];
      return name === undefined || (!alarms.has(name) && name !== compositeName);
    });
    if (unknown.length > 0) {
      throw validation(
        `Could not save the composite alarm as alarms [${unknown.join(', ')}] in the alarm rule do not exist`,
      );
    }
    const children = [...new Set(names.flatMap((name) => name ?? []))];
    if (children.includes(compositeName)) throw validation(`The alarm rule of ${compositeName} references itself.`);
    const reaches = (from: string, seen: Set<string>): boolean => {
      const alarm = alarms.get(from);
      if (alarm?.type !== 'CompositeAlarm' || seen.has(from)) return false;
      seen.add(from);
      return alarm.children.some((child) => child === compositeName || reaches(child, seen));
    };
    const seen = new Set<string>();
    if (children.some((child) => reaches(child, seen))) {
      throw validation(`The alarm rule of ${compositeName} would make a cycle of composite alarms.`);
    }
    return children;
  }

  /** An alarm name, or an alarm ARN of this account and region, as a name; undefined for other ARNs. */
  private referencedName(region: string, reference: string): string | undefined {
    const arn = /^arn:[^:]+:cloudwatch:([^:]*):([^:]*):alarm:(.+)$/.exec(reference);
    if (arn === null) return reference;
    return arn[1] === region && arn[2] === this.options.account ? arn[3] : undefined;
  }

  private async setAlarmState(region: string, input: SetAlarmStateInput): Promise<void> {
    const request = (input ?? {}) as Partial<SetAlarmStateInput>;
    if (typeof request.AlarmName !== 'string') throw validation('AlarmName is required.');
    const value = ALARM_STATES.find((state) => state === request.StateValue);
    if (value === undefined) throw validation(`StateValue must be one of ${ALARM_STATES.join(', ')}.`);
    if (typeof request.StateReason !== 'string' || request.StateReason.length === 0) {
      throw validation('StateReason is required.');
    }
    if (request.StateReasonData !== undefined) {
      try {
        JSON.parse(request.StateReasonData);
      } catch {
        throw new ServiceError(CloudWatchErrors.InvalidFormat, 'StateReasonData is not a JSON document.');
      }
    }
    const alarm = this.alarm(region, request.AlarmName);
    const next = {
      value,
      reason: request.StateReason,
      reasonData: request.StateReasonData,
      at: this.options.clock.now(),
    };
    await this.settle(region, (pending) => this.changeState(region, alarm, next, pending));
  }

  /** Deletes the named alarms that exist (others are passed over, as CloudWatch does). */
  private deleteAlarms(region: string, input: DeleteAlarmsInput): void {
    const names = (input as Partial<DeleteAlarmsInput> | undefined)?.AlarmNames;
    if (!Array.isArray(names) || names.length === 0) throw validation('AlarmNames is required.');
    if (names.length > 100) throw validation('AlarmNames must not have more than 100 names.');
    const alarms = this.region(region).alarms;
    const deleting = new Set(names);
    for (const alarm of alarms.values()) {
      if (alarm.type !== 'CompositeAlarm' || deleting.has(alarm.config.alarmName)) continue;
      const used = alarm.children.filter((child) => deleting.has(child));
      if (used.length > 0) {
        throw new ServiceError(
          CloudWatchErrors.ResourceConflict,
          `Alarms [${used.join(', ')}] are referenced by the composite alarm ${alarm.config.alarmName}.`,
        );
      }
    }
    for (const name of deleting) {
      const alarm = alarms.get(name);
      if (alarm?.type === 'MetricAlarm') alarm.stopEvaluating();
      alarms.delete(name);
    }
  }

  private describeAlarms(region: string, input: DescribeAlarmsInput): DescribeAlarmsOutput {
    if (input.AlarmNames !== undefined && input.AlarmNamePrefix !== undefined) {
      throw new ServiceError(
        CloudWatchErrors.InvalidParameterCombination,
        'AlarmNames and AlarmNamePrefix cannot be used together.',
      );
    }
    if (input.AlarmNames !== undefined && input.AlarmNames.length > 100) {
      throw validation('AlarmNames must not have more than 100 names.');
    }
    const types = input.AlarmTypes ?? ['MetricAlarm'];
    const names = input.AlarmNames === undefined ? undefined : new Set(input.AlarmNames);
    const { ActionPrefix: actionPrefix, AlarmNamePrefix: namePrefix, StateValue: stateValue } = input;
    const selected = [...this.region(region).alarms.values()]
      .filter(
        (alarm) =>
          types.includes(alarm.type) &&
          (names === undefined || names.has(alarm.config.alarmName)) &&
          (namePrefix === undefined || alarm.config.alarmName.startsWith(namePrefix)) &&
          (stateValue === undefined || alarm.state.value === stateValue) &&
          (actionPrefix === undefined ||
            [...alarm.config.alarmActions, ...alarm.config.okActions, ...alarm.config.insufficientDataActions].some(
              (action) => action.startsWith(actionPrefix),
            )),
      )
      .sort((a, b) => (a.config.alarmName < b.config.alarmName ? -1 : 1));
    return {
      MetricAlarms: selected.flatMap((alarm) => (alarm.type === 'MetricAlarm' ? [describeMetricAlarm(alarm)] : [])),
      CompositeAlarms: selected.flatMap((alarm) =>
        alarm.type === 'CompositeAlarm' ? [describeCompositeAlarm(alarm)] : [],
      ),
    };
  }

  private getMetricStatistics(region: string, input: GetMetricStatisticsInput): GetMetricStatisticsOutput {
    const query = parseGetMetricStatistics(input, this.options.clock.now());
    const metrics = this.region(region).metrics;
    const periodMs = query.period * 1000;
    const datapoints: StatisticsDatapoint[] = [];
    for (let start = query.start; start < query.end; start += periodMs) {
      const aggregate = metrics.aggregate(query.metric, start, Math.min(start + periodMs, query.end), query.unit);
      if (aggregate === undefined) continue;
      const basic: Record<string, number> = {};
      const extended: Record<string, number> = {};
      for (const statistic of query.statistics) {
        const value = statisticValue(aggregate, statistic);
        if (value !== undefined) (statistic.kind === 'basic' ? basic : extended)[statistic.name] = value;
      }
      datapoints.push({
        Timestamp: new Date(start),
        ...basic,
        Unit: aggregate.unit,
        ...(Object.keys(extended).length > 0 ? { ExtendedStatistics: extended } : {}),
      });
    }
    return { Label: query.metric.metricName, Datapoints: datapoints };
  }
}

function breaches(value: number, operator: MetricAlarmConfig['comparisonOperator'], threshold: number): boolean {
  switch (operator) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

function stateDetail(status: AlarmStatus): AlarmStateChangeEvent['detail']['state'] {
  return {
    value: status.value,
    reason: status.reason,
    ...(status.reasonData === undefined ? {} : { reasonData: status.reasonData }),
    timestamp: awsTimestamp(status.at),
  };
}

function describeBase(alarm: AlarmRecord) {
  const { config, state } = alarm;
  return {
    AlarmName: config.alarmName,
    AlarmArn: alarm.arn,
    ...(config.description === undefined ? {} : { AlarmDescription: config.description }),
    AlarmConfigurationUpdatedTimestamp: new Date(alarm.configuredAt),
    ActionsEnabled: config.actionsEnabled,
    AlarmActions: [...config.alarmActions],
    OKActions: [...config.okActions],
    InsufficientDataActions: [...config.insufficientDataActions],
    StateValue: state.value,
    StateReason: state.reason,
    ...(state.reasonData === undefined ? {} : { StateReasonData: state.reasonData }),
    StateUpdatedTimestamp: new Date(state.at),
    StateTransitionedTimestamp: new Date(state.at),
  };
}

function describeMetricAlarm(alarm: MetricAlarmRecord): MetricAlarmDescription {
  const { config } = alarm;
  return {
    ...describeBase(alarm),
    MetricName: config.metric.metricName,
    Namespace: config.metric.namespace,
    ...(config.statistic.kind === 'basic'
      ? { Statistic: config.statistic.name }
      : { ExtendedStatistic: config.statistic.name }),
    Dimensions: config.metric.dimensions.map((dimension) => ({ ...dimension })),
    Period: config.period,
    ...(config.unit === undefined ? {} : { Unit: config.unit }),
    EvaluationPeriods: config.evaluationPeriods,
    ...(config.datapointsToAlarm === undefined ? {} : { DatapointsToAlarm: config.datapointsToAlarm }),
    Threshold: config.threshold,
    ComparisonOperator: config.comparisonOperator,
    ...(config.treatMissingData === undefined ? {} : { TreatMissingData: config.treatMissingData }),
    ...(config.evaluateLowSampleCountPercentile === undefined
      ? {}
      : { EvaluateLowSampleCountPercentile: config.evaluateLowSampleCountPercentile }),
  };
}

function describeCompositeAlarm(alarm: CompositeAlarmRecord): CompositeAlarmDescription {
  return { ...describeBase(alarm), AlarmRule: alarm.config.alarmRule };
}

function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
