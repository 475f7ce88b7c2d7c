import { type CfnResource, Stack } from 'aws-cdk-lib';
import { CfnEndpoint, CfnEndpointConfig, CfnModel, CfnModelPackage, CfnPipeline } from 'aws-cdk-lib/aws-sagemaker';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { NagRuleCompliance } from 'cdk-nag';
import { hasMarker, renderJsonDocument, resolveProperties } from './intrinsics';
import { definedTasks, stateMachineDefinition } from './state-machine-definition';

/**
 * A SageMaker API request that a resource makes or declares, in the shape of the API (`CreateTrainingJob` with
 * `ResourceConfig`, `OutputDataConfig`, …). Training jobs and endpoint configs are mostly created at run time, so
 * besides SageMaker's own CloudFormation resources this finds the requests in the SageMaker Task states of Step
 * Functions state machines and in the steps of SageMaker Pipelines.
 */
export interface SageMakerRequest {
  /** The API operation, e.g. `CreateTrainingJob`. */
  readonly operation: string;
  /** The request; field values may be references (markers) or run-time values (see {@link field}). */
  readonly request: unknown;
}

/** A request field as far as synthesis can tell. */
export type Field =
  | { readonly kind: 'absent' }
  /** Chosen at run time: a JSONPath `Field.$`, a JSONata `{% … %}` or a pipeline `Get`/`Std:` expression. */
  | { readonly kind: 'dynamic' }
  | { readonly kind: 'literal'; readonly value: unknown };

const SAGEMAKER_TASK = /:states:::(?:aws-sdk:)?sagemaker:([A-Za-z]+)(?:\.[A-Za-z0-9:]+)?$/;

const PIPELINE_STEP_OPERATIONS: Record<string, string> = {
  Training: 'CreateTrainingJob',
  Transform: 'CreateTransformJob',
  Processing: 'CreateProcessingJob',
  Model: 'CreateModel',
  RegisterModel: 'CreateModelPackage',
};

/** The SageMaker requests of one resource; empty when it makes none (or its definition is only in S3). */
export function sageMakerRequests(node: CfnResource): SageMakerRequest[] {
  if (node instanceof CfnStateMachine) {
    const definition = stateMachineDefinition(node);
    if (definition === undefined) return [];
    return definedTasks(definition).flatMap((task) => {
      const match = SAGEMAKER_TASK.exec(task.resource);
      return match ? [{ operation: capitalize(match[1]), request: task.request }] : [];
    });
  }
  if (node instanceof CfnPipeline) return pipelineRequests(node);
  const properties = (request: Record<string, unknown>) => resolveProperties(node, request);
  if (node instanceof CfnEndpointConfig) {
    return [
      {
        operation: 'CreateEndpointConfig',
        request: properties({
          productionVariants: node.productionVariants,
          shadowProductionVariants: node.shadowProductionVariants,
          dataCaptureConfig: node.dataCaptureConfig,
          kmsKeyId: node.kmsKeyId,
          asyncInferenceConfig: node.asyncInferenceConfig,
        }),
      },
    ];
  }
  if (node instanceof CfnModel) {
    return [
      {
        operation: 'CreateModel',
        request: properties({ enableNetworkIsolation: node.enableNetworkIsolation }),
      },
    ];
  }
  // CloudFormation applies an endpoint's DeploymentConfig when it updates the endpoint.
  if (node instanceof CfnEndpoint) {
    return [
      {
        operation: 'UpdateEndpoint',
        request: properties({ deploymentConfig: node.deploymentConfig }),
      },
    ];
  }
  if (node instanceof CfnModelPackage) {
    return [
      {
        operation: 'CreateModelPackage',
        request: properties({ modelPackageGroupName: node.modelPackageGroupName }),
      },
    ];
  }
  return [];
}

/**
 * Applies `check` to every request for one of `operations`: not applicable when there is none or `check` returns
 * undefined for all of them, compliant when every applicable request passes.
 */
export function checkRequests(
  node: CfnResource,
  operations: readonly string[],
  check: (request: unknown, operation: string) => boolean | undefined,
): NagRuleCompliance {
  const verdicts = sageMakerRequests(node)
    .filter((entry) => operations.includes(entry.operation))
    .map((entry) => check(entry.request, entry.operation))
    .filter((verdict) => verdict !== undefined);
  if (verdicts.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
  return verdicts.every(Boolean) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

/** The field at `path` of a request; a run-time value anywhere along the path makes it dynamic. */
export function field(request: unknown, ...path: string[]): Field {
  let current = request;
  for (const name of path) {
    if (isRunTimeValue(current)) return { kind: 'dynamic' };
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return { kind: 'absent' };
    const object = current as Record<string, unknown>;
    if (`${name}.$` in object) return { kind: 'dynamic' };
    if (!(name in object) || object[name] === undefined || object[name] === null) return { kind: 'absent' };
    current = object[name];
  }
  return isRunTimeValue(current) ? { kind: 'dynamic' } : { kind: 'literal', value: current };
}

/**
 * The text of a string field whether it is literal or a run-time expression (`Field.$`, JSONata), for names written
 * into expressions such as `States.Format('s3://bucket/{}/', $.id)`.
 */
export function fieldText(request: unknown, ...path: string[]): string | undefined {
  const parent = field(request, ...path.slice(0, -1));
  if (parent.kind !== 'literal' || parent.value === null || typeof parent.value !== 'object') return undefined;
  const object = parent.value as Record<string, unknown>;
  const name = path[path.length - 1];
  const text = object[name] ?? object[`${name}.$`];
  return typeof text === 'string' ? text : undefined;
}

/** Given a value, at synth time or at run time. */
export function isSet(value: Field): boolean {
  return value.kind === 'dynamic' || (value.kind === 'literal' && value.value !== '');
}

/** A KMS key is given and is not an AWS managed key (`alias/aws/…`). */
export function isCustomerManagedKey(value: Field): boolean {
  return isSet(value) && !/(^|:)alias\/aws\//.test(knownString(value) ?? '');
}

/** Literally `expected` (a run-time or deploy-time value cannot be verified). */
export function isLiteral(value: Field, expected: unknown): boolean {
  return value.kind === 'literal' && value.value === expected;
}

/** Literally `true`. */
export function isTrue(value: Field): boolean {
  return isLiteral(value, true);
}

/** The number, when it is known at synth time. */
export function knownNumber(value: Field): number | undefined {
  return value.kind === 'literal' && typeof value.value === 'number' ? value.value : undefined;
}

/** The string, when it is known at synth time (no reference in it). */
export function knownString(value: Field): string | undefined {
  return value.kind === 'literal' && typeof value.value === 'string' && !hasMarker(value.value)
    ? value.value
    : undefined;
}

/** The items of a list known at synth time (none when absent); undefined when chosen at run time or not a list. */
export function knownItems(value: Field): unknown[] | undefined {
  return value.kind === 'literal' && Array.isArray(value.value)
    ? value.value
    : value.kind === 'absent'
      ? []
      : undefined;
}

function isRunTimeValue(value: unknown): boolean {
  if (typeof value === 'string') return /^\s*\{%[\s\S]*%\}\s*$/.test(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Get' || keys[0].startsWith('Std:'));
}

function pipelineRequests(node: CfnPipeline): SageMakerRequest[] {
  const definition = Stack.of(node).resolve(node.pipelineDefinition) as Record<string, unknown> | undefined;
  const body = definition?.PipelineDefinitionBody ?? definition?.pipelineDefinitionBody;
  if (body === undefined) return [];
  const parsed = JSON.parse(renderJsonDocument(body)) as { Steps?: unknown };
  return stepRequests(parsed.Steps);
}

/** Requests of pipeline steps, including the steps under Condition steps. */
function stepRequests(steps: unknown): SageMakerRequest[] {
  if (!Array.isArray(steps)) return [];
  return (steps as Record<string, unknown>[]).flatMap((step) => {
    const args = step.Arguments as Record<string, unknown> | undefined;
    if (step.Type === 'Condition') return [...stepRequests(args?.IfSteps), ...stepRequests(args?.ElseSteps)];
    const operation = PIPELINE_STEP_OPERATIONS[String(step.Type)];
    return operation ? [{ operation, request: args }] : [];
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
