/**
 * The handlers that start and answer executions, invoked as Lambda invokes them, with a recording Step Functions
 * stand-in (and the local S3 server for `start-training`): the cross-region deploy relay (`start-regional-deployment`
 * → regional execution → `report-deployment`), training triggers, idempotent names, and malformed events.
 */
import './harness/quiet';
import fc from 'fast-check';
import { handler as report, ReportDeploymentInput } from '../../lambdas/handlers/report-deployment';
import {
  handler as startDeployment,
  StartRegionalDeploymentInput,
} from '../../lambdas/handlers/start-regional-deployment';
import { handler as startTraining, StartTrainingInput } from '../../lambdas/handlers/start-training';
import { DATA, MODEL, recordAwsCalls, setWardenEnv, startLocalAws, type LocalAws } from './harness/local-aws';
import { eventsLike, expectOnlyTypedErrors } from './harness/malformed';

const ARNS = {
  'us-east-1': 'arn:aws:states:us-east-1:111122223333:stateMachine:warden-credit-deploy',
  'eu-west-1': 'arn:aws:states:eu-west-1:111122223333:stateMachine:warden-credit-deploy',
};
const TRAINING = 'arn:aws:states:us-east-1:111122223333:stateMachine:warden-credit-training';

async function invoke(fn: (event: unknown) => Promise<unknown>, event: unknown): Promise<Record<string, unknown>> {
  return (await fn(event)) as Record<string, unknown>;
}

let aws: LocalAws;
let recorder: ReturnType<typeof recordAwsCalls>;
/** Execution names the Step Functions stand-in has seen, to answer a repeated name as Step Functions does. */
let started: Map<string, string>;
let sfnFailure: Error | undefined;
/** The config each region's endpoint serves, as the SageMaker stand-in answers DescribeEndpoint (none: no endpoint). */
let serving: Record<string, string>;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws.stop();
});

beforeEach(() => {
  setWardenEnv({
    WARDEN_DEPLOY_STATE_MACHINE_ARNS: JSON.stringify(ARNS),
    WARDEN_PRIMARY_REGION: 'us-east-1',
    WARDEN_TRAINING_STATE_MACHINE_ARN: TRAINING,
    WARDEN_DATA_BUCKET: DATA,
  });
  started = new Map();
  sfnFailure = undefined;
  serving = {};
  recorder = recordAwsCalls({
    SageMaker: (command, input, region) => {
      if (command !== 'DescribeEndpointCommand') return {};
      const configName = serving[region];
      if (configName === undefined) {
        const message = `Could not find endpoint "arn:aws:sagemaker:${region}:111122223333:endpoint/${String(input.EndpointName)}".`;
        return Object.assign(new Error(message), { name: 'ValidationException' });
      }
      return { EndpointName: input.EndpointName, EndpointConfigName: configName, EndpointStatus: 'InService' };
    },
    SFN: (command, input) => {
      if (sfnFailure !== undefined) return sfnFailure;
      if (command !== 'StartExecutionCommand') return {};
      const name = input.name as string;
      if (started.has(name) && started.get(name) !== input.input) {
        return Object.assign(new Error('Execution already exists'), { name: 'ExecutionAlreadyExists' });
      }
      started.set(name, input.input as string);
      return { executionArn: `${String(input.stateMachineArn).replace(':stateMachine:', ':execution:')}:${name}` };
    },
  });
});

afterEach(() => recorder.restore());

const DEPLOY = {
  mode: 'deploy',
  region: 'eu-west-1',
  wave: 1,
  modelVersion: 3,
  modelDataUrl: 's3://warden-artifacts/models/job/output/model.tar.gz',
  image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/model:1',
  correlationId: 'run-1',
  taskToken: 'token-abc',
};

describe('start-regional-deployment', () => {
  it('starts the target region’s deploy state machine with the whole request, with a recording Step Functions stand-in', async () => {
    const result = await invoke(startDeployment, DEPLOY);
    const [call] = recorder.of('SFN', 'StartExecutionCommand');
    expect(call.region).toBe('eu-west-1');
    expect(call.input.stateMachineArn).toBe(ARNS['eu-west-1']);
    expect(JSON.parse(call.input.input as string)).toEqual(DEPLOY);
    expect(call.input.name).toMatch(/^deploy-v3-eu-west-1-[0-9a-f]{24}$/);
    expect(result).toMatchObject({ region: 'eu-west-1', name: call.input.name, alreadyStarted: false });
    // A retried invocation reuses the name; a new attempt of the waiting state (new token) gets a new execution.
    expect((await invoke(startDeployment, DEPLOY)).name).toBe(result.name);
    expect((await invoke(startDeployment, { ...DEPLOY, taskToken: 'token-def' })).name).not.toBe(result.name);
  });

  it('passes the config the region’s endpoint serves as previousEndpointConfigName, described in that region, with recording stand-ins', async () => {
    serving = { 'eu-west-1': 'warden-credit-v2-0a1b2c3d-0', 'us-east-1': 'warden-credit-v9-ffffffff-0' };
    await invoke(startDeployment, DEPLOY);
    const [describe] = recorder.of('SageMaker', 'DescribeEndpointCommand');
    expect(describe).toMatchObject({ region: 'eu-west-1', input: { EndpointName: `warden-${MODEL}` } });
    const [call] = recorder.of('SFN', 'StartExecutionCommand');
    expect(JSON.parse(call.input.input as string)).toEqual({
      ...DEPLOY,
      previousEndpointConfigName: 'warden-credit-v2-0a1b2c3d-0',
    });
  });

  it('starts nothing when the endpoint cannot be described, so no deployment runs without a way back, with recording stand-ins', async () => {
    recorder.restore();
    recorder = recordAwsCalls({
      SageMaker: () =>
        Object.assign(new Error('User is not authorized to perform: sagemaker:DescribeEndpoint'), {
          name: 'AccessDeniedException',
        }),
    });
    await expect(invoke(startDeployment, DEPLOY)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(recorder.of('SFN')).toEqual([]);
  });

  it('starts a rollback, and refuses incomplete requests and unknown regions', async () => {
    const rollback = {
      mode: 'rollback',
      region: 'us-east-1',
      modelVersion: 1,
      endpointConfigName: 'cfg-1',
      correlationId: 'r',
      taskToken: 't',
    };
    expect(await invoke(startDeployment, rollback)).toMatchObject({ region: 'us-east-1' });
    await expect(invoke(startDeployment, { ...rollback, endpointConfigName: undefined })).rejects.toMatchObject({
      name: 'Warden.InputError',
    });
    await expect(invoke(startDeployment, { ...DEPLOY, image: undefined })).rejects.toMatchObject({
      name: 'Warden.InputError',
    });
    await expect(invoke(startDeployment, { ...DEPLOY, region: 'ap-south-1' })).rejects.toMatchObject({
      name: 'Warden.ConfigurationError',
    });
  });
});

describe('report-deployment', () => {
  const request = { ...DEPLOY, taskToken: 'token-xyz' };

  it('answers the waiting task in the primary region: success with the outcome, failure with the named error', async () => {
    expect(
      await invoke(report, {
        outcome: 'Succeeded',
        request,
        region: 'eu-west-1',
        modelVersion: 3,
        serving: { endpointConfigName: 'cfg-3' },
      }),
    ).toEqual({
      reported: true,
      outcome: 'Succeeded',
    });
    await invoke(report, {
      outcome: 'RolledBack',
      request,
      region: 'eu-west-1',
      modelVersion: 3,
      error: { Error: 'Warden.DeploymentRolledBack', Cause: 'The canary tripped an alarm.' },
    });
    await invoke(report, { outcome: 'Failed', request, region: 'eu-west-1', modelVersion: 3 });
    const calls = recorder.of('SFN');
    expect(calls.map((call) => [call.region, call.command])).toEqual([
      ['us-east-1', 'SendTaskSuccessCommand'],
      ['us-east-1', 'SendTaskFailureCommand'],
      ['us-east-1', 'SendTaskFailureCommand'],
    ]);
    expect(JSON.parse(calls[0].input.output as string)).toEqual({
      outcome: 'Succeeded',
      region: 'eu-west-1',
      modelVersion: 3,
      serving: { endpointConfigName: 'cfg-3' },
    });
    expect(calls[1].input).toEqual({
      taskToken: 'token-xyz',
      error: 'Warden.DeploymentRolledBack',
      cause: 'The canary tripped an alarm.',
    });
    expect(calls[2].input).toMatchObject({ error: 'Warden.DeploymentFailed' });
  });

  it('has nobody to answer without a token, and reports a token that expired instead of failing', async () => {
    const withoutToken = Object.fromEntries(Object.entries(request).filter(([name]) => name !== 'taskToken'));
    expect(
      await invoke(report, { outcome: 'Succeeded', request: withoutToken, region: 'eu-west-1', modelVersion: 3 }),
    ).toMatchObject({
      reported: false,
    });
    sfnFailure = Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    expect(await invoke(report, { outcome: 'Succeeded', request, region: 'eu-west-1', modelVersion: 3 })).toEqual({
      reported: false,
      reason: 'TaskTimedOut',
    });
  });
});

describe('start-training', () => {
  const objectCreated = (key: string, etag = 'e1') => ({
    version: '0',
    id: `event-${key}`,
    source: 'aws.s3',
    'detail-type': 'Object Created',
    region: 'us-east-1',
    detail: { bucket: { name: DATA }, object: { key, size: 42, etag } },
  });

  it('starts one training execution per object version, whatever the number of deliveries', async () => {
    await aws.s3.write(DATA, `incoming/${MODEL}/one.csv`, 'a\n1\n');
    const first = await invoke(startTraining, objectCreated(`incoming/${MODEL}/one.csv`));
    expect(first).toMatchObject({ started: true });
    const [call] = recorder.of('SFN', 'StartExecutionCommand');
    expect(call.input.stateMachineArn).toBe(TRAINING);
    expect(JSON.parse(call.input.input as string)).toEqual({
      bucket: DATA,
      key: `incoming/${MODEL}/one.csv`,
      sizeBytes: 42,
      correlationId: `event-incoming/${MODEL}/one.csv`,
    });
    // The same object delivered again under another event id: same name, same input ⇒ Step Functions dedupes it.
    const again = await invoke(startTraining, { ...objectCreated(`incoming/${MODEL}/one.csv`), id: 'other' });
    expect(again).toMatchObject({ started: false, reason: 'duplicate', name: first.name });
  });

  it('retrains on the newest dataset of the model when the request names none', async () => {
    await aws.s3.write(DATA, `incoming/${MODEL}/old.csv`, 'a\n1\n');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await aws.s3.write(DATA, `incoming/${MODEL}/fresh.csv`, 'a\n1\n2\n');
    const result = await invoke(startTraining, {
      id: 'retrain-event',
      source: 'warden',
      'detail-type': 'Warden Retrain Requested',
      detail: {
        modelName: MODEL,
        alarmName: `warden-${MODEL}-drift`,
        region: 'eu-west-1',
        correlationId: 'rem-1',
        reason: 'drift',
      },
    });
    expect(result).toMatchObject({
      started: true,
      request: {
        bucket: DATA,
        key: `incoming/${MODEL}/fresh.csv`,
        sizeBytes: 6,
        correlationId: 'rem-1',
        retrain: { reason: 'drift' },
      },
    });
  });

  it('starts nothing for labelled data staged under fresh/, and a retrain then trains on it', async () => {
    await aws.s3.write(DATA, `incoming/${MODEL}/fresh/2024-06-02.csv`, 'a\n1\n2\n3\n');
    const staged = await invoke(startTraining, objectCreated(`incoming/${MODEL}/fresh/2024-06-02.csv`, 'e9'));
    expect(staged).toMatchObject({ started: false, reason: 'staged for the next retrain' });
    const started = recorder.of('SFN', 'StartExecutionCommand').length;
    const retrain = await invoke(startTraining, {
      id: 'retrain-fresh',
      source: 'warden',
      'detail-type': 'Warden Retrain Requested',
      detail: { modelName: MODEL, region: 'us-east-1', correlationId: 'rem-2', reason: 'drift' },
    });
    expect(retrain).toMatchObject({ started: true, request: { key: `incoming/${MODEL}/fresh/2024-06-02.csv` } });
    expect(recorder.of('SFN', 'StartExecutionCommand')).toHaveLength(started + 1);
  });

  it('refuses objects outside the model’s incoming prefix and other models’ requests', async () => {
    await expect(invoke(startTraining, objectCreated('elsewhere/x.csv'))).rejects.toMatchObject({
      name: 'Warden.InputError',
    });
    await expect(
      invoke(startTraining, {
        id: 'x',
        source: 'warden',
        'detail-type': 'Warden Retrain Requested',
        detail: { modelName: 'other', region: 'us-east-1', correlationId: 'c', reason: 'r' },
      }),
    ).rejects.toMatchObject({ name: 'Warden.InputError' });
  });
});

describe('deployment relay: bad events', () => {
  it('answers malformed events with typed errors only (fast-check, 200 runs each)', async () => {
    await expectOnlyTypedErrors(
      startDeployment,
      StartRegionalDeploymentInput,
      eventsLike({
        mode: fc.constantFrom('deploy', 'rollback', 'destroy'),
        region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-south-1', 'x'),
        modelVersion: fc.integer({ min: -1, max: 3 }),
        correlationId: fc.string({ maxLength: 4 }),
        taskToken: fc.string({ maxLength: 4 }),
        modelDataUrl: fc.string({ maxLength: 4 }),
        image: fc.string({ maxLength: 4 }),
        endpointConfigName: fc.string({ maxLength: 4 }),
      }),
    );
    await expectOnlyTypedErrors(
      report,
      ReportDeploymentInput,
      eventsLike({
        outcome: fc.constantFrom('Succeeded', 'RolledBack', 'Failed', 'Maybe'),
        request: fc.record({ taskToken: fc.string({ maxLength: 4 }) }, { requiredKeys: [] }),
        region: fc.constantFrom('us-east-1', ''),
        modelVersion: fc.integer({ min: 0, max: 3 }),
        error: fc.record(
          { Error: fc.string({ maxLength: 4 }), Cause: fc.string({ maxLength: 4 }) },
          { requiredKeys: [] },
        ),
      }),
    );
    await expectOnlyTypedErrors(
      startTraining,
      StartTrainingInput,
      eventsLike({
        id: fc.string({ maxLength: 4 }),
        source: fc.constantFrom('aws.s3', 'warden', 'other'),
        'detail-type': fc.constantFrom('Object Created', 'Warden Retrain Requested', 'Other'),
        detail: fc.oneof(
          fc.record({
            bucket: fc.record({ name: fc.constantFrom(DATA, 'x') }),
            object: fc.record({ key: fc.constantFrom(`incoming/${MODEL}/one.csv`, 'k') }),
          }),
          fc.record(
            {
              modelName: fc.constantFrom(MODEL, 'z'),
              region: fc.constant('us-east-1'),
              correlationId: fc.string({ maxLength: 3 }),
              reason: fc.string({ maxLength: 3 }),
            },
            { requiredKeys: [] },
          ),
        ),
      }),
    );
  });
});
