/**
 * The local SageMaker control plane: training jobs that run the trainer as a child process on data from the local
 * S3 server, transform jobs whose output evaluate-model reads as it does in AWS, SageMaker's validation and error
 * codes, injected capacity faults, virtual time, and the model registry's approval flow.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateModelPackageCommand,
  DescribeModelPackageCommand,
  UpdateModelPackageCommand,
  type CreateTrainingJobRequest,
  type CreateTransformJobRequest,
  type TransformInput,
  type TransformOutput,
} from '@aws-sdk/client-sagemaker';
import { ConfusionCounter, classificationMetrics } from '../../lambdas/core/classification';
import { splitColumns, TrainingSplitter } from '../../lambdas/core/training-split';
import { readTable } from '../../lambdas/handlers/support/tabular-input';
import { parseContract, type DataContract } from '../../lambdas/stats/contract';
import { parseCsv } from '../../lambdas/stats/csv';
import { startLocalS3, type LocalS3 } from '../../local/emulators/s3';
import { LocalSageMakerJobs, syncFailure, type SageMakerJobFaults } from '../../local/emulators/sagemaker/jobs';
import { loadPredictor } from '../../local/emulators/sagemaker/model-artifact';
import { unpackTarGz } from '../../local/emulators/sagemaker/tar';
import { parseHyperparameters, train } from '../../local/trainer/train';
import { commandSender } from '../../local/emulators/service';
import { VirtualClock } from '../../local/runtime/clock';
import { creditRiskFamily } from '../../examples/credit-risk/family';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/warden-sagemaker`;
const DATA = 'warden-data';
const ARTIFACTS = 'warden-artifacts';
const TRAIN_PREFIX = 'splits/credit-risk/run-1/train/';
const HOLDOUT_PREFIX = 'splits/credit-risk/run-1/holdout/';

/** The credit-risk example's contract. */
const CONTRACT: DataContract = parseContract(creditRiskFamily().contract);
const SPLIT_COLUMNS = splitColumns(CONTRACT, 'label');

/** A credit dataset in the contract's layout, with a header; the label is a linear rule with a margin. */
function creditCsv(rows: number, seed: number): string {
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 48271) + 11) % 2147483647;
    return Math.abs(state) / 2147483647;
  };
  const lines = ['age,income,debt_ratio,sex,region,email,label'];
  while (lines.length <= rows) {
    const income = Math.round(20000 + next() * 80000);
    const debt = next() * 2;
    const region = ['north', 'south', 'east'][Math.floor(next() * 3)];
    const score = (income - 60000) / 20000 - (debt - 1) * 1.5 + (region === 'north' ? 0.5 : 0);
    if (Math.abs(score) < 0.2) continue;
    const sex = ['F', 'M', 'X'][Math.floor(next() * 3)];
    const age = 18 + Math.floor(next() * 60);
    lines.push(
      `${age},${income},${debt.toFixed(3)},${sex},${region},p${lines.length}@example.com,${score > 0 ? 1 : 0}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

let s3: LocalS3;
let workDir: string;
let holdoutRows: number;

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket(DATA);
  await s3.createBucket(ARTIFACTS);
  // The splits exactly as validate-data writes them: header-less, label first, PII dropped.
  const splitter = new TrainingSplitter(SPLIT_COLUMNS);
  parseCsv(creditCsv(1500, 42), splitter);
  holdoutRows = splitter.holdoutRows;
  await s3.write(ARTIFACTS, `${TRAIN_PREFIX}part-00000.csv`, splitter.train.take());
  await s3.write(ARTIFACTS, `${HOLDOUT_PREFIX}part-00000.csv`, splitter.holdout.take());
  workDir = mkdtempSync(join(tmpdir(), 'warden-sagemaker-'));
});

afterAll(async () => {
  await s3.close();
  rmSync(workDir, { recursive: true, force: true });
});

function localSageMaker(faults?: SageMakerJobFaults, clock = new VirtualClock()) {
  const jobs = new LocalSageMakerJobs({ account: ACCOUNT, region: REGION, clock, s3, workDir, faults });
  return { jobs, clock };
}

/** The Train state's parameters (statemachines/training.asl.json) after substitution. */
function trainingRequest(name: string, overrides: Partial<CreateTrainingJobRequest> = {}): CreateTrainingJobRequest {
  return {
    TrainingJobName: name,
    AlgorithmSpecification: {
      TrainingImage: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/train:1`,
      TrainingInputMode: 'File',
    },
    RoleArn: ROLE,
    InputDataConfig: [
      {
        ChannelName: 'train',
        ContentType: 'text/csv',
        DataSource: {
          S3DataSource: {
            S3DataType: 'S3Prefix',
            S3Uri: `s3://${ARTIFACTS}/${TRAIN_PREFIX}`,
            S3DataDistributionType: 'FullyReplicated',
          },
        },
      },
    ],
    OutputDataConfig: {
      S3OutputPath: `s3://${ARTIFACTS}/models/`,
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
    },
    ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.g5.xlarge', VolumeSizeInGB: 50 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
    EnableManagedSpotTraining: true,
    CheckpointConfig: { S3Uri: `s3://${ARTIFACTS}/checkpoints/${name}/` },
    EnableNetworkIsolation: true,
    EnableInterContainerTrafficEncryption: true,
    Tags: [{ Key: 'warden:model', Value: 'credit-risk' }],
    ...overrides,
  };
}

/** The TransformHoldout state's parameters. */
function transformRequest(name: string, modelName: string): CreateTransformJobRequest {
  return {
    TransformJobName: name,
    ModelName: modelName,
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${ARTIFACTS}/${HOLDOUT_PREFIX}` } },
      ContentType: 'text/csv',
      SplitType: 'Line',
    },
    TransformOutput: {
      S3OutputPath: `s3://${ARTIFACTS}/evaluation/${name}/`,
      AssembleWith: 'Line',
      Accept: 'text/csv',
    },
    TransformResources: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1 },
    DataProcessing: { JoinSource: 'Input' },
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('Expected a rejection.');
}

describe('training jobs', () => {
  it('train end to end: the trainer runs as a child process and model.tar.gz lands under the output path', async () => {
    const { jobs, clock } = localSageMaker();
    const started = clock.now();
    const job = await jobs.runTrainingJobToCompletion(trainingRequest('credit-risk-a1b2-0'));

    expect(job.TrainingJobStatus).toBe('Completed');
    expect(job.FailureReason).toBeUndefined();
    expect(job.TrainingJobArn).toBe(`arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/credit-risk-a1b2-0`);
    const artifact = `s3://${ARTIFACTS}/models/credit-risk-a1b2-0/output/model.tar.gz`;
    expect(job.ModelArtifacts?.S3ModelArtifacts).toBe(artifact);
    expect(job.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual([
      'Starting',
      'Downloading',
      'Training',
      'Uploading',
      'Completed',
    ]);
    // Virtual time: the clock stands at the job's end, which lies minutes after it started.
    expect(job.TrainingEndTime?.getTime()).toBe(clock.now());
    expect(clock.now() - started).toBeGreaterThan(60_000);
    expect(job.TrainingTimeInSeconds).toBe(
      Math.round((clock.now() - (job.TrainingStartTime as Date).getTime()) / 1000),
    );
    // Managed spot bills less than the training time.
    expect(job.BillableTimeInSeconds).toBeLessThan(job.TrainingTimeInSeconds as number);
    expect(job.EnableManagedSpotTraining).toBe(true);
    expect(job.CheckpointConfig).toEqual({ S3Uri: `s3://${ARTIFACTS}/checkpoints/credit-risk-a1b2-0/` });
    const accuracy = job.FinalMetricDataList?.find((metric) => metric.MetricName === 'train:accuracy');
    expect(accuracy?.Value).toBeGreaterThan(0.9);

    // The artifact is the learnt model: the label-first split layout, PII never seen.
    const predictor = loadPredictor(await s3.read(ARTIFACTS, 'models/credit-risk-a1b2-0/output/model.tar.gz'));
    // Without hyperparameters the columns are SageMaker's CSV convention: the label first, features by position.
    expect(predictor.columns).toEqual(['label', 'f1', 'f2', 'f3', 'f4', 'f5']);
    expect(predictor.features).toEqual(['f1', 'f2', 'f3', 'f4', 'f5']);
    expect(await s3.keys(ARTIFACTS, 'models/credit-risk-a1b2-0/output/')).toEqual([
      'models/credit-risk-a1b2-0/output/model.tar.gz',
      'models/credit-risk-a1b2-0/output/output.tar.gz',
    ]);
    expect(await s3.keys(ARTIFACTS, 'checkpoints/credit-risk-a1b2-0/')).toEqual([
      'checkpoints/credit-risk-a1b2-0/warden-checkpoint.json',
    ]);
  });

  it('reports the phase the virtual clock is in, and completes only when the clock reaches the end', async () => {
    const { jobs, clock } = localSageMaker();
    const request = trainingRequest('phases-0', {
      EnableManagedSpotTraining: false,
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    });
    const { TrainingJobArn } = await jobs.CreateTrainingJob(request);
    expect(TrainingJobArn).toMatch(/training-job\/phases-0$/);
    await jobs.trainingJobSettled('phases-0');
    const starting = await jobs.DescribeTrainingJob({ TrainingJobName: 'phases-0' });
    expect(starting).toMatchObject({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Starting' });
    expect(starting.ModelArtifacts).toBeUndefined();
    await clock.advance(95_000);
    const downloading = await jobs.DescribeTrainingJob({ TrainingJobName: 'phases-0' });
    expect(downloading).toMatchObject({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Downloading' });
    expect(downloading.SecondaryStatusTransitions?.[0].EndTime).toEqual(downloading.TrainingStartTime);
    await clock.advance(60 * 60_000);
    const done = await jobs.DescribeTrainingJob({ TrainingJobName: 'phases-0' });
    expect(done).toMatchObject({ TrainingJobStatus: 'Completed', SecondaryStatus: 'Completed' });
    expect(done.BillableTimeInSeconds).toBe(done.TrainingTimeInSeconds);
  });

  it('resumes a restarted job from the shared checkpoint prefix', async () => {
    const { jobs } = localSageMaker();
    const checkpoint = { S3Uri: `s3://${ARTIFACTS}/checkpoints/shared/` };
    const hyperparameters = { epochs: '12', seed: '3' };
    const first = await jobs.runTrainingJobToCompletion(
      trainingRequest('resume-0', { CheckpointConfig: checkpoint, HyperParameters: hyperparameters }),
    );
    const second = await jobs.runTrainingJobToCompletion(
      trainingRequest('resume-1', { CheckpointConfig: checkpoint, HyperParameters: hyperparameters }),
    );
    const metrics = async (name: string) => {
      const [entry] = unpackTarGz(await s3.read(ARTIFACTS, `models/${name}/output/output.tar.gz`));
      return JSON.parse(Buffer.from(entry.body).toString('utf8')) as Record<string, number>;
    };
    expect(await metrics('resume-0')).toMatchObject({ resumedFromEpoch: 0, epochs: 12 });
    expect(await metrics('resume-1')).toMatchObject({ resumedFromEpoch: 12, epochs: 12 });
    // Nothing was left to train, so the restarted attempt spends less time training.
    expect(second.TrainingTimeInSeconds).toBeLessThan(first.TrainingTimeInSeconds as number);
    const a = loadPredictor(await s3.read(ARTIFACTS, 'models/resume-0/output/model.tar.gz'));
    const b = loadPredictor(await s3.read(ARTIFACTS, 'models/resume-1/output/model.tar.gz'));
    expect(b.model.weights).toEqual(a.model.weights);
  });

  it('fails the job with the trainer failure file as AlgorithmError', async () => {
    const { jobs } = localSageMaker();
    const job = await jobs.runTrainingJobToCompletion(
      trainingRequest('bad-hps-0', { HyperParameters: { epochs: 'many', learning_rate: '-1' } }),
    );
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.SecondaryStatus).toBe('Failed');
    expect(job.FailureReason).toBe(
      'AlgorithmError: Invalid hyperparameters: epochs must be a positive integer, got "many"; ' +
        'learning_rate must be a positive number, got "-1".',
    );
    expect(job.ModelArtifacts).toBeUndefined();
    expect(await s3.keys(ARTIFACTS, 'models/bad-hps-0/')).toEqual([]);
  });

  it('fails the job with ClientError when the channel holds no objects', async () => {
    const { jobs } = localSageMaker();
    const request = trainingRequest('empty-0');
    const channel = request.InputDataConfig?.[0].DataSource?.S3DataSource;
    if (channel !== undefined) channel.S3Uri = `s3://${ARTIFACTS}/splits/nothing-here/`;
    const job = await jobs.runTrainingJobToCompletion(request);
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toMatch(/^ClientError: Data download failed:No S3 objects found under S3 URL/);
  });

  it('stops at MaxRuntimeInSeconds', async () => {
    const { jobs } = localSageMaker();
    const job = await jobs.runTrainingJobToCompletion(
      trainingRequest('slow-0', { EnableManagedSpotTraining: false, StoppingCondition: { MaxRuntimeInSeconds: 20 } }),
    );
    expect(job).toMatchObject({ TrainingJobStatus: 'Stopped', SecondaryStatus: 'MaxRuntimeExceeded' });
    expect(job.ModelArtifacts).toBeUndefined();
    expect(syncFailure(job)?.error).toBe('States.TaskFailed');
  });

  it('stops on request: Stopping, then Stopped, and a stopped job cannot be stopped again', async () => {
    const { jobs, clock } = localSageMaker();
    await jobs.CreateTrainingJob(trainingRequest('stop-0'));
    await jobs.StopTrainingJob({ TrainingJobName: 'stop-0' });
    await jobs.trainingJobSettled('stop-0');
    expect(await jobs.DescribeTrainingJob({ TrainingJobName: 'stop-0' })).toMatchObject({
      TrainingJobStatus: 'Stopping',
      SecondaryStatus: 'Stopping',
    });
    await clock.advance(60_000);
    const stopped = await jobs.DescribeTrainingJob({ TrainingJobName: 'stop-0' });
    expect(stopped).toMatchObject({ TrainingJobStatus: 'Stopped', SecondaryStatus: 'Stopped' });
    expect(stopped.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual(['Starting', 'Stopping', 'Stopped']);
    const error = await rejection(jobs.StopTrainingJob({ TrainingJobName: 'stop-0' }));
    expect(error.name).toBe('ValidationException');
  });
});

describe('the trainer container', () => {
  it('names the columns from the columns hyperparameter, as a JSON array a state machine can pass', async () => {
    const { jobs } = localSageMaker();
    const job = await jobs.runTrainingJobToCompletion(
      trainingRequest('named-0', { HyperParameters: { columns: JSON.stringify(SPLIT_COLUMNS), label: 'label' } }),
    );
    expect(job.TrainingJobStatus).toBe('Completed');
    const predictor = loadPredictor(await s3.read(ARTIFACTS, 'models/named-0/output/model.tar.gz'));
    expect(predictor.features).toEqual(['age', 'income', 'debt_ratio', 'sex', 'region']);
    expect(predictor.predict({ age: '40', income: '95000', debt_ratio: '0.2', sex: 'F', region: 'north' }).label).toBe(
      '1',
    );
  });

  it('takes column names, types and PII from a data contract', () => {
    const settings = parseHyperparameters({ contract: JSON.stringify(CONTRACT), epochs: '5' });
    expect(settings.columns).toEqual(SPLIT_COLUMNS);
    expect(settings.learner).toMatchObject({ label: 'label', epochs: 5, exclude: ['email'] });
    expect(settings.learner.categorical).toEqual(['sex', 'region', 'email']);
    expect(parseHyperparameters({ columns: 'y, a ,b', label: 'y', exclude: 'b' })).toMatchObject({
      columns: ['y', 'a', 'b'],
      header: false,
      learner: { label: 'y', exclude: ['b'] },
    });
    expect(() => parseHyperparameters({ contract: '{"name": 1}' })).toThrow(/contract: The contract hyperparameter/);
    expect(() => parseHyperparameters({ columns: '[1, 2]', header: 'maybe' })).toThrow(
      /header must be true or false, got "maybe"; columns must be a comma-separated list or a JSON array/,
    );
  });

  it('honours SM_HPS and a header row when run in-process under the container contract', () => {
    const root = mkdtempSync(join(tmpdir(), 'warden-trainer-'));
    try {
      mkdirSync(join(root, 'train'));
      const rows = ['x,colour,y'];
      for (let i = 0; i < 200; i++)
        rows.push(`${i % 50},${i % 2 === 0 ? 'red' : 'blue'},${i % 50 > 25 ? 'yes' : 'no'}`);
      writeFileSync(join(root, 'train', 'data.csv'), `${rows.join('\n')}\n`);
      const logged: string[] = [];
      train(
        {
          SM_CHANNEL_TRAIN: join(root, 'train'),
          SM_MODEL_DIR: join(root, 'model'),
          SM_OUTPUT_DATA_DIR: join(root, 'output', 'data'),
          SM_HPS: JSON.stringify({ header: 'true', label: 'y', epochs: 40 }),
        },
        (line) => logged.push(line),
      );
      expect(logged).toHaveLength(41);
      expect(logged[40]).toMatch(/^#metrics train:loss=\d+\.\d+ train:accuracy=/);
      const model = JSON.parse(readFileSync(join(root, 'model', 'model.json'), 'utf8')) as { classes: string[] };
      expect(model.classes).toEqual(['no', 'yes']);
      const metrics = JSON.parse(readFileSync(join(root, 'output', 'data', 'metrics.json'), 'utf8')) as Record<
        string,
        number
      >;
      expect(metrics).toMatchObject({ rows: 200, epochs: 40, resumedFromEpoch: 0 });
      expect(metrics['train:accuracy']).toBeGreaterThan(0.9);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('validation and errors', () => {
  let jobs: LocalSageMakerJobs;
  beforeAll(() => ({ jobs } = localSageMaker()));

  it.each([
    [
      'spot training with MaxWaitTimeInSeconds below MaxRuntimeInSeconds',
      { StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 1800 } },
      /MaxWaitTimeInSeconds 1800: it must be an integer greater than or equal to MaxRuntimeInSeconds \(3600\)/,
    ],
    [
      'spot training without MaxWaitTimeInSeconds',
      { StoppingCondition: { MaxRuntimeInSeconds: 3600 } },
      /MaxWaitTimeInSeconds is required for managed spot training/,
    ],
    [
      'MaxWaitTimeInSeconds without spot training',
      { EnableManagedSpotTraining: false },
      /MaxWaitTimeInSeconds can only be set when EnableManagedSpotTraining is true/,
    ],
    ['a job name SageMaker does not accept', { TrainingJobName: 'bad_name' }, /at 'trainingJobName' failed/],
    ['a role that is not a role ARN', { RoleArn: 'admin' }, /at 'roleArn' is not a role ARN/],
    ['an output path that is not an S3 URI', { OutputDataConfig: { S3OutputPath: '/tmp/x' } }, /s3OutputPath/],
    [
      'a non-string hyperparameter',
      { HyperParameters: { epochs: 5 as unknown as string } },
      /Hyperparameter 'epochs' must be a string/,
    ],
  ])('rejects %s with ValidationException', async (_, overrides, message) => {
    const error = await rejection(jobs.CreateTrainingJob(trainingRequest('validated-0', overrides)));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(message);
    expect((error as unknown as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
  });

  it('lists every problem of a request in one error', async () => {
    const error = await rejection(
      jobs.CreateTrainingJob(
        trainingRequest('x_y', {
          RoleArn: 'nope',
          ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 0, VolumeSizeInGB: 1 },
        }),
      ),
    );
    expect(error.message).toMatch(/^3 validation errors detected: /);
  });

  it('rejects a name already in use with ResourceInUse, and unknown jobs with ResourceNotFound', async () => {
    const { jobs: fresh } = localSageMaker({ capacity: new Set(['ml.g5.xlarge']) });
    await fresh.CreateTrainingJob(trainingRequest('taken-0'));
    expect((await rejection(fresh.CreateTrainingJob(trainingRequest('taken-0')))).name).toBe('ResourceInUse');
    expect((await rejection(fresh.DescribeTrainingJob({ TrainingJobName: 'nope' }))).name).toBe('ResourceNotFound');
    expect((await rejection(fresh.DescribeTransformJob({ TransformJobName: 'nope' }))).name).toBe('ResourceNotFound');
    expect((await rejection(fresh.StopTrainingJob({ TrainingJobName: 'nope' }))).name).toBe('ResourceNotFound');
    await fresh.trainingJobSettled('taken-0');
  });
});

describe('capacity faults', () => {
  it('fails a job on an instance type without capacity with CapacityError, as the Train state expects', async () => {
    const { jobs } = localSageMaker({ capacity: new Set(['ml.g5.xlarge']) });
    const job = await jobs.runTrainingJobToCompletion(trainingRequest('no-capacity-0'));
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toBe(
      'CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type.',
    );
    expect(job.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual(['Starting', 'Failed']);
    const failure = syncFailure(job);
    // CheckTrainingFailureCause matches "*CapacityError*" on the Cause of States.TaskFailed.
    expect(failure?.error).toBe('States.TaskFailed');
    expect(failure?.cause).toContain('CapacityError');
    expect(await s3.keys(ARTIFACTS, 'models/no-capacity-0/')).toEqual([]);
  });

  it('moves on to the next instance type: the same request on one with capacity completes', async () => {
    const faults = { capacity: new Set(['ml.g5.xlarge']) };
    const { jobs } = localSageMaker(faults);
    const types = ['ml.g5.xlarge', 'ml.m5.2xlarge'] as const;
    const results = [];
    for (const [attempt, type] of types.entries()) {
      results.push(
        await jobs.runTrainingJobToCompletion(
          trainingRequest(`fallback-${attempt}`, {
            ResourceConfig: { InstanceType: type, InstanceCount: 1, VolumeSizeInGB: 50 },
          }),
        ),
      );
    }
    expect(results.map((job) => job.TrainingJobStatus)).toEqual(['Failed', 'Completed']);
    expect(results[1].ResourceConfig?.InstanceType).toBe('ml.m5.2xlarge');
  });

  it('rejects CreateTrainingJob and CreateTransformJob with ResourceLimitExceeded when the quota is used up', async () => {
    const { jobs } = localSageMaker({ quota: new Set(['ml.p4d.24xlarge', 'ml.m5.xlarge']) });
    const training = await rejection(
      jobs.CreateTrainingJob(
        trainingRequest('quota-0', {
          ResourceConfig: { InstanceType: 'ml.p4d.24xlarge', InstanceCount: 1, VolumeSizeInGB: 50 },
        }),
      ),
    );
    expect(training.name).toBe('ResourceLimitExceeded');
    expect(training.message).toMatch(/'ml.p4d.24xlarge for training job usage' is 0 Instances/);
    await jobs.CreateModel({
      ModelName: 'quota-model',
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: 'serve:1' },
    });
    const transform = await rejection(jobs.CreateTransformJob(transformRequest('quota-t', 'quota-model')));
    expect(transform.name).toBe('ResourceLimitExceeded');
  });

  it('fails jobs with injected failure reasons', async () => {
    const { jobs } = localSageMaker({
      trainingFailure: (request) =>
        request.TrainingJobName === 'doomed-0' ? 'InternalServerError: We encountered an internal error.' : undefined,
    });
    const job = await jobs.runTrainingJobToCompletion(trainingRequest('doomed-0'));
    expect(job).toMatchObject({
      TrainingJobStatus: 'Failed',
      FailureReason: 'InternalServerError: We encountered an internal error.',
    });
  });
});

describe('models and transform jobs', () => {
  const trainingJobName = 'credit-risk-c3d4-0';
  let jobs: LocalSageMakerJobs;
  let clock: VirtualClock;
  let modelDataUrl: string;

  beforeAll(async () => {
    ({ jobs, clock } = localSageMaker());
    const trained = await jobs.runTrainingJobToCompletion(trainingRequest(trainingJobName));
    expect(trained.TrainingJobStatus).toBe('Completed');
    modelDataUrl = trained.ModelArtifacts?.S3ModelArtifacts as string;
  });

  it('creates, describes and deletes models with SageMaker errors', async () => {
    const created = await jobs.CreateModel({
      ModelName: 'scratch',
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: 'serve:1', ModelDataUrl: modelDataUrl },
      EnableNetworkIsolation: true,
    });
    expect(created.ModelArn).toBe(`arn:aws:sagemaker:${REGION}:${ACCOUNT}:model/scratch`);
    expect(await jobs.DescribeModel({ ModelName: 'scratch' })).toMatchObject({
      ModelName: 'scratch',
      PrimaryContainer: { Image: 'serve:1', ModelDataUrl: modelDataUrl },
      EnableNetworkIsolation: true,
      CreationTime: clock.date(),
    });
    const again = await rejection(
      jobs.CreateModel({ ModelName: 'scratch', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: 'serve:1' } }),
    );
    expect(again).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/already existing model/),
    });
    const missingData = await rejection(
      jobs.CreateModel({
        ModelName: 'no-data',
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: 'serve:1', ModelDataUrl: `s3://${ARTIFACTS}/models/none/model.tar.gz` },
      }),
    );
    expect(missingData.name).toBe('ValidationException');
    expect((await jobs.modelPredictor('scratch')).features).toHaveLength(SPLIT_COLUMNS.length - 1);
    await jobs.DeleteModel({ ModelName: 'scratch' });
    expect((await rejection(jobs.DescribeModel({ ModelName: 'scratch' }))).name).toBe('ValidationException');
    expect((await rejection(jobs.CreateTransformJob(transformRequest('orphan', 'scratch')))).name).toBe(
      'ValidationException',
    );
  });

  it('writes the holdout joined with the predictions, which evaluate-model reads as in AWS', async () => {
    await jobs.CreateModel({
      ModelName: trainingJobName,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: 'serve:1', ModelDataUrl: modelDataUrl },
    });
    const before = clock.now();
    const job = await jobs.runTransformJobToCompletion(transformRequest(trainingJobName, trainingJobName));
    expect(job.TransformJobStatus).toBe('Completed');
    expect(job.TransformEndTime?.getTime()).toBe(clock.now());
    expect(clock.now()).toBeGreaterThan(before);
    expect(await s3.keys(ARTIFACTS, `evaluation/${trainingJobName}/`)).toEqual([
      `evaluation/${trainingJobName}/part-00000.csv.out`,
    ]);
    const holdout = (await s3.read(ARTIFACTS, `${HOLDOUT_PREFIX}part-00000.csv`)).toString().trimEnd().split('\n');
    const output = (await s3.read(ARTIFACTS, `evaluation/${trainingJobName}/part-00000.csv.out`)).toString();
    const lines = output.trimEnd().split('\n');
    expect(lines).toHaveLength(holdoutRows);
    lines.forEach((line, index) => expect(line).toMatch(new RegExp(`^${holdout[index].replace(/[.]/g, '\\.')},[01]$`)));

    // Exactly as evaluate-model reads it: the prefix, header-less, validation columns then `prediction`.
    const counter = new ConfusionCounter({ label: 'label', prediction: 'prediction', positive: '1' });
    const read = await readTable(s3.client(), { bucket: ARTIFACTS, key: `evaluation/${trainingJobName}/` }, counter, [
      ...SPLIT_COLUMNS,
      'prediction',
    ]);
    expect(read.rows).toBe(holdoutRows);
    const metrics = classificationMetrics(counter.result());
    expect(metrics.accuracy).toBeGreaterThan(0.9);
    expect(counter.result().skippedRows).toBe(0);
  });

  it('applies input and output filters', async () => {
    const request = transformRequest('filtered', trainingJobName);
    // The features only go to the model; the output keeps the label and the prediction.
    const job = await jobs.runTransformJobToCompletion({
      ...request,
      BatchStrategy: 'SingleRecord',
      DataProcessing: { InputFilter: '$[1:]', JoinSource: 'Input', OutputFilter: '$[0,-1]' },
    });
    expect(job.TransformJobStatus).toBe('Completed');
    const lines = (await s3.read(ARTIFACTS, 'evaluation/filtered/part-00000.csv.out')).toString().trimEnd().split('\n');
    expect(lines).toHaveLength(holdoutRows);
    for (const line of lines) expect(line).toMatch(/^[01],[01]$/);
  });

  it('joins JSON records with their predictions under SageMakerOutput', async () => {
    const records = [
      { instances: [{ f1: '40', f2: '95000', f3: '0.2', f4: 'F', f5: 'north' }] },
      { instances: [{ f1: '40', f2: '21000', f3: '1.9', f4: 'M', f5: 'south' }] },
    ];
    await s3.write(ARTIFACTS, 'json-input/records.json', records.map((record) => JSON.stringify(record)).join('\n'));
    const request = transformRequest('json-join', trainingJobName);
    const job = await jobs.runTransformJobToCompletion({
      ...request,
      BatchStrategy: 'SingleRecord',
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${ARTIFACTS}/json-input/` } },
        ContentType: 'application/json',
        SplitType: 'Line',
      },
      TransformOutput: {
        S3OutputPath: `s3://${ARTIFACTS}/json-output/`,
        AssembleWith: 'Line',
        Accept: 'application/json',
      },
    });
    expect(job.TransformJobStatus).toBe('Completed');
    const lines = (await s3.read(ARTIFACTS, 'json-output/records.json.out')).toString().trimEnd().split('\n');
    const joined = lines.map(
      (line) => JSON.parse(line) as { instances: unknown[]; SageMakerOutput: { label: string } },
    );
    expect(joined.map((record) => record.instances)).toEqual(records.map((record) => record.instances));
    expect(joined.map((record) => record.SageMakerOutput.label)).toEqual(['1', '0']);
  });

  it('fails a transform whose model container rejects the records', async () => {
    const request = transformRequest('json-mismatch', trainingJobName);
    const input = request.TransformInput as TransformInput;
    const output = request.TransformOutput as TransformOutput;
    const job = await jobs.runTransformJobToCompletion({
      ...request,
      TransformInput: { ...input, ContentType: 'application/x-recordio' },
      TransformOutput: { ...output, Accept: 'application/x-recordio' },
      DataProcessing: {},
    });
    expect(job.TransformJobStatus).toBe('Failed');
    expect(job.FailureReason).toMatch(/^ClientError: .*answered 415/);
    expect(syncFailure(job)?.cause).toContain('"TransformJobStatus":"Failed"');
  });
});

describe('the model registry', () => {
  let jobs: LocalSageMakerJobs;
  const inference = {
    Containers: [{ Image: 'serve:1', ModelDataUrl: `s3://${ARTIFACTS}/models/x/output/model.tar.gz` }],
    SupportedContentTypes: ['text/csv'],
    SupportedResponseMIMETypes: ['text/csv'],
  };

  beforeAll(async () => {
    ({ jobs } = localSageMaker());
    await jobs.CreateModelPackageGroup({ ModelPackageGroupName: 'credit-risk' });
  });

  it('registers pending packages and approves them as ApproveModelPackage does (through SDK commands)', async () => {
    const sagemaker = commandSender('SageMaker', jobs);
    const created = (await sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'credit-risk',
        ModelPackageDescription: 'Trained by credit-risk-a1b2-0',
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: inference,
        CustomerMetadataProperties: { correlationId: 'c-1' },
        ClientToken: 'token-1',
      }),
    )) as { ModelPackageArn: string };
    expect(created.ModelPackageArn).toBe(`arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/credit-risk/1`);
    const pending = await jobs.DescribeModelPackage({ ModelPackageName: created.ModelPackageArn });
    expect(pending).toMatchObject({
      ModelPackageGroupName: 'credit-risk',
      ModelPackageVersion: 1,
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageStatus: 'Completed',
      CustomerMetadataProperties: { correlationId: 'c-1' },
      InferenceSpecification: inference,
    });
    await sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: created.ModelPackageArn,
        ModelApprovalStatus: 'Approved',
        ApprovalDescription: 'Approved through the Warden manual approval step',
      }),
    );
    const approved = (await sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: created.ModelPackageArn }),
    )) as { ModelApprovalStatus: string; ApprovalDescription: string };
    expect(approved).toMatchObject({
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: 'Approved through the Warden manual approval step',
    });
  });

  it('is idempotent on ClientToken, numbers versions, and lists by approval status', async () => {
    const again = await jobs.CreateModelPackage({
      ModelPackageGroupName: 'credit-risk',
      ModelApprovalStatus: 'PendingManualApproval',
      InferenceSpecification: inference,
      ClientToken: 'token-1',
    });
    expect(again.ModelPackageArn).toMatch(/model-package\/credit-risk\/1$/);
    const second = await jobs.CreateModelPackage({
      ModelPackageGroupName: 'credit-risk',
      ModelApprovalStatus: 'Rejected',
      InferenceSpecification: inference,
      ClientToken: 'token-2',
    });
    expect(second.ModelPackageArn).toMatch(/model-package\/credit-risk\/2$/);
    const approved = await jobs.ListModelPackages({
      ModelPackageGroupName: 'credit-risk',
      ModelApprovalStatus: 'Approved',
    });
    expect(approved.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion)).toEqual([1]);
    const all = await jobs.ListModelPackages({
      ModelPackageGroupName: 'credit-risk',
      SortOrder: 'Descending',
      MaxResults: 1,
    });
    expect(all.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion)).toEqual([2]);
    const next = await jobs.ListModelPackages({
      ModelPackageGroupName: 'credit-risk',
      SortOrder: 'Descending',
      MaxResults: 1,
      NextToken: all.NextToken,
    });
    expect(next.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion)).toEqual([1]);
    expect(next.NextToken).toBeUndefined();
  });

  it('rejects packages of unknown groups, unknown packages and unknown approval statuses', async () => {
    const unknownGroup = await rejection(
      jobs.CreateModelPackage({ ModelPackageGroupName: 'nope', InferenceSpecification: inference }),
    );
    expect(unknownGroup.name).toBe('ValidationException');
    const unknownPackage = await rejection(
      jobs.DescribeModelPackage({
        ModelPackageName: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/credit-risk/99`,
      }),
    );
    expect(unknownPackage.name).toBe('ValidationException');
    const [first] =
      (await jobs.ListModelPackages({ ModelPackageGroupName: 'credit-risk' })).ModelPackageSummaryList ?? [];
    const badStatus = await rejection(
      jobs.UpdateModelPackage({
        ModelPackageArn: first.ModelPackageArn,
        ModelApprovalStatus: 'Maybe' as unknown as 'Approved',
      }),
    );
    expect(badStatus.name).toBe('ValidationException');
  });
});
