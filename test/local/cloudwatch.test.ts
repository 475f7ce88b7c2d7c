/**
 * The local CloudWatch against CloudWatch's documented behaviour: the user guide's missing-data tables (M of N with
 * each TreatMissingData), alarms evaluated at period boundaries on the virtual clock, statistics and the nearest-rank
 * percentile, comparison operators, composite rules, the "CloudWatch Alarm State Change" event, and the API's errors
 * as the SDK raises them.
 */
import {
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  type AlarmStateChangeEvent,
  type AlarmStateValue,
  type CloudWatchActions,
  LocalCloudWatch,
  type MetricAlarmProperties,
} from '../../local/emulators/cloudwatch';
import { evaluateAlarmRule, parseAlarmRule, ruleReferences } from '../../local/emulators/cloudwatch/alarm-rule';
import {
  type DatapointClass,
  decideAlarmState,
  type TreatMissingData,
} from '../../local/emulators/cloudwatch/evaluation';
import { nearestRankPercentile } from '../../local/emulators/cloudwatch/metric-store';
import { commandSender, ServiceError } from '../../local/emulators/service';
import { VirtualClock } from '../../local/runtime/clock';

const START = Date.UTC(2024, 5, 1); // Saturday 2024-06-01T00:00:00Z
const MINUTE = 60_000;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const NAMESPACE = 'Warden/Test';
const DIMENSIONS = [{ Name: 'EndpointName', Value: 'churn' }];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let clock: VirtualClock;
let cloudWatch: LocalCloudWatch;
let api: CloudWatchActions;
let events: { region: string; event: AlarmStateChangeEvent }[];

beforeEach(() => {
  clock = new VirtualClock(START);
  events = [];
  cloudWatch = new LocalCloudWatch({
    account: ACCOUNT,
    clock,
    onAlarmStateChange: (region, event) => {
      events.push({ region, event });
    },
  });
  api = cloudWatch.client(REGION);
});

afterEach(() => cloudWatch.close());

const at = (minutes: number, seconds = 0) => START + minutes * MINUTE + seconds * 1000;

function alarm(name: string, overrides: Partial<MetricAlarmProperties> = {}): MetricAlarmProperties {
  return {
    AlarmName: name,
    Namespace: NAMESPACE,
    MetricName: 'Errors',
    Dimensions: DIMENSIONS,
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 5,
    ComparisonOperator: 'GreaterThanThreshold',
    ...overrides,
  };
}

function put(values: readonly number[], metricName = 'Errors'): Promise<object> {
  return api.PutMetricData({
    Namespace: NAMESPACE,
    MetricData: [{ MetricName: metricName, Dimensions: DIMENSIONS, Values: values }],
  });
}

/** Minute by minute: one second into minute k, publish `perMinute[k]` (nothing when undefined). */
async function publishEachMinute(perMinute: readonly (readonly number[] | undefined)[], metricName = 'Errors') {
  for (const [minute, values] of perMinute.entries()) {
    await clock.advanceTo(at(minute, 1));
    if (values !== undefined) await put(values, metricName);
  }
}

/** [minutes since START, from, to] of each state change of an alarm. */
function transitions(name: string): [number, AlarmStateValue, AlarmStateValue][] {
  return cloudWatch
    .history(REGION, name)
    .map((entry) => [(entry.time - START) / MINUTE, entry.previousState, entry.state]);
}

describe('the user guide missing-data tables (pure decision)', () => {
  // "0" non-breaching, "X" breaching, "-" missing; oldest first; the range is 5 datapoints for N = 3.
  const parse = (row: string): DatapointClass[] =>
    row.split(' ').map((point) => (point === 'X' ? 'breaching' : point === '0' ? 'notBreaching' : 'missing'));
  const MODES: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
  const decide = (row: string, m: number, treat: TreatMissingData) => {
    const decision = decideAlarmState(parse(row), {
      evaluationPeriods: 3,
      datapointsToAlarm: m,
      treatMissingData: treat,
    });
    return decision.outcome === 'keep' ? 'keep' : decision.state;
  };

  it.each([
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'OK', 'OK']],
    ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', 'keep', 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - - - X', ['INSUFFICIENT_DATA', 'keep', 'ALARM', 'OK']],
    ['- - X - -', ['ALARM', 'keep', 'ALARM', 'OK']],
    ['X - - - -', ['ALARM', 'keep', 'ALARM', 'OK']],
  ])('3 of 3: %s → missing / ignore / breaching / notBreaching = %j', (row, expected) => {
    expect(MODES.map((mode) => decide(row, 3, mode))).toEqual(expected);
  });

  it.each([
    ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - X', ['INSUFFICIENT_DATA', 'keep', 'ALARM', 'OK']],
  ])('2 of 3: %s → missing / ignore / breaching / notBreaching = %j', (row, expected) => {
    expect(MODES.map((mode) => decide(row, 2, mode))).toEqual(expected);
  });

  it('evaluates only the N most recent real datapoints when there are enough', () => {
    const decision = decideAlarmState(parse('X X 0 0 0'), {
      evaluationPeriods: 3,
      datapointsToAlarm: 1,
      treatMissingData: 'breaching',
    });
    expect(decision).toEqual({ outcome: 'state', state: 'OK', basis: 'datapoints', evaluated: [2, 3, 4], filled: 0 });
  });
});

describe('nearest-rank percentile', () => {
  const oneToTen = Array.from({ length: 10 }, (_, index) => ({ value: index + 1, count: 1 }));

  it.each([
    [0, 1],
    [10, 1],
    [11, 2],
    [50, 5],
    [90, 9],
    [90.1, 10],
    [95, 10],
    [100, 10],
  ])('p%d of 1..10 is %d', (percentile, expected) => {
    expect(nearestRankPercentile(oneToTen, percentile)).toBe(expected);
  });

  it('counts a value with count c as c samples, in any input order', () => {
    // 3 × 100 and 1 × 1: ranks 1 → 1, 2..4 → 100.
    const samples = [
      { value: 100, count: 3 },
      { value: 1, count: 1 },
    ];
    expect(nearestRankPercentile(samples, 25)).toBe(1);
    expect(nearestRankPercentile(samples, 26)).toBe(100);
  });

  it('does not let binary rounding move the rank (7% of 100 is rank 7)', () => {
    const oneToHundred = Array.from({ length: 100 }, (_, index) => ({ value: index + 1, count: 1 }));
    expect(nearestRankPercentile(oneToHundred, 7)).toBe(7);
    expect(nearestRankPercentile(oneToHundred, 99.9)).toBe(100);
    expect(nearestRankPercentile(oneToHundred, 99)).toBe(99);
  });
});

describe('alarm rules', () => {
  const states: Record<string, AlarmStateValue> = { a: 'ALARM', b: 'OK', c: 'INSUFFICIENT_DATA' };
  const holds = (rule: string) => evaluateAlarmRule(parseAlarmRule(rule), (name) => states[name]);

  it('binds NOT over AND over OR', () => {
    expect(holds('ALARM(b) AND ALARM(b) OR ALARM(a)')).toBe(true);
    expect(holds('ALARM(a) OR ALARM(a) AND ALARM(b)')).toBe(true);
    expect(holds('(ALARM(a) OR ALARM(a)) AND ALARM(b)')).toBe(false);
    expect(holds('NOT ALARM(b) AND OK(b)')).toBe(true);
    expect(holds('NOT (ALARM(a) AND OK(b))')).toBe(false);
    expect(holds('NOT NOT INSUFFICIENT_DATA(c)')).toBe(true);
  });

  it('knows TRUE and FALSE, quoted and unquoted references, and lists each reference once', () => {
    expect(holds('TRUE AND NOT FALSE')).toBe(true);
    const rule = parseAlarmRule('ALARM("a b") OR OK( arn:aws:cloudwatch:us-east-1:1:alarm:x ) OR ALARM("a b")');
    expect(ruleReferences(rule)).toEqual(['a b', 'arn:aws:cloudwatch:us-east-1:1:alarm:x']);
  });

  it.each(['ALARM(a) AND', 'ALARM(a', 'ALARMS(a)', 'ALARM() OR TRUE', '(TRUE', 'TRUE FALSE', 'ALARM("a)', 'and(TRUE)'])(
    'rejects %j',
    (rule) => {
      expect(() => parseAlarmRule(rule)).toThrow(/alarm rule/);
    },
  );
});

describe('metric alarms on the virtual clock', () => {
  it('evaluates at period boundaries the periods that have completed, and sends the event CloudWatch sends', async () => {
    await clock.advanceTo(at(0, 30));
    await api.PutMetricAlarm(alarm('HighErrors', { AlarmDescription: 'Too many errors' }));
    await clock.advanceTo(at(0, 40));
    await put([10]);
    await clock.advanceTo(at(1) - 1);
    expect(cloudWatch.alarmState(REGION, 'HighErrors')).toBe('INSUFFICIENT_DATA');
    expect(events).toEqual([]);

    await clock.advanceTo(at(1));
    expect(events).toHaveLength(1);
    const [{ region, event }] = events;
    expect(region).toBe(REGION);
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(UUID),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: ACCOUNT,
      time: '2024-06-01T00:01:00Z',
      region: REGION,
      resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:HighErrors`],
      detail: {
        alarmName: 'HighErrors',
        state: {
          value: 'ALARM',
          reason:
            'Threshold Crossed: 1 out of the last 1 datapoints [10.0 (01/06/24 00:00:00)] was greater than the ' +
            'threshold (5.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition).',
          reasonData: expect.any(String),
          timestamp: '2024-06-01T00:01:00.000+0000',
        },
        previousState: {
          value: 'INSUFFICIENT_DATA',
          reason: 'Unchecked: Initial alarm creation',
          timestamp: '2024-06-01T00:00:30.000+0000',
        },
        configuration: {
          description: 'Too many errors',
          metrics: [
            {
              id: expect.stringMatching(UUID),
              metricStat: {
                metric: { dimensions: { EndpointName: 'churn' }, name: 'Errors', namespace: NAMESPACE },
                period: 60,
                stat: 'Maximum',
              },
              returnData: true,
            },
          ],
        },
      },
    });
    expect(JSON.parse(event.detail.state.reasonData ?? '')).toEqual({
      version: '1.0',
      queryDate: '2024-06-01T00:01:00.000+0000',
      startDate: '2024-06-01T00:00:00.000+0000',
      statistic: 'Maximum',
      period: 60,
      recentDatapoints: [10],
      threshold: 5,
      evaluatedDatapoints: [{ timestamp: '2024-06-01T00:00:00.000+0000', sampleCount: 1, value: 10 }],
    });
    expect(cloudWatch.history(REGION, 'HighErrors')[0].event).toBe(event);
  });

  it('keeps re-evaluating the last datapoint while it is in the N + 2 period evaluation range', async () => {
    await api.PutMetricAlarm(alarm('HighErrors'));
    await clock.advanceTo(at(0, 10));
    await put([10]);
    await clock.advanceTo(at(4) - 1);
    expect(transitions('HighErrors')).toEqual([[1, 'INSUFFICIENT_DATA', 'ALARM']]);
    await clock.advanceTo(at(4));
    expect(transitions('HighErrors')).toEqual([
      [1, 'INSUFFICIENT_DATA', 'ALARM'],
      [4, 'ALARM', 'INSUFFICIENT_DATA'],
    ]);
    expect(events[1].event.detail.state.reason).toBe('Insufficient Data: 1 datapoint was unknown.');
  });

  it('aligns a 5-minute alarm created mid-period to :00, :05, … of the clock', async () => {
    await clock.advanceTo(at(1));
    await api.PutMetricAlarm(alarm('FiveMinutes', { Period: 300 }));
    await clock.advanceTo(at(2));
    await put([6]);
    await clock.advanceTo(at(5) - 1);
    expect(cloudWatch.alarmState(REGION, 'FiveMinutes')).toBe('INSUFFICIENT_DATA');
    await clock.advanceTo(at(5));
    expect(transitions('FiveMinutes')).toEqual([[5, 'INSUFFICIENT_DATA', 'ALARM']]);
    // Timestamps pin the period: a datapoint dated 00:04:59 published late is still in [00:00, 00:05).
    await clock.advanceTo(at(12));
    await api.PutMetricData({
      Namespace: NAMESPACE,
      MetricData: [{ MetricName: 'Errors', Dimensions: DIMENSIONS, Value: 1, Timestamp: new Date(at(10)) }],
    });
    await clock.advanceTo(at(15));
    expect(transitions('FiveMinutes')).toEqual([
      [5, 'INSUFFICIENT_DATA', 'ALARM'],
      [15, 'ALARM', 'OK'],
    ]);
  });

  it('2 of 3 on the Average: a hand-worked minute-by-minute sequence', async () => {
    await api.PutMetricAlarm(
      alarm('TwoOfThree', {
        Statistic: 'Average',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    // Averages per minute: 12 X, 5 0, 9 0, 10 X (≥), 11 X (8 and 14), 3 0, 2 0, 1 0.
    await publishEachMinute([[12], [5], [9], [10], [8, 14], [3], [2], [1]]);
    await clock.advanceTo(at(8));
    // t=1 [X]: too few, the only one breaching and 1 period old < M → stays INSUFFICIENT_DATA.
    // t=2 [X 0] → OK; t=5 last 3 = 0 X X → ALARM; t=6 X X 0 → ALARM; t=7 X 0 0 → OK.
    expect(transitions('TwoOfThree')).toEqual([
      [2, 'INSUFFICIENT_DATA', 'OK'],
      [5, 'OK', 'ALARM'],
      [7, 'ALARM', 'OK'],
    ]);
    const toAlarm = cloudWatch.history(REGION, 'TwoOfThree')[1];
    expect(toAlarm.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [11.0 (01/06/24 00:04:00), 10.0 (01/06/24 00:03:00)] were ' +
        'greater than or equal to the threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(cloudWatch.history(REGION, 'TwoOfThree')[2].reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [2.0 (01/06/24 00:06:00), 3.0 (01/06/24 00:05:00)] were not ' +
        'greater than or equal to the threshold (10.0) (minimum 2 datapoints for ALARM -> OK transition).',
    );
  });

  it('3 of 5 on the Sum with LessThanThreshold: a hand-worked sequence', async () => {
    await api.PutMetricAlarm(
      alarm('NoTraffic', {
        MetricName: 'Invocations',
        Statistic: 'Sum',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
      }),
    );
    // Sums per minute: 0 X, 2 0, 0 X, 0 X, 3 0, 5 0, 0 X, 0 X, 0 X, 4 0.
    await publishEachMinute([[0], [1, 1], [0], [0], [3], [5], [0], [0], [0], [4]], 'Invocations');
    await clock.advanceTo(at(10));
    // t=2 [X 0] → OK; t=4 [X 0 X X]: 3 breaching real ones → ALARM though fewer than N; t=6 0 X X 0 0 → OK;
    // t=7 X X 0 0 X → ALARM; t=8..10 keep 3 breaching of the last 5.
    expect(transitions('NoTraffic')).toEqual([
      [2, 'INSUFFICIENT_DATA', 'OK'],
      [4, 'OK', 'ALARM'],
      [6, 'ALARM', 'OK'],
      [7, 'OK', 'ALARM'],
    ]);
  });

  describe.each<[TreatMissingData, [number, AlarmStateValue, AlarmStateValue][], AlarmStateValue]>([
    [
      'missing',
      [
        [1, 'INSUFFICIENT_DATA', 'OK'],
        [6, 'OK', 'ALARM'],
        [7, 'ALARM', 'INSUFFICIENT_DATA'],
      ],
      'INSUFFICIENT_DATA',
    ],
    ['ignore', [[1, 'INSUFFICIENT_DATA', 'OK']], 'OK'],
    [
      'breaching',
      [
        [0, 'INSUFFICIENT_DATA', 'ALARM'],
        [1, 'ALARM', 'OK'],
        [6, 'OK', 'ALARM'],
      ],
      'ALARM',
    ],
    ['notBreaching', [[0, 'INSUFFICIENT_DATA', 'OK']], 'OK'],
  ])('TreatMissingData %s', (treat, expected, final) => {
    it('with a gap after two datapoints (3 of 3)', async () => {
      await api.PutMetricAlarm(alarm(`Gap-${treat}`, { EvaluationPeriods: 3, Threshold: 0, TreatMissingData: treat }));
      // At creation nothing is there: ALARM when breaching, OK when not breaching. Minute 0: 0 (not breaching);
      // minute 1: 1 (breaching); then nothing. The range at t is minutes t-5 … t-1: t=1..5 hold the 0 → OK; t=6 "X - - - -": the oldest breaching one is 5 ≥ M periods old →
      // ALARM for missing, 1 + 2 filled breaching → ALARM, ignore keeps OK; t=7 all missing.
      await publishEachMinute([[0], [1]]);
      await clock.advanceTo(at(10));
      expect(transitions(`Gap-${treat}`)).toEqual(expected);
      expect(cloudWatch.alarmState(REGION, `Gap-${treat}`)).toBe(final);
    });
  });

  it('says how missing datapoints were treated', async () => {
    await api.PutMetricAlarm(alarm('Filled', { EvaluationPeriods: 3, Threshold: 0, TreatMissingData: 'breaching' }));
    await publishEachMinute([[0], [1]]);
    await clock.advanceTo(at(6));
    expect(cloudWatch.history(REGION, 'Filled')[1].reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (01/06/24 00:00:00)] was not greater than the threshold ' +
        '(0.0) and 2 missing datapoints were treated as [Breaching] (minimum 1 datapoint for ALARM -> OK transition).',
    );
    expect(cloudWatch.history(REGION, 'Filled')[2].reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (01/06/24 00:01:00)] was greater than the threshold ' +
        '(0.0) and 2 missing datapoints were treated as [Breaching] (minimum 3 datapoints for OK -> ALARM transition).',
    );
    // All missing and treated as breaching keeps it in ALARM: no further change.
    await clock.advanceTo(at(9));
    expect(cloudWatch.history(REGION, 'Filled')).toHaveLength(3);
  });

  it('evaluates at creation: no data at all is ALARM when breaching and OK when not breaching', async () => {
    await api.PutMetricAlarm(alarm('Breaching', { EvaluationPeriods: 2, TreatMissingData: 'breaching' }));
    await api.PutMetricAlarm(alarm('NotBreaching', { EvaluationPeriods: 2, TreatMissingData: 'notBreaching' }));
    await api.PutMetricAlarm(alarm('Ignore', { EvaluationPeriods: 2, TreatMissingData: 'ignore' }));
    expect(events.map(({ event }) => [event.detail.alarmName, event.detail.state.value, event.time])).toEqual([
      ['Breaching', 'ALARM', '2024-06-01T00:00:00Z'],
      ['NotBreaching', 'OK', '2024-06-01T00:00:00Z'],
    ]);
    expect(events[0].event.detail.state.reason).toBe(
      'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].',
    );
    expect(events[1].event.detail.state.reason).toContain('treated as [NonBreaching]');
    expect(cloudWatch.alarmState(REGION, 'Ignore')).toBe('INSUFFICIENT_DATA');
  });

  it('always ignores missing data for AWS/DynamoDB metrics', async () => {
    await cloudWatch.defineAlarm(REGION, {
      ...alarm('Throttles', { TreatMissingData: 'breaching', Namespace: 'AWS/DynamoDB' }),
      Dimensions: [{ Name: 'TableName', Value: 'ledger' }],
    });
    await clock.advanceTo(at(5));
    expect(cloudWatch.alarmState(REGION, 'Throttles')).toBe('INSUFFICIENT_DATA');
    cloudWatch.record(REGION, 'AWS/DynamoDB', 'Errors', { TableName: 'ledger' }, 9);
    await clock.advanceTo(at(6));
    expect(cloudWatch.alarmState(REGION, 'Throttles')).toBe('ALARM');
  });

  it.each([
    ['GreaterThanThreshold', 'OK', 'ALARM', 'OK'],
    ['GreaterThanOrEqualToThreshold', 'ALARM', 'ALARM', 'OK'],
    ['LessThanThreshold', 'OK', 'OK', 'ALARM'],
    ['LessThanOrEqualToThreshold', 'ALARM', 'OK', 'ALARM'],
  ])('%s: at, above and below the threshold of 5 → %s, %s, %s', async (operator, atThreshold, above, below) => {
    await api.PutMetricAlarm(alarm('Compare', { ComparisonOperator: operator }));
    const states: AlarmStateValue[] = [];
    for (const [minute, value] of [5, 5.0001, 4.9999].entries()) {
      await clock.advanceTo(at(minute, 1));
      await put([value]);
      await clock.advanceTo(at(minute + 1));
      states.push(cloudWatch.alarmState(REGION, 'Compare'));
    }
    expect(states).toEqual([atThreshold, above, below]);
  });

  it('SetAlarmState holds until the next evaluation', async () => {
    await api.PutMetricAlarm(alarm('Manual', { TreatMissingData: 'notBreaching' }));
    await clock.advanceTo(at(0, 20));
    await commandSender('CloudWatch', api).send(
      new SetAlarmStateCommand({
        AlarmName: 'Manual',
        StateValue: 'ALARM',
        StateReason: 'testing',
        StateReasonData: '{"a":1}',
      }),
    );
    expect(cloudWatch.alarmState(REGION, 'Manual')).toBe('ALARM');
    expect(events[1].event.detail.state).toEqual({
      value: 'ALARM',
      reason: 'testing',
      reasonData: '{"a":1}',
      timestamp: '2024-06-01T00:00:20.000+0000',
    });
    await clock.advanceTo(at(1));
    expect(transitions('Manual')).toEqual([
      [0, 'INSUFFICIENT_DATA', 'OK'],
      [1 / 3, 'OK', 'ALARM'],
      [1, 'ALARM', 'OK'],
    ]);
  });

  it('updating an alarm keeps its state and evaluates it with the new configuration', async () => {
    await api.PutMetricAlarm(alarm('Updated'));
    await put([7]);
    await clock.advanceTo(at(1));
    expect(cloudWatch.alarmState(REGION, 'Updated')).toBe('ALARM');
    await clock.advanceTo(at(1, 30));
    await api.PutMetricAlarm(alarm('Updated', { Threshold: 6.5 }));
    expect(cloudWatch.alarmState(REGION, 'Updated')).toBe('ALARM');
    await api.PutMetricAlarm(alarm('Updated', { Threshold: 8 }));
    expect(transitions('Updated')).toEqual([
      [1, 'INSUFFICIENT_DATA', 'ALARM'],
      [1.5, 'ALARM', 'OK'],
    ]);
    const [described] = (await api.DescribeAlarms({ AlarmNames: ['Updated'] })).MetricAlarms;
    expect(described.Threshold).toBe(8);
    expect(described.AlarmConfigurationUpdatedTimestamp).toEqual(new Date(at(1, 30)));
  });
});

describe('statistics', () => {
  it('percentile alarms use the nearest rank, and statistic sets have no percentile', async () => {
    await api.PutMetricAlarm(alarm('P90', { Statistic: undefined, ExtendedStatistic: 'p90', Threshold: 8.5 }));
    await api.PutMetricAlarm(alarm('P90Tight', { Statistic: undefined, ExtendedStatistic: 'p90', Threshold: 9 }));
    await api.PutMetricAlarm(alarm('AverageOfSet', { Statistic: 'Average', Threshold: 5 }));
    await put([10, 3, 7, 1, 9, 2, 8, 4, 6, 5]);
    await clock.advanceTo(at(1));
    expect(cloudWatch.alarmState(REGION, 'P90')).toBe('ALARM');
    expect(cloudWatch.alarmState(REGION, 'P90Tight')).toBe('OK');
    expect(cloudWatch.alarmState(REGION, 'AverageOfSet')).toBe('ALARM');

    // Minutes 1 and 2 hold only statistic sets: the p90 alarms see missing periods, the Average alarm does not.
    for (const minute of [1, 2, 3]) {
      await clock.advanceTo(at(minute, 1));
      await api.PutMetricData({
        Namespace: NAMESPACE,
        MetricData: [
          {
            MetricName: 'Errors',
            Dimensions: DIMENSIONS,
            StatisticValues: { SampleCount: 4, Sum: 8, Minimum: 1, Maximum: 3 },
          },
        ],
      });
    }
    await clock.advanceTo(at(4));
    expect(cloudWatch.alarmState(REGION, 'AverageOfSet')).toBe('OK');
    expect(cloudWatch.alarmState(REGION, 'P90')).toBe('INSUFFICIENT_DATA');
  });

  it('EvaluateLowSampleCountPercentile ignore keeps the state while samples are too few (p90 needs 100)', async () => {
    const p90 = { Statistic: undefined, ExtendedStatistic: 'p90', Threshold: 0 };
    await api.PutMetricAlarm(alarm('Evaluate', { ...p90, EvaluateLowSampleCountPercentile: 'evaluate' }));
    await api.PutMetricAlarm(alarm('Ignore', { ...p90, EvaluateLowSampleCountPercentile: 'ignore' }));
    await put(Array.from({ length: 99 }, () => 1));
    await clock.advanceTo(at(1, 1));
    expect(cloudWatch.alarmState(REGION, 'Evaluate')).toBe('ALARM');
    expect(cloudWatch.alarmState(REGION, 'Ignore')).toBe('INSUFFICIENT_DATA');
    await api.PutMetricData({
      Namespace: NAMESPACE,
      MetricData: [{ MetricName: 'Errors', Dimensions: DIMENSIONS, Values: [1, 2], Counts: [60, 40] }],
    });
    await clock.advanceTo(at(2));
    expect(cloudWatch.alarmState(REGION, 'Ignore')).toBe('ALARM');
  });

  it('GetMetricStatistics: periods with data, basic and percentile statistics, units', async () => {
    const sender = commandSender('CloudWatch', api);
    await sender.send(
      new PutMetricDataCommand({
        Namespace: NAMESPACE,
        MetricData: [
          {
            MetricName: 'Latency',
            Values: [1, 2, 3, 4],
            Counts: [1, 1, 1, 7],
            Unit: 'Milliseconds',
            Timestamp: new Date(at(0, 5)),
          },
          { MetricName: 'Latency', Value: 10, Unit: 'Milliseconds', Timestamp: new Date(at(2, 59)) },
          { MetricName: 'Latency', Value: 1000, Unit: 'Seconds', Timestamp: new Date(at(2, 30)) },
        ],
      }),
    );
    const output = (await sender.send(
      new GetMetricStatisticsCommand({
        Namespace: NAMESPACE,
        MetricName: 'Latency',
        StartTime: new Date(at(0, 30)),
        EndTime: new Date(at(5)),
        Period: 60,
        Statistics: ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'],
        ExtendedStatistics: ['p50', 'p10'],
        Unit: 'Milliseconds',
      }),
    )) as { Label: string; Datapoints: unknown[] };
    expect(output).toEqual({
      Label: 'Latency',
      Datapoints: [
        {
          Timestamp: new Date(at(0)),
          SampleCount: 10,
          Sum: 34,
          Average: 3.4,
          Minimum: 1,
          Maximum: 4,
          Unit: 'Milliseconds',
          ExtendedStatistics: { p50: 4, p10: 1 },
        },
        {
          Timestamp: new Date(at(2)),
          SampleCount: 1,
          Sum: 10,
          Average: 10,
          Minimum: 10,
          Maximum: 10,
          Unit: 'Milliseconds',
          ExtendedStatistics: { p50: 10, p10: 10 },
        },
      ],
    });
  });

  it('dimensions are a set and metrics with other dimensions are other metrics', async () => {
    await api.PutMetricAlarm(
      alarm('TwoDimensions', {
        Dimensions: [
          { Name: 'A', Value: '1' },
          { Name: 'B', Value: '2' },
        ],
      }),
    );
    cloudWatch.record(REGION, NAMESPACE, 'Errors', { A: '1' }, 100);
    cloudWatch.record(REGION, NAMESPACE, 'Errors', { B: '2', A: '1' }, 6);
    await clock.advanceTo(at(1));
    const [change] = cloudWatch.history(REGION, 'TwoDimensions');
    expect(change.state).toBe('ALARM');
    expect(change.reason).toContain('[6.0 (01/06/24 00:00:00)]');
  });
});

describe('composite alarms', () => {
  const arn = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;

  async function defineChildrenAndComposites() {
    await api.PutMetricAlarm(alarm('A'));
    await api.PutMetricAlarm(alarm('B', { MetricName: 'Other' }));
    await api.PutCompositeAlarm({ AlarmName: 'C', AlarmRule: `ALARM("${arn('A')}") AND NOT ALARM(B)` });
    await api.PutCompositeAlarm({ AlarmName: 'D', AlarmRule: 'ALARM(A) OR ALARM("B")', AlarmDescription: 'any' });
    await api.PutCompositeAlarm({ AlarmName: 'E', AlarmRule: `ALARM(C) AND ALARM(${arn('D')})` });
  }

  const setState = (name: string, value: AlarmStateValue) =>
    api.SetAlarmState({ AlarmName: name, StateValue: value, StateReason: `set ${value}` });
  const changes = () => events.map(({ event }) => `${event.detail.alarmName}:${event.detail.state.value}`);

  it('are evaluated at creation and whenever a referenced alarm changes, children first', async () => {
    await defineChildrenAndComposites();
    expect(changes()).toEqual(['C:OK', 'D:OK', 'E:OK']);
    expect(events[0].event.detail.state.reason).toBe(`${arn('C')} was created and its alarm rule evaluates to OK`);

    events.length = 0;
    await setState('A', 'ALARM');
    expect(changes()).toEqual(['A:ALARM', 'C:ALARM', 'D:ALARM', 'E:ALARM']);

    events.length = 0;
    await setState('B', 'ALARM');
    expect(changes()).toEqual(['B:ALARM', 'C:OK', 'E:OK']);

    // The next evaluation of A and B (no data, missing) returns them to INSUFFICIENT_DATA.
    events.length = 0;
    await clock.advanceTo(at(1));
    expect(changes()).toEqual(['A:INSUFFICIENT_DATA', 'B:INSUFFICIENT_DATA', 'D:OK']);
  });

  it('send the composite form of the state change event', async () => {
    await defineChildrenAndComposites();
    events.length = 0;
    await clock.advanceTo(at(0, 15));
    await setState('A', 'ALARM');
    const composite = events.find(({ event }) => event.detail.alarmName === 'D')?.event;
    expect(composite).toEqual({
      version: '0',
      id: expect.stringMatching(UUID),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: ACCOUNT,
      time: '2024-06-01T00:00:15Z',
      region: REGION,
      resources: [arn('D')],
      detail: {
        alarmName: 'D',
        state: {
          value: 'ALARM',
          reason: `${arn('A')} transitioned to ALARM at Saturday 01 June, 2024 00:00:15 UTC`,
          reasonData: JSON.stringify({
            triggeringAlarms: [{ arn: arn('A'), state: { value: 'ALARM', timestamp: '2024-06-01T00:00:15.000+0000' } }],
          }),
          timestamp: '2024-06-01T00:00:15.000+0000',
        },
        previousState: {
          value: 'OK',
          reason: `${arn('D')} was created and its alarm rule evaluates to OK`,
          reasonData: expect.any(String),
          timestamp: '2024-06-01T00:00:00.000+0000',
        },
        configuration: { description: 'any', alarmRule: 'ALARM(A) OR ALARM("B")' },
      },
    });
    const ids = events.map(({ event }) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('react to metric alarms evaluated on the clock', async () => {
    await defineChildrenAndComposites();
    await put([9]);
    await clock.advanceTo(at(1));
    expect(cloudWatch.alarmState(REGION, 'A')).toBe('ALARM');
    expect(cloudWatch.alarmState(REGION, 'C')).toBe('ALARM');
    expect(cloudWatch.history(REGION, 'C').map((entry) => entry.time)).toEqual([at(0), at(1)]);
  });

  it('reject unknown references, other regions, themselves, cycles and bad syntax', async () => {
    await defineChildrenAndComposites();
    const rejects = (rule: string, message: RegExp) =>
      expect(api.PutCompositeAlarm({ AlarmName: 'C', AlarmRule: rule })).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringMatching(message),
      });
    await rejects('ALARM(Nope) OR ALARM(A)', /alarms \[Nope\] in the alarm rule do not exist/);
    await rejects(`ALARM("arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:A")`, /do not exist/);
    await rejects('ALARM(C)', /references itself/);
    await rejects('ALARM(E)', /cycle/);
    await rejects('ALARM(A) AND', /alarm rule/);
    // The failed updates left C as it was.
    const [c] = (await api.DescribeAlarms({ AlarmNames: ['C'], AlarmTypes: ['CompositeAlarm'] })).CompositeAlarms;
    expect(c.AlarmRule).toBe(`ALARM("${arn('A')}") AND NOT ALARM(B)`);
  });

  it('cannot lose a child while they reference it', async () => {
    await defineChildrenAndComposites();
    await expect(api.DeleteAlarms({ AlarmNames: ['A'] })).rejects.toMatchObject({ name: 'ResourceConflict' });
    expect(cloudWatch.alarmState(REGION, 'A')).toBe('INSUFFICIENT_DATA');
    await api.DeleteAlarms({ AlarmNames: ['E', 'C', 'D', 'A', 'NotThere'] });
    expect(() => cloudWatch.alarmState(REGION, 'A')).toThrow(ServiceError);
    const described = await api.DescribeAlarms({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] });
    expect(described.MetricAlarms.map((a) => a.AlarmName)).toEqual(['B']);
    expect(described.CompositeAlarms).toEqual([]);
  });
});

describe('alarms from the template and DescribeAlarms', () => {
  it('defineAlarm takes CloudFormation properties (strings for numbers) and a generated name', async () => {
    const reference = await cloudWatch.defineAlarm(
      'eu-west-1',
      {
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointName', Value: 'churn' },
          { Name: 'VariantName', Value: 'canary' },
        ],
        Statistic: 'Sum',
        Period: '60',
        EvaluationPeriods: '2',
        DatapointsToAlarm: '1',
        Threshold: '0',
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        ActionsEnabled: 'false',
      },
      'Warden-CanaryErrors-1A2B3C',
    );
    expect(reference).toEqual({
      alarmName: 'Warden-CanaryErrors-1A2B3C',
      alarmArn: `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:Warden-CanaryErrors-1A2B3C`,
    });
    expect(cloudWatch.alarmState('eu-west-1', reference.alarmName)).toBe('OK');
    cloudWatch.record(
      'eu-west-1',
      'AWS/SageMaker',
      'Invocation5XXErrors',
      { VariantName: 'canary', EndpointName: 'churn' },
      1,
    );
    await clock.advanceTo(at(1));
    expect(cloudWatch.alarmState('eu-west-1', reference.alarmName)).toBe('ALARM');
    expect(events.map(({ region }) => region)).toEqual(['eu-west-1', 'eu-west-1']);
    // Regions are separate.
    expect((await api.DescribeAlarms()).MetricAlarms).toEqual([]);
    expect(() => cloudWatch.alarmState(REGION, reference.alarmName)).toThrow(/does not exist/);

    const composite = await cloudWatch.defineCompositeAlarm(
      'eu-west-1',
      { AlarmRule: `ALARM("${reference.alarmArn}")` },
      'Any',
    );
    expect(composite.alarmArn).toBe(`arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:Any`);
    expect(cloudWatch.alarmState('eu-west-1', 'Any')).toBe('ALARM');
  });

  it('DescribeAlarms lists metric alarms unless asked for composites, with CloudWatch fields', async () => {
    await api.PutMetricAlarm(
      alarm('Latency', {
        ExtendedStatistic: 'p99',
        Statistic: undefined,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'breaching',
        AlarmActions: ['arn:aws:sns:us-east-1:123456789012:page'],
        Unit: 'Milliseconds',
      }),
    );
    await api.PutMetricAlarm(alarm('Errors'));
    await api.PutCompositeAlarm({ AlarmName: 'Either', AlarmRule: 'ALARM(Latency) OR ALARM(Errors)' });
    const sender = commandSender('CloudWatch', api);
    const all = (await sender.send(new DescribeAlarmsCommand({}))) as Awaited<
      ReturnType<CloudWatchActions['DescribeAlarms']>
    >;
    expect(all.MetricAlarms.map((a) => a.AlarmName)).toEqual(['Errors', 'Latency']);
    expect(all.CompositeAlarms).toEqual([]);
    expect(all.MetricAlarms[1]).toEqual({
      AlarmName: 'Latency',
      AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:Latency`,
      AlarmConfigurationUpdatedTimestamp: new Date(START),
      ActionsEnabled: true,
      AlarmActions: ['arn:aws:sns:us-east-1:123456789012:page'],
      OKActions: [],
      InsufficientDataActions: [],
      StateValue: 'ALARM',
      StateReason: expect.stringContaining('treated as [Breaching]'),
      StateReasonData: expect.any(String),
      StateUpdatedTimestamp: new Date(START),
      StateTransitionedTimestamp: new Date(START),
      MetricName: 'Errors',
      Namespace: NAMESPACE,
      ExtendedStatistic: 'p99',
      Dimensions: DIMENSIONS,
      Period: 60,
      Unit: 'Milliseconds',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
    const filtered = await api.DescribeAlarms({
      AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
      StateValue: 'ALARM',
    });
    expect([...filtered.MetricAlarms, ...filtered.CompositeAlarms].map((a) => a.AlarmName)).toEqual([
      'Latency',
      'Either',
    ]);
    const byAction = await api.DescribeAlarms({ ActionPrefix: 'arn:aws:sns:us-east-1:123456789012:' });
    expect(byAction.MetricAlarms.map((a) => a.AlarmName)).toEqual(['Latency']);
    const byPrefix = await api.DescribeAlarms({ AlarmNamePrefix: 'Err' });
    expect(byPrefix.MetricAlarms.map((a) => a.AlarmName)).toEqual(['Errors']);
  });

  it('close stops every evaluation timer', async () => {
    await api.PutMetricAlarm(alarm('One'));
    await api.PutMetricAlarm(alarm('Two', { Period: 300 }));
    expect(clock.pending()).toBe(2);
    cloudWatch.close();
    expect(clock.pending()).toBe(0);
  });
});

describe('errors as the SDK raises them', () => {
  const send = (command: unknown) => commandSender('CloudWatch', api).send(command);
  const datum = (overrides: Record<string, unknown>) =>
    new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: [{ MetricName: 'Errors', Value: 1, ...overrides }] });

  it.each<[string, () => unknown, string, RegExp]>([
    [
      'an AWS/ namespace',
      () =>
        new PutMetricDataCommand({ Namespace: 'AWS/SageMaker', MetricData: [{ MetricName: 'Invocations', Value: 1 }] }),
      'InvalidParameterValueException',
      /AWS\/SageMaker for parameter Namespace is invalid/,
    ],
    [
      'NaN',
      () => datum({ Value: NaN }),
      'InvalidParameterValueException',
      /NaN for parameter MetricData\.member\.1\.Value/,
    ],
    [
      'Infinity',
      () => datum({ Value: Infinity }),
      'InvalidParameterValueException',
      /MetricData\.member\.1\.Value is invalid/,
    ],
    ['a value beyond 2^360', () => datum({ Value: 2 ** 361 }), 'InvalidParameterValueException', /is invalid/],
    [
      'a non-finite value in Values',
      () => datum({ Value: undefined, Values: [1, -Infinity] }),
      'InvalidParameterValueException',
      /Values\.member\.2/,
    ],
    [
      'Value with StatisticValues',
      () => datum({ StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }),
      'InvalidParameterCombinationException',
      /mutually exclusive/,
    ],
    ['Counts without Values', () => datum({ Counts: [1] }), 'InvalidParameterCombinationException', /Counts requires/],
    [
      'Counts of another length',
      () => datum({ Value: undefined, Values: [1, 2], Counts: [1] }),
      'InvalidParameterValueException',
      /same size/,
    ],
    ['no value at all', () => datum({ Value: undefined }), 'MissingRequiredParameterException', /Value is required/],
    [
      'a timestamp three weeks old',
      () => datum({ Timestamp: new Date(START - 21 * 86_400_000) }),
      'InvalidParameterValueException',
      /two weeks/,
    ],
    ['an unknown unit', () => datum({ Unit: 'Parsecs' }), 'InvalidParameterValueException', /Parsecs/],
    [
      'duplicate dimension names',
      () =>
        datum({
          Dimensions: [
            { Name: 'A', Value: '1' },
            { Name: 'A', Value: '2' },
          ],
        }),
      'InvalidParameterValueException',
      /duplicate/,
    ],
    [
      'GetMetricStatistics without statistics',
      () =>
        new GetMetricStatisticsCommand({
          Namespace: NAMESPACE,
          MetricName: 'Errors',
          StartTime: new Date(START),
          EndTime: new Date(at(10)),
          Period: 60,
        }),
      'InvalidParameterCombinationException',
      /Statistics or ExtendedStatistics/,
    ],
    [
      'GetMetricStatistics beyond 1,440 datapoints',
      () =>
        new GetMetricStatisticsCommand({
          Namespace: NAMESPACE,
          MetricName: 'Errors',
          StartTime: new Date(START),
          EndTime: new Date(at(1441)),
          Period: 60,
          Statistics: ['Sum'],
        }),
      'InvalidParameterCombinationException',
      /exceeds the limit of 1440/,
    ],
    [
      'a 45-second period',
      () => new PutMetricAlarmCommand(alarm('Bad', { Period: 45 }) as never),
      'ValidationError',
      /Period/,
    ],
    [
      'Statistic with ExtendedStatistic',
      () => new PutMetricAlarmCommand(alarm('Bad', { ExtendedStatistic: 'p99' }) as never),
      'ValidationError',
      /Exactly one of Statistic and ExtendedStatistic/,
    ],
    [
      'M greater than N',
      () => new PutMetricAlarmCommand(alarm('Bad', { EvaluationPeriods: 2, DatapointsToAlarm: 3 }) as never),
      'ValidationError',
      /DatapointsToAlarm/,
    ],
    [
      'a day of 1-minute periods and more',
      () => new PutMetricAlarmCommand(alarm('Bad', { EvaluationPeriods: 1441 }) as never),
      'ValidationError',
      /86400/,
    ],
    [
      'an unknown TreatMissingData',
      () => new PutMetricAlarmCommand(alarm('Bad', { TreatMissingData: 'maybe' }) as never),
      'ValidationError',
      /TreatMissingData/,
    ],
    [
      'an alarm rule that does not parse',
      () => new PutCompositeAlarmCommand({ AlarmName: 'Bad', AlarmRule: 'ALARM(A) XOR ALARM(B)' }),
      'ValidationError',
      /alarm rule/,
    ],
    [
      'SetAlarmState of an unknown alarm',
      () => new SetAlarmStateCommand({ AlarmName: 'Nope', StateValue: 'OK', StateReason: 'x' }),
      'ResourceNotFound',
      /Nope/,
    ],
  ])('%s', async (_, command, name, message) => {
    const error = await send(command()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ name, $fault: 'client', message: expect.stringMatching(message) });
  });

  it('SetAlarmState with reason data that is not JSON is InvalidFormatFault', async () => {
    await api.PutMetricAlarm(alarm('Exists'));
    await expect(
      send(new SetAlarmStateCommand({ AlarmName: 'Exists', StateValue: 'OK', StateReason: 'x', StateReasonData: '{' })),
    ).rejects.toMatchObject({ name: 'InvalidFormatFault' });
    expect(cloudWatch.alarmState(REGION, 'Exists')).toBe('INSUFFICIENT_DATA');
  });

  it('nothing of a rejected PutMetricData is stored', async () => {
    await api.PutMetricAlarm(alarm('Untouched', { TreatMissingData: 'notBreaching' }));
    await expect(
      send(
        new PutMetricDataCommand({
          Namespace: NAMESPACE,
          MetricData: [
            { MetricName: 'Errors', Dimensions: DIMENSIONS, Value: 100 },
            { MetricName: 'Errors', Dimensions: DIMENSIONS, Value: NaN },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await clock.advanceTo(at(1));
    expect(cloudWatch.alarmState(REGION, 'Untouched')).toBe('OK');
  });

  it('service-published metrics may use AWS/ namespaces; record rejects non-finite values', async () => {
    await cloudWatch.defineAlarm(REGION, alarm('Service', { Namespace: 'AWS/SageMaker' }));
    cloudWatch.record(REGION, 'AWS/SageMaker', 'Errors', DIMENSIONS, 6, at(0, 1), 'Count');
    expect(() => cloudWatch.record(REGION, 'AWS/SageMaker', 'Errors', DIMENSIONS, NaN)).toThrow(RangeError);
    await clock.advanceTo(at(1));
    expect(cloudWatch.alarmState(REGION, 'Service')).toBe('ALARM');
  });

  it('an alarm quota of 5,000 per region (LimitExceededFault)', async () => {
    for (let index = 0; index < 5000; index++) {
      await cloudWatch.defineCompositeAlarm(REGION, { AlarmName: `Constant-${index}`, AlarmRule: 'FALSE' });
    }
    await expect(api.PutMetricAlarm(alarm('OneTooMany'))).rejects.toMatchObject({ name: 'LimitExceededFault' });
    await expect(cloudWatch.defineAlarm('us-west-2', alarm('OtherRegion'))).resolves.toMatchObject({
      alarmName: 'OtherRegion',
    });
  });
});
