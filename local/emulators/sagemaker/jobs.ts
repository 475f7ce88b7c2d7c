/**
 * The local SageMaker control plane for models, training jobs, batch transform jobs and the model registry. Each
 * action takes and returns the SageMaker API's shapes (timestamps as `Date`, as the SDK returns them) and fails with
 * SageMaker's error codes, so the Step Functions `.sync` and `aws-sdk:sagemaker` integrations see what they would in
 * AWS.
 *
 * - A training job downloads its S3 channels into a job directory laid out like `/opt/ml`, runs the local trainer
 *   (local/trainer/train.ts) as a child process under the container contract, and uploads `model.tar.gz` to
 *   `<S3OutputPath>/<TrainingJobName>/output/`, plus the checkpoint directory to `CheckpointConfig.S3Uri`.
 * - A transform job runs the model's records through a local inference container ({@link startModelServer}) and
 *   writes `<input file>.out` under `S3OutputPath`, with `DataProcessing` (input filter, join with the input, output
 *   filter) applied.
 * - Time is virtual: the real work runs at once, and the job's phases (SecondaryStatusTransitions) are laid out on
 *   the clock from a duration model; Describe reports the phase the clock is in. `run*ToCompletion` advance the
 *   clock to the job's end, as a `.sync` task waits for it.
 * - Faults: instance types without capacity (the job fails with `CapacityError`, as SageMaker reports it), instance
 *   types without quota (`ResourceLimitExceeded` from Create*), and injected job failures.
 *
 * Launching the trainer: built (`dist/local/...`, `npm start`), this module runs `node dist/local/trainer/train.js`;
 * from sources (ts-jest, tsx) it runs `node --import tsx local/trainer/train.ts`, tsx being a dev dependency that is
 * present wherever the sources are. See {@link trainerCommand}.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  Channel,
  CreateModelInput,
  CreateModelOutput,
  CreateModelPackageGroupInput,
  CreateModelPackageGroupOutput,
  CreateModelPackageInput,
  CreateModelPackageOutput,
  CreateTrainingJobRequest,
  CreateTrainingJobResponse,
  CreateTransformJobRequest,
  CreateTransformJobResponse,
  DeleteModelInput,
  DescribeModelInput,
  DescribeModelOutput,
  DescribeModelPackageGroupInput,
  DescribeModelPackageGroupOutput,
  DescribeModelPackageInput,
  DescribeModelPackageOutput,
  DescribeTrainingJobRequest,
  DescribeTrainingJobResponse,
  DescribeTransformJobRequest,
  DescribeTransformJobResponse,
  ListModelPackagesInput,
  ListModelPackagesOutput,
  MetricData,
  ModelApprovalStatus,
  ModelPackageSummary,
  SecondaryStatus,
  SecondaryStatusTransition,
  StopTrainingJobRequest,
  TrainingJobStatus,
  TransformJobStatus,
  UpdateModelPackageInput,
  UpdateModelPackageOutput,
} from '@aws-sdk/client-sagemaker';
import { parseCsv } from '../../../lambdas/stats/csv';
import type { VirtualClock } from '../../runtime/clock';
import { ServiceError } from '../service';
import { loadPredictor, MODEL_FILE, type TrainedPredictor } from './model-artifact';
import { startModelServer, type ModelServer } from './model-server';
import { packTarGz } from './tar';

/** The object store the jobs read channels from and write artifacts to (`LocalS3` fits). */
export interface JobObjectStore {
  read(bucket: string, key: string): Promise<Buffer>;
  write(bucket: string, key: string, body: string | Buffer): Promise<void>;
  /** Keys of a bucket under a prefix, sorted. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
}

/** Faults to inject; read at the time of each call, so a scenario can change them while it runs. */
export interface SageMakerJobFaults {
  /** Instance types SageMaker cannot provision: jobs on them fail with `CapacityError` after provisioning. */
  readonly capacity?: ReadonlySet<string>;
  /** Instance types whose account quota is used up: `CreateTrainingJob`/`CreateTransformJob` throw `ResourceLimitExceeded`. */
  readonly quota?: ReadonlySet<string>;
  /** A failure reason (e.g. `AlgorithmError: ...`) for a training job that should fail instead of training. */
  readonly trainingFailure?: (request: CreateTrainingJobRequest) => string | undefined;
  /** A failure reason for a transform job that should fail instead of transforming. */
  readonly transformFailure?: (request: CreateTransformJobRequest) => string | undefined;
}

/** How to start the trainer process: `command` with `args` (the trainer script last). */
export interface TrainerCommand {
  readonly command: string;
  readonly args: readonly string[];
}

export interface LocalSageMakerJobsProps {
  readonly account: string;
  readonly region: string;
  readonly clock: VirtualClock;
  readonly s3: JobObjectStore;
  /** Directory for job directories (`training/<job>`) and container logs (`logs/`). */
  readonly workDir: string;
  readonly faults?: SageMakerJobFaults;
  /** @default {@link trainerCommand}() */
  readonly trainer?: TrainerCommand;
  /** Longest real time a trainer process may run before it is killed. @default 10 minutes */
  readonly trainerTimeoutMs?: number;
}

/**
 * Modelled durations, in seconds of virtual time. Provisioning dominates short jobs in AWS too; training time grows
 * with rows × epochs at a rate that depends on the instance family.
 */
export const DURATION_MODEL = {
  provisionSeconds: 90,
  spotProvisionSeconds: 150,
  downloadSeconds: 10,
  downloadBytesPerSecond: 100 * 1024 * 1024,
  trainingBaseSeconds: 30,
  rowEpochsPerSecondCpu: 2_000,
  rowEpochsPerSecondGpu: 20_000,
  uploadSeconds: 10,
  stopSeconds: 15,
  transformProvisionSeconds: 180,
  transformBaseSeconds: 20,
  transformRecordsPerSecond: 2_000,
  /** Share of the on-demand bill a managed spot job pays, reported as a shorter `BillableTimeInSeconds`. */
  spotBillableShare: 0.3,
} as const;

const NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const ROLE_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const CAPACITY_ERROR =
  'CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type.';
const DEFAULT_MAX_PAYLOAD_MB = 6;

/** The process that runs local/trainer/train: compiled JavaScript next to this module, else the TypeScript via tsx. */
export function trainerCommand(): TrainerCommand {
  const compiled = join(__dirname, '..', '..', 'trainer', 'train.js');
  if (existsSync(compiled)) return { command: process.execPath, args: [compiled] };
  const source = join(__dirname, '..', '..', 'trainer', 'train.ts');
  if (!existsSync(source)) throw new Error(`The local trainer is missing: neither ${compiled} nor ${source} exists.`);
  // Resolved here, not by the child: `--import tsx` alone would be looked up from the job directory.
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return { command: process.execPath, args: ['--import', tsx, source] };
}

/** The error a `.sync` task raises for a job that ended without completing (`States.TaskFailed`, the job as Cause). */
export function syncFailure(
  job: DescribeTrainingJobResponse | DescribeTransformJobResponse,
): { error: string; cause: string } | undefined {
  const status = 'TrainingJobStatus' in job ? job.TrainingJobStatus : job.TransformJobStatus;
  if (status === 'Completed') return undefined;
  return { error: 'States.TaskFailed', cause: JSON.stringify(job) };
}

interface Phase {
  readonly status: SecondaryStatus;
  readonly message: string;
  readonly start: number;
}

interface Ending {
  readonly status: TrainingJobStatus;
  readonly secondary: SecondaryStatus;
  readonly message: string;
  readonly at: number;
  readonly failureReason?: string;
}

interface TrainingJob {
  readonly request: CreateTrainingJobRequest;
  readonly arn: string;
  readonly createdAt: number;
  phases: Phase[];
  ending?: Ending;
  trainingStart?: number;
  modelArtifact?: string;
  metrics?: MetricData[];
  stop?: () => void;
  /** Settles when the real work is over. */
  work: Promise<void>;
}

interface TransformJob {
  readonly request: CreateTransformJobRequest;
  readonly arn: string;
  readonly createdAt: number;
  start?: number;
  ending?: { status: TransformJobStatus; at: number; failureReason?: string };
  work: Promise<void>;
}

interface ModelRecord {
  readonly input: CreateModelInput;
  readonly arn: string;
  readonly createdAt: number;
}

interface ModelPackageRecord {
  readonly input: CreateModelPackageInput;
  readonly arn: string;
  readonly group: string;
  readonly version: number;
  readonly createdAt: number;
  approval: ModelApprovalStatus;
  approvalDescription?: string;
  customerMetadata?: Record<string, string>;
  lastModified: number;
}

interface ModelPackageGroupRecord {
  readonly input: CreateModelPackageGroupInput;
  readonly arn: string;
  readonly createdAt: number;
}

export class LocalSageMakerJobs {
  private readonly trainingJobs = new Map<string, TrainingJob>();
  private readonly transformJobs = new Map<string, TransformJob>();
  private readonly models = new Map<string, ModelRecord>();
  private readonly packageGroups = new Map<string, ModelPackageGroupRecord>();
  private readonly packages: ModelPackageRecord[] = [];
  private readonly predictors = new Map<string, Promise<TrainedPredictor>>();
  private readonly faults: SageMakerJobFaults;
  private trainer?: TrainerCommand;

  constructor(private readonly props: LocalSageMakerJobsProps) {
    this.faults = props.faults ?? {};
    this.trainer = props.trainer;
  }

  // ---- Models ----

  async CreateModel(input: CreateModelInput): Promise<CreateModelOutput> {
    const problems: string[] = [];
    checkName(problems, 'modelName', input.ModelName);
    if (input.ExecutionRoleArn !== undefined && !ROLE_PATTERN.test(input.ExecutionRoleArn)) {
      problems.push(`Value '${input.ExecutionRoleArn}' at 'executionRoleArn' is not a role ARN`);
    }
    const containers = input.PrimaryContainer !== undefined ? [input.PrimaryContainer] : (input.Containers ?? []);
    if (containers.length === 0) problems.push("Either 'primaryContainer' or 'containers' must be given");
    containers.forEach((container, index) => {
      if (container.Image === undefined && container.ModelPackageName === undefined) {
        problems.push(`Container ${index} has neither an image nor a model package`);
      }
      if (container.ModelDataUrl !== undefined && parseS3Uri(container.ModelDataUrl) === undefined) {
        problems.push(`Value '${container.ModelDataUrl}' at 'modelDataUrl' is not an S3 URI`);
      }
    });
    throwIfInvalid(problems);
    const name = input.ModelName as string;
    const arn = this.arn('model', name);
    if (this.models.has(name))
      throw new ServiceError('ValidationException', `Cannot create already existing model "${arn}".`);
    for (const container of containers) {
      if (container.ModelDataUrl !== undefined && !(await this.exists(container.ModelDataUrl))) {
        throw new ServiceError(
          'ValidationException',
          `Could not find model data at ${container.ModelDataUrl}. Ensure the object exists and the execution role can read it.`,
        );
      }
    }
    this.models.set(name, { input: copy(input), arn, createdAt: this.props.clock.now() });
    return { ModelArn: arn };
  }

  async DescribeModel(input: DescribeModelInput): Promise<DescribeModelOutput> {
    const model = this.model(input.ModelName);
    return {
      ModelName: model.input.ModelName,
      ModelArn: model.arn,
      PrimaryContainer: copy(model.input.PrimaryContainer),
      Containers: copy(model.input.Containers),
      InferenceExecutionConfig: copy(model.input.InferenceExecutionConfig),
      ExecutionRoleArn: model.input.ExecutionRoleArn,
      VpcConfig: copy(model.input.VpcConfig),
      EnableNetworkIsolation: model.input.EnableNetworkIsolation ?? false,
      CreationTime: new Date(model.createdAt),
    };
  }

  async DeleteModel(input: DeleteModelInput): Promise<Record<string, never>> {
    this.model(input.ModelName);
    this.models.delete(input.ModelName as string);
    return {};
  }

  /** The predictor behind a model (its primary container's `ModelDataUrl`), for local endpoints. */
  modelPredictor(modelName: string): Promise<TrainedPredictor> {
    const model = this.model(modelName);
    const url = (model.input.PrimaryContainer ?? model.input.Containers?.[0])?.ModelDataUrl;
    if (url === undefined) {
      throw new ServiceError('ValidationException', `Model ${modelName} has no model data (ModelDataUrl).`);
    }
    return this.predictor(url);
  }

  // ---- Training ----

  async CreateTrainingJob(request: CreateTrainingJobRequest): Promise<CreateTrainingJobResponse> {
    this.validateTrainingJob(request);
    const name = request.TrainingJobName as string;
    const arn = this.arn('training-job', name);
    if (this.trainingJobs.has(name)) {
      throw new ServiceError(
        'ResourceInUse',
        `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`,
      );
    }
    const instanceType = request.ResourceConfig?.InstanceType as string;
    if (this.faults.quota?.has(instanceType)) throw quotaError(instanceType, 'training job usage');
    const now = this.props.clock.now();
    const job: TrainingJob = {
      request: copy(request),
      arn,
      createdAt: now,
      phases: [{ status: 'Starting', message: 'Launching requested ML instances', start: now }],
      work: Promise.resolve(),
    };
    this.trainingJobs.set(name, job);
    job.work = this.train(job).catch((error: Error) => {
      job.ending ??= {
        status: 'Failed',
        secondary: 'Failed',
        message: 'Training job failed',
        at: this.props.clock.now(),
        failureReason: `InternalServerError: ${error.message}`,
      };
    });
    return { TrainingJobArn: arn };
  }

  async DescribeTrainingJob(request: DescribeTrainingJobRequest): Promise<DescribeTrainingJobResponse> {
    const job = this.trainingJob(request.TrainingJobName);
    const now = this.props.clock.now();
    const r = job.request;
    const ending = job.ending !== undefined && job.ending.at <= now ? job.ending : undefined;
    const steps: Phase[] = job.phases.filter((phase) => phase.start <= (ending?.at ?? now));
    if (ending !== undefined) steps.push({ status: ending.secondary, message: ending.message, start: ending.at });
    const transitions: SecondaryStatusTransition[] = steps.map((step, index) => ({
      Status: step.status,
      StatusMessage: step.message,
      StartTime: new Date(step.start),
      ...(index + 1 < steps.length ? { EndTime: new Date(steps[index + 1].start) } : {}),
    }));
    const last = steps[steps.length - 1];
    const status: TrainingJobStatus =
      ending !== undefined ? ending.status : last.status === 'Stopping' ? 'Stopping' : 'InProgress';
    const trainingSeconds =
      ending !== undefined && job.trainingStart !== undefined
        ? Math.round((ending.at - job.trainingStart) / 1000)
        : undefined;
    return {
      TrainingJobName: r.TrainingJobName,
      TrainingJobArn: job.arn,
      ModelArtifacts:
        ending?.status === 'Completed' && job.modelArtifact !== undefined
          ? { S3ModelArtifacts: job.modelArtifact }
          : undefined,
      TrainingJobStatus: status,
      SecondaryStatus: last.status,
      ...(ending?.failureReason !== undefined ? { FailureReason: ending.failureReason } : {}),
      HyperParameters: copy(r.HyperParameters),
      AlgorithmSpecification: copy(r.AlgorithmSpecification),
      RoleArn: r.RoleArn,
      InputDataConfig: copy(r.InputDataConfig),
      OutputDataConfig: copy(r.OutputDataConfig),
      ResourceConfig: copy(r.ResourceConfig),
      VpcConfig: copy(r.VpcConfig),
      StoppingCondition: copy(r.StoppingCondition),
      CreationTime: new Date(job.createdAt),
      ...(job.trainingStart !== undefined && job.trainingStart <= now
        ? { TrainingStartTime: new Date(job.trainingStart) }
        : {}),
      ...(ending !== undefined ? { TrainingEndTime: new Date(ending.at) } : {}),
      LastModifiedTime: new Date(last.start),
      SecondaryStatusTransitions: transitions,
      ...(ending?.status === 'Completed' && job.metrics !== undefined
        ? { FinalMetricDataList: copy(job.metrics) }
        : {}),
      EnableNetworkIsolation: r.EnableNetworkIsolation ?? false,
      EnableInterContainerTrafficEncryption: r.EnableInterContainerTrafficEncryption ?? false,
      EnableManagedSpotTraining: r.EnableManagedSpotTraining ?? false,
      CheckpointConfig: copy(r.CheckpointConfig),
      ...(trainingSeconds !== undefined
        ? { TrainingTimeInSeconds: trainingSeconds, BillableTimeInSeconds: this.billable(r, trainingSeconds) }
        : {}),
      Environment: copy(r.Environment),
      RetryStrategy: copy(r.RetryStrategy),
    };
  }

  async StopTrainingJob(request: StopTrainingJobRequest): Promise<Record<string, never>> {
    const job = this.trainingJob(request.TrainingJobName);
    const now = this.props.clock.now();
    if (job.ending !== undefined && job.ending.at <= now) {
      throw new ServiceError(
        'ValidationException',
        `The request was rejected because the training job is in status ${job.ending.status}.`,
      );
    }
    if (job.phases.some((phase) => phase.status === 'Stopping')) return {};
    job.phases = [
      ...job.phases.filter((phase) => phase.start <= now),
      { status: 'Stopping', message: 'Stopping the training job', start: now },
    ];
    job.modelArtifact = undefined;
    if (job.trainingStart !== undefined && job.trainingStart > now) job.trainingStart = undefined;
    job.ending = {
      status: 'Stopped',
      secondary: 'Stopped',
      message: 'Training job stopped',
      at: now + DURATION_MODEL.stopSeconds * 1000,
    };
    job.stop?.();
    return {};
  }

  /** Creates the job and waits for its end, advancing the virtual clock to it: the `.sync` integration's view. */
  async runTrainingJobToCompletion(request: CreateTrainingJobRequest): Promise<DescribeTrainingJobResponse> {
    await this.CreateTrainingJob(request);
    const job = this.trainingJob(request.TrainingJobName);
    await job.work;
    await this.props.clock.advanceTo((job.ending as Ending).at);
    return this.DescribeTrainingJob({ TrainingJobName: request.TrainingJobName });
  }

  /** Resolves when the real work of a training job is over (its end may still be ahead on the clock). */
  async trainingJobSettled(name: string): Promise<void> {
    await this.trainingJob(name).work;
  }

  // ---- Transform ----

  async CreateTransformJob(request: CreateTransformJobRequest): Promise<CreateTransformJobResponse> {
    const problems: string[] = [];
    checkName(problems, 'transformJobName', request.TransformJobName);
    checkName(problems, 'modelName', request.ModelName);
    const source = request.TransformInput?.DataSource?.S3DataSource;
    if (source === undefined) problems.push("'transformInput.dataSource.s3DataSource' is required");
    else {
      if (parseS3Uri(source.S3Uri) === undefined) problems.push(`Value '${source.S3Uri}' at 's3Uri' is not an S3 URI`);
      if (!['S3Prefix', 'ManifestFile', 'AugmentedManifestFile'].includes(source.S3DataType ?? '')) {
        problems.push(
          `Value '${source.S3DataType}' at 's3DataType' must be one of S3Prefix, ManifestFile, AugmentedManifestFile`,
        );
      }
    }
    if (parseS3Uri(request.TransformOutput?.S3OutputPath) === undefined) {
      problems.push(
        `Value '${request.TransformOutput?.S3OutputPath}' at 'transformOutput.s3OutputPath' is not an S3 URI`,
      );
    }
    const resources = request.TransformResources;
    if (resources?.InstanceType === undefined) problems.push("'transformResources.instanceType' is required");
    if (!(Number.isInteger(resources?.InstanceCount) && (resources?.InstanceCount as number) >= 1)) {
      problems.push("'transformResources.instanceCount' must be an integer ≥ 1");
    }
    const split = request.TransformInput?.SplitType ?? 'None';
    if (request.BatchStrategy === 'MultiRecord' && split === 'None') {
      problems.push('BatchStrategy MultiRecord requires SplitType Line, RecordIO or TFRecord');
    }
    for (const [field, filter] of [
      ['inputFilter', request.DataProcessing?.InputFilter],
      ['outputFilter', request.DataProcessing?.OutputFilter],
    ] as const) {
      if (filter !== undefined && parseFieldFilter(filter) === undefined) {
        problems.push(`Value '${filter}' at 'dataProcessing.${field}' is not a supported JSONPath`);
      }
    }
    throwIfInvalid(problems);
    const name = request.TransformJobName as string;
    const arn = this.arn('transform-job', name);
    if (this.transformJobs.has(name)) {
      throw new ServiceError(
        'ResourceInUse',
        `Job name must be unique within an AWS account and region, and a job with this name already exists (${arn})`,
      );
    }
    this.model(request.ModelName);
    const instanceType = resources?.InstanceType as string;
    if (this.faults.quota?.has(instanceType)) throw quotaError(instanceType, 'transform job usage');
    const job: TransformJob = {
      request: copy(request),
      arn,
      createdAt: this.props.clock.now(),
      work: Promise.resolve(),
    };
    this.transformJobs.set(name, job);
    job.work = this.transform(job).catch((error: Error) => {
      job.ending ??= {
        status: 'Failed',
        at: this.props.clock.now(),
        failureReason: `InternalServerError: ${error.message}`,
      };
    });
    return { TransformJobArn: arn };
  }

  async DescribeTransformJob(request: DescribeTransformJobRequest): Promise<DescribeTransformJobResponse> {
    const job = this.transformJob(request.TransformJobName);
    const now = this.props.clock.now();
    const r = job.request;
    const ended = job.ending !== undefined && job.ending.at <= now;
    return {
      TransformJobName: r.TransformJobName,
      TransformJobArn: job.arn,
      TransformJobStatus: ended ? job.ending?.status : 'InProgress',
      ...(ended && job.ending?.failureReason !== undefined ? { FailureReason: job.ending.failureReason } : {}),
      ModelName: r.ModelName,
      MaxConcurrentTransforms: r.MaxConcurrentTransforms,
      ModelClientConfig: copy(r.ModelClientConfig),
      MaxPayloadInMB: r.MaxPayloadInMB ?? DEFAULT_MAX_PAYLOAD_MB,
      BatchStrategy: r.BatchStrategy,
      Environment: copy(r.Environment),
      TransformInput: copy(r.TransformInput),
      TransformOutput: copy(r.TransformOutput),
      DataCaptureConfig: copy(r.DataCaptureConfig),
      TransformResources: copy(r.TransformResources),
      CreationTime: new Date(job.createdAt),
      ...(job.start !== undefined && job.start <= now ? { TransformStartTime: new Date(job.start) } : {}),
      ...(ended ? { TransformEndTime: new Date(job.ending?.at as number) } : {}),
      DataProcessing: copy(r.DataProcessing),
      ExperimentConfig: copy(r.ExperimentConfig),
    };
  }

  /** Creates the job and waits for its end, advancing the virtual clock to it: the `.sync` integration's view. */
  async runTransformJobToCompletion(request: CreateTransformJobRequest): Promise<DescribeTransformJobResponse> {
    await this.CreateTransformJob(request);
    const job = this.transformJob(request.TransformJobName);
    await job.work;
    await this.props.clock.advanceTo(job.ending?.at as number);
    return this.DescribeTransformJob({ TransformJobName: request.TransformJobName });
  }

  // ---- Model registry ----

  async CreateModelPackageGroup(input: CreateModelPackageGroupInput): Promise<CreateModelPackageGroupOutput> {
    const problems: string[] = [];
    checkName(problems, 'modelPackageGroupName', input.ModelPackageGroupName);
    throwIfInvalid(problems);
    const name = input.ModelPackageGroupName as string;
    const arn = this.arn('model-package-group', name);
    if (this.packageGroups.has(name)) {
      throw new ServiceError('ValidationException', `Model Package Group already exists: ${arn}`);
    }
    this.packageGroups.set(name, { input: copy(input), arn, createdAt: this.props.clock.now() });
    return { ModelPackageGroupArn: arn };
  }

  async DescribeModelPackageGroup(input: DescribeModelPackageGroupInput): Promise<DescribeModelPackageGroupOutput> {
    const name = input.ModelPackageGroupName ?? '';
    const group = this.packageGroups.get(name) ?? [...this.packageGroups.values()].find((g) => g.arn === name);
    if (group === undefined) throw new ServiceError('ValidationException', `ModelPackageGroup ${name} does not exist.`);
    return {
      ModelPackageGroupName: group.input.ModelPackageGroupName,
      ModelPackageGroupArn: group.arn,
      ModelPackageGroupDescription: group.input.ModelPackageGroupDescription,
      CreationTime: new Date(group.createdAt),
      CreatedBy: {},
      ModelPackageGroupStatus: 'Completed',
    };
  }

  async CreateModelPackage(input: CreateModelPackageInput): Promise<CreateModelPackageOutput> {
    const problems: string[] = [];
    const groupName = input.ModelPackageGroupName;
    if (groupName === undefined) {
      problems.push('Only versioned model packages (with a ModelPackageGroupName) are supported locally');
    }
    if (input.ModelApprovalStatus !== undefined && !APPROVAL_STATUSES.includes(input.ModelApprovalStatus)) {
      problems.push(
        `Value '${input.ModelApprovalStatus}' at 'modelApprovalStatus' must be one of ${APPROVAL_STATUSES}`,
      );
    }
    const containers = input.InferenceSpecification?.Containers ?? [];
    if (input.InferenceSpecification !== undefined && containers.length === 0) {
      problems.push("'inferenceSpecification.containers' must hold at least one container");
    }
    for (const container of containers) {
      if (container.ModelDataUrl !== undefined && parseS3Uri(container.ModelDataUrl) === undefined) {
        problems.push(`Value '${container.ModelDataUrl}' at 'modelDataUrl' is not an S3 URI`);
      }
    }
    throwIfInvalid(problems);
    const group = groupName === undefined ? undefined : this.packageGroups.get(groupName);
    if (group === undefined) {
      throw new ServiceError('ValidationException', `Model Package Group ${groupName} does not exist.`);
    }
    if (input.ClientToken !== undefined) {
      const earlier = this.packages.find((p) => p.input.ClientToken === input.ClientToken && p.group === groupName);
      if (earlier !== undefined) return { ModelPackageArn: earlier.arn };
    }
    const version = this.packages.filter((p) => p.group === groupName).length + 1;
    const now = this.props.clock.now();
    const record: ModelPackageRecord = {
      input: copy(input),
      arn: `${this.arn('model-package', groupName as string)}/${version}`,
      group: groupName as string,
      version,
      createdAt: now,
      approval: input.ModelApprovalStatus ?? 'PendingManualApproval',
      customerMetadata: copy(input.CustomerMetadataProperties),
      lastModified: now,
    };
    this.packages.push(record);
    return { ModelPackageArn: record.arn };
  }

  async UpdateModelPackage(input: UpdateModelPackageInput): Promise<UpdateModelPackageOutput> {
    const record = this.modelPackage(input.ModelPackageArn);
    if (input.ModelApprovalStatus !== undefined && !APPROVAL_STATUSES.includes(input.ModelApprovalStatus)) {
      throw new ServiceError(
        'ValidationException',
        `Value '${input.ModelApprovalStatus}' at 'modelApprovalStatus' must be one of ${APPROVAL_STATUSES}`,
      );
    }
    if (input.ModelApprovalStatus !== undefined) record.approval = input.ModelApprovalStatus;
    if (input.ApprovalDescription !== undefined) record.approvalDescription = input.ApprovalDescription;
    if (input.CustomerMetadataProperties !== undefined || input.CustomerMetadataPropertiesToRemove !== undefined) {
      const removed = new Set(input.CustomerMetadataPropertiesToRemove ?? []);
      record.customerMetadata = Object.fromEntries(
        Object.entries({ ...record.customerMetadata, ...input.CustomerMetadataProperties }).filter(
          ([key]) => !removed.has(key),
        ),
      );
    }
    record.lastModified = this.props.clock.now();
    return { ModelPackageArn: record.arn };
  }

  async DescribeModelPackage(input: DescribeModelPackageInput): Promise<DescribeModelPackageOutput> {
    const record = this.modelPackage(input.ModelPackageName);
    const i = record.input;
    return {
      ModelPackageName: record.group,
      ModelPackageGroupName: record.group,
      ModelPackageVersion: record.version,
      ModelPackageArn: record.arn,
      ModelPackageDescription: i.ModelPackageDescription,
      CreationTime: new Date(record.createdAt),
      InferenceSpecification: copy(i.InferenceSpecification),
      ModelPackageStatus: 'Completed',
      ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
      CertifyForMarketplace: i.CertifyForMarketplace ?? false,
      ModelApprovalStatus: record.approval,
      CreatedBy: {},
      MetadataProperties: copy(i.MetadataProperties),
      ModelMetrics: copy(i.ModelMetrics),
      LastModifiedTime: new Date(record.lastModified),
      ...(record.lastModified !== record.createdAt ? { LastModifiedBy: {} } : {}),
      ApprovalDescription: record.approvalDescription,
      Domain: i.Domain,
      Task: i.Task,
      SamplePayloadUrl: i.SamplePayloadUrl,
      CustomerMetadataProperties: copy(record.customerMetadata),
      DriftCheckBaselines: copy(i.DriftCheckBaselines),
      SkipModelValidation: i.SkipModelValidation,
    };
  }

  async ListModelPackages(input: ListModelPackagesInput = {}): Promise<ListModelPackagesOutput> {
    const after = input.CreationTimeAfter === undefined ? undefined : new Date(input.CreationTimeAfter).getTime();
    const before = input.CreationTimeBefore === undefined ? undefined : new Date(input.CreationTimeBefore).getTime();
    if (input.ModelPackageType === 'Unversioned') return { ModelPackageSummaryList: [] };
    const group = input.ModelPackageGroupName;
    const groupName = group?.startsWith('arn:') ? group.split('/').pop() : group;
    const matching = this.packages.filter(
      (p) =>
        (groupName === undefined || p.group.toLowerCase() === groupName.toLowerCase()) &&
        (input.ModelApprovalStatus === undefined || p.approval === input.ModelApprovalStatus) &&
        (input.NameContains === undefined || p.group.includes(input.NameContains)) &&
        (after === undefined || p.createdAt > after) &&
        (before === undefined || p.createdAt < before),
    );
    const byName = input.SortBy === 'Name';
    matching.sort((a, b) =>
      byName
        ? a.group.localeCompare(b.group) || a.version - b.version
        : a.createdAt - b.createdAt || a.version - b.version,
    );
    if ((input.SortOrder ?? 'Ascending') === 'Descending') matching.reverse();
    const start = input.NextToken === undefined ? 0 : Number(Buffer.from(input.NextToken, 'base64').toString());
    if (!Number.isInteger(start) || start < 0) throw new ServiceError('ValidationException', 'Invalid NextToken.');
    const size = Math.min(Math.max(input.MaxResults ?? 100, 1), 100);
    const page = matching.slice(start, start + size);
    const summaries: ModelPackageSummary[] = page.map((p) => ({
      ModelPackageName: p.group,
      ModelPackageGroupName: p.group,
      ModelPackageVersion: p.version,
      ModelPackageArn: p.arn,
      ModelPackageDescription: p.input.ModelPackageDescription,
      CreationTime: new Date(p.createdAt),
      ModelPackageStatus: 'Completed',
      ModelApprovalStatus: p.approval,
    }));
    const next = start + size < matching.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
    return { ModelPackageSummaryList: summaries, ...(next === undefined ? {} : { NextToken: next }) };
  }

  // ---- Training internals ----

  private validateTrainingJob(request: CreateTrainingJobRequest): void {
    const problems: string[] = [];
    checkName(problems, 'trainingJobName', request.TrainingJobName);
    const algorithm = request.AlgorithmSpecification;
    if (algorithm === undefined) problems.push("'algorithmSpecification' is required");
    else {
      if (algorithm.TrainingImage === undefined && algorithm.AlgorithmName === undefined) {
        problems.push("'algorithmSpecification' needs a trainingImage or an algorithmName");
      }
      if (!['File', 'FastFile'].includes(algorithm.TrainingInputMode ?? '')) {
        problems.push(
          `Value '${algorithm.TrainingInputMode}' at 'algorithmSpecification.trainingInputMode' must be File or FastFile locally`,
        );
      }
    }
    if (request.RoleArn === undefined || !ROLE_PATTERN.test(request.RoleArn)) {
      problems.push(`Value '${request.RoleArn}' at 'roleArn' is not a role ARN`);
    }
    if (parseS3Uri(request.OutputDataConfig?.S3OutputPath) === undefined) {
      problems.push(
        `Value '${request.OutputDataConfig?.S3OutputPath}' at 'outputDataConfig.s3OutputPath' is not an S3 URI`,
      );
    }
    const resources = request.ResourceConfig;
    if (resources?.InstanceType === undefined) problems.push("'resourceConfig.instanceType' is required");
    if (!(Number.isInteger(resources?.InstanceCount) && (resources?.InstanceCount as number) >= 1)) {
      problems.push("'resourceConfig.instanceCount' must be an integer ≥ 1");
    }
    if (!(Number.isInteger(resources?.VolumeSizeInGB) && (resources?.VolumeSizeInGB as number) >= 1)) {
      problems.push("'resourceConfig.volumeSizeInGB' must be an integer ≥ 1");
    }
    const stopping = request.StoppingCondition;
    const maxRuntime = stopping?.MaxRuntimeInSeconds;
    const maxWait = stopping?.MaxWaitTimeInSeconds;
    if (!(Number.isInteger(maxRuntime) && (maxRuntime as number) >= 1)) {
      problems.push(`Value '${maxRuntime}' at 'stoppingCondition.maxRuntimeInSeconds' must be an integer ≥ 1`);
    }
    if (request.EnableManagedSpotTraining === true) {
      if (maxWait === undefined) problems.push('MaxWaitTimeInSeconds is required for managed spot training');
      else if (!Number.isInteger(maxWait) || (maxRuntime !== undefined && maxWait < maxRuntime)) {
        problems.push(
          `Invalid MaxWaitTimeInSeconds ${maxWait}: it must be an integer greater than or equal to MaxRuntimeInSeconds (${maxRuntime})`,
        );
      }
    } else if (maxWait !== undefined) {
      problems.push('MaxWaitTimeInSeconds can only be set when EnableManagedSpotTraining is true');
    }
    const channels = request.InputDataConfig ?? [];
    const seen = new Set<string>();
    for (const channel of channels) {
      if (channel.ChannelName === undefined || !/^[A-Za-z0-9.\-_]{1,64}$/.test(channel.ChannelName)) {
        problems.push(`Value '${channel.ChannelName}' at 'channelName' is not a valid channel name`);
      } else if (seen.has(channel.ChannelName)) problems.push(`Channel name '${channel.ChannelName}' is repeated`);
      else seen.add(channel.ChannelName);
      const source = channel.DataSource?.S3DataSource;
      if (source === undefined) problems.push(`Channel '${channel.ChannelName}' has no S3 data source`);
      else if (parseS3Uri(source.S3Uri) === undefined) {
        problems.push(`Value '${source.S3Uri}' at 's3Uri' is not an S3 URI`);
      }
    }
    const checkpoint = request.CheckpointConfig;
    if (checkpoint !== undefined && parseS3Uri(checkpoint.S3Uri) === undefined) {
      problems.push(`Value '${checkpoint.S3Uri}' at 'checkpointConfig.s3Uri' is not an S3 URI`);
    }
    for (const [key, value] of Object.entries(request.HyperParameters ?? {})) {
      if (typeof value !== 'string') problems.push(`Hyperparameter '${key}' must be a string`);
      else if (value.length > 2500) problems.push(`Hyperparameter '${key}' is longer than 2500 characters`);
    }
    if (Object.keys(request.HyperParameters ?? {}).length > 100) problems.push('At most 100 hyperparameters');
    throwIfInvalid(problems);
  }

  private async train(job: TrainingJob): Promise<void> {
    const r = job.request;
    const spot = r.EnableManagedSpotTraining === true;
    const instanceType = r.ResourceConfig?.InstanceType as string;
    const provisioned =
      job.createdAt + (spot ? DURATION_MODEL.spotProvisionSeconds : DURATION_MODEL.provisionSeconds) * 1000;
    if (this.faults.capacity?.has(instanceType)) {
      this.endTraining(job, { status: 'Failed', at: provisioned, failureReason: CAPACITY_ERROR });
      return;
    }
    job.trainingStart = provisioned;
    this.addPhase(job, 'Downloading', 'Downloading input data', provisioned);
    const dir = join(this.props.workDir, 'training', `${r.TrainingJobName}-${job.createdAt}`);
    const paths = containerPaths(dir);
    try {
      const downloaded = await this.downloadChannels(r.InputDataConfig ?? [], paths.data);
      if (typeof downloaded === 'string') {
        this.endTraining(job, { status: 'Failed', at: provisioned + 1000, failureReason: downloaded });
        return;
      }
      const trainingStart =
        provisioned +
        Math.round((DURATION_MODEL.downloadSeconds + downloaded / DURATION_MODEL.downloadBytesPerSecond) * 1000);
      this.addPhase(job, 'Training', 'Training image download completed. Training in progress.', trainingStart);
      const injected = this.faults.trainingFailure?.(copy(r));
      if (injected !== undefined) {
        this.endTraining(job, { status: 'Failed', at: trainingStart + 1000, failureReason: injected });
        return;
      }
      await this.prepareContainer(r, paths);
      if (job.ending !== undefined) return;
      const exit = await this.runTrainer(job, paths);
      if (job.ending !== undefined) return;
      await this.uploadCheckpoints(r, paths.checkpoints);
      if (exit.code !== 0) {
        const failure = await readFile(join(paths.output, 'failure'), 'utf8').catch(() => exit.stderr.trim());
        const reason = failure === '' ? `the trainer exited with code ${exit.code}` : failure;
        this.endTraining(job, {
          status: 'Failed',
          at: trainingStart + 1000,
          failureReason: `AlgorithmError: ${reason}`,
        });
        return;
      }
      if (!existsSync(join(paths.model, MODEL_FILE))) {
        const reason = `AlgorithmError: the trainer exited 0 but wrote no ${MODEL_FILE} to the model directory.`;
        this.endTraining(job, { status: 'Failed', at: trainingStart + 1000, failureReason: reason });
        return;
      }
      const metrics = await readMetrics(paths.outputData);
      const rowEpochs = (metrics.rows ?? 0) * Math.max(0, (metrics.epochs ?? 0) - (metrics.resumedFromEpoch ?? 0));
      const rate = /^ml\.(g|p|trn|inf)/.test(instanceType)
        ? DURATION_MODEL.rowEpochsPerSecondGpu
        : DURATION_MODEL.rowEpochsPerSecondCpu;
      const uploadStart = trainingStart + Math.round((DURATION_MODEL.trainingBaseSeconds + rowEpochs / rate) * 1000);
      const end = uploadStart + DURATION_MODEL.uploadSeconds * 1000;
      const maxRuntime = (r.StoppingCondition?.MaxRuntimeInSeconds as number) * 1000;
      if (end - provisioned > maxRuntime) {
        this.endTraining(job, { status: 'Stopped', secondary: 'MaxRuntimeExceeded', at: provisioned + maxRuntime });
        return;
      }
      const maxWait = r.StoppingCondition?.MaxWaitTimeInSeconds;
      if (spot && maxWait !== undefined && end - job.createdAt > maxWait * 1000) {
        this.endTraining(job, {
          status: 'Stopped',
          secondary: 'MaxWaitTimeExceeded',
          at: job.createdAt + maxWait * 1000,
        });
        return;
      }
      this.addPhase(job, 'Uploading', 'Uploading generated training model', uploadStart);
      const output = parseS3Uri(r.OutputDataConfig?.S3OutputPath) as S3Location;
      const prefix = `${joinKey(output.key, r.TrainingJobName as string)}/output/`;
      await this.props.s3.write(output.bucket, `${prefix}model.tar.gz`, await packDirectory(paths.model));
      await this.props.s3.write(output.bucket, `${prefix}output.tar.gz`, await packDirectory(paths.outputData));
      job.modelArtifact = `s3://${output.bucket}/${prefix}model.tar.gz`;
      job.metrics = Object.entries(metrics)
        .filter(([name]) => name.startsWith('train:'))
        .map(([MetricName, Value]) => ({ MetricName, Value, Timestamp: new Date(uploadStart) }));
      this.endTraining(job, { status: 'Completed', at: end });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private addPhase(job: TrainingJob, status: SecondaryStatus, message: string, start: number): void {
    if (job.ending === undefined) job.phases.push({ status, message, start });
  }

  private endTraining(
    job: TrainingJob,
    end: { status: TrainingJobStatus; at: number; secondary?: SecondaryStatus; failureReason?: string },
  ): void {
    if (job.ending !== undefined) return;
    const secondary = end.secondary ?? (end.status as SecondaryStatus);
    const messages: Partial<Record<SecondaryStatus, string>> = {
      Completed: 'Training job completed',
      Failed: 'Training job failed',
      MaxRuntimeExceeded: 'Training job stopped: it exceeded MaxRuntimeInSeconds',
      MaxWaitTimeExceeded: 'Training job stopped: it exceeded MaxWaitTimeInSeconds',
    };
    job.ending = {
      status: end.status,
      secondary,
      message: end.failureReason ?? messages[secondary] ?? `Training job ${end.status.toLowerCase()}`,
      at: end.at,
      ...(end.failureReason === undefined ? {} : { failureReason: end.failureReason }),
    };
  }

  /** Downloads every channel; the bytes downloaded, or the failure reason. */
  private async downloadChannels(channels: readonly Channel[], dataDir: string): Promise<number | string> {
    let bytes = 0;
    for (const channel of channels) {
      const source = channel.DataSource?.S3DataSource;
      const location = parseS3Uri(source?.S3Uri) as S3Location;
      if (source?.S3DataType !== 'S3Prefix') {
        return `ClientError: The local runtime supports S3Prefix channels only, not ${source?.S3DataType} (channel ${channel.ChannelName}).`;
      }
      const keys = (await this.props.s3.keys(location.bucket, location.key)).filter((key) => !key.endsWith('/'));
      if (keys.length === 0) {
        return (
          `ClientError: Data download failed:No S3 objects found under S3 URL "${source.S3Uri}" given in input data ` +
          `source. Please ensure that the bucket exists in the selected region (${this.props.region}), that objects ` +
          `exist under that S3 prefix, and that the role has "s3:ListBucket" permissions on bucket "${location.bucket}".`
        );
      }
      for (const key of keys) {
        const body = await this.props.s3.read(location.bucket, key);
        const path = join(dataDir, channel.ChannelName as string, ...relativeKey(location.key, key).split('/'));
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, body);
        bytes += body.length;
      }
    }
    return bytes;
  }

  /** The `/opt/ml/input/config` files SageMaker writes, and the checkpoints of an earlier attempt. */
  private async prepareContainer(r: CreateTrainingJobRequest, paths: ContainerPaths): Promise<void> {
    await mkdir(paths.config, { recursive: true });
    await mkdir(paths.model, { recursive: true });
    await mkdir(paths.outputData, { recursive: true });
    await writeFile(join(paths.config, 'hyperparameters.json'), JSON.stringify(r.HyperParameters ?? {}));
    const inputConfig = Object.fromEntries(
      (r.InputDataConfig ?? []).map((channel) => [
        channel.ChannelName,
        {
          ContentType: channel.ContentType,
          TrainingInputMode: channel.InputMode ?? r.AlgorithmSpecification?.TrainingInputMode,
          S3DistributionType: channel.DataSource?.S3DataSource?.S3DataDistributionType ?? 'FullyReplicated',
          RecordWrapperType: channel.RecordWrapperType ?? 'None',
        },
      ]),
    );
    await writeFile(join(paths.config, 'inputdataconfig.json'), JSON.stringify(inputConfig));
    await writeFile(
      join(paths.config, 'resourceconfig.json'),
      JSON.stringify({
        current_host: 'algo-1',
        hosts: ['algo-1'],
        current_instance_type: r.ResourceConfig?.InstanceType,
      }),
    );
    const checkpoint = r.CheckpointConfig;
    if (checkpoint === undefined) return;
    await mkdir(paths.checkpoints, { recursive: true });
    await writeFile(
      join(paths.config, 'checkpointconfig.json'),
      JSON.stringify({ LocalPath: paths.checkpoints, S3Uri: checkpoint.S3Uri }),
    );
    const location = parseS3Uri(checkpoint.S3Uri) as S3Location;
    for (const key of await this.props.s3.keys(location.bucket, location.key)) {
      if (key.endsWith('/')) continue;
      const path = join(paths.checkpoints, ...relativeKey(location.key, key).split('/'));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await this.props.s3.read(location.bucket, key));
    }
  }

  private async uploadCheckpoints(r: CreateTrainingJobRequest, dir: string): Promise<void> {
    const location = parseS3Uri(r.CheckpointConfig?.S3Uri);
    if (location === undefined || !existsSync(dir)) return;
    for (const file of await listFiles(dir)) {
      await this.props.s3.write(location.bucket, joinKey(location.key, file), await readFile(join(dir, file)));
    }
  }

  private async runTrainer(job: TrainingJob, paths: ContainerPaths): Promise<{ code: number; stderr: string }> {
    this.trainer ??= trainerCommand();
    const { command, args } = this.trainer;
    const r = job.request;
    const channels = (r.InputDataConfig ?? []).map((channel) => channel.ChannelName as string);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...r.Environment,
      SM_MODEL_DIR: paths.model,
      SM_INPUT_DIR: paths.input,
      SM_INPUT_CONFIG_DIR: paths.config,
      SM_OUTPUT_DIR: paths.output,
      SM_OUTPUT_DATA_DIR: paths.outputData,
      SM_CHANNELS: JSON.stringify(channels),
      SM_HPS: JSON.stringify(r.HyperParameters ?? {}),
      SM_CURRENT_HOST: 'algo-1',
      SM_HOSTS: JSON.stringify(['algo-1']),
      TRAINING_JOB_NAME: r.TrainingJobName,
      TRAINING_JOB_ARN: job.arn,
    };
    for (const channel of channels) env[`SM_CHANNEL_${channel.toUpperCase()}`] = join(paths.data, channel);
    const logDir = join(this.props.workDir, 'logs', 'TrainingJobs');
    await mkdir(logDir, { recursive: true });
    const log = createWriteStream(join(logDir, `${r.TrainingJobName}.log`), { flags: 'a' });
    try {
      return await new Promise((resolve, reject) => {
        const child = spawn(command, [...args], { cwd: paths.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stdout.pipe(log, { end: false });
        child.stderr.on('data', (chunk: Buffer) => {
          stderr = (stderr + chunk.toString('utf8')).slice(-4000);
          log.write(chunk);
        });
        const timeout = setTimeout(() => child.kill('SIGKILL'), this.props.trainerTimeoutMs ?? 10 * 60 * 1000);
        job.stop = () => child.kill('SIGTERM');
        child.on('error', (error) => {
          clearTimeout(timeout);
          reject(error);
        });
        child.on('close', (code, signal) => {
          clearTimeout(timeout);
          job.stop = undefined;
          resolve({ code: code ?? 1, stderr: signal === null ? stderr : `${stderr}\nKilled by ${signal}.` });
        });
      });
    } finally {
      await new Promise<void>((resolve) => log.end(resolve));
    }
  }

  private billable(r: CreateTrainingJobRequest, trainingSeconds: number): number {
    const billable = r.EnableManagedSpotTraining
      ? Math.ceil(trainingSeconds * DURATION_MODEL.spotBillableShare)
      : trainingSeconds;
    return billable * (r.ResourceConfig?.InstanceCount ?? 1);
  }

  // ---- Transform internals ----

  private async transform(job: TransformJob): Promise<void> {
    const r = job.request;
    const start = job.createdAt + DURATION_MODEL.transformProvisionSeconds * 1000;
    const fail = (failureReason: string, at = start + 1000) => {
      job.ending ??= { status: 'Failed', at, failureReason };
    };
    if (this.faults.capacity?.has(r.TransformResources?.InstanceType as string)) return fail(CAPACITY_ERROR, start);
    job.start = start;
    const injected = this.faults.transformFailure?.(copy(r));
    if (injected !== undefined) return fail(injected);
    const source = r.TransformInput?.DataSource?.S3DataSource;
    const location = parseS3Uri(source?.S3Uri) as S3Location;
    if (source?.S3DataType !== 'S3Prefix') {
      return fail(`ClientError: The local runtime supports S3Prefix transform inputs only, not ${source?.S3DataType}.`);
    }
    const keys = (await this.props.s3.keys(location.bucket, location.key)).filter((key) => !key.endsWith('/'));
    if (keys.length === 0) return fail(`ClientError: No S3 objects found under S3 URL "${source?.S3Uri}".`);
    let predictor: TrainedPredictor;
    try {
      predictor = await this.modelPredictor(r.ModelName as string);
    } catch (error) {
      return fail(`ClientError: The model ${r.ModelName} could not be loaded: ${(error as Error).message}`);
    }
    const server = await startModelServer(predictor);
    let records = 0;
    try {
      const output = parseS3Uri(r.TransformOutput?.S3OutputPath) as S3Location;
      for (const key of keys) {
        const body = await this.props.s3.read(location.bucket, key);
        const result = await transformObject(server, r, body.toString('utf8'));
        if (typeof result === 'string') return fail(`ClientError: ${key}: ${result}`);
        records += result.records;
        const name = relativeKey(location.key, key);
        await this.props.s3.write(output.bucket, joinKey(output.key, `${name}.out`), result.body);
      }
    } finally {
      await server.close();
    }
    const seconds = DURATION_MODEL.transformBaseSeconds + records / DURATION_MODEL.transformRecordsPerSecond;
    job.ending ??= { status: 'Completed', at: start + Math.round(seconds * 1000) };
  }

  // ---- Lookups ----

  private async predictor(modelDataUrl: string): Promise<TrainedPredictor> {
    let predictor = this.predictors.get(modelDataUrl);
    if (predictor === undefined) {
      const location = parseS3Uri(modelDataUrl) as S3Location;
      predictor = this.props.s3.read(location.bucket, location.key).then((archive) => loadPredictor(archive));
      predictor.catch(() => this.predictors.delete(modelDataUrl));
      this.predictors.set(modelDataUrl, predictor);
    }
    return predictor;
  }

  private async exists(uri: string): Promise<boolean> {
    const location = parseS3Uri(uri);
    if (location === undefined) return false;
    return (await this.props.s3.keys(location.bucket, location.key)).includes(location.key);
  }

  private model(name: string | undefined): ModelRecord {
    const model = this.models.get(name ?? '');
    if (model === undefined) {
      throw new ServiceError('ValidationException', `Could not find model "${this.arn('model', name ?? '')}".`);
    }
    return model;
  }

  private trainingJob(name: string | undefined): TrainingJob {
    const job = this.trainingJobs.get(name ?? '');
    if (job === undefined)
      throw new ServiceError('ResourceNotFound', `Requested resource not found: training job ${name}.`);
    return job;
  }

  private transformJob(name: string | undefined): TransformJob {
    const job = this.transformJobs.get(name ?? '');
    if (job === undefined)
      throw new ServiceError('ResourceNotFound', `Requested resource not found: transform job ${name}.`);
    return job;
  }

  private modelPackage(nameOrArn: string | undefined): ModelPackageRecord {
    const wanted = (nameOrArn ?? '').toLowerCase();
    const record = this.packages.find((p) => p.arn.toLowerCase() === wanted);
    if (record === undefined)
      throw new ServiceError('ValidationException', `ModelPackage ${nameOrArn} does not exist.`);
    return record;
  }

  private arn(type: string, name: string): string {
    return `arn:aws:sagemaker:${this.props.region}:${this.props.account}:${type}/${name.toLowerCase()}`;
  }
}

const APPROVAL_STATUSES: readonly string[] = ['Approved', 'Rejected', 'PendingManualApproval'];

function quotaError(instanceType: string, usage: string): ServiceError {
  return new ServiceError(
    'ResourceLimitExceeded',
    `The account-level service limit '${instanceType} for ${usage}' is 0 Instances, with current utilization of 0 ` +
      'Instances and a request delta of 1 Instances. Please use AWS Service Quotas to request an increase for this quota.',
  );
}

function checkName(problems: string[], field: string, value: string | undefined): void {
  if (value === undefined)
    problems.push(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  else if (!NAME_PATTERN.test(value)) {
    problems.push(
      `Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN.source}`,
    );
  }
}

function throwIfInvalid(problems: readonly string[]): void {
  if (problems.length === 0) return;
  const count = `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected`;
  throw new ServiceError('ValidationException', `${count}: ${problems.join('; ')}`);
}

interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

function parseS3Uri(uri: string | undefined): S3Location | undefined {
  const match = /^s3:\/\/([^/\s]+)(?:\/(.*))?$/.exec(uri ?? '');
  return match === null ? undefined : { bucket: match[1], key: match[2] ?? '' };
}

/** `prefix` and `name` joined by exactly one `/` (a prefix may or may not end in one). */
function joinKey(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix.replace(/\/+$/, '')}/${name}`;
}

/** A key's path below a prefix, as SageMaker lays channel files and transform outputs out. */
function relativeKey(prefix: string, key: string): string {
  const base = prefix.endsWith('/') || prefix === '' ? prefix : prefix.slice(0, prefix.lastIndexOf('/') + 1);
  return key.slice(base.length).replace(/^\/+/, '');
}

interface ContainerPaths {
  readonly root: string;
  readonly input: string;
  readonly config: string;
  readonly data: string;
  readonly model: string;
  readonly output: string;
  readonly outputData: string;
  readonly checkpoints: string;
}

/** `/opt/ml` inside a job directory. */
function containerPaths(root: string): ContainerPaths {
  return {
    root,
    input: join(root, 'input'),
    config: join(root, 'input', 'config'),
    data: join(root, 'input', 'data'),
    model: join(root, 'model'),
    output: join(root, 'output'),
    outputData: join(root, 'output', 'data'),
    checkpoints: join(root, 'checkpoints'),
  };
}

/** Files under `dir`, relative and `/`-separated, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && !entry.name.endsWith('.tmp')) files.push(relative(dir, path).split(sep).join('/'));
    }
  };
  if ((await stat(dir).catch(() => undefined))?.isDirectory()) await walk(dir);
  return files.sort();
}

/** The trainer's final metrics (metrics.json in the output data directory); none when it wrote none. */
async function readMetrics(dir: string): Promise<Record<string, number>> {
  try {
    return JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** A directory as SageMaker uploads it: every file in a `.tar.gz`. */
async function packDirectory(dir: string): Promise<Buffer> {
  const files = await listFiles(dir);
  return packTarGz(await Promise.all(files.map(async (path) => ({ path, body: await readFile(join(dir, path)) }))));
}

// ---- Transform data processing ----

/** A JSONPath of the subset SageMaker's CSV filters use: `$`, `$[1:]`, `$[0,2]`, `$[-1]`, `$[1:3]`. */
type FieldFilter = (fields: readonly string[]) => string[];

function parseFieldFilter(path: string): FieldFilter | undefined {
  const trimmed = path.trim();
  if (trimmed === '$') return (fields) => [...fields];
  const match = /^\$\[(.+)\]$/.exec(trimmed);
  if (match === null) return undefined;
  const parts = match[1].split(',').map((part) => part.trim());
  const selectors: ((fields: readonly string[]) => string[])[] = [];
  for (const part of parts) {
    const slice = /^(-?\d+)?:(-?\d+)?$/.exec(part);
    if (slice !== null) {
      const from = slice[1] === undefined ? undefined : Number(slice[1]);
      const to = slice[2] === undefined ? undefined : Number(slice[2]);
      selectors.push((fields) => fields.slice(from, to));
    } else if (/^-?\d+$/.test(part)) {
      const index = Number(part);
      selectors.push((fields) => {
        const at = index < 0 ? fields.length + index : index;
        return at >= 0 && at < fields.length ? [fields[at]] : [];
      });
    } else return undefined;
  }
  return (fields) => selectors.flatMap((select) => select(fields));
}

function csvFields(line: string): string[] {
  let fields: string[] = [];
  parseCsv(line, { header: (names) => (fields = [...names]), row: () => undefined });
  return fields;
}

function csvJoin(fields: readonly string[]): string {
  return fields.map((field) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(',');
}

/** Runs one input object through the container; the output object's body, or why the job fails. */
async function transformObject(
  server: ModelServer,
  r: CreateTransformJobRequest,
  text: string,
): Promise<{ body: string; records: number } | string> {
  const contentType = r.TransformInput?.ContentType ?? 'text/csv';
  const accept = r.TransformOutput?.Accept ?? contentType;
  const isCsv = contentType === 'text/csv';
  const split = r.TransformInput?.SplitType ?? 'None';
  const inputs = split === 'Line' ? text.split(/\r?\n/).filter((line) => line.trim() !== '') : [text];
  const processing = r.DataProcessing ?? {};
  const inputFilter = parseFieldFilter(processing.InputFilter ?? '$') as FieldFilter;
  const outputFilter = parseFieldFilter(processing.OutputFilter ?? '$') as FieldFilter;
  const join = processing.JoinSource === 'Input';
  const filtersFields = (processing.InputFilter ?? '$') !== '$' || (processing.OutputFilter ?? '$') !== '$';
  if (!isCsv && filtersFields) return 'Input and output filters other than "$" are supported for text/csv only.';
  if (join && isCsv !== (accept === 'text/csv')) {
    return `Joining the input requires the output in the input's format (${contentType}), not ${accept}.`;
  }
  const sent =
    isCsv && processing.InputFilter !== undefined
      ? inputs.map((line) => csvJoin(inputFilter(csvFields(line))))
      : inputs;
  const outputs: string[] = [];
  const limit = (r.MaxPayloadInMB ?? DEFAULT_MAX_PAYLOAD_MB) * 1024 * 1024;
  const single = r.BatchStrategy === 'SingleRecord';
  for (let start = 0; start < sent.length;) {
    let end = start + 1;
    let size = Buffer.byteLength(sent[start]);
    while (!single && split === 'Line' && end < sent.length && size + Buffer.byteLength(sent[end]) + 1 <= limit) {
      size += Buffer.byteLength(sent[end]) + 1;
      end++;
    }
    const batch = sent.slice(start, end);
    const response = await server.invoke(split === 'Line' ? `${batch.join('\n')}\n` : batch[0], contentType, accept);
    if (response.status !== 200) return `The model container answered ${response.status}: ${response.body}`;
    // Without a split the whole object is one record, and the whole response its output.
    const answers =
      split !== 'Line'
        ? [response.body.replace(/\n$/, '')]
        : accept === 'application/json'
          ? (JSON.parse(response.body) as { predictions: unknown[] }).predictions.map((p) => JSON.stringify(p))
          : response.body.split('\n').filter((line, index, all) => index < all.length - 1 || line !== '');
    if (answers.length !== batch.length) {
      return `The model returned ${answers.length} predictions for ${batch.length} records.`;
    }
    outputs.push(...answers);
    start = end;
  }
  const records = inputs.map((input, index) => {
    const output = outputs[index];
    if (!join)
      return isCsv && processing.OutputFilter !== undefined ? csvJoin(outputFilter(csvFields(output))) : output;
    if (!isCsv)
      return JSON.stringify({ ...(JSON.parse(input) as object), SageMakerOutput: JSON.parse(output) as unknown });
    if (processing.OutputFilter === undefined) return `${input},${output}`;
    return csvJoin(outputFilter([...csvFields(input), ...csvFields(output)]));
  });
  const assembled =
    r.TransformOutput?.AssembleWith === 'Line' ? records.map((record) => `${record}\n`).join('') : records.join('');
  return { body: assembled, records: inputs.length };
}

function copy<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
