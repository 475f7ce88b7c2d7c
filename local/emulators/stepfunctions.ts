/**
 * The local Step Functions: the state machines of the synthesized template, run by `aws-local-stepfunctions` on their
 * own ASL. Every Task state goes to the runtime's service integrations by its `Resource`; the control-plane API the
 * handlers use (StartExecution, DescribeExecution, SendTaskSuccess/Failure/Heartbeat) is served here.
 *
 * Two things the library does not do are supplied by rewriting a copy of the definition ({@link localDefinition}),
 * with state names kept:
 * - `ItemReader` (ignored by the library): the Map reads its items through a Task `<Map>.ItemReader` first;
 * - time: a Wait state becomes a Task of the same name that advances the virtual clock by the wait, so schedules,
 *   alarms and canary bakes due meanwhile happen, and nothing sleeps.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { VirtualClock } from '../runtime/clock';
import type { AslState, StateMachineDefinition, TaskStateSummary } from '../../lib/state-machine-file';
import { ServiceError } from './service';

/** The Resource of a Wait state rewritten as a Task (never in a deployed definition). */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::warden-local:wait';
const ITEM_READER_RESULT = '$.localItemReaderItems';

export interface RegisteredStateMachine {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly definition: StateMachineDefinition;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly region: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: string;
  status: ExecutionStatus;
  stopDate?: string;
  output?: string;
  error?: string;
  cause?: string;
  /** States entered, in order, including those inside Parallel branches and Map iterations. */
  readonly states: string[];
  readonly done: Promise<void>;
}

/** What a Task integration gets besides the Task's resolved parameters. */
export interface TaskInvocation {
  readonly task: TaskStateSummary;
  readonly parameters: unknown;
  readonly execution: ExecutionRecord;
  /** A token unique to this task attempt, substituted for `$$.Task.Token` in the parameters. */
  readonly taskToken: string;
}

export type TaskIntegration = (invocation: TaskInvocation) => Promise<unknown>;

export interface StateEvent {
  readonly execution: ExecutionRecord;
  readonly type: 'ExecutionStarted' | 'StateEntered' | 'StateExited' | 'ExecutionSucceeded' | 'ExecutionFailed';
  readonly state?: string;
}

export interface LocalStepFunctionsOptions {
  readonly account: string;
  readonly clock: VirtualClock;
  readonly integrate: TaskIntegration;
  readonly onEvent?: (event: StateEvent) => void;
}

interface Waiter {
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** An error raised by a Task, with the name `Retry`/`Catch` match and the Cause the execution records. */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

type Library = typeof import('aws-local-stepfunctions');

export class LocalStepFunctions {
  private readonly machines = new Map<string, RegisteredStateMachine>();
  private readonly executionsByArn = new Map<string, ExecutionRecord>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly answered = new Set<string>();
  private library: Promise<Library> | undefined;

  constructor(private readonly options: LocalStepFunctionsOptions) {}

  register(machine: RegisteredStateMachine): void {
    this.machines.set(machine.arn, machine);
  }

  stateMachines(): RegisteredStateMachine[] {
    return [...this.machines.values()];
  }

  executions(): ExecutionRecord[] {
    return [...this.executionsByArn.values()];
  }

  /** Resolves once no execution is running (executions started meanwhile included). */
  async settled(): Promise<void> {
    for (;;) {
      const running = this.executions().filter((execution) => execution.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.all(running.map((execution) => execution.done));
    }
  }

  /** The control-plane API of one region, SDK-shaped. */
  client(region: string) {
    return {
      StartExecution: (input: { stateMachineArn: string; name?: string; input?: string }) => {
        const execution = this.start(region, input.stateMachineArn, input.input ?? '{}', input.name);
        return { executionArn: execution.executionArn, startDate: execution.startDate };
      },
      DescribeExecution: (input: { executionArn: string }) => {
        const execution = this.executionsByArn.get(input.executionArn);
        if (!execution)
          throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
        const {
          executionArn,
          stateMachineArn,
          name,
          status,
          startDate,
          stopDate,
          input: text,
          output,
          error,
          cause,
        } = execution;
        return { executionArn, stateMachineArn, name, status, startDate, stopDate, input: text, output, error, cause };
      },
      SendTaskSuccess: (input: { taskToken: string; output: string }) => {
        const waiter = this.waiterFor(input.taskToken);
        waiter.resolve(parseJson(input.output, 'output'));
        return {};
      },
      SendTaskFailure: (input: { taskToken: string; error?: string; cause?: string }) => {
        const waiter = this.waiterFor(input.taskToken);
        waiter.reject(new TaskError(input.error ?? 'States.TaskFailed', input.cause ?? ''));
        return {};
      },
      SendTaskHeartbeat: (input: { taskToken: string }) => {
        this.waiterFor(input.taskToken);
        return {};
      },
    };
  }

  /** Waits for the answer to a task token (the `.waitForTaskToken` pattern). */
  waitForToken(taskToken: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.waiters.set(taskToken, { resolve, reject }));
  }

  /**
   * Starts an execution. Like StartExecution: the same name with the same input returns the running execution; a
   * name already used otherwise fails with `ExecutionAlreadyExists`.
   */
  start(region: string, stateMachineArn: string, input: string, name?: string): ExecutionRecord {
    const machine = this.machines.get(stateMachineArn);
    if (!machine)
      throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    if (machine.region !== region) {
      throw new ServiceError('InvalidArn', `Invalid Arn: '${stateMachineArn}' is not in ${region}.`);
    }
    parseJson(input, 'input');
    const executionName = name ?? randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(executionName)) {
      throw new ServiceError('InvalidName', `Invalid Name: '${executionName}'`);
    }
    const executionArn = `arn:aws:states:${region}:${this.options.account}:execution:${machine.name}:${executionName}`;
    const existing = this.executionsByArn.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    let finish: () => void = () => undefined;
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      stateMachineName: machine.name,
      region,
      name: executionName,
      input,
      startDate: this.options.clock.iso(),
      status: 'RUNNING',
      states: [],
      done: new Promise<void>((resolve) => (finish = resolve)),
    };
    this.executionsByArn.set(executionArn, record);
    this.options.onEvent?.({ execution: record, type: 'ExecutionStarted' });
    void this.run(machine, record).finally(() => finish());
    return record;
  }

  private async run(machine: RegisteredStateMachine, record: ExecutionRecord): Promise<void> {
    const { StateMachine, ExecutionError } = await this.loadLibrary();
    const local = localDefinition(machine.definition);
    const baseToken = `${createHash('sha256').update(record.executionArn).digest('hex')}`;
    let attempts = 0;
    const handlers: Record<string, (input: unknown) => Promise<never>> = {};
    const retryOverrides: Record<string, number> = {};
    // The library keeps starting queued iterations of a Map (MaxConcurrency) after one has failed the Map; Step
    // Functions does not. Tasks of a failed Map are refused, after letting the event log catch up.
    const failedMaps = new Set<string>();
    for (const task of localTasks(local)) {
      retryOverrides[task.name] = 0;
      const enclosingMap = /\/States\/([^/]+)\/ItemProcessor\/States\/[^/]+$/.exec(task.path)?.[1];
      handlers[task.name] = async (parameters: unknown) => {
        if (enclosingMap !== undefined) {
          await new Promise((resolve) => setImmediate(resolve));
          if (failedMaps.has(enclosingMap)) {
            throw new TaskError('States.Runtime', `Map ${enclosingMap} has failed: this iteration does not start.`);
          }
        }
        const taskToken = `${baseToken}.${++attempts}`;
        const withToken = replaceString(parameters, baseToken, taskToken);
        return (await this.options.integrate({ task, parameters: withToken, execution: record, taskToken })) as never;
      };
    }
    const execution = new StateMachine(local as never, { validationOptions: { checkArn: false } }).run(
      JSON.parse(record.input) as never,
      {
        overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: retryOverrides },
        context: {
          Execution: {
            Id: record.executionArn,
            Name: record.name,
            StartTime: record.startDate,
            Input: JSON.parse(record.input) as never,
            RoleArn: `arn:aws:iam::${this.options.account}:role/local`,
          },
          StateMachine: { Id: machine.arn, Name: machine.name },
          Task: { Token: baseToken },
        } as never,
      },
    );
    const collecting = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'MapIterationFailed') failedMaps.add(event.parentState.name);
        if (event.type !== 'StateEntered' && event.type !== 'StateExited') continue;
        if (event.type === 'StateEntered') record.states.push(event.state.name);
        this.options.onEvent?.({ execution: record, type: event.type, state: event.state.name });
      }
    })();
    try {
      const output = await execution.result;
      record.status = 'SUCCEEDED';
      record.output = JSON.stringify(output);
    } catch (error) {
      record.status = 'FAILED';
      const cause = (error instanceof ExecutionError ? error.cause : error) as { name?: string; message?: string };
      record.error = cause?.name ?? 'States.Runtime';
      record.cause = cause?.message ?? String(error);
    }
    await collecting;
    record.stopDate = this.options.clock.iso();
    this.options.onEvent?.({
      execution: record,
      type: record.status === 'SUCCEEDED' ? 'ExecutionSucceeded' : 'ExecutionFailed',
    });
  }

  private waiterFor(taskToken: string): Waiter {
    const waiter = this.waiters.get(taskToken);
    if (waiter === undefined) {
      if (this.answered.has(taskToken)) {
        throw new ServiceError('TaskTimedOut', 'Task Timed Out: the task was already answered or has ended.');
      }
      throw new ServiceError('InvalidToken', `Invalid Token: '${taskToken.slice(0, 32)}…'`);
    }
    this.waiters.delete(taskToken);
    this.answered.add(taskToken);
    return waiter;
  }

  private loadLibrary(): Promise<Library> {
    this.library ??= import('./promise-polyfill').then(() => import('aws-local-stepfunctions'));
    return this.library;
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ServiceError('InvalidOutput', `The ${what} is not valid JSON.`);
  }
}

function replaceString(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value === from ? to : value;
  if (Array.isArray(value)) return value.map((item) => replaceString(item, from, to));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceString(item, from, to)]));
  }
  return value;
}

/** Every Task of the local copy, nested scopes included, for the handler overrides. */
function localTasks(definition: StateMachineDefinition): TaskStateSummary[] {
  const found: TaskStateSummary[] = [];
  const walk = (scope: StateMachineDefinition, path: string): void => {
    for (const [name, state] of Object.entries(scope.States)) {
      const here = `${path}/States/${name}`;
      if (state.Type === 'Task') {
        found.push({
          path: here,
          name,
          resource: String(state.Resource),
          parameters: state.Parameters as Record<string, unknown> | undefined,
          hasRetry: state.Retry !== undefined,
          hasCatch: state.Catch !== undefined,
        });
      }
      for (const [index, branch] of (state.Branches ?? []).entries()) walk(branch, `${here}/Branches/${index}`);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) walk(processor, `${here}/ItemProcessor`);
    }
  };
  walk(definition, '');
  return found;
}

/**
 * The definition the library runs: a JSON copy (not structuredClone: under Jest that makes objects of another realm,
 * which the library does not take for plain objects) with ItemReaders and Waits rewritten as described above.
 */
export function localDefinition(
  definition: StateMachineDefinition,
  options: { readonly waitsOnClock?: boolean } = {},
): StateMachineDefinition {
  const copy = JSON.parse(JSON.stringify(definition)) as StateMachineDefinition;
  rewriteScope(copy, options.waitsOnClock ?? true);
  return copy;
}

function rewriteScope(scope: StateMachineDefinition, waitsOnClock: boolean): void {
  const states = scope.States as Record<string, AslState & Record<string, unknown>>;
  for (const [name, state] of Object.entries(states)) {
    for (const branch of state.Branches ?? []) rewriteScope(branch, waitsOnClock);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) rewriteScope(processor, waitsOnClock);
    if (state.Type === 'Wait' && waitsOnClock) states[name] = waitAsTask(state);
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
    } as unknown as AslState & Record<string, unknown>;
    const distributedOnly = new Set([
      'ItemReader',
      'ItemBatcher',
      'ResultWriter',
      'Label',
      'ToleratedFailurePercentage',
    ]);
    const inline = Object.fromEntries(Object.entries(state).filter(([field]) => !distributedOnly.has(field)));
    inline.ItemsPath = ITEM_READER_RESULT;
    if (processor) inline.ItemProcessor = { StartAt: processor.StartAt, States: processor.States };
    states[name] = inline as unknown as AslState & Record<string, unknown>;
  }
}

function waitAsTask(state: Record<string, unknown>): AslState & Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  if (state.Seconds !== undefined) parameters.seconds = state.Seconds;
  if (state.SecondsPath !== undefined) parameters['seconds.$'] = state.SecondsPath;
  if (state.Timestamp !== undefined) parameters.timestamp = state.Timestamp;
  if (state.TimestampPath !== undefined) parameters['timestamp.$'] = state.TimestampPath;
  const task: Record<string, unknown> = {
    Type: 'Task',
    Resource: LOCAL_WAIT_RESOURCE,
    Parameters: parameters,
    ResultPath: null,
  };
  for (const field of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End']) {
    if (state[field] !== undefined) task[field] = state[field];
  }
  return task as AslState & Record<string, unknown>;
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
