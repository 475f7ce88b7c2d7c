/**
 * The faults a Task state can meet, named the way its service integration names them, and which of them apply to a
 * given Task. Everything here is derived from the Task's `Resource` (and, for the capacity fallback, from where its
 * request takes the instance type); nothing is listed per state.
 */
import {
  BiasGateFailedError,
  DeploymentRolledBackError,
  EvaluationFailedError,
  ValidationFailedError,
} from '../../../lambdas/shared/errors';
import type { AslState, TaskStateSummary } from '../../../lib/state-machine-file';
import { stringFields } from '../../statemachines/support/asl-graph';
import { handlerOf, type HandlerName } from '../../statemachines/support/substitutions';

export { CONTRACT_ERRORS } from '../../statemachines/support/contract-errors';

export type FaultKind =
  /** The API refuses the call for its request rate. */
  | 'throttling'
  /** The Task's TimeoutSeconds elapses: Step Functions itself raises States.Timeout. */
  | 'timeout'
  /** The service answers 5xx. */
  | 'service-unavailable'
  /** No quota or capacity for the requested instance type (SageMaker calls that start compute). */
  | 'resource-limit'
  /** A `.sync` job ends Failed because the algorithm failed. */
  | 'job-algorithm-error'
  /** A `.sync` job ends Failed because SageMaker could not provision the instances. */
  | 'job-capacity-error'
  /** The Warden handler behind a Lambda Task raises (a `Warden.*` gate error, or a plain Error). */
  | 'handler-error'
  /** The party holding the task token answers SendTaskFailure. */
  | 'callback-failure';

export type FaultMode =
  /** Every attempt fails. */
  | 'persistent'
  /** The first attempt fails, the next one goes through. */
  | 'transient';

export type Integration = 'lambda' | 'sagemaker' | 'sagemaker-sdk' | 'eventbridge';

export interface Fault {
  readonly kind: FaultKind;
  /** What `Retry`/`Catch` match on. */
  readonly error: string;
  /** The Cause Step Functions reports, from the Task's effective input. */
  cause(input: unknown): string;
}

/** Kinds in the order a case list (and the search for a failure path) tries them. */
export const FAULT_KINDS: readonly FaultKind[] = [
  'handler-error',
  'callback-failure',
  'job-algorithm-error',
  'job-capacity-error',
  'resource-limit',
  'service-unavailable',
  'throttling',
  'timeout',
];

/** SageMaker calls that ask for instances of a type, and can be refused for quota or capacity. */
const COMPUTE_ACTIONS = ['createTrainingJob', 'createTransformJob', 'createEndpoint', 'updateEndpoint'];

export function integrationOf(resource: string): Integration {
  if (resource.startsWith('arn:aws:states:::lambda:invoke')) return 'lambda';
  if (resource.startsWith('arn:aws:states:::aws-sdk:sagemaker:')) return 'sagemaker-sdk';
  if (resource.startsWith('arn:aws:states:::sagemaker:')) return 'sagemaker';
  if (resource.startsWith('arn:aws:states:::events:putEvents')) return 'eventbridge';
  throw new Error(`no fault model for the integration ${resource}`);
}

export function sagemakerAction(resource: string): string | undefined {
  return /^arn:aws:states:::(?:aws-sdk:)?sagemaker:([A-Za-z]+)/.exec(resource)?.[1];
}

/** The Warden handler a Lambda Task invokes. */
export function handlerOfTask(task: TaskStateSummary): HandlerName {
  return handlerOf(String(task.parameters?.FunctionName));
}

/**
 * Whether a capacity refusal at this Task must move on to the next instance type (ARCHITECTURE.md, Flow 4 and 7):
 * the Task starts compute on a type the execution picked from a fallback list — training on
 * `config.trainingResources` (one ResourceConfig per type), an endpoint on the config built for `serving.instanceType`. A transform job or a
 * rollback to a given endpoint config has no list to move along.
 */
export function fallsBackOnCapacity(task: TaskStateSummary): boolean {
  const action = sagemakerAction(task.resource);
  if (action === undefined || !COMPUTE_ACTIONS.includes(action)) return false;
  const paths = stringFields(task.parameters ?? {}).map((field) => field.value);
  return paths.some((path) => path.includes('$.config.trainingResources') || path.startsWith('$.serving.'));
}

/** Every fault that can reach this Task, as its integration raises it. */
export function faultsFor(task: TaskStateSummary): Fault[] {
  const integration = integrationOf(task.resource);
  const action = sagemakerAction(task.resource);
  const kinds = FAULT_KINDS.filter((kind) => {
    switch (kind) {
      case 'handler-error':
        return integration === 'lambda';
      case 'callback-failure':
        return task.resource.endsWith('.waitForTaskToken');
      case 'job-algorithm-error':
      case 'job-capacity-error':
        return task.resource.endsWith('.sync');
      case 'resource-limit':
        return action !== undefined && COMPUTE_ACTIONS.includes(action);
      default:
        return true;
    }
  });
  return kinds.map((kind) => faultOf(kind, task, integration));
}

function faultOf(kind: FaultKind, task: TaskStateSummary, integration: Integration): Fault {
  switch (kind) {
    case 'throttling':
      return throttling(integration);
    case 'timeout':
      return { kind, error: 'States.Timeout', cause: () => 'States.Timeout' };
    case 'service-unavailable':
      return serviceUnavailable(integration);
    case 'resource-limit':
      return {
        kind,
        // The AWS SDK integration appends "Exception" to the API's error code; the optimized one passes the code on.
        error:
          integration === 'sagemaker-sdk'
            ? 'SageMaker.ResourceLimitExceededException'
            : 'SageMaker.ResourceLimitExceeded',
        cause: (input) =>
          `The account-level service limit '${instanceTypeIn(input)} for ${usageOf(task)} usage' is 0 Instances, with current utilization of 0 Instances and a request delta of 1 Instances. Please use AWS Service Quotas to request an increase for this quota.`,
      };
    case 'job-algorithm-error':
      return jobFailed(
        kind,
        task,
        'AlgorithmError: ExecuteUserScriptError: Command "python train.py" exited with code 1',
      );
    case 'job-capacity-error':
      return jobFailed(
        kind,
        task,
        'CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type.',
      );
    case 'handler-error':
      return handlerError(handlerOfTask(task));
    case 'callback-failure':
      return callbackFailure(task);
  }
}

function throttling(integration: Integration): Fault {
  switch (integration) {
    case 'lambda':
      return {
        kind: 'throttling',
        error: 'Lambda.TooManyRequestsException',
        cause: () => 'Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException)',
      };
    case 'eventbridge':
      // PutEvents reports a throttled entry in its response; the optimized integration fails the Task with FailedEntry.
      return {
        kind: 'throttling',
        error: 'EventBridge.FailedEntry',
        cause: () =>
          JSON.stringify({
            FailedEntryCount: 1,
            Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
          }),
      };
    default:
      return {
        kind: 'throttling',
        error: 'SageMaker.ThrottlingException',
        cause: () => 'Rate exceeded (Service: AmazonSageMaker; Status Code: 400; Error Code: ThrottlingException)',
      };
  }
}

function serviceUnavailable(integration: Integration): Fault {
  switch (integration) {
    case 'lambda':
      return {
        kind: 'service-unavailable',
        error: 'Lambda.ServiceException',
        cause: () => 'Service Unavailable (Service: AWSLambda; Status Code: 503; Error Code: ServiceException)',
      };
    case 'eventbridge':
      return {
        kind: 'service-unavailable',
        error: 'EventBridge.AmazonEventBridgeException',
        cause: () =>
          'Service Unavailable (Service: AmazonEventBridge; Status Code: 503; Error Code: InternalException)',
      };
    default:
      return {
        kind: 'service-unavailable',
        error: 'SageMaker.AmazonSageMakerException',
        cause: () => 'Service Unavailable (Service: AmazonSageMaker; Status Code: 503; Error Code: ServiceUnavailable)',
      };
  }
}

/** A `.sync` job that ended Failed: States.TaskFailed with the job's Describe output as the Cause. */
function jobFailed(kind: FaultKind, task: TaskStateSummary, failureReason: string): Fault {
  const transform = sagemakerAction(task.resource) === 'createTransformJob';
  return {
    kind,
    error: 'States.TaskFailed',
    cause: (input) => {
      const request = input as Record<string, unknown>;
      return JSON.stringify(
        transform
          ? {
              TransformJobName: request.TransformJobName,
              TransformJobStatus: 'Failed',
              FailureReason: failureReason,
              TransformResources: request.TransformResources,
            }
          : {
              TrainingJobName: request.TrainingJobName,
              TrainingJobStatus: 'Failed',
              SecondaryStatus: 'Failed',
              FailureReason: failureReason,
              ResourceConfig: request.ResourceConfig,
            },
      );
    },
  };
}

/** What each Warden handler raises when it refuses its input, as Lambda reports it (the error's name). */
function handlerError(handler: HandlerName): Fault {
  const gate: Partial<Record<HandlerName, Error>> = {
    'validate-data': new ValidationFailedError('12 rows break rule max on age (first: row 1041, value 131).'),
    'check-bias': new BiasGateFailedError('DPL 0.31 is above its threshold 0.2.'),
    'evaluate-model': new EvaluationFailedError('accuracy 0.71 is below its threshold 0.8.'),
  };
  const error =
    gate[handler] ?? new Error(`${handler} failed: ConditionalCheckFailedException: The conditional request failed`);
  return { kind: 'handler-error', error: error.name, cause: () => error.message };
}

function callbackFailure(task: TaskStateSummary): Fault {
  if (integrationOf(task.resource) === 'eventbridge') {
    return { kind: 'callback-failure', error: 'Warden.ApprovalRejected', cause: () => 'Rejected by risk-officer.' };
  }
  const error = new DeploymentRolledBackError(
    'The canary tripped an alarm and the endpoint returned to the previous endpoint config.',
  );
  return { kind: 'callback-failure', error: error.name, cause: () => error.message };
}

function instanceTypeIn(input: unknown): string {
  return stringFields(input).find((field) => field.key === 'InstanceType')?.value ?? 'ml.g5.xlarge';
}

function usageOf(task: TaskStateSummary): string {
  const action = sagemakerAction(task.resource);
  if (action === 'createTrainingJob') return 'training job';
  if (action === 'createTransformJob') return 'transform job';
  return 'endpoint';
}

interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly MaxAttempts?: number;
}

interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

/** Whether an `ErrorEquals` list matches an error raised by a state of this type (States Language semantics). */
export function matches(errorEquals: readonly string[], error: string, state: AslState): boolean {
  return errorEquals.some(
    (name) =>
      name === error ||
      name === 'States.ALL' ||
      (name === 'States.TaskFailed' && state.Type === 'Task' && error !== 'States.Timeout'),
  );
}

/** The retrier that handles this error, if any. */
export function retrierFor(state: AslState, error: string): Retrier | undefined {
  return ((state.Retry ?? []) as Retrier[]).find((retrier) => matches(retrier.ErrorEquals, error, state));
}

/** The catcher that handles this error, if any. */
export function catcherFor(state: AslState, error: string): Catcher | undefined {
  return ((state.Catch ?? []) as Catcher[]).find((catcher) => matches(catcher.ErrorEquals, error, state));
}

/** Attempts a retrier allows in all: the first one and its MaxAttempts retries (3 when absent). */
export function attemptsAllowed(retrier: Retrier): number {
  return 1 + (retrier.MaxAttempts ?? 3);
}
