/**
 * The local Step Functions: executions of real ASL on aws-local-stepfunctions with Waits on the virtual clock,
 * StartExecution idempotency, task tokens, and the control-plane API's error names.
 */
import { VirtualClock } from '../../local/runtime/clock';
import { ServiceError } from '../../local/emulators/service';
import {
  LOCAL_WAIT_RESOURCE,
  LocalStepFunctions,
  TaskError,
  localDefinition,
  type TaskInvocation,
} from '../../local/emulators/stepfunctions';
import type { StateMachineDefinition } from '../../lib/state-machine-file';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:demo`;

function definition(states: Record<string, unknown>, startAt: string): StateMachineDefinition {
  return { StartAt: startAt, States: states } as unknown as StateMachineDefinition;
}

function service(
  machine: StateMachineDefinition,
  integrate: (invocation: TaskInvocation) => Promise<unknown>,
  clock = new VirtualClock(),
): { sfn: LocalStepFunctions; clock: VirtualClock } {
  const sfn = new LocalStepFunctions({ account: ACCOUNT, clock, integrate });
  sfn.register({ arn: ARN, name: 'demo', region: REGION, definition: machine });
  return { sfn, clock };
}

async function waitTask({ task, parameters }: TaskInvocation, clock: VirtualClock): Promise<unknown> {
  if (task.resource !== LOCAL_WAIT_RESOURCE) throw new Error(`unexpected ${task.resource}`);
  await clock.advance(Number((parameters as { seconds: number }).seconds) * 1000);
  return null;
}

describe('local Step Functions', () => {
  it('rewrites Wait states as clock tasks of the same name, keeping paths and transitions', () => {
    const local = localDefinition(
      definition(
        {
          Bake: { Type: 'Wait', SecondsPath: '$.bake', InputPath: '$.x', Next: 'Done' },
          Done: { Type: 'Succeed' },
        },
        'Bake',
      ),
    );
    expect(local.States.Bake).toEqual({
      Type: 'Task',
      Resource: LOCAL_WAIT_RESOURCE,
      Parameters: { 'seconds.$': '$.bake' },
      ResultPath: null,
      InputPath: '$.x',
      Next: 'Done',
    });
  });

  it('runs a Wait in virtual time: a 6-hour wait fires the timers due meanwhile and takes no real time', async () => {
    const fired: number[] = [];
    const clock = new VirtualClock(0);
    clock.every(3_600_000, (at) => void fired.push(at));
    const { sfn } = service(
      definition({ Sleep: { Type: 'Wait', Seconds: 21_600, End: true } }, 'Sleep'),
      (invocation) => waitTask(invocation, clock),
      clock,
    );
    const started = Date.now();
    const execution = sfn.start(REGION, ARN, '{"a":1}', 'six-hours');
    await execution.done;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(execution).toMatchObject({ status: 'SUCCEEDED', states: ['Sleep'] });
    expect(JSON.parse(execution.output ?? '')).toEqual({ a: 1 });
    expect(fired).toEqual([1, 2, 3, 4, 5, 6].map((hour) => hour * 3_600_000));
    expect(clock.now()).toBe(21_600_000);
  });

  it('answers StartExecution like the API: same name and input → the running execution, else ExecutionAlreadyExists', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { sfn } = service(
      definition({ Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } }, 'Work'),
      async () => {
        await gate;
        return { ok: true };
      },
    );
    const api = sfn.client(REGION);
    const first = api.StartExecution({ stateMachineArn: ARN, name: 'run-1', input: '{"k":1}' });
    expect(api.StartExecution({ stateMachineArn: ARN, name: 'run-1', input: '{"k":1}' })).toEqual(first);
    expect(() => api.StartExecution({ stateMachineArn: ARN, name: 'run-1', input: '{"k":2}' })).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
    release();
    await sfn.settled();
    expect(() => api.StartExecution({ stateMachineArn: ARN, name: 'run-1', input: '{"k":1}' })).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
    expect(() => api.StartExecution({ stateMachineArn: `${ARN}-missing`, input: '{}' })).toThrow(
      expect.objectContaining({ name: 'StateMachineDoesNotExist' }),
    );
    expect(() => api.StartExecution({ stateMachineArn: ARN, name: 'bad name!', input: '{}' })).toThrow(
      expect.objectContaining({ name: 'InvalidName' }),
    );
    expect(() => api.StartExecution({ stateMachineArn: ARN, input: '{not json' })).toThrow(ServiceError);
    expect(api.DescribeExecution({ executionArn: first.executionArn })).toMatchObject({ status: 'SUCCEEDED' });
    expect(() => api.DescribeExecution({ executionArn: `${first.executionArn}x` })).toThrow(
      expect.objectContaining({ name: 'ExecutionDoesNotExist' }),
    );
  });

  it('gives each waiting task its own token and resumes it with SendTaskSuccess / SendTaskFailure', async () => {
    const tokens: string[] = [];
    const machine = definition(
      {
        First: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { 'token.$': '$$.Task.Token' },
          ResultPath: '$.first',
          Next: 'Second',
        },
        Second: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { 'token.$': '$$.Task.Token' },
          End: true,
        },
      },
      'First',
    );
    const late: { sfn?: LocalStepFunctions } = {};
    const { sfn } = service(machine, async ({ taskToken, parameters }) => {
      const self = late.sfn as LocalStepFunctions;
      expect((parameters as { token: string }).token).toBe(taskToken);
      tokens.push(taskToken);
      const answer = self.waitForToken(taskToken);
      const api = self.client(REGION);
      setImmediate(() => {
        if (tokens.length === 1) api.SendTaskSuccess({ taskToken, output: '{"approved":true}' });
        else api.SendTaskFailure({ taskToken, error: 'Warden.DeploymentRolledBack', cause: 'canary alarm' });
      });
      return answer;
    });
    late.sfn = sfn;
    const execution = sfn.start(REGION, ARN, '{}', 'tokens');
    await execution.done;
    expect(new Set(tokens).size).toBe(2);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Warden.DeploymentRolledBack', cause: 'canary alarm' });
    const api = sfn.client(REGION);
    expect(() => api.SendTaskSuccess({ taskToken: tokens[0], output: '{}' })).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    expect(() => api.SendTaskSuccess({ taskToken: 'forged', output: '{}' })).toThrow(
      expect.objectContaining({ name: 'InvalidToken' }),
    );
  });

  it('fails an execution with the Task error name, caught by Catch like Step Functions', async () => {
    const machine = definition(
      {
        Work: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Catch: [{ ErrorEquals: ['Warden.ValidationFailed'], ResultPath: '$.error', Next: 'Recorded' }],
          End: true,
        },
        Recorded: { Type: 'Fail', Error: 'Warden.ValidationFailed', Cause: 'recorded' },
      },
      'Work',
    );
    const { sfn } = service(machine, async () => {
      throw new TaskError('Warden.ValidationFailed', 'bad rows');
    });
    const execution = sfn.start(REGION, ARN, '{}');
    await execution.done;
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'Warden.ValidationFailed',
      states: ['Work', 'Recorded'],
    });
  });

  it('starts no queued Map iteration once one has failed the Map', async () => {
    const regions: string[] = [];
    const machine = definition(
      {
        Rollout: {
          Type: 'Map',
          ItemsPath: '$.regions',
          MaxConcurrency: 1,
          ItemProcessor: {
            StartAt: 'Deploy',
            States: { Deploy: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } },
          },
          End: true,
        },
      },
      'Rollout',
    );
    const { sfn } = service(machine, async ({ parameters }) => {
      regions.push(String(parameters));
      if (regions.length === 1) throw new TaskError('Warden.DeploymentRolledBack', 'first wave failed');
      return {};
    });
    const execution = sfn.start(REGION, ARN, JSON.stringify({ regions: ['us-east-1', 'eu-west-1', 'ap-south-1'] }));
    await execution.done;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Warden.DeploymentRolledBack' });
    expect(regions).toEqual(['us-east-1']);
  });
});
