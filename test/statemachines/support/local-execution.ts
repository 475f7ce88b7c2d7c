/**
 * Runs the ASL files themselves on aws-local-stepfunctions. Every Task state is dispatched by its Resource to a
 * stand-in for the AWS service (see fake-aws.ts); Wait states and retry pauses take no time.
 */
import '../../../local/emulators/promise-polyfill';
import { localDefinition } from '../../../local/emulators/stepfunctions';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import {
  taskStates,
  type StateMachineDefinition,
  type TaskStateSummary,
} from '../../../lib/state-machine-file';
import { allStates } from './asl-graph';

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export type TaskDispatcher = (task: TaskStateSummary, input: unknown) => Promise<unknown>;

export interface LocalExecution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Names of the states entered, in order, including states inside Parallel branches and Map iterations. */
  readonly statesEntered: readonly string[];
  /** The input each Wait state was entered with, in order. */
  readonly waits: ReadonlyArray<{ readonly name: string; readonly input: unknown }>;
}

export interface LocalExecutionOptions {
  readonly executionName?: string;
  readonly taskToken?: string;
}

/**
 * aws-local-stepfunctions ignores `ItemReader`: a Map that reads its items from S3 becomes, for local runs, a Task
 * `<Map>.ItemReader` followed by an inline Map over the items it returned (the local runtime's rewrite; Wait states
 * stay Waits here, overridden to take no time).
 */
export function withLocalItemReaders(definition: StateMachineDefinition): StateMachineDefinition {
  return localDefinition(definition, { waitsOnClock: false });
}

/** Runs one execution to its end and reports it the way Step Functions would (status, error, cause, states). */
export async function runLocally(
  definition: StateMachineDefinition,
  input: unknown,
  dispatch: TaskDispatcher,
  options: LocalExecutionOptions = {},
): Promise<LocalExecution> {
  const local = withLocalItemReaders(definition);
  const states = allStates(local);
  const taskResourceLocalHandlers = Object.fromEntries(
    taskStates(local).map((task) => [task.name, (taskInput: unknown) => dispatch(task, taskInput) as Promise<never>]),
  );
  const waitTimeOverrides = Object.fromEntries(
    states.filter(({ state }) => state.Type === 'Wait').map(({ name }) => [name, 0]),
  );
  const retryIntervalOverrides = Object.fromEntries(
    states.filter(({ state }) => state.Retry !== undefined).map(({ name }) => [name, 0]),
  );
  const executionName = options.executionName ?? 'local-execution';
  const machine = new StateMachine(local as never);
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: { Id: `arn:aws:states:us-east-1:123456789012:execution:local:${executionName}`, Name: executionName },
      Task: { Token: options.taskToken ?? `token-for-${executionName}` },
    },
  });
  const events: EventLog[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  let result: Omit<LocalExecution, 'statesEntered' | 'waits'>;
  try {
    result = { status: 'SUCCEEDED', output: await execution.result };
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    const cause = error.cause as { name?: string; message?: string } | undefined;
    result = { status: 'FAILED', error: cause?.name, cause: cause?.message };
  }
  await collecting;
  const entered = events.filter((event) => event.type === 'StateEntered');
  return {
    ...result,
    statesEntered: entered.map((event) => event.state.name),
    waits: entered
      .filter((event) => event.state.type === 'Wait')
      .map((event) => ({ name: event.state.name, input: event.state.input })),
  };
}
