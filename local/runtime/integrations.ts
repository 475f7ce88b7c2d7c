/**
 * Step Functions service integrations of the local runtime: every Task state is dispatched by its `Resource` to the
 * emulator behind it, with the request and response shapes, the `.sync` and `.waitForTaskToken` patterns, and the
 * error names (`Lambda errorType`, `SageMaker.*`, `States.TaskFailed`, `EventBridge.FailedEntry`) of the real
 * integrations.
 */
import type { VirtualClock } from './clock';
import { FunctionError, type LocalLambda } from '../emulators/lambda';
import { ServiceError } from '../emulators/service';
import {
  LOCAL_WAIT_RESOURCE,
  TaskError,
  type LocalStepFunctions,
  type TaskInvocation,
} from '../emulators/stepfunctions';

/** The SageMaker API of one region (jobs, models, packages and endpoints behind one facade). */
export interface SageMakerApi {
  call(action: string, input: Record<string, unknown>): Promise<unknown>;
  /** `.sync`: runs a training or transform job to its end and returns its final Describe result. */
  runToCompletion(
    kind: 'TrainingJob' | 'TransformJob',
    input: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
}

export interface IntegrationServices {
  readonly clock: VirtualClock;
  readonly lambda: LocalLambda;
  readonly stepFunctions: () => LocalStepFunctions;
  readonly sagemaker: (region: string) => SageMakerApi;
  readonly putEvents: (
    region: string,
    input: { Entries: unknown[] },
  ) => Promise<{ FailedEntryCount?: number; Entries?: unknown[] }>;
  readonly readObject: (bucket: string, key: string) => Promise<Buffer>;
}

const SAGEMAKER = /^arn:aws:states:::(aws-sdk:)?sagemaker:([A-Za-z]+)(\.sync|\.waitForTaskToken)?$/;

/** SageMaker error codes with an exception class of their own in the SDK; others surface as the service's base one. */
const MODELLED_SAGEMAKER_ERRORS: Record<string, string> = {
  ResourceLimitExceeded: 'SageMaker.ResourceLimitExceededException',
  ResourceNotFound: 'SageMaker.ResourceNotFoundException',
  ResourceInUse: 'SageMaker.ResourceInUseException',
  ConflictException: 'SageMaker.ConflictException',
  ThrottlingException: 'SageMaker.ThrottlingException',
};

export function taskIntegration(services: IntegrationServices): (invocation: TaskInvocation) => Promise<unknown> {
  return async ({ task, parameters, execution, taskToken }) => {
    const resource = task.resource;
    const input = (parameters ?? {}) as Record<string, unknown>;
    const region = execution.region;
    if (resource === LOCAL_WAIT_RESOURCE) {
      const seconds =
        input.seconds !== undefined
          ? Number(input.seconds)
          : (Date.parse(String(input.timestamp)) - services.clock.now()) / 1000;
      await services.clock.advance(Math.max(0, seconds) * 1000);
      return null;
    }
    if (resource.startsWith('arn:aws:states:::lambda:invoke')) {
      const waiting = resource.endsWith('.waitForTaskToken');
      const answer = waiting ? services.stepFunctions().waitForToken(taskToken) : undefined;
      const payload = await invokeFunction(services.lambda, String(input.FunctionName), input.Payload);
      if (answer) return answer;
      return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
    }
    const sagemaker = SAGEMAKER.exec(resource);
    if (sagemaker) {
      const action = sagemaker[2][0].toUpperCase() + sagemaker[2].slice(1);
      const api = services.sagemaker(region);
      try {
        if (sagemaker[3] === '.sync') {
          const kind =
            action === 'CreateTrainingJob'
              ? 'TrainingJob'
              : action === 'CreateTransformJob'
                ? 'TransformJob'
                : undefined;
          if (kind === undefined) throw new TaskError('States.Runtime', `${resource} has no .sync pattern locally.`);
          const described = await api.runToCompletion(kind, input);
          const status = String(described[`${kind}Status`]);
          if (status !== 'Completed') throw new TaskError('States.TaskFailed', JSON.stringify(described));
          return described;
        }
        return await api.call(action, input);
      } catch (error) {
        throw sageMakerTaskError(error);
      }
    }
    if (resource.startsWith('arn:aws:states:::events:putEvents')) {
      const waiting = resource.endsWith('.waitForTaskToken');
      const answer = waiting ? services.stepFunctions().waitForToken(taskToken) : undefined;
      // The integration takes Detail as JSON and sends it as the string PutEvents expects.
      const entries = ((input.Entries ?? []) as Array<Record<string, unknown>>).map((entry) =>
        typeof entry.Detail === 'string' ? entry : { ...entry, Detail: JSON.stringify(entry.Detail ?? {}) },
      );
      const result = await services.putEvents(region, { ...input, Entries: entries });
      if ((result.FailedEntryCount ?? 0) > 0) throw new TaskError('EventBridge.FailedEntry', JSON.stringify(result));
      return answer ?? result;
    }
    if (resource === 'arn:aws:states:::s3:getObject') {
      try {
        const body = await services.readObject(String(input.Bucket), String(input.Key));
        return JSON.parse(body.toString('utf8')) as unknown;
      } catch (error) {
        throw new TaskError('States.ItemReaderFailed', error instanceof Error ? error.message : String(error));
      }
    }
    const startExecution = /^arn:aws:states:::states:startExecution(\.sync(?::2)?)?$/.exec(resource);
    if (startExecution) {
      const started = services
        .stepFunctions()
        .start(
          region,
          String(input.StateMachineArn),
          JSON.stringify(input.Input ?? {}),
          input.Name as string | undefined,
        );
      if (startExecution[1] === undefined) return { ExecutionArn: started.executionArn, StartDate: started.startDate };
      await started.done;
      if (started.status !== 'SUCCEEDED')
        throw new TaskError(started.error ?? 'States.TaskFailed', started.cause ?? '');
      return {
        ...started,
        Output: startExecution[1] === '.sync:2' ? JSON.parse(started.output ?? 'null') : started.output,
      };
    }
    throw new TaskError('States.Runtime', `The local runtime has no integration for ${resource} (state ${task.name}).`);
  };
}

async function invokeFunction(lambda: LocalLambda, functionName: string, payload: unknown): Promise<unknown> {
  try {
    return await lambda.invoke(functionName, payload);
  } catch (error) {
    if (error instanceof FunctionError) {
      throw new TaskError(
        error.errorType,
        JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage }),
      );
    }
    if (error instanceof ServiceError) throw new TaskError(`Lambda.${error.code}`, error.message);
    throw error;
  }
}

function sageMakerTaskError(error: unknown): Error {
  if (error instanceof TaskError) return error;
  if (error instanceof ServiceError) {
    const name = MODELLED_SAGEMAKER_ERRORS[error.code] ?? 'SageMaker.AmazonSageMakerException';
    return new TaskError(name, `${error.message} (Service: SageMaker, Status Code: 400, Error Code: ${error.code})`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
