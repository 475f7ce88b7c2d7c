/**
 * Runs the ASL files themselves on aws-local-stepfunctions. Every Task state is dispatched by its Resource to a
 * stand-in for the AWS service (see fake-aws.ts); Wait states and retry pauses take no time.
 */
import '../../../local/emulators/promise-polyfill';
import { localDefinition } from '../../../local/emulators/stepfunctions';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { taskStates, type StateMachineDefinition, type TaskStateSummary } from '../../../lib/state-machine-file';
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
  /** Every error a Catch handled, in order: the state that failed and the catcher (its index in the state's Catch). */
  readonly caught: ReadonlyArray<{ readonly state: string; readonly catchIndex: number; readonly next: string }>;
}

export interface LocalExecutionOptions {
  readonly executionName?: string;
  readonly taskToken?: string;
  /**
   * Task states (by name) whose `TimeoutSeconds` becomes this many milliseconds, so that a stand-in that never answers
   * fails the state with the runtime's own `States.Timeout` at once. For fault injection; the definition is validated
   * as written.
   */
  readonly taskTimeoutMs?: Readonly<Record<string, number>>;
  /** Wraps the Task dispatch of this execution, e.g. to inject faults in front of the stand-ins. */
  readonly intercept?: (dispatch: TaskDispatcher) => TaskDispatcher;
}

/** What a world lets a test set on the execution it runs. */
export type ExecutionHooks = Pick<LocalExecutionOptions, 'taskTimeoutMs' | 'intercept'>;

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
  const dispatchTask = options.intercept ? options.intercept(dispatch) : dispatch;
  const taskResourceLocalHandlers = Object.fromEntries(
    taskStates(local).map((task) => [
      task.name,
      (taskInput: unknown) => dispatchTask(task, taskInput) as Promise<never>,
    ]),
  );
  const waitTimeOverrides = Object.fromEntries(
    states.filter(({ state }) => state.Type === 'Wait').map(({ name }) => [name, 0]),
  );
  const retryIntervalOverrides = Object.fromEntries(
    states.filter(({ state }) => state.Retry !== undefined).map(({ name }) => [name, 0]),
  );
  const executionName = options.executionName ?? 'local-execution';
  const machine = new StateMachine(withTaskTimeouts(validated(local), options.taskTimeoutMs ?? {}) as never, {
    validationOptions: { noValidate: true },
  });
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
  let result: Omit<LocalExecution, 'statesEntered' | 'waits' | 'caught'>;
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
    caught: events.flatMap((event) => {
      if (event.type !== 'StateCaught') return [];
      const catchers = states.find(({ name }) => name === event.state.name)?.state.Catch ?? [];
      const catcher = JSON.stringify(event.catch.catcher);
      const catchIndex = catchers.findIndex((candidate) => JSON.stringify(candidate) === catcher);
      return [{ state: event.state.name, catchIndex, next: event.catch.catcher.Next }];
    }),
  };
}

/**
 * Validating a definition (asl-validator) costs far more than running it; a definition is validated once per process
 * and every run after that trusts it.
 */
const validDefinitions = new Set<string>();

function validated(definition: StateMachineDefinition): StateMachineDefinition {
  const text = JSON.stringify(definition);
  if (!validDefinitions.has(text)) {
    new StateMachine(definition as never);
    validDefinitions.add(text);
  }
  return definition;
}

function withTaskTimeouts(
  definition: StateMachineDefinition,
  timeoutMs: Readonly<Record<string, number>>,
): StateMachineDefinition {
  if (Object.keys(timeoutMs).length === 0) return definition;
  const copy = JSON.parse(JSON.stringify(definition)) as StateMachineDefinition;
  for (const { name, state } of allStates(copy)) {
    if (timeoutMs[name] !== undefined) (state as { TimeoutSeconds?: number }).TimeoutSeconds = timeoutMs[name] / 1000;
  }
  return copy;
}
