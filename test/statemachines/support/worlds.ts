/**
 * Ready-made stand-in worlds for the three state machines: Warden handlers answering as on the happy path and
 * SageMaker responses that tests override one at a time.
 */
import { DatasetTooLargeError } from '../../../lambdas/shared/errors';
import { loadStateMachineDefinition } from '../../../lib/state-machine-file';
import { FakeAws, StubbedAwsError, type Handler } from './fake-aws';
import { FakeEndpoint, type EndpointOutcome } from './fake-endpoint';
import { runLocally, type ExecutionHooks, type LocalExecution } from './local-execution';
import {
  ENDPOINT_NAME,
  deploySubstitutions,
  remediateSubstitutions,
  trainingSubstitutions,
  type HandlerName,
} from './substitutions';

export const CORRELATION_ID = 'corr-0001';
export const MODEL_DATA_URL = 's3://warden-credit-artifacts/models/credit-1a2b3c4d-0/output/model.tar.gz';
export const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/credit-serve:1';

export interface DeployWorldOptions {
  readonly region?: string;
  readonly existingConfigName?: string;
  readonly outcomes?: EndpointOutcome[];
  readonly pollsUntilSettled?: number;
  readonly lambda?: Partial<Record<HandlerName, Handler>>;
  /** SageMaker answers that replace the stubbed endpoint's, by action. */
  readonly sagemaker?: Record<string, Handler>;
  readonly execution?: ExecutionHooks;
}

export interface DeployRun {
  readonly execution: LocalExecution;
  readonly aws: FakeAws;
  readonly endpoint: FakeEndpoint;
}

export function deployInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mode: 'deploy',
    modelVersion: 7,
    modelDataUrl: MODEL_DATA_URL,
    image: IMAGE,
    correlationId: CORRELATION_ID,
    taskToken: 'training-task-token',
    ...overrides,
  };
}

/**
 * One execution of the regional deploy state machine against a stubbed endpoint. Like start-regional-deployment, it
 * passes the config the endpoint serves as previousEndpointConfigName, unless the input names one itself.
 */
export async function runDeploy(input: Record<string, unknown>, options: DeployWorldOptions = {}): Promise<DeployRun> {
  const region = options.region ?? 'us-east-1';
  const request =
    options.existingConfigName === undefined || 'previousEndpointConfigName' in input
      ? input
      : { ...input, previousEndpointConfigName: options.existingConfigName };
  const endpoint = new FakeEndpoint({
    name: ENDPOINT_NAME,
    existingConfigName: options.existingConfigName,
    outcomes: options.outcomes,
    pollsUntilSettled: options.pollsUntilSettled,
  });
  const aws = new FakeAws({ lambda: options.lambda, sagemaker: { ...endpoint.handlers(), ...options.sagemaker } });
  const definition = loadStateMachineDefinition('deploy.asl.json', deploySubstitutions(region));
  const execution = await runLocally(definition, request, aws.dispatch, {
    executionName: `deploy-${region}`,
    ...options.execution,
  });
  return { execution, aws, endpoint };
}

export function trainingInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    bucket: 'warden-credit-data',
    key: 'incoming/credit/2024-06-01.csv',
    etag: '"9b2cf535f27731c974343645a3985328"',
    sizeBytes: 48_611_000,
    correlationId: CORRELATION_ID,
    trigger: 's3',
    ...overrides,
  };
}

/** What the Warden handlers return on the happy path of a training run. */
export function trainingLambdas(): Partial<Record<HandlerName, Handler>> {
  return {
    'validate-data': (payload) => ({
      passed: true,
      rows: 48611,
      datasetSha256: 'f'.repeat(64),
      reportKey: `reports/${String(payload.correlationId)}/validation.json`,
      baselineKey: `baselines/${String(payload.correlationId)}/profile.json`,
      trainS3Uri: `s3://warden-credit-artifacts/datasets/${String(payload.correlationId)}/train/`,
      holdoutS3Uri: `s3://warden-credit-artifacts/datasets/${String(payload.correlationId)}/holdout/`,
      columns: ['label', 'age', 'income', 'sex'],
      violations: [],
    }),
    'check-bias': (payload) => ({
      verdict: 'pass',
      failed: [],
      reportKey: `reports/${String(payload.correlationId)}/bias-${String(payload.mode)}.json`,
      pretraining: { CI: 0.02, DPL: 0.01 },
    }),
    'evaluate-model': () => ({ passed: true, metrics: { accuracy: 0.91, auc: 0.95 } }),
  };
}

/** SageMaker's answers to the training pipeline's calls, as the `.sync` integrations return them. */
export function trainingSageMaker(): Record<string, Handler> {
  return {
    createTrainingJob: (request) => ({
      TrainingJobName: request.TrainingJobName,
      TrainingJobStatus: 'Completed',
      ModelArtifacts: {
        S3ModelArtifacts: `s3://warden-credit-artifacts/models/${String(request.TrainingJobName)}/output/model.tar.gz`,
      },
      ResourceConfig: request.ResourceConfig,
    }),
    createModel: (request) => ({
      ModelArn: `arn:aws:sagemaker:us-east-1:123456789012:model/${String(request.ModelName)}`,
    }),
    createTransformJob: (request) => ({ TransformJobName: request.TransformJobName, TransformJobStatus: 'Completed' }),
    createModelPackage: () => ({
      ModelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/warden-credit/3',
    }),
    updateModelPackage: (request) => ({ ModelPackageArn: request.ModelPackageArn }),
  };
}

/**
 * A dataset above the distributed threshold, in three byte-range parts: the manifest the planner writes (put it in the
 * stubbed S3 with `objects`), and validate-data and check-bias answering as they do for such a dataset — the single
 * pass refused, a plan, each part checked, the parts merged.
 */
export const SCALED_OUT = (() => {
  const manifest = { manifestBucket: 'warden-credit-artifacts', manifestKey: 'scale-out/credit/run-1/manifest.json' };
  const planKey = 'scale-out/credit/run-1/plan.json';
  const parts = [
    { partIndex: 0, start: 0, end: 700_000_000, firstRow: 1, planKey },
    { partIndex: 1, start: 700_000_000, end: 1_400_000_000, firstRow: 2_100_001, planKey },
    { partIndex: 2, start: 1_400_000_000, end: 2_000_000_000, firstRow: 4_200_001, planKey },
  ];
  const validateData: Handler = (payload) => {
    switch (payload.mode) {
      case 'single':
        throw new DatasetTooLargeError('s3://warden-credit-data/incoming/credit/2024-06-01.csv is 2 GiB.');
      case 'plan':
        return { ...manifest, partCount: parts.length, planKey, datasetSha256: 'e'.repeat(64) };
      case 'part':
        return { partIndex: (payload.part as { partIndex: number }).partIndex, rows: 2_100_000 };
      default:
        return {
          passed: true,
          rows: 6_000_000,
          datasetSha256: 'e'.repeat(64),
          reportKey: 'reports/credit/eee/validation.json',
          baselineKey: 'baselines/credit/eee.wbp',
          trainS3Uri: 's3://warden-credit-artifacts/splits/credit/run-1/train/',
          holdoutS3Uri: 's3://warden-credit-artifacts/splits/credit/run-1/holdout/',
          columns: ['label', 'age', 'income', 'sex'],
        };
    }
  };
  const checkBias: Handler = (payload) =>
    payload.mode === 'part'
      ? { partIndex: (payload.part as { partIndex: number }).partIndex, counted: true }
      : { verdict: 'pass', failed: [], reportKey: `reports/credit/eee/bias-${String(payload.mode)}.json` };
  return {
    manifest,
    planKey,
    parts,
    objects: { [`${manifest.manifestBucket}/${manifest.manifestKey}`]: parts },
    lambda: { 'validate-data': validateData, 'check-bias': checkBias },
  };
})();

export interface TrainingWorldOptions {
  readonly substitutions?: Record<string, unknown>;
  readonly lambda?: Partial<Record<HandlerName, Handler>>;
  readonly sagemaker?: Record<string, Handler>;
  readonly eventWaiters?: Record<string, Handler>;
  /** S3 objects (bucket/key → JSON) that exist during the run, e.g. a validation plan written by the planner. */
  readonly objects?: Record<string, unknown>;
  /** How each region's endpoint answers its deployment. @default every region goes into service */
  readonly regionOutcomes?: Record<string, EndpointOutcome[]>;
  /** Hooks on the training execution only (the regional deploy executions it starts run without them). */
  readonly execution?: ExecutionHooks;
}

export interface TrainingRun {
  readonly execution: LocalExecution;
  readonly aws: FakeAws;
  /** The regional deploy executions that start-regional-deployment started, by region, in wave order. */
  readonly deployments: Array<{ readonly region: string } & DeployRun>;
}

/**
 * One training execution. start-regional-deployment really runs the regional deploy state machine (locally, on a
 * stubbed endpoint) and answers the task token from what that execution reported through report-deployment, as the
 * SendTaskSuccess/SendTaskFailure of the real handler would.
 */
export async function runTraining(
  input: Record<string, unknown>,
  options: TrainingWorldOptions = {},
): Promise<TrainingRun> {
  const deployments: TrainingRun['deployments'] = [];
  const startRegionalDeployment: Handler = async (payload) => {
    const region = String(payload.region);
    let report: Record<string, unknown> | undefined;
    const run = await runDeploy(payload, {
      region,
      existingConfigName: `${ENDPOINT_NAME}-v6-0a1b2c3d-0`,
      outcomes: options.regionOutcomes?.[region],
      lambda: {
        'report-deployment': (reported) => {
          report = reported;
          return { reported: true };
        },
      },
    });
    deployments.push({ region, ...run });
    if (report === undefined) throw new StubbedAwsError('States.Timeout', `no report from ${region}`);
    const error = report.error as { Error: string; Cause: string } | undefined;
    if (error) throw new StubbedAwsError(error.Error, error.Cause);
    return {
      region,
      outcome: report.outcome,
      endpointConfigName: (report.serving as { endpointConfigName: string }).endpointConfigName,
    };
  };
  const aws = new FakeAws({
    lambda: { ...trainingLambdas(), 'start-regional-deployment': startRegionalDeployment, ...options.lambda },
    sagemaker: { ...trainingSageMaker(), ...options.sagemaker },
    eventWaiters: options.eventWaiters,
  });
  for (const [key, value] of Object.entries(options.objects ?? {})) aws.objects.set(key, value);
  const definition = loadStateMachineDefinition('training.asl.json', options.substitutions ?? trainingSubstitutions());
  const execution = await runLocally(definition, input, aws.dispatch, {
    executionName: 'training-1',
    ...options.execution,
  });
  return { execution, aws, deployments };
}

/** A CloudWatch alarm state change as EventBridge delivers it (forwarded from the serving region's bus). */
export function alarmEvent(overrides: { alarmName?: string; region?: string } = {}): Record<string, unknown> {
  const region = overrides.region ?? 'eu-west-1';
  const alarmName = overrides.alarmName ?? 'warden-credit-drift-income';
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2024-06-02T10:15:00Z',
    region,
    resources: [`arn:aws:cloudwatch:${region}:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: {
        value: 'ALARM',
        reason: 'Threshold Crossed: 3 out of the last 5 datapoints',
        timestamp: '2024-06-02T10:15:00.000+0000',
      },
      previousState: { value: 'OK', reason: '', timestamp: '2024-06-02T09:15:00.000+0000' },
      configuration: { metrics: [] },
    },
  };
}

export interface RemediationRun {
  readonly execution: LocalExecution;
  readonly aws: FakeAws;
}

export async function runRemediation(
  event: Record<string, unknown>,
  lambda: Partial<Record<HandlerName, Handler>>,
  hooks: ExecutionHooks = {},
): Promise<RemediationRun> {
  const aws = new FakeAws({ lambda });
  const definition = loadStateMachineDefinition('remediate.asl.json', remediateSubstitutions());
  const execution = await runLocally(definition, event, aws.dispatch, { executionName: 'remediation-1', ...hooks });
  return { execution, aws };
}
