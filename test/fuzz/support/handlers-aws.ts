/**
 * Stand-ins for the services without a local equivalent that refuse what the real APIs refuse, so that a hostile value
 * a handler passes on unchecked fails here as it would in AWS (the handler tests' default stand-ins accept anything).
 * Limits are those of the API references (and of the local runtime's emulators, local/emulators/):
 *
 * - Step Functions `StartExecution`: name `[A-Za-z0-9_-]{1,80}` (InvalidName), input JSON of at most 256 KiB
 *   (InvalidExecutionInput); the same name again answers the execution when the input is the same, else
 *   ExecutionAlreadyExists. `SendTaskSuccess`/`SendTaskFailure`: task token 1 to 2048 characters, output JSON of at
 *   most 256 KiB (InvalidOutput), error at most 256 and cause at most 32 768 characters (ValidationException).
 * - EventBridge `PutEvents`: 1 to 10 entries of at most 256 KiB together (ValidationException); a Detail that is not a
 *   JSON object fails its entry (MalformedDetail).
 * - CloudWatch `PutMetricData`: at most 1000 datums, finite values, dimension values of 1 to 1024 characters
 *   (InvalidParameterValue).
 * - SageMaker `DescribeEndpoint`: endpoint names `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}` (ValidationException); the
 *   endpoints given exist, others do not ("Could not find endpoint", also a ValidationException).
 */
import { recordAwsCalls } from '../../handlers/harness/local-aws';

const KIB_256 = 256 * 1024;

export interface EndpointState {
  readonly EndpointStatus: string;
  readonly EndpointConfigName: string;
}

function serviceError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client' });
}

function isJson(text: unknown, object = false): boolean {
  if (typeof text !== 'string') return false;
  try {
    const value: unknown = JSON.parse(text);
    return !object || (typeof value === 'object' && value !== null && !Array.isArray(value));
  } catch {
    return false;
  }
}

function bytes(text: unknown): number {
  return typeof text === 'string' ? Buffer.byteLength(text) : 0;
}

function checkToken(token: unknown): Error | undefined {
  if (typeof token !== 'string' || token.length < 1 || token.length > 2048) {
    return serviceError(
      'ValidationException',
      "1 validation error detected: Value at 'taskToken' failed to satisfy constraint",
    );
  }
  return undefined;
}

function stepFunctions() {
  const started = new Map<string, string>();
  return (command: string, input: Record<string, unknown>): unknown => {
    switch (command) {
      case 'StartExecutionCommand': {
        const name = String(input.name);
        if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
          return serviceError('InvalidName', `Invalid Name: '${name.slice(0, 90)}'`);
        if (bytes(input.input) > KIB_256 || !isJson(input.input)) {
          return serviceError('InvalidExecutionInput', 'The execution input is not JSON of at most 256 KiB.');
        }
        const arn = `${String(input.stateMachineArn).replace(':stateMachine:', ':execution:')}:${name}`;
        const known = started.get(arn);
        if (known !== undefined && known !== input.input) {
          return serviceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
        }
        started.set(arn, String(input.input));
        return { executionArn: arn, startDate: new Date() };
      }
      case 'SendTaskSuccessCommand':
        if (bytes(input.output) > KIB_256 || !isJson(input.output)) {
          return (
            checkToken(input.taskToken) ?? serviceError('InvalidOutput', 'The output is not JSON of at most 256 KiB.')
          );
        }
        return checkToken(input.taskToken) ?? {};
      case 'SendTaskFailureCommand':
        if (String(input.error ?? '').length > 256 || String(input.cause ?? '').length > 32_768) {
          return serviceError('ValidationException', '1 validation error detected: error or cause too long');
        }
        return checkToken(input.taskToken) ?? {};
      default:
        return {};
    }
  };
}

function eventBridge() {
  let next = 0;
  return (command: string, input: Record<string, unknown>): unknown => {
    if (command !== 'PutEventsCommand') return {};
    const entries = input.Entries as Record<string, unknown>[];
    if (entries.length < 1 || entries.length > 10) return serviceError('ValidationException', 'Entries: 1 to 10.');
    const size = entries.reduce(
      (sum, entry) => sum + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + (entry.Time ? 14 : 0),
      0,
    );
    if (size > KIB_256)
      return serviceError('ValidationException', 'Total size of the entries in the request is over the limit.');
    const results = entries.map((entry) =>
      isJson(entry.Detail, true)
        ? { EventId: `event-${next++}` }
        : { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
    );
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  };
}

function cloudWatch() {
  return (command: string, input: Record<string, unknown>): unknown => {
    if (command !== 'PutMetricDataCommand') return {};
    const data = input.MetricData as { Value?: number; Dimensions?: { Value?: string }[] }[];
    const invalid =
      data.length > 1000 ||
      data.some(
        (datum) =>
          !Number.isFinite(datum.Value) ||
          (datum.Dimensions ?? []).some((dimension) => !dimension.Value || dimension.Value.length > 1024),
      );
    return invalid ? serviceError('InvalidParameterValue', 'The metric data is not valid.') : {};
  };
}

function sageMaker(endpoints: () => Record<string, EndpointState | undefined>) {
  return (command: string, input: Record<string, unknown>): unknown => {
    if (command !== 'DescribeEndpointCommand') return {};
    const name = String(input.EndpointName);
    if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) {
      return serviceError(
        'ValidationException',
        "1 validation error detected: Value at 'endpointName' failed to satisfy constraint",
      );
    }
    const endpoint = endpoints()[name];
    if (endpoint === undefined) return serviceError('ValidationException', `Could not find endpoint "${name}".`);
    return { EndpointName: name, ...endpoint };
  };
}

/** Recording stand-ins with the real APIs' limits; `endpoints` says which SageMaker endpoints exist and how. */
export function strictAwsCalls(endpoints: () => Record<string, EndpointState | undefined> = () => ({})) {
  return recordAwsCalls({
    SFN: stepFunctions(),
    EventBridge: eventBridge(),
    CloudWatch: cloudWatch(),
    SageMaker: sageMaker(endpoints),
  });
}
