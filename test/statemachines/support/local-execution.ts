/**
 * Runs the ASL files themselves on aws-local-stepfunctions. Every Task state is dispatched by its Resource to a
 * stand-in for the AWS service (see fake-aws.ts); Wait states and retry pauses take no time.
 */
import '../../../local/emulators/promise-polyfill';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import {
  taskStates,
  type AslState,
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

const ITEM_READER_RESULT = '$.localItemReaderItems';

/**
 * aws-local-stepfunctions ignores `ItemReader`: a Map state that reads its items from S3 becomes, for local runs, a
 * Task state `<Map>.ItemReader` with the reader's Resource and Parameters (dispatched like any Task) followed by an
 * inline Map over the items it returned.
 */
export function withLocalItemReaders(definition: StateMachineDefinition): StateMachineDefinition {
  // A JSON round trip, not structuredClone: under Jest that would build objects of another realm, which the library
  // does not treat as plain objects.
  const copy = JSON.parse(JSON.stringify(definition)) as StateMachineDefinition;
  rewriteScope(copy);
  return copy;
}

function rewriteScope(scope: StateMachineDefinition): void {
  const states = scope.States as Record<string, AslState & Record<string, unknown>>;
  for (const [name, state] of Object.entries(states)) {
    for (const branch of state.Branches ?? []) rewriteScope(branch);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) rewriteScope(processor);
    const reader = state.ItemReader as { Resource: string; Parameters?: unknown } | undefined;
    if (state.Type !== 'Map' || reader === undefined) continue;
    const readerName = `${name}.ItemReader`;
    redirect(scope, name, readerName);
    states[readerName] = {
      Type: 'Task',
      Resource: reader.Resource,
      Parameters: reader.Parameters,
      ResultPath: ITEM_READER_RESULT,
      Next: name,
    };
    const distributedOnly = new Set([
      'ItemReader',
      'ItemBatcher',
      'ResultWriter',
      'Label',
      'ToleratedFailurePercentage',
    ]);
    const local = Object.fromEntries(Object.entries(state).filter(([field]) => !distributedOnly.has(field)));
    local.ItemsPath = ITEM_READER_RESULT;
    if (processor) local.ItemProcessor = { StartAt: processor.StartAt, States: processor.States };
    states[name] = local as unknown as AslState;
  }
}

function redirect(scope: StateMachineDefinition, from: string, to: string): void {
  const mutable = scope as { StartAt: string };
  if (mutable.StartAt === from) mutable.StartAt = to;
  for (const state of Object.values(scope.States) as Array<Record<string, unknown>>) {
    if (state.Next === from) state.Next = to;
    if (state.Default === from) state.Default = to;
    for (const rule of (state.Choices ?? []) as Array<Record<string, unknown>>) if (rule.Next === from) rule.Next = to;
    for (const rule of (state.Catch ?? []) as Array<Record<string, unknown>>) if (rule.Next === from) rule.Next = to;
  }
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
