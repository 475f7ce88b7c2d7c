/**
 * The local EventBridge: PutEvents' per-entry validation and answers, the envelope of the events it puts, rules and
 * asynchronous delivery (settled, failures), Input / InputPath, service events, cross-region bus targets, and the
 * SDK path through `commandSender`.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  LocalEventBridge,
  type DeliverEvent,
  type EventEnvelope,
  type EventRule,
  type PutEventsOutput,
  type RuleTarget,
} from '../../local/emulators/eventbridge';
import { commandSender, ServiceError } from '../../local/emulators/service';
import { VirtualClock } from '../../local/runtime/clock';

const ACCOUNT = '123456789012';
const START = Date.UTC(2024, 5, 1, 12, 30, 15, 789);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LAMBDA = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:on-drift`;

interface Delivered {
  target: RuleTarget;
  event: EventEnvelope;
  rule: EventRule;
  input: unknown;
}

function bridge(deliver?: DeliverEvent) {
  const delivered: Delivered[] = [];
  const clock = new VirtualClock(START);
  const events = new LocalEventBridge({
    account: ACCOUNT,
    clock,
    deliver:
      deliver ??
      (async (target, event, rule, input) => {
        delivered.push({ target, event, rule, input });
      }),
  });
  return { events, delivered, clock };
}

const entry = (detail: Record<string, unknown> = { modelName: 'credit' }, extra: Record<string, unknown> = {}) => ({
  Source: 'warden',
  DetailType: 'Warden Drift Detected',
  Detail: JSON.stringify(detail),
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return error as ServiceError;
  }
  throw new Error('expected a rejection');
}

describe('PutEvents', () => {
  it('answers with an EventId and puts the full envelope on the default bus of the client region', async () => {
    const { events } = bridge();
    const output = await events.client('eu-west-1').PutEvents({
      Entries: [entry({ modelName: 'credit', psi: 0.31 }, { Resources: ['arn:aws:sagemaker:eu-west-1:x:endpoint/e'] })],
    });
    expect(output.FailedEntryCount).toBe(0);
    const [answer] = output.Entries;
    expect('EventId' in answer && answer.EventId).toMatch(UUID);
    const [put] = events.events();
    expect(put.region).toBe('eu-west-1');
    expect(put.bus).toBe('default');
    expect(put.event).toEqual({
      version: '0',
      id: 'EventId' in answer ? answer.EventId : '',
      'detail-type': 'Warden Drift Detected',
      source: 'warden',
      account: ACCOUNT,
      time: '2024-06-01T12:30:15Z',
      region: 'eu-west-1',
      resources: ['arn:aws:sagemaker:eu-west-1:x:endpoint/e'],
      detail: { modelName: 'credit', psi: 0.31 },
    });
    expect(Object.keys(put.event)).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
  });

  it('fails each invalid entry in its own place, with EventBridge error codes, and puts the others', async () => {
    const { events } = bridge();
    const output = await events.client('us-east-1').PutEvents({
      Entries: [
        entry(),
        { DetailType: 'x', Detail: '{}' },
        { Source: 'warden', Detail: '{}' },
        { Source: 'warden', DetailType: 'x' },
        { Source: 'warden', DetailType: 'x', Detail: 'not json at all' },
        { Source: 'warden', DetailType: 'x', Detail: '[1, 2, 3]' },
        { Source: 'warden', DetailType: 'x', Detail: '"text"' },
        entry({ n: 2 }),
      ],
    });
    expect(output.FailedEntryCount).toBe(6);
    expect(output.Entries.slice(1, 7)).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
    ]);
    const ids = [output.Entries[0], output.Entries[7]].map((answer) => ('EventId' in answer ? answer.EventId : ''));
    expect(events.events().map((put) => put.event.id)).toEqual(ids);
    expect(events.events().map((put) => put.event.detail)).toEqual([{ modelName: 'credit' }, { n: 2 }]);
  });

  it('rejects a request without entries, with none, or with more than 10', async () => {
    const { events } = bridge();
    const client = events.client('us-east-1');
    const missing = await rejection(client.PutEvents({}));
    expect(missing.name).toBe('ValidationException');
    expect(missing.message).toContain('must not be null');
    const none = await rejection(client.PutEvents({ Entries: [] }));
    expect(none.message).toContain('length greater than or equal to 1');
    const eleven = await rejection(client.PutEvents({ Entries: Array.from({ length: 11 }, () => entry()) }));
    expect(eleven.name).toBe('ValidationException');
    expect(eleven.message).toContain('less than or equal to 10');
    expect(events.events()).toHaveLength(0);
    const ten = await client.PutEvents({ Entries: Array.from({ length: 10 }, () => entry()) });
    expect(ten.FailedEntryCount).toBe(0);
    expect(events.events()).toHaveLength(10);
  });

  it('rejects a request over 256 KB', async () => {
    const { events } = bridge();
    const big = entry({ blob: 'x'.repeat(130 * 1024) });
    const error = await rejection(events.client('us-east-1').PutEvents({ Entries: [big, big] }));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('Total size of the entries in the request is over the limit.');
  });

  it('uses the entry Time when given, as a Date, ISO text or epoch seconds', async () => {
    const { events } = bridge();
    await events.client('us-east-1').PutEvents({
      Entries: [
        entry({}, { Time: new Date(Date.UTC(2023, 0, 2, 3, 4, 5, 600)) }),
        entry({}, { Time: '2023-01-02T03:04:05.600Z' }),
        entry({}, { Time: Date.UTC(2023, 0, 2, 3, 4, 5) / 1000 }),
      ],
    });
    expect(events.events().map((put) => put.event.time)).toEqual(Array(3).fill('2023-01-02T03:04:05Z'));
    const invalid = await events.client('us-east-1').PutEvents({ Entries: [entry({}, { Time: 'yesterday' })] });
    expect(invalid).toEqual({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('Parameter Time is not valid') }],
    });
  });

  it('takes the bus by name or ARN, another region by ARN, and drops events for a bus that does not exist', async () => {
    const { events } = bridge();
    const client = events.client('us-east-1');
    const output = await client.PutEvents({
      Entries: [
        entry({ n: 1 }, { EventBusName: 'default' }),
        entry({ n: 2 }, { EventBusName: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default` }),
        entry({ n: 3 }, { EventBusName: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default` }),
        entry({ n: 4 }, { EventBusName: 'warden-bus' }),
        entry({ n: 5 }, { EventBusName: `arn:aws:events:us-east-1:210987654321:event-bus/default` }),
      ],
    });
    expect(output.FailedEntryCount).toBe(0);
    expect(events.events().map((put) => [put.region, put.event.region, put.event.detail.n])).toEqual([
      ['us-east-1', 'us-east-1', 1],
      ['us-east-1', 'us-east-1', 2],
      ['eu-west-1', 'eu-west-1', 3],
    ]);
    expect(events.failures().map((failure) => [failure.event.detail.n, failure.error])).toEqual([
      [4, 'Event bus warden-bus does not exist.'],
      [5, `Event bus arn:aws:events:us-east-1:210987654321:event-bus/default does not exist.`],
    ]);
  });

  it('rejects an EventBusName that is neither a name nor an ARN', async () => {
    const { events } = bridge();
    const error = await rejection(
      events.client('us-east-1').PutEvents({ Entries: [entry({}, { EventBusName: 'a b' })] }),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("'entries.1.member.eventBusName'");
  });

  it('serves the SDK PutEventsCommand through commandSender', async () => {
    const { events } = bridge();
    const sender = commandSender('EventBridge', events.client('ap-southeast-2'));
    const output = (await sender.send(
      new PutEventsCommand({ Entries: [{ ...entry(), Time: new Date(Date.UTC(2024, 0, 1)) }, { Source: 'x' }] }),
    )) as PutEventsOutput;
    expect(output.FailedEntryCount).toBe(1);
    expect(events.events()).toHaveLength(1);
    expect(events.events()[0].event).toMatchObject({ region: 'ap-southeast-2', time: '2024-01-01T00:00:00Z' });
  });
});

describe('rules and delivery', () => {
  const driftRule = (targets: RuleTarget[] = [{ id: 'fn', arn: LAMBDA }]) => ({
    region: 'us-east-1',
    name: 'OnDrift',
    eventPattern: {
      source: ['warden'],
      'detail-type': ['Warden Drift Detected'],
      detail: { psi: [{ numeric: ['>', 0.2] }] },
    },
    targets,
  });

  it('delivers a matching event to every target of every matching rule, and nothing else', async () => {
    const { events, delivered } = bridge();
    const rule = events.putRule(
      driftRule([
        { id: 'fn', arn: LAMBDA },
        { id: 'sm', arn: 'arn:aws:states:us-east-1:x' },
      ]),
    );
    expect(rule.arn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/OnDrift`);
    events.putRule({
      region: 'us-east-1',
      name: 'All',
      eventPattern: { source: ['warden'] },
      targets: [{ id: 'log', arn: LAMBDA }],
    });
    events.putRule({ ...driftRule(), region: 'eu-west-1' });
    const client = events.client('us-east-1');
    await client.PutEvents({ Entries: [entry({ psi: 0.5 }), entry({ psi: 0.1 })] });
    await events.settled();
    const [high, low] = events.events().map((put) => put.event);
    expect(delivered.map((d) => [d.rule.name, d.target.id, d.event.id])).toEqual(
      expect.arrayContaining([
        ['OnDrift', 'fn', high.id],
        ['OnDrift', 'sm', high.id],
        ['All', 'log', high.id],
        ['All', 'log', low.id],
      ]),
    );
    expect(delivered).toHaveLength(4);
    expect(delivered.find((d) => d.target.id === 'fn')?.input).toBe(high);
  });

  it('answers PutEvents before delivering, and settles only when the deliveries have ended', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    const { events } = bridge(async () => {
      await gate;
      finished = true;
    });
    events.putRule(driftRule());
    const output = await events.client('us-east-1').PutEvents({ Entries: [entry({ psi: 0.9 })] });
    expect(output.FailedEntryCount).toBe(0);
    let settled = false;
    const settling = events.settled().then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release();
    await settling;
    expect(finished).toBe(true);
  });

  it('settles only after deliveries started by deliveries', async () => {
    const seen: string[] = [];
    const { events } = bridge(async (_target, event) => {
      seen.push(event['detail-type']);
      if (event['detail-type'] === 'Warden Drift Detected') {
        await new Promise((resolve) => setImmediate(resolve));
        await events.client('us-east-1').PutEvents({
          Entries: [{ Source: 'warden', DetailType: 'Warden Retrain Requested', Detail: '{}' }],
        });
      }
    });
    events.putRule({
      region: 'us-east-1',
      name: 'Any',
      eventPattern: { source: ['warden'] },
      targets: [{ id: 't', arn: LAMBDA }],
    });
    await events.client('us-east-1').PutEvents({ Entries: [entry()] });
    await events.settled();
    expect(seen).toEqual(['Warden Drift Detected', 'Warden Retrain Requested']);
  });

  it('records a delivery that throws instead of failing the putter', async () => {
    const { events } = bridge(async () => {
      throw new ServiceError('ResourceNotFoundException', 'Function not found');
    });
    events.putRule(driftRule());
    const output = await events.client('us-east-1').PutEvents({ Entries: [entry({ psi: 0.9 })] });
    expect(output.FailedEntryCount).toBe(0);
    await events.settled();
    expect(events.failures()).toEqual([
      {
        region: 'us-east-1',
        bus: 'default',
        event: events.events()[0].event,
        rule: 'OnDrift',
        target: 'fn',
        error: 'ResourceNotFoundException: Function not found',
      },
    ]);
  });

  it('sends a target its Input or the part of the event its InputPath selects', async () => {
    const { events, delivered } = bridge();
    events.putRule(
      driftRule([
        { id: 'constant', arn: LAMBDA, input: '{"action":"retrain"}' },
        { id: 'detail', arn: LAMBDA, inputPath: '$.detail' },
        { id: 'type', arn: LAMBDA, inputPath: "$['detail-type']" },
        { id: 'first', arn: LAMBDA, inputPath: '$.resources[0]' },
      ]),
    );
    await events.client('us-east-1').PutEvents({ Entries: [entry({ psi: 0.4 }, { Resources: ['r0', 'r1'] })] });
    await events.settled();
    const inputs = Object.fromEntries(delivered.map((d) => [d.target.id, d.input]));
    expect(inputs).toEqual({
      constant: { action: 'retrain' },
      detail: { psi: 0.4 },
      type: 'Warden Drift Detected',
      first: 'r0',
    });
  });

  it('matches an event against the rules that exist when it is put', async () => {
    const { events, delivered } = bridge();
    await events.client('us-east-1').PutEvents({ Entries: [entry({ psi: 0.9 })] });
    events.putRule(driftRule());
    await events.settled();
    expect(delivered).toHaveLength(0);
  });

  it('replaces a rule put again under the same name', async () => {
    const { events, delivered } = bridge();
    events.putRule(driftRule());
    events.putRule({ ...driftRule(), eventPattern: '{"source": ["other"]}' });
    await events.client('us-east-1').PutEvents({ Entries: [entry({ psi: 0.9 })] });
    await events.settled();
    expect(delivered).toHaveLength(0);
  });
});

describe('putRule validation', () => {
  const base = {
    region: 'us-east-1',
    name: 'R',
    eventPattern: { source: ['warden'] },
    targets: [{ id: 't', arn: LAMBDA }],
  };
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'an invalid pattern',
      { eventPattern: { source: [] } },
      'InvalidEventPatternException',
      /Empty arrays are not allowed/,
    ],
    [
      'pattern text that is not JSON',
      { eventPattern: '{source' },
      'InvalidEventPatternException',
      /Event pattern is not valid/,
    ],
    ['a name with a space', { name: 'my rule' }, 'ValidationException', /at 'name'/],
    ['a custom bus', { eventBusName: 'warden' }, 'ResourceNotFoundException', /Event bus warden does not exist/],
    [
      'six targets',
      { targets: Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, arn: LAMBDA })) },
      'LimitExceededException',
      /maximum number allowed/,
    ],
    [
      'a repeated target id',
      {
        targets: [
          { id: 't', arn: LAMBDA },
          { id: 't', arn: LAMBDA },
        ],
      },
      'ValidationException',
      /used twice/,
    ],
    [
      'Input and InputPath',
      { targets: [{ id: 't', arn: LAMBDA, input: '{}', inputPath: '$' }] },
      'ValidationException',
      /only one of/,
    ],
    [
      'Input that is not JSON',
      { targets: [{ id: 't', arn: LAMBDA, input: '{' }] },
      'ValidationException',
      /not valid JSON/,
    ],
    [
      'an InputPath that is not a path',
      { targets: [{ id: 't', arn: LAMBDA, inputPath: 'detail' }] },
      'ValidationException',
      /JSON path/,
    ],
  ];

  it.each(cases)('rejects %s', (_what, change, code, message) => {
    const { events } = bridge();
    let thrown: unknown;
    try {
      events.putRule({ ...base, ...change } as Parameters<LocalEventBridge['putRule']>[0]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ServiceError);
    expect((thrown as ServiceError).name).toBe(code);
    expect((thrown as ServiceError).message).toMatch(message);
  });

  it('accepts the pattern as JSON text', () => {
    const { events } = bridge();
    expect(events.putRule({ ...base, eventPattern: '{"source": ["warden"]}' }).eventPattern).toEqual({
      source: ['warden'],
    });
  });

  it('rejects an account that is not 12 digits', () => {
    expect(
      () => new LocalEventBridge({ account: '42', clock: new VirtualClock(), deliver: async () => undefined }),
    ).toThrow(/12 digits/);
  });
});

describe('service events', () => {
  it('puts an S3 Object Created event, filling id, time and account', async () => {
    const { events, delivered } = bridge();
    events.putRule({
      region: 'us-east-1',
      name: 'OnUpload',
      eventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['data'] } } },
      targets: [{ id: 'sm', arn: 'arn:aws:states:us-east-1:x' }],
    });
    const injected = events.injectEvent('us-east-1', {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      resources: ['arn:aws:s3:::data'],
      detail: { bucket: { name: 'data' }, object: { key: 'train.csv', size: 10 } },
    });
    expect(injected).toMatchObject({
      version: '0',
      account: ACCOUNT,
      region: 'us-east-1',
      time: '2024-06-01T12:30:15Z',
    });
    expect(injected.id).toMatch(UUID);
    await events.settled();
    expect(delivered.map((d) => d.event)).toEqual([injected]);
    expect(events.events()).toEqual([{ region: 'us-east-1', bus: 'default', event: injected }]);
  });

  it('keeps the id and time a service gave its event', async () => {
    const { events, delivered } = bridge();
    events.putRule({
      region: 'eu-west-1',
      name: 'OnAlarm',
      eventPattern: { source: ['aws.cloudwatch'], detail: { state: { value: ['ALARM'] } } },
      targets: [{ id: 'fn', arn: LAMBDA }],
    });
    const alarm = {
      version: '0',
      id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: ACCOUNT,
      time: '2024-06-01T12:00:00Z',
      region: 'eu-west-1',
      resources: [`arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:drift`],
      detail: { alarmName: 'drift', state: { value: 'ALARM' }, previousState: { value: 'OK' } },
    };
    expect(events.injectEvent('eu-west-1', alarm)).toEqual(alarm);
    events.injectEvent('eu-west-1', {
      ...alarm,
      id: undefined,
      detail: { alarmName: 'drift', state: { value: 'OK' } },
    });
    await events.settled();
    expect(delivered.map((d) => d.event.id)).toEqual([alarm.id]);
  });
});

describe('cross-region event bus targets', () => {
  it('forwards to the other region with a new id, keeping the source region, and matches that bus’s rules', async () => {
    const { events, delivered } = bridge();
    events.putRule({
      region: 'us-east-1',
      name: 'ToCentral',
      eventPattern: { source: ['warden'] },
      targets: [{ id: 'central', arn: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default` }],
    });
    events.putRule({
      region: 'eu-west-1',
      name: 'FromUsEast',
      eventPattern: { source: ['warden'], region: ['us-east-1'] },
      targets: [{ id: 'fn', arn: LAMBDA }],
    });
    await events.client('us-east-1').PutEvents({ Entries: [entry({ psi: 0.5 })] });
    await events.settled();
    const [original, forwarded] = events.events();
    expect([original.region, forwarded.region]).toEqual(['us-east-1', 'eu-west-1']);
    expect(forwarded.event.id).not.toBe(original.event.id);
    expect(forwarded.event.id).toMatch(UUID);
    expect({ ...forwarded.event, id: original.event.id }).toEqual(original.event);
    expect(delivered.map((d) => [d.rule.region, d.rule.name, d.event.id])).toEqual([
      ['eu-west-1', 'FromUsEast', forwarded.event.id],
    ]);
    expect(events.failures()).toEqual([]);
  });

  it('does not route a forwarded event on to a third bus, nor to a bus that does not exist', async () => {
    const { events, delivered } = bridge();
    const bus = (region: string, name = 'default') => `arn:aws:events:${region}:${ACCOUNT}:event-bus/${name}`;
    events.putRule({
      region: 'us-east-1',
      name: 'Out',
      eventPattern: { source: ['warden'] },
      targets: [
        { id: 'eu', arn: bus('eu-west-1') },
        { id: 'custom', arn: bus('us-west-2', 'warden') },
      ],
    });
    events.putRule({
      region: 'eu-west-1',
      name: 'Onward',
      eventPattern: { source: ['warden'] },
      targets: [
        { id: 'ap', arn: bus('ap-south-1') },
        { id: 'fn', arn: LAMBDA },
      ],
    });
    await events.client('us-east-1').PutEvents({ Entries: [entry()] });
    await events.settled();
    expect(events.events().map((put) => put.region)).toEqual(['us-east-1', 'eu-west-1']);
    expect(delivered.map((d) => d.target.id)).toEqual(['fn']);
    expect(events.failures().map((f) => [f.region, f.rule, f.target, f.error])).toEqual(
      expect.arrayContaining([
        ['us-east-1', 'Out', 'custom', `Event bus ${bus('us-west-2', 'warden')} does not exist.`],
        [
          'eu-west-1',
          'Onward',
          'ap',
          'EventBridge does not route an event received from another event bus to a third one.',
        ],
      ]),
    );
    expect(events.failures()).toHaveLength(2);
  });
});
