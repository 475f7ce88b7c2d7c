/**
 * Stand-ins for the AWS services behind the Task states: Lambda (the Warden handlers), SageMaker, EventBridge and the
 * S3 reads of a Distributed Map. Each test states the responses it needs; every call is recorded.
 */
import type { TaskStateSummary } from '../../../lib/state-machine-file';
import type { TaskDispatcher } from './local-execution';
import { handlerOf, type HandlerName } from './substitutions';

/** An error as a service integration raises it: `name` is what `Retry`/`Catch` match, `message` becomes the Cause. */
export class StubbedAwsError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

export interface RecordedCall {
  readonly state: string;
  readonly service: 'lambda' | 'sagemaker' | 'events' | 's3';
  /** Handler name for Lambda, API action for the others. */
  readonly action: string;
  readonly input: unknown;
}

export type Handler = (input: Record<string, unknown>, call: RecordedCall) => unknown;

export interface EventEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly EventBusName: string;
  readonly Detail: Record<string, unknown>;
}

/** Lambda handlers that answer the way the real ones do on the happy path. */
function defaultLambdas(): Partial<Record<HandlerName, Handler>> {
  let auditSeq = 0;
  return {
    'record-lineage': () => ({ modelVersion: 7 }),
    'append-audit': (input) => ({ stream: input.stream, seq: ++auditSeq, hash: 'a'.repeat(64) }),
    'report-deployment': () => ({ reported: true }),
  };
}

export class FakeAws {
  readonly calls: RecordedCall[] = [];
  readonly events: EventEntry[] = [];
  readonly objects = new Map<string, unknown>();
  private readonly lambdas: Partial<Record<HandlerName, Handler>>;
  private readonly sagemaker: Record<string, Handler>;
  private readonly eventWaiters: Record<string, Handler>;

  constructor(
    handlers: {
      lambda?: Partial<Record<HandlerName, Handler>>;
      sagemaker?: Record<string, Handler>;
      /** Answers to `events:putEvents.waitForTaskToken`, by detail-type (the stand-in for SendTaskSuccess). */
      eventWaiters?: Record<string, Handler>;
    } = {},
  ) {
    this.lambdas = { ...defaultLambdas(), ...handlers.lambda };
    this.sagemaker = handlers.sagemaker ?? {};
    this.eventWaiters = handlers.eventWaiters ?? {};
  }

  readonly dispatch: TaskDispatcher = async (task: TaskStateSummary, input: unknown) => {
    const parameters = input as Record<string, unknown>;
    const resource = task.resource;
    if (resource.startsWith('arn:aws:states:::lambda:invoke')) {
      const handlerName = handlerOf(String(parameters.FunctionName));
      const payload = parameters.Payload as Record<string, unknown>;
      const call = this.record({ state: task.name, service: 'lambda', action: handlerName, input: payload });
      const handler = this.lambdas[handlerName];
      if (!handler) throw new Error(`no stand-in for Lambda ${handlerName} (state ${task.name})`);
      const result = await handler(payload, call);
      return resource.endsWith('.waitForTaskToken') ? result : { StatusCode: 200, Payload: result };
    }
    const sagemaker = /^arn:aws:states:::(?:aws-sdk:)?sagemaker:([A-Za-z]+)(?:\.sync)?$/.exec(resource);
    if (sagemaker) {
      const call = this.record({ state: task.name, service: 'sagemaker', action: sagemaker[1], input: parameters });
      const handler = this.sagemaker[sagemaker[1]];
      if (!handler) throw new Error(`no stand-in for SageMaker ${sagemaker[1]} (state ${task.name})`);
      return handler(parameters, call);
    }
    if (resource.startsWith('arn:aws:states:::events:putEvents')) {
      const entries = parameters.Entries as EventEntry[];
      const call = this.record({ state: task.name, service: 'events', action: 'putEvents', input: parameters });
      this.events.push(...entries);
      if (!resource.endsWith('.waitForTaskToken')) {
        return { Entries: entries.map((_, index) => ({ EventId: `event-${index}` })), FailedEntryCount: 0 };
      }
      const waiter = this.eventWaiters[entries[0].DetailType];
      if (!waiter) throw new Error(`nobody answers ${entries[0].DetailType} (state ${task.name})`);
      return waiter(entries[0].Detail, call);
    }
    if (resource === 'arn:aws:states:::s3:getObject') {
      this.record({ state: task.name, service: 's3', action: 'getObject', input: parameters });
      const key = `${String(parameters.Bucket)}/${String(parameters.Key)}`;
      if (!this.objects.has(key)) throw new StubbedAwsError('S3.NoSuchKeyException', `no object ${key}`);
      return this.objects.get(key);
    }
    throw new Error(`no stand-in for ${resource} (state ${task.name})`);
  };

  /** Payloads received by one Warden handler, in order. */
  lambdaPayloads(handler: HandlerName): Array<Record<string, unknown>> {
    return this.calls
      .filter((entry) => entry.service === 'lambda' && entry.action === handler)
      .map((entry) => entry.input as Record<string, unknown>);
  }

  /** Parameters of every call to one SageMaker action, in order. */
  sagemakerCalls(action?: string): Array<Record<string, unknown>> {
    return this.calls
      .filter((entry) => entry.service === 'sagemaker' && (action === undefined || entry.action === action))
      .map((entry) => entry.input as Record<string, unknown>);
  }

  private record(entry: RecordedCall): RecordedCall {
    this.calls.push(entry);
    return entry;
  }
}
