/**
 * `decide-remediation` as Lambda invokes it, against DynamoDB Local (lineage and brakes) with a recording SageMaker
 * stand-in for DescribeEndpoint: retrain on drift, rollback to the last good endpoint config on serving alarms,
 * suppression while deployment guardrails are at work or a brake holds, an alarm storm yielding exactly one action,
 * and malformed events.
 */
import './harness/quiet';
import fc from 'fast-check';
import { DecideRemediationInput, handler } from '../../lambdas/handlers/decide-remediation';
import { LineageRepository } from '../../lambdas/ledger/lineage-repository';
import { LINEAGE_TABLE, recordAwsCalls, setWardenEnv, startLocalAws, type LocalAws } from './harness/local-aws';
import { eventsLike, expectOnlyTypedErrors } from './harness/malformed';

const BRAKES = { cooldownMinutes: 60, dailyCap: 3, suggestOnly: false, lockSeconds: 900 };
const AT = '2025-03-01T12:00:00Z';

async function decide(event: Record<string, unknown>): Promise<Record<string, unknown>> {
  return (await handler({ region: 'us-east-1', state: 'ALARM', at: AT, ...event })) as Record<string, unknown>;
}

let aws: LocalAws;
let recorder: ReturnType<typeof recordAwsCalls>;
/** What the SageMaker stand-in reports for the endpoint, per region. */
let endpoints: Record<string, { EndpointStatus: string; EndpointConfigName: string } | undefined>;

beforeAll(async () => {
  aws = await startLocalAws({ withDynamo: true });
});

afterAll(async () => {
  await aws.stop();
});

/** Each test works on its own model family, so that brakes and lineage of one never leak into another. */
function useModel(model: string, brakes: object = BRAKES): LineageRepository {
  setWardenEnv({ WARDEN_MODEL_NAME: model, WARDEN_BRAKES: JSON.stringify(brakes) });
  return new LineageRepository(aws.dynamoClient(), LINEAGE_TABLE, model);
}

beforeEach(() => {
  endpoints = {};
  recorder = recordAwsCalls({
    SageMaker: (command, input, region) => {
      if (command !== 'DescribeEndpointCommand') return {};
      const endpoint = endpoints[region];
      if (endpoint !== undefined) return { EndpointName: input.EndpointName, ...endpoint };
      const missing = new Error(`Could not find endpoint "${String(input.EndpointName)}".`);
      missing.name = 'ValidationException';
      return missing;
    },
  });
});

afterEach(() => recorder.restore());

describe('decide-remediation', () => {
  it('retrains on a drift alarm, and suppresses the next one while the lock is held', async () => {
    useModel('drifty');
    expect(await decide({ alarmName: 'warden-drifty-drift', correlationId: 'r1' })).toEqual({
      action: 'retrain',
      reason: 'drift alarm warden-drifty-drift',
      alarmKind: 'drift',
      region: 'us-east-1',
    });
    expect(await decide({ alarmName: 'warden-drifty-drift-age', correlationId: 'r2' })).toEqual({
      action: 'suppressed',
      reason: 'locked',
      alarmKind: 'drift',
      region: 'us-east-1',
      suggested: 'retrain',
    });
  });

  it('turns an alarm storm from two regions into exactly one remediation; the rest are suppressed', async () => {
    useModel('storm');
    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        decide({
          alarmName: i % 3 === 0 ? 'warden-storm-drift' : `warden-storm-drift-f${i % 5}`,
          region: i % 2 === 0 ? 'us-east-1' : 'eu-west-1',
          correlationId: `storm-${i}`,
          at: `2025-03-01T12:00:${String(i % 60).padStart(2, '0')}Z`,
        }),
      ),
    );
    expect(decisions.filter((d) => d.action === 'retrain')).toHaveLength(1);
    expect(decisions.filter((d) => d.action === 'suppressed')).toHaveLength(99);
    expect(new Set(decisions.filter((d) => d.action === 'suppressed').map((d) => d.reason))).toEqual(
      new Set(['locked']),
    );
  });

  it('rolls back to the live endpoint config when a 5xx alarm fires on an endpoint serving another one', async () => {
    const lineage = useModel('fivexx');
    await lineage.setLive('us-east-1', { modelVersion: 1, endpointConfigName: 'fivexx-v1' });
    endpoints['us-east-1'] = { EndpointStatus: 'InService', EndpointConfigName: 'fivexx-v2' };
    expect(await decide({ alarmName: 'warden-fivexx-us-east-1-5xx', correlationId: 'r' })).toEqual({
      action: 'rollback',
      reason: '5xx alarm warden-fivexx-us-east-1-5xx on fivexx-v2',
      alarmKind: '5xx',
      region: 'us-east-1',
      lastGood: { modelVersion: 1, endpointConfigName: 'fivexx-v1' },
    });
    const [call] = recorder.of('SageMaker', 'DescribeEndpointCommand');
    expect(call).toMatchObject({ region: 'us-east-1', input: { EndpointName: 'warden-fivexx' } });
  });

  it('rolls back to the version the live one replaced when the endpoint already serves the live config', async () => {
    const lineage = useModel('quality');
    await lineage.putVersion(2, {
      previousLive: { 'eu-west-1': { modelVersion: 1, endpointConfigName: 'quality-v1' } },
    });
    await lineage.setLive('eu-west-1', { modelVersion: 2, endpointConfigName: 'quality-v2' });
    endpoints['eu-west-1'] = { EndpointStatus: 'InService', EndpointConfigName: 'quality-v2' };
    expect(
      await decide({ alarmName: 'warden-quality-eu-west-1-quality', region: 'eu-west-1', correlationId: 'r' }),
    ).toMatchObject({ action: 'rollback', lastGood: { modelVersion: 1, endpointConfigName: 'quality-v1' } });
  });

  it('leaves an updating endpoint to its guardrails and suppresses what cannot be remediated, without taking the lock', async () => {
    const lineage = useModel('guarded');
    await lineage.setLive('us-east-1', { modelVersion: 1, endpointConfigName: 'guarded-v1' });
    endpoints['us-east-1'] = { EndpointStatus: 'Updating', EndpointConfigName: 'guarded-v1' };
    expect(await decide({ alarmName: 'warden-guarded-us-east-1-deployment', correlationId: 'a' })).toMatchObject({
      action: 'suppressed',
      reason: expect.stringMatching(/Updating: its deployment guardrails handle the alarm/),
    });
    expect(await decide({ alarmName: 'warden-guarded-us-east-1-latency', correlationId: 'b' })).toMatchObject({
      action: 'suppressed',
      alarmKind: 'latency',
    });
    expect(await decide({ alarmName: 'warden-guarded-drift', state: 'OK', correlationId: 'c' })).toMatchObject({
      action: 'suppressed',
      reason: 'the alarm is OK, not ALARM',
    });
    expect(
      await decide({ alarmName: 'warden-guarded-eu-west-1-5xx', region: 'eu-west-1', correlationId: 'd' }),
    ).toMatchObject({ action: 'suppressed', reason: 'endpoint warden-guarded does not exist in eu-west-1' });
    endpoints['us-east-1'] = { EndpointStatus: 'InService', EndpointConfigName: 'guarded-v1' };
    expect(await decide({ alarmName: 'warden-guarded-us-east-1-quality', correlationId: 'e' })).toMatchObject({
      action: 'suppressed',
      reason: 'no earlier good version to roll back to in us-east-1',
    });
    // None of those took the lock: the first actionable alarm is granted.
    expect(await decide({ alarmName: 'warden-guarded-drift', correlationId: 'f' })).toMatchObject({
      action: 'retrain',
    });
  });

  it('only suggests in suggest-only mode', async () => {
    useModel('careful', { ...BRAKES, suggestOnly: true });
    expect(await decide({ alarmName: 'warden-careful-drift', correlationId: 'r' })).toEqual({
      action: 'suppressed',
      reason: 'suggest-only',
      alarmKind: 'drift',
      region: 'us-east-1',
      suggested: 'retrain',
    });
  });

  it('rejects an alarm that is not one of the model, and malformed events, with Warden.InputError (fast-check, 200 runs)', async () => {
    useModel('fuzz');
    await expect(decide({ alarmName: 'someone-elses-alarm', correlationId: 'r' })).rejects.toMatchObject({
      name: 'Warden.InputError',
    });
    await expectOnlyTypedErrors(
      handler,
      DecideRemediationInput,
      eventsLike({
        alarmName: fc.constantFrom('warden-fuzz-drift', 'warden-fuzz-us-east-1-latency', 'other', ''),
        region: fc.constantFrom('us-east-1', 'mars-1', ''),
        correlationId: fc.string({ maxLength: 10 }),
        state: fc.constantFrom('ALARM', 'OK', 'INSUFFICIENT_DATA', 'BROKEN'),
        at: fc.constantFrom(AT, 'yesterday'),
      }),
    );
  });
});
