import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** A Task state as far as its IAM needs go. */
export interface TaskResourceUse {
  /** The Task's `Resource`. */
  readonly resource: string;
  /** The Task's `Parameters` (after substitution). */
  readonly parameters?: Record<string, unknown>;
}

/** What the Task states of a Warden state machine may touch, beyond what their `Resource`s name. */
export interface TaskGrantContext {
  /** Name prefix every SageMaker resource Warden creates for this model carries (`warden-<model>`). */
  readonly sageMakerNamePrefix: string;
  /** Role SageMaker jobs and models run as; passed with `iam:PassRole`. */
  readonly sageMakerRole?: iam.IRole;
  /** Event bus `events:putEvents` targets. */
  readonly eventBusArn?: string;
  /** State machines `states:startExecution` may start. */
  readonly stateMachineArns?: string[];
  /** Regions whose SageMaker resources this state machine manages. @default the stack's region */
  readonly regions?: string[];
  /** Bucket that S3 Tasks, Distributed Map item readers and result writers use. */
  readonly artifactsBucketArn?: string;
}

const SYNC_RULES: Record<string, string> = {
  createTrainingJob: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule',
  createTransformJob: 'StepFunctionsGetEventsForSageMakerTransformJobsRule',
  startExecution: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
};

/**
 * The IAM statements a state machine's Task states need, derived from the Task `Resource`s themselves so that what
 * the ASL calls and what the role allows cannot drift apart. Unknown integrations throw: a new Task kind must be
 * taught here before it can be deployed.
 */
export function taskPolicyStatements(
  scope: Construct,
  tasks: readonly TaskResourceUse[],
  context: TaskGrantContext,
): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const regions = context.regions ?? [stack.region];
  const statements: iam.PolicyStatement[] = [];
  // One pattern per region covers every SageMaker resource type (`training-job/…`, `endpoint-config/…`,
  // `model-package/<group>/<n>`) whose name starts with the family's prefix.
  const sageMakerArns = regions.map((region) =>
    stack.formatArn({
      service: 'sagemaker',
      region,
      resource: '*',
      resourceName: `${context.sageMakerNamePrefix}*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
  );
  const syncRule = (rule: string) =>
    stack.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: rule,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  let passRole = false;

  for (const task of tasks) {
    const integration = parseIntegration(task.resource);
    if (integration === undefined)
      throw new Error(`Task resource ${task.resource} is not a Step Functions integration.`);
    const { service, action, pattern } = integration;
    if (service === 'lambda' && action === 'invoke') {
      const functionName = task.parameters?.FunctionName;
      if (typeof functionName !== 'string') throw new Error('A lambda:invoke Task needs a literal FunctionName.');
      statements.push(statement(['lambda:InvokeFunction'], [functionName]));
    } else if (service === 'sagemaker') {
      passRole = true;
      statements.push(...sageMakerStatements(action, pattern, sageMakerArns));
      if (pattern === 'sync' && SYNC_RULES[action]) {
        statements.push(
          statement(['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], [syncRule(SYNC_RULES[action])]),
        );
      }
    } else if (service === 'aws-sdk') {
      const [sdkService, sdkAction] = action.split(':');
      const iamAction = `${sdkService}:${sdkAction.charAt(0).toUpperCase()}${sdkAction.slice(1)}`;
      if (sdkService === 'sagemaker') {
        passRole ||= /^(create|update)/.test(sdkAction);
        statements.push(statement([iamAction], sageMakerArns));
      } else {
        throw new Error(`No grant is defined for the SDK integration ${action}.`);
      }
    } else if (service === 'events' && action === 'putEvents') {
      if (!context.eventBusArn) throw new Error('An events:putEvents Task needs the event bus in the grant context.');
      statements.push(statement(['events:PutEvents'], [context.eventBusArn]));
    } else if (service === 'states' && action === 'startExecution') {
      const targets = context.stateMachineArns ?? [];
      if (targets.length === 0) throw new Error('A states:startExecution Task needs its target state machines.');
      statements.push(statement(['states:StartExecution'], targets));
      if (pattern === 'sync') {
        const executions = targets.map((arn) => executionArnPattern(arn));
        statements.push(statement(['states:DescribeExecution', 'states:StopExecution'], executions));
        statements.push(
          statement(
            ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
            [syncRule(SYNC_RULES.startExecution)],
          ),
        );
      }
    } else if (service === 's3' && (action === 'getObject' || action === 'putObject' || action === 'listObjectsV2')) {
      if (!context.artifactsBucketArn)
        throw new Error(`An s3:${action} Task needs the artifacts bucket in the grant context.`);
      const iamAction =
        action === 'getObject' ? 's3:GetObject' : action === 'putObject' ? 's3:PutObject' : 's3:ListBucket';
      statements.push(
        statement(
          [iamAction],
          [action === 'listObjectsV2' ? context.artifactsBucketArn : `${context.artifactsBucketArn}/*`],
        ),
      );
    } else {
      throw new Error(`No grant is defined for the Task resource ${task.resource}.`);
    }
  }
  if (passRole && context.sageMakerRole) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [context.sageMakerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
  }
  return dedupe(statements);
}

function sageMakerStatements(action: string, pattern: string | undefined, arns: string[]): iam.PolicyStatement[] {
  const name = (verb: string) => `sagemaker:${verb}`;
  switch (action) {
    case 'createTrainingJob':
      return [
        statement(
          [
            name('CreateTrainingJob'),
            name('AddTags'),
            ...(pattern === 'sync' ? [name('DescribeTrainingJob'), name('StopTrainingJob')] : []),
          ],
          arns,
        ),
      ];
    case 'createTransformJob':
      return [
        statement(
          [
            name('CreateTransformJob'),
            name('AddTags'),
            ...(pattern === 'sync' ? [name('DescribeTransformJob'), name('StopTransformJob')] : []),
          ],
          arns,
        ),
      ];
    default:
      return [statement([name(`${action.charAt(0).toUpperCase()}${action.slice(1)}`), name('AddTags')], arns)];
  }
}

interface Integration {
  readonly service: string;
  readonly action: string;
  readonly pattern?: 'sync' | 'waitForTaskToken';
}

/** `arn:aws:states:::lambda:invoke.waitForTaskToken` → `{ service: 'lambda', action: 'invoke', pattern: … }`. */
export function parseIntegration(resource: string): Integration | undefined {
  const match =
    /^arn:[^:]+:states:::(aws-sdk:[a-z0-9]+:[A-Za-z0-9]+|[a-z0-9-]+:[A-Za-z0-9]+)(?:\.(sync(?::2)?|waitForTaskToken))?$/.exec(
      resource,
    );
  if (match === null) return undefined;
  const path = match[1];
  const pattern = match[2] === undefined ? undefined : match[2].startsWith('sync') ? 'sync' : 'waitForTaskToken';
  if (path.startsWith('aws-sdk:')) return { service: 'aws-sdk', action: path.slice('aws-sdk:'.length), pattern };
  const [service, action] = path.split(':');
  return { service, action, pattern };
}

function statement(actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions, resources });
}

function executionArnPattern(stateMachineArn: string): string {
  const parts = Arn.split(stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
  return Arn.format({ ...parts, resource: 'execution', resourceName: `${parts.resourceName}:*` });
}

function dedupe(statements: iam.PolicyStatement[]): iam.PolicyStatement[] {
  const seen = new Map<string, iam.PolicyStatement>();
  for (const s of statements) {
    const key = JSON.stringify(s.toStatementJson());
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()];
}
