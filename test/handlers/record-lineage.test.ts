/**
 * `record-lineage` as Lambda invokes it, against DynamoDB Local, with the payloads the state machines send: versions
 * registered (idempotently), blocked and failed candidates, rejected datasets, deployments that move the live pointer
 * and remember what they replaced, rollbacks, rollouts, and malformed events.
 */
import './harness/quiet';
import fc from 'fast-check';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handler, RecordLineageInput } from '../../lambdas/handlers/record-lineage';
import { LineageRepository } from '../../lambdas/ledger/lineage-repository';
import { LINEAGE_TABLE, MODEL, recordAwsCalls, setWardenEnv, startLocalAws, type LocalAws } from './harness/local-aws';
import { eventsLike, expectOnlyTypedErrors } from './harness/malformed';

async function invoke(event: unknown): Promise<{ modelVersion?: number }> {
  return (await handler(event)) as { modelVersion?: number };
}

let aws: LocalAws;
let lineage: LineageRepository;
let recorder: ReturnType<typeof recordAwsCalls>;
const SHA = 'a'.repeat(64);

beforeAll(async () => {
  aws = await startLocalAws({ withDynamo: true });
  lineage = new LineageRepository(aws.dynamoClient(), LINEAGE_TABLE, MODEL);
});

afterAll(async () => {
  await aws.stop();
});

beforeEach(() => {
  setWardenEnv();
  recorder = recordAwsCalls();
});

afterEach(() => recorder.restore());

/** RecordRegistration of training.asl.json. */
function registration(correlationId: string, status?: string) {
  return {
    kind: 'register',
    correlationId,
    attributes: {
      ...(status === undefined ? { status: 'Registered' } : { status }),
      datasetUri: 's3://warden-data/incoming/credit/a.csv',
      datasetSha256: SHA,
      rows: 1000,
      trainingJobName: `job-${correlationId}`,
      modelDataUrl: 's3://warden-artifacts/models/job/output/model.tar.gz',
      modelPackageArn: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/warden-credit/1',
      reports: { validation: 'reports/credit/x/validation.json', baseline: 'baselines/credit/x.wbp' },
      evaluation: { passed: true, metrics: { accuracy: 0.9, precision: 'NaN' } },
      approval: null,
    },
  };
}

/** RecordDeploymentSucceeded / RolledBack of deploy.asl.json. */
function deployment(modelVersion: number, status: string, endpointConfigName?: string, region = 'us-east-1') {
  return {
    kind: 'deployment',
    modelVersion,
    correlationId: `deploy-${modelVersion}`,
    attributes: {
      status,
      region,
      endpointName: `warden-${MODEL}`,
      correlationId: `deploy-${modelVersion}`,
      ...(endpointConfigName === undefined ? {} : { endpointConfigName }),
      instanceType: 'ml.g5.xlarge',
      previousEndpoint: null,
    },
  };
}

describe('record-lineage', () => {
  it('registers the next version with its attributes, and returns the same version when the run retries', async () => {
    expect(await invoke(registration('run-1'))).toEqual({ modelVersion: 1 });
    expect(await invoke(registration('run-1'))).toEqual({ modelVersion: 1 });
    expect(await invoke(registration('run-2'))).toEqual({ modelVersion: 2 });
    const version = await lineage.getVersion(1);
    expect(version).toMatchObject({
      modelVersion: 1,
      status: 'Registered',
      datasetSha256: SHA,
      correlationId: 'run-1',
      evaluation: { passed: true, metrics: { accuracy: 0.9, precision: 'NaN' } },
    });
    expect(await lineage.findByDataset(SHA)).toHaveLength(2);
  });

  it('records a blocked candidate and a rejected dataset', async () => {
    const blocked = await invoke({
      kind: 'register',
      correlationId: 'run-3',
      attributes: {
        status: 'Blocked',
        datasetUri: 's3://warden-data/incoming/credit/biased.csv',
        validation: { rows: 10, datasetSha256: SHA },
        preTrainingBias: null,
        error: { Error: 'Warden.BiasGateFailed', Cause: 'DPL = -0.6' },
      },
    });
    expect((await lineage.getVersion(blocked.modelVersion as number))?.status).toBe('Blocked');
    expect(
      await invoke({
        kind: 'dataset',
        correlationId: 'run-4',
        attributes: { status: 'Failed', datasetUri: 's3://warden-data/incoming/credit/bad.csv', error: { Error: 'x' } },
      }),
    ).toEqual({});
    const documents = DynamoDBDocumentClient.from(aws.dynamoClient());
    const { Item } = await documents.send(
      new GetCommand({ TableName: LINEAGE_TABLE, Key: { pk: `MODEL#${MODEL}`, sk: 'DATASET#run-4' } }),
    );
    expect(Item).toMatchObject({ status: 'Failed', datasetUri: 's3://warden-data/incoming/credit/bad.csv' });
  });

  it('makes a deployed version live, remembers the version it replaced, and leaves the live pointer on a canary rollback', async () => {
    await invoke(deployment(1, 'Deployed', 'credit-v1-aaaa'));
    expect(await lineage.getLive('us-east-1')).toMatchObject({ modelVersion: 1, endpointConfigName: 'credit-v1-aaaa' });
    await invoke(deployment(2, 'Deployed', 'credit-v2-bbbb'));
    expect(await lineage.getLive('us-east-1')).toMatchObject({ modelVersion: 2, endpointConfigName: 'credit-v2-bbbb' });
    expect(await lineage.getVersion(2)).toMatchObject({
      status: 'Deployed',
      previousLive: { 'us-east-1': { modelVersion: 1, endpointConfigName: 'credit-v1-aaaa' } },
    });
    const canary = await invoke(registration('run-5'));
    await invoke(deployment(canary.modelVersion as number, 'RolledBack', 'credit-v5-cccc'));
    expect((await lineage.getVersion(canary.modelVersion as number))?.status).toBe('RolledBack');
    expect((await lineage.getLive('us-east-1'))?.modelVersion).toBe(2);
  });

  it('records a remediation rollback: the restored version is live again and the replaced one is RolledBack', async () => {
    await invoke({
      kind: 'rollback',
      modelVersion: 1,
      correlationId: 'remediation-1',
      attributes: {
        status: 'Deployed',
        region: 'us-east-1',
        endpointName: `warden-${MODEL}`,
        correlationId: 'remediation-1',
        endpointConfigName: 'credit-v1-aaaa',
      },
    });
    expect(await lineage.getLive('us-east-1')).toMatchObject({ modelVersion: 1, endpointConfigName: 'credit-v1-aaaa' });
    expect((await lineage.getVersion(2))?.status).toBe('RolledBack');
    expect((await lineage.getVersion(1))?.status).toBe('Deployed');
  });

  it('keeps how a rollout stopped on the version, without inventing a status', async () => {
    await invoke({
      kind: 'rollout',
      modelVersion: 2,
      correlationId: 'run-2',
      attributes: {
        status: 'Stopped',
        regions: ['us-east-1', 'eu-west-1'],
        error: { Error: 'Warden.DeploymentRolledBack' },
      },
    });
    expect(await lineage.getVersion(2)).toMatchObject({
      status: 'RolledBack',
      rollout: { status: 'Stopped', regions: ['us-east-1', 'eu-west-1'] },
    });
  });

  it('refuses a deployment without its endpoint config, and a status of a missing version, with typed errors', async () => {
    await expect(invoke(deployment(1, 'Deployed'))).rejects.toMatchObject({ name: 'Warden.InputError' });
    await expect(
      invoke({ kind: 'status', modelVersion: 99, correlationId: 'c', attributes: { status: 'Failed' } }),
    ).rejects.toMatchObject({ name: 'Warden.LineageConflict' });
    await expect(
      invoke({ kind: 'register', correlationId: 'c', attributes: { modelVersion: 7 } }),
    ).rejects.toMatchObject({ name: 'Warden.InputError', message: expect.stringMatching(/managed/) });
  });

  it('answers malformed events with typed errors only (fast-check, 200 runs)', async () => {
    await expectOnlyTypedErrors(
      handler,
      RecordLineageInput,
      eventsLike({
        kind: fc.constantFrom('register', 'dataset', 'deployment', 'rollback', 'rollout', 'status', 'other'),
        correlationId: fc.string({ maxLength: 8 }),
        modelVersion: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.double()),
        attributes: fc.oneof(
          fc.record(
            {
              status: fc.constantFrom('Registered', 'Blocked', 'Deployed', 'RolledBack', 'Failed', 'Nope'),
              region: fc.constantFrom('us-east-1', 'nowhere', ''),
              endpointConfigName: fc.string({ maxLength: 5 }),
              datasetSha256: fc.constantFrom(SHA, 'short'),
            },
            { requiredKeys: [] },
          ),
          fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue()),
        ),
      }),
    );
  });
});
