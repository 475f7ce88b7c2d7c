/** Substitution values for tests: what a synthesized stack would pass, with fixed names instead of CDK tokens. */
import { trainingResourceConfig, transformResources } from '../../../lib/compute-resources';

const ACCOUNT = '123456789012';
const PRIMARY_REGION = 'us-east-1';
const KMS_KEY_ARN = `arn:aws:kms:${PRIMARY_REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

/** The Warden handlers a state machine invokes, by their bundle names (docs/wiring.md). */
export type HandlerName =
  | 'validate-data'
  | 'check-bias'
  | 'evaluate-model'
  | 'record-lineage'
  | 'append-audit'
  | 'decide-remediation'
  | 'start-regional-deployment'
  | 'report-deployment';

export function functionArn(handler: HandlerName, region = PRIMARY_REGION): string {
  return `arn:aws:lambda:${region}:${ACCOUNT}:function:warden-credit-${handler}`;
}

/** The handler name behind a function ARN built by {@link functionArn}. */
export function handlerOf(arn: string): HandlerName {
  const match = /:function:warden-credit-([a-z-]+)$/.exec(arn);
  if (!match) throw new Error(`not a Warden test function ARN: ${arn}`);
  return match[1] as HandlerName;
}

export const MODEL_NAME = 'credit';
export const ENDPOINT_NAME = 'warden-credit';
export const VARIANT_NAME = 'primary';
export const TRAINING_INSTANCE_TYPES = ['ml.g5.2xlarge', 'ml.g4dn.2xlarge', 'ml.m5.4xlarge'];
export const SERVING_INSTANCE_TYPES = ['ml.g5.xlarge', 'ml.g4dn.xlarge', 'ml.c6i.2xlarge'];
export const ROLLBACK_ALARMS = [{ AlarmName: 'warden-credit-5xx' }, { AlarmName: 'warden-credit-latency' }];
export const DISTRIBUTED_THRESHOLD_BYTES = 1024 * 1024 * 1024;
export const BAKE_SECONDS = 600;

export function trainingSubstitutions(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ValidateDataFunctionArn: functionArn('validate-data'),
    CheckBiasFunctionArn: functionArn('check-bias'),
    EvaluateModelFunctionArn: functionArn('evaluate-model'),
    RecordLineageFunctionArn: functionArn('record-lineage'),
    AppendAuditFunctionArn: functionArn('append-audit'),
    StartRegionalDeploymentFunctionArn: functionArn('start-regional-deployment'),
    SageMakerRoleArn: `arn:aws:iam::${ACCOUNT}:role/warden-credit-sagemaker`,
    ArtifactsBucket: 'warden-credit-artifacts',
    KmsKeyArn: KMS_KEY_ARN,
    TrainingImage: `${ACCOUNT}.dkr.ecr.${PRIMARY_REGION}.amazonaws.com/credit-train:1`,
    InferenceImage: `${ACCOUNT}.dkr.ecr.${PRIMARY_REGION}.amazonaws.com/credit-serve:1`,
    TrainingInstanceTypes: TRAINING_INSTANCE_TYPES,
    TrainingResources: TRAINING_INSTANCE_TYPES.map((type) => trainingResourceConfig(type, KMS_KEY_ARN)),
    TrainingHyperParameters: { epochs: '20', learning_rate: '0.05' },
    TrainingMaxRuntimeSeconds: 3600,
    TrainingMaxWaitSeconds: 7200,
    TransformResources: transformResources('ml.m5.xlarge', KMS_KEY_ARN),
    ModelName: MODEL_NAME,
    ModelPackageGroupName: 'warden-credit',
    ApprovalMode: 'Auto',
    DeployRegions: ['us-east-1', 'eu-west-1'],
    EventBusName: 'warden-credit',
    DistributedThresholdBytes: DISTRIBUTED_THRESHOLD_BYTES,
    Region: PRIMARY_REGION,
    ...overrides,
  };
}

export function servingKmsKeyArn(region = PRIMARY_REGION): string {
  return `arn:aws:kms:${region}:${ACCOUNT}:key/66666666-7777-8888-9999-000000000000`;
}

/** The inference image a serving region's models run: its own replica of the primary region's repository. */
export function servingImage(region = PRIMARY_REGION): string {
  return `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/credit-serve:1`;
}

export function deploySubstitutions(
  region = PRIMARY_REGION,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    RecordLineageFunctionArn: functionArn('record-lineage', region),
    AppendAuditFunctionArn: functionArn('append-audit', region),
    ReportDeploymentFunctionArn: functionArn('report-deployment', region),
    SageMakerRoleArn: `arn:aws:iam::${ACCOUNT}:role/warden-credit-sagemaker-${region}`,
    InferenceImage: servingImage(region),
    KmsKeyArn: servingKmsKeyArn(region),
    ModelName: MODEL_NAME,
    EndpointName: ENDPOINT_NAME,
    ServingInstanceTypes: SERVING_INSTANCE_TYPES,
    ServingStorageEncryptable: [false, false, true],
    ServingInstanceCount: 2,
    VariantName: VARIANT_NAME,
    CanaryPercent: 10,
    BakeSeconds: BAKE_SECONDS,
    RollbackAlarms: ROLLBACK_ALARMS,
    CaptureS3Uri: `s3://warden-credit-capture-${region}/capture/`,
    EventBusName: 'warden-credit',
    Region: region,
    ...overrides,
  };
}

export function remediateSubstitutions(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    DecideRemediationFunctionArn: functionArn('decide-remediation'),
    StartRegionalDeploymentFunctionArn: functionArn('start-regional-deployment'),
    AppendAuditFunctionArn: functionArn('append-audit'),
    ModelName: MODEL_NAME,
    EventBusName: 'warden-credit',
    ...overrides,
  };
}
