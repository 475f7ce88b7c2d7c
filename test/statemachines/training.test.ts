/**
 * The training state machine, run locally. The Warden handlers, SageMaker and EventBridge are stand-ins; the
 * regional deployments are the deploy state machine itself, run locally on stubbed endpoints.
 */
import { BiasGateFailedError, InputError } from '../../lambdas/shared/errors';
import { StubbedAwsError, type Handler } from './support/fake-aws';
import { DISTRIBUTED_THRESHOLD_BYTES, TRAINING_INSTANCE_TYPES, trainingSubstitutions } from './support/substitutions';
import { CORRELATION_ID, runTraining, SCALED_OUT, trainingInput, type TrainingWorldOptions } from './support/worlds';
import { ApprovalRequestedDetail } from '../../lambdas/shared/event-schemas';

const resourceLimit = () => {
  throw new StubbedAwsError('SageMaker.ResourceLimitExceeded', 'The account-level service limit is 0 Instances.');
};

/** The error names the handlers raise, as Step Functions sees them (Lambda's errorType). */
const BIAS_GATE_FAILED = new BiasGateFailedError('').name;
const INPUT_ERROR = new InputError('').name;

const DATASET = { bucket: 'warden-credit-data', key: 'incoming/credit/2024-06-01.csv', correlationId: CORRELATION_ID };
const { manifest: MANIFEST, parts: PARTS } = SCALED_OUT;

/**
 * A dataset above the threshold (SCALED_OUT): validate-data refuses the single pass, plans three parts, validates
 * each part and merges; check-bias counts each part and merges. `checkBias` replaces the check-bias answers (the
 * post-training one included).
 */
function distributedRun(checkBias?: Handler, options: TrainingWorldOptions = {}) {
  return runTraining(trainingInput({ sizeBytes: 2 * DISTRIBUTED_THRESHOLD_BYTES }), {
    ...options,
    objects: SCALED_OUT.objects,
    lambda: {
      ...SCALED_OUT.lambda,
      ...(checkBias === undefined ? {} : { 'check-bias': checkBias }),
      ...options.lambda,
    },
  });
}

describe('training state machine', () => {
  it('validates, gates, trains, evaluates, registers and rolls out region by region, with stubbed SageMaker responses', async () => {
    const { execution, aws, deployments } = await runTraining(trainingInput());

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual([
      'InitializeTrainingRun',
      'ValidateData',
      'PreTrainingBias',
      'Train',
      'CreateCandidateModel',
      'TransformHoldout',
      'EvaluateCandidate',
      'EvaluateModel',
      'PostTrainingBias',
      'ChooseApprovalPath',
      'RegisterApprovedModelPackage',
      'RecordRegistration',
      'AuditRegistration',
      'PublishModelRegistered',
      'RolloutRegions',
      'DeployToRegion',
      'DeployToRegion',
    ]);
    expect(deployments.map((deployment) => [deployment.region, deployment.execution.status])).toEqual([
      ['us-east-1', 'SUCCEEDED'],
      ['eu-west-1', 'SUCCEEDED'],
    ]);

    expect(aws.lambdaPayloads('validate-data')).toEqual([
      { mode: 'single', ...DATASET, maxBytes: DISTRIBUTED_THRESHOLD_BYTES },
    ]);
    expect(aws.lambdaPayloads('check-bias').map((payload) => payload.mode)).toEqual(['pre', 'post']);
    const [job] = aws.sagemakerCalls('createTrainingJob');
    expect(job).toMatchObject({
      TrainingJobName: expect.stringMatching(/^credit-[0-9a-f]{8}-0$/),
      ResourceConfig: { InstanceType: TRAINING_INSTANCE_TYPES[0], InstanceCount: 1 },
      HyperParameters: trainingSubstitutions().TrainingHyperParameters,
      StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
      EnableManagedSpotTraining: true,
      CheckpointConfig: {
        S3Uri: expect.stringMatching(/^s3:\/\/warden-credit-artifacts\/checkpoints\/credit-[0-9a-f]{8}\/$/),
      },
      InputDataConfig: [
        expect.objectContaining({
          DataSource: {
            S3DataSource: expect.objectContaining({
              S3Uri: `s3://warden-credit-artifacts/datasets/${CORRELATION_ID}/train/`,
            }),
          },
        }),
      ],
    });
    expect(aws.sagemakerCalls('createTransformJob')).toEqual([
      expect.objectContaining({
        TransformJobName: job.TrainingJobName,
        ModelName: job.TrainingJobName,
        DataProcessing: { JoinSource: 'Input' },
      }),
    ]);
    expect(aws.lambdaPayloads('evaluate-model')).toEqual([
      {
        bucket: 'warden-credit-artifacts',
        key: `evaluation/${String(job.TrainingJobName)}/`,
        correlationId: CORRELATION_ID,
        trainingJobName: job.TrainingJobName,
        columns: ['label', 'age', 'income', 'sex'],
      },
    ]);
    expect(aws.sagemakerCalls('createModelPackage')).toEqual([
      expect.objectContaining({ ModelPackageGroupName: 'warden-credit', ModelApprovalStatus: 'Approved' }),
    ]);
    const [registration] = aws.lambdaPayloads('record-lineage');
    expect(registration).toMatchObject({
      kind: 'register',
      correlationId: CORRELATION_ID,
      attributes: {
        status: 'Registered',
        datasetUri: 's3://warden-credit-data/incoming/credit/2024-06-01.csv',
        datasetSha256: 'f'.repeat(64),
        trainingJobName: job.TrainingJobName,
        modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/warden-credit/3',
      },
    });
    expect(aws.lambdaPayloads('append-audit')).toEqual([
      expect.objectContaining({ action: 'model.registered', subject: 'credit/v7' }),
    ]);
    expect(aws.events.map((event) => event.DetailType)).toEqual(['Warden Model Registered']);
    expect(aws.lambdaPayloads('start-regional-deployment')).toEqual([
      expect.objectContaining({
        mode: 'deploy',
        region: 'us-east-1',
        wave: 0,
        modelVersion: 7,
        taskToken: 'token-for-training-1',
      }),
      expect.objectContaining({ mode: 'deploy', region: 'eu-west-1', wave: 1, modelVersion: 7 }),
    ]);
  });

  it('takes at most 60 state transitions for a happy training and deployment to three regions, with stubbed SageMaker responses', async () => {
    const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
    const transitions: number[] = [];
    for (let count = 1; count <= regions.length; count++) {
      const { execution, deployments } = await runTraining(trainingInput(), {
        substitutions: trainingSubstitutions({ DeployRegions: regions.slice(0, count) }),
      });
      expect(execution.status).toBe('SUCCEEDED');
      expect(deployments.map((deployment) => deployment.execution.status)).toEqual(
        regions.slice(0, count).map(() => 'SUCCEEDED'),
      );
      // Every state entered is a transition: the training execution's, its Map iterations', and each regional
      // deploy execution's.
      transitions.push(
        execution.statesEntered.length +
          deployments.reduce((sum, deployment) => sum + deployment.execution.statesEntered.length, 0),
      );
    }
    // 15 training states plus, per region, one Map iteration and a 14-state deploy execution (was 33, 49, 65).
    expect(transitions).toEqual([30, 45, 60]);
    expect(transitions[2]).toBeLessThanOrEqual(60);
  });

  it('blocks a biased dataset before any SageMaker call and records the block, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runTraining(trainingInput(), {
      lambda: {
        'check-bias': () => {
          throw new StubbedAwsError('Warden.BiasGateFailed', 'DPL 0.31 is above its threshold 0.2');
        },
      },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.BiasGateFailed');
    expect(execution.cause).toBe('DPL 0.31 is above its threshold 0.2');
    expect(aws.sagemakerCalls()).toEqual([]);
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({
        kind: 'register',
        correlationId: CORRELATION_ID,
        attributes: expect.objectContaining({
          status: 'Blocked',
          training: null,
          error: { Error: 'Warden.BiasGateFailed', Cause: 'DPL 0.31 is above its threshold 0.2' },
        }),
      }),
    ]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([expect.objectContaining({ action: 'model.blocked' })]);
    expect(aws.lambdaPayloads('start-regional-deployment')).toEqual([]);
  });

  it('moves on to the next instance type when SageMaker has no capacity, with stubbed SageMaker responses', async () => {
    let attempts = 0;
    const { execution, aws } = await runTraining(trainingInput(), {
      sagemaker: {
        createTrainingJob: (request) => {
          attempts += 1;
          if (attempts === 1) return resourceLimit();
          if (attempts === 2) {
            throw new StubbedAwsError(
              'States.TaskFailed',
              JSON.stringify({ FailureReason: 'CapacityError: Unable to provision requested ML compute capacity.' }),
            );
          }
          return {
            TrainingJobName: request.TrainingJobName,
            ModelArtifacts: { S3ModelArtifacts: 's3://warden-credit-artifacts/models/job/output/model.tar.gz' },
            ResourceConfig: request.ResourceConfig,
          };
        },
      },
    });

    expect(execution.status).toBe('SUCCEEDED');
    const jobs = aws.sagemakerCalls('createTrainingJob');
    expect(jobs.map((job) => (job.ResourceConfig as { InstanceType: string }).InstanceType)).toEqual(
      TRAINING_INSTANCE_TYPES,
    );
    expect(jobs.map((job) => String(job.TrainingJobName).slice(-2))).toEqual(['-0', '-1', '-2']);
    expect(new Set(jobs.map((job) => (job.CheckpointConfig as { S3Uri: string }).S3Uri)).size).toBe(1);
  });

  it('fails with Warden.CapacityUnavailable once every instance type is exhausted, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runTraining(trainingInput(), { sagemaker: { createTrainingJob: resourceLimit } });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.CapacityUnavailable');
    expect(aws.sagemakerCalls('createTrainingJob')).toHaveLength(TRAINING_INSTANCE_TYPES.length);
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({ status: 'Failed', instanceTypes: TRAINING_INSTANCE_TYPES }),
      }),
    ]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([
      expect.objectContaining({ action: 'training.capacity-unavailable' }),
    ]);
  });

  it('validates a large dataset and gates its bias with one Distributed Map over byte ranges, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await distributedRun();

    expect(execution.status).toBe('SUCCEEDED');
    const entered = execution.statesEntered;
    const mapStart = entered.indexOf('ValidateParts') + 1;
    const mapEnd = entered.indexOf('MergeValidation');
    expect([...entered.slice(0, mapStart), ...entered.slice(mapEnd, entered.indexOf('Train') + 1)]).toEqual([
      'InitializeTrainingRun',
      'ValidateData',
      'PlanValidation',
      'ValidateParts.ItemReader',
      'ValidateParts',
      'MergeValidation',
      'MergePreTrainingBias',
      'Train',
    ]);
    // One child per range, which validates it and then counts its bias (the children run side by side).
    expect([...entered.slice(mapStart, mapEnd)].sort()).toEqual([
      ...PARTS.map(() => 'CountBiasPart'),
      ...PARTS.map(() => 'ValidatePart'),
    ]);
    expect(entered).not.toContain('PreTrainingBias');
    const byPart = (payloads: Array<Record<string, unknown>>) =>
      [...payloads].sort(
        (a, b) => (a.part as { partIndex: number }).partIndex - (b.part as { partIndex: number }).partIndex,
      );
    const validations = aws.lambdaPayloads('validate-data');
    expect(validations.filter((payload) => payload.mode !== 'part')).toEqual([
      { mode: 'single', ...DATASET, maxBytes: DISTRIBUTED_THRESHOLD_BYTES },
      { mode: 'plan', ...DATASET },
      { mode: 'merge', ...DATASET, ...MANIFEST },
    ]);
    const validatedParts = byPart(validations.filter((payload) => payload.mode === 'part'));
    expect(validatedParts).toEqual(PARTS.map((part) => ({ mode: 'part', ...DATASET, part })));
    // The bias parts count the very ranges the validation planner wrote: no second plan.
    const biasChecks = aws.lambdaPayloads('check-bias');
    expect(byPart(biasChecks.filter((payload) => payload.mode === 'part'))).toEqual(validatedParts);
    expect(biasChecks.filter((payload) => payload.mode !== 'part')).toEqual([
      { mode: 'merge', ...DATASET, ...MANIFEST },
      expect.objectContaining({ mode: 'post' }),
    ]);
    const [registration] = aws.lambdaPayloads('record-lineage');
    expect(registration).toMatchObject({
      attributes: {
        status: 'Registered',
        reports: {
          validation: 'reports/credit/eee/validation.json',
          preTrainingBias: 'reports/credit/eee/bias-merge.json',
        },
      },
    });
  });

  it('blocks a large dataset whose merged bias counts fail the gate and records the block, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await distributedRun((payload) => {
      if (payload.mode === 'part')
        return { partIndex: (payload.part as { partIndex: number }).partIndex, counted: true };
      throw new StubbedAwsError(BIAS_GATE_FAILED, 'The pre-training bias gate failed: DPL = 0.31 (threshold 0.2).');
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.BiasGateFailed');
    expect(execution.cause).toBe('The pre-training bias gate failed: DPL = 0.31 (threshold 0.2).');
    expect(execution.statesEntered.slice(-4)).toEqual([
      'MergePreTrainingBias',
      'RecordBiasGateBlock',
      'AuditBiasGateBlock',
      'FailBiasGate',
    ]);
    expect(aws.sagemakerCalls()).toEqual([]);
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({
        kind: 'register',
        attributes: expect.objectContaining({
          status: 'Blocked',
          validation: expect.objectContaining({ rows: 6_000_000 }),
          error: {
            Error: 'Warden.BiasGateFailed',
            Cause: 'The pre-training bias gate failed: DPL = 0.31 (threshold 0.2).',
          },
        }),
      }),
    ]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([expect.objectContaining({ action: 'model.blocked' })]);
  });

  it('blocks a large dataset whose bias columns the parts could not count, like the single pass, with stubbed SageMaker responses', async () => {
    const missing = 'Facet column "sex" is not in s3://warden-credit-data/incoming/credit/2024-06-01.csv.';
    const { execution, aws } = await distributedRun((payload) => {
      if (payload.mode === 'part')
        return { partIndex: (payload.part as { partIndex: number }).partIndex, counted: false };
      throw new StubbedAwsError(INPUT_ERROR, missing);
    });

    expect(execution.error).toBe('Warden.BiasGateFailed');
    expect(execution.cause).toBe(missing);
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({ attributes: expect.objectContaining({ status: 'Blocked' }) }),
    ]);
  });

  it('records a part that fails as a rejected dataset, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await distributedRun((payload) => {
      if (payload.mode === 'part' && (payload.part as { partIndex: number }).partIndex === 1) {
        throw new StubbedAwsError('Lambda.Unknown', 'The function timed out.');
      }
      return { partIndex: 0, counted: true };
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.ValidationFailed');
    expect(aws.lambdaPayloads('check-bias').map((payload) => payload.mode)).not.toContain('merge');
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({ kind: 'dataset', attributes: expect.objectContaining({ status: 'Failed' }) }),
    ]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([expect.objectContaining({ action: 'dataset.rejected' })]);
    expect(aws.sagemakerCalls()).toEqual([]);
  });

  it('records a dataset that breaks its contract and fails with Warden.ValidationFailed', async () => {
    const { execution, aws } = await runTraining(trainingInput(), {
      lambda: {
        'validate-data': () => {
          throw new StubbedAwsError('Warden.ValidationFailed', '12 rows break rule max on age');
        },
      },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.ValidationFailed');
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({ kind: 'dataset', attributes: expect.objectContaining({ status: 'Failed' }) }),
    ]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([expect.objectContaining({ action: 'dataset.rejected' })]);
    expect(aws.sagemakerCalls()).toEqual([]);
  });

  it('blocks a model whose predictions are biased after training, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runTraining(trainingInput(), {
      lambda: {
        'check-bias': (payload) => {
          if (payload.mode === 'pre') return { verdict: 'pass', failed: [], reportKey: 'reports/pre.json' };
          throw new StubbedAwsError('Warden.BiasGateFailed', 'AccuracyGap 0.14 is above its threshold 0.1');
        },
      },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.BiasGateFailed');
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({
          status: 'Blocked',
          training: expect.objectContaining({ jobName: expect.stringMatching(/^credit-/) }),
        }),
      }),
    ]);
    expect(aws.sagemakerCalls('createModelPackage')).toEqual([]);
  });

  it('fails a model below its quality bar with Warden.EvaluationFailed, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runTraining(trainingInput(), {
      lambda: {
        'evaluate-model': () => {
          throw new StubbedAwsError('Warden.EvaluationFailed', 'accuracy 0.71 is below 0.8');
        },
      },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.EvaluationFailed');
    expect(execution.cause).toBe('accuracy 0.71 is below 0.8');
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({ kind: 'register', attributes: expect.objectContaining({ status: 'Failed' }) }),
    ]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([expect.objectContaining({ action: 'model.failed' })]);
  });

  it('waits for a human in Manual approval mode and approves the package, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runTraining(trainingInput(), {
      substitutions: trainingSubstitutions({ ApprovalMode: 'Manual', DeployRegions: ['us-east-1'] }),
      eventWaiters: { 'Warden Approval Requested': () => ({ approvedBy: 'risk-officer', comment: 'ok' }) },
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(aws.sagemakerCalls('createModelPackage')).toEqual([
      expect.objectContaining({ ModelApprovalStatus: 'PendingManualApproval' }),
    ]);
    const [request] = aws.events;
    expect(request).toMatchObject({
      DetailType: 'Warden Approval Requested',
      Detail: expect.objectContaining({ taskToken: 'token-for-training-1', modelName: 'credit', region: 'us-east-1' }),
    });
    expect(ApprovalRequestedDetail.safeParse(request.Detail).error).toBeUndefined();
    expect(aws.sagemakerCalls('updateModelPackage')).toEqual([
      expect.objectContaining({ ModelApprovalStatus: 'Approved' }),
    ]);
    expect(aws.lambdaPayloads('record-lineage')[0]).toMatchObject({
      attributes: { status: 'Registered', approval: { approvedBy: 'risk-officer', comment: 'ok' } },
    });
  });

  it('rejects the package when the approver says no, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runTraining(trainingInput(), {
      substitutions: trainingSubstitutions({ ApprovalMode: 'Manual' }),
      eventWaiters: {
        'Warden Approval Requested': () => {
          throw new StubbedAwsError('Warden.ApprovalRejected', 'AccuracyGap trend is worrying');
        },
      },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.EvaluationFailed');
    expect(aws.sagemakerCalls('updateModelPackage')).toEqual([
      expect.objectContaining({ ModelApprovalStatus: 'Rejected' }),
    ]);
    expect(aws.lambdaPayloads('start-regional-deployment')).toEqual([]);
  });

  it('stops the rollout at a failed wave and keeps the earlier regions on the new version, with stubbed SageMaker responses', async () => {
    const { execution, aws, deployments } = await runTraining(trainingInput(), {
      substitutions: trainingSubstitutions({ DeployRegions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] }),
      regionOutcomes: { 'eu-west-1': ['alarm-rollback'] },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.DeploymentRolledBack');
    expect(deployments.map((deployment) => [deployment.region, deployment.execution.status])).toEqual([
      ['us-east-1', 'SUCCEEDED'],
      ['eu-west-1', 'FAILED'],
    ]);
    expect(deployments[0].endpoint.configName).toMatch(/-v7-/);
    expect(deployments[1].endpoint.configName).toMatch(/-v6-/);
    expect(aws.lambdaPayloads('append-audit').map((payload) => payload.action)).toEqual([
      'model.registered',
      'rollout.wave-failed',
    ]);
    expect(aws.lambdaPayloads('record-lineage').at(-1)).toMatchObject({
      kind: 'rollout',
      modelVersion: 7,
      attributes: { status: 'Stopped' },
    });
  });
});
