/**
 * `evaluate-model` as Lambda invokes it, against the local S3 server and DynamoDB Local: metrics of the joined transform
 * output, the comparison with the live version's recorded evaluation, the quality bars, and malformed events.
 */
import './harness/quiet';
import fc from 'fast-check';
import { EvaluateModelInput, handler } from '../../lambdas/handlers/evaluate-model';
import { LineageRepository } from '../../lambdas/ledger/lineage-repository';
import {
  ARTIFACTS,
  LINEAGE_TABLE,
  MODEL,
  recordAwsCalls,
  setWardenEnv,
  startLocalAws,
  type LocalAws,
} from './harness/local-aws';
import { eventsLike, expectOnlyTypedErrors } from './harness/malformed';

async function invoke(event: unknown): Promise<Record<string, unknown>> {
  return (await handler(event)) as Record<string, unknown>;
}

const COLUMNS = ['approved', 'age', 'sex'];

/** `label,age,sex,prediction` rows from (label, prediction) pairs. */
function joined(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([label, prediction], i) => `${label},${20 + i},${i % 2 ? 'F' : 'M'},${prediction}`).join('\n');
}

function repeat(pair: readonly [string, string], times: number): (readonly [string, string])[] {
  return Array.from({ length: times }, () => pair);
}

let aws: LocalAws;
let lineage: LineageRepository;
let recorder: ReturnType<typeof recordAwsCalls>;

beforeAll(async () => {
  aws = await startLocalAws({ withDynamo: true });
  lineage = new LineageRepository(aws.dynamoClient(), LINEAGE_TABLE, MODEL);
  // tp 40, fn 10, fp 5, tn 45: accuracy 0.85, precision 40/45, recall 0.8.
  await aws.s3.write(
    ARTIFACTS,
    'evaluation/job-1/holdout.csv.out',
    joined([...repeat(['1', '1'], 40), ...repeat(['1', '0'], 10), ...repeat(['0', '1'], 5), ...repeat(['0', '0'], 45)]),
  );
  // Never predicts positive: precision is undefined (NaN).
  await aws.s3.write(
    ARTIFACTS,
    'evaluation/job-2/holdout.csv.out',
    joined([...repeat(['1', '0'], 30), ...repeat(['0', '0'], 70)]),
  );
});

afterAll(async () => {
  await aws.stop();
});

beforeEach(() => {
  setWardenEnv({ WARDEN_EVALUATION: JSON.stringify({ label: 'approved', prediction: 'prediction' }) });
  recorder = recordAwsCalls();
});

afterEach(() => recorder.restore());

describe('evaluate-model', () => {
  it('computes accuracy, precision, recall and F1 with no live version to compare with, and writes the report', async () => {
    const result = await invoke({
      bucket: ARTIFACTS,
      key: 'evaluation/job-1/',
      correlationId: 'c1',
      trainingJobName: 'job-1',
      columns: COLUMNS,
    });
    expect(result.passed).toBe(true);
    expect(result.live).toBeUndefined();
    const metrics = result.metrics as Record<string, number>;
    expect(metrics.accuracy).toBeCloseTo(0.85, 12);
    expect(metrics.precision).toBeCloseTo(40 / 45, 12);
    expect(metrics.recall).toBeCloseTo(0.8, 12);
    expect(metrics.f1).toBeCloseTo((2 * (40 / 45) * 0.8) / (40 / 45 + 0.8), 12);
    const report = JSON.parse((await aws.s3.read(ARTIFACTS, result.reportKey as string)).toString());
    expect(report).toMatchObject({ counts: { tp: 40, fn: 10, fp: 5, tn: 45, rows: 100 }, trainingJobName: 'job-1' });
  });

  it('passes within the allowed drop from the live version and fails beyond it, after writing the report', async () => {
    await lineage.putVersion(1, { evaluation: { passed: true, metrics: { accuracy: 0.88, precision: 0.9 } } });
    await lineage.setLive('us-east-1', { modelVersion: 1, endpointConfigName: 'credit-v1' });
    const within = await invoke({ bucket: ARTIFACTS, key: 'evaluation/job-1/', correlationId: 'c2', columns: COLUMNS });
    expect(within).toMatchObject({ passed: true, live: { modelVersion: 1, metrics: { accuracy: 0.88 } } });

    await lineage.putVersion(2, { evaluation: { passed: true, metrics: { accuracy: 0.95 } } });
    await lineage.setLive('us-east-1', { modelVersion: 2, endpointConfigName: 'credit-v2' });
    const error = await invoke({
      bucket: ARTIFACTS,
      key: 'evaluation/job-1/',
      correlationId: 'c3',
      columns: COLUMNS,
    }).catch((caught: Error) => caught);
    expect(error).toMatchObject({ name: 'Warden.EvaluationFailed' });
    expect((error as Error).message).toMatch(/more than 0\.05 below the live version 2's 0\.9500/);
    const [reportKey] = await aws.s3.keys(ARTIFACTS, `reports/${MODEL}/`);
    expect(JSON.parse((await aws.s3.read(ARTIFACTS, reportKey)).toString())).toMatchObject({ passed: false });
  });

  it('applies the minimum accuracy, and carries an undefined precision as "NaN"', async () => {
    setWardenEnv({
      WARDEN_EVALUATION: JSON.stringify({
        label: 'approved',
        prediction: 'prediction',
        minAccuracy: 0.5,
        maxAccuracyDrop: 1,
      }),
    });
    const result = await invoke({ bucket: ARTIFACTS, key: 'evaluation/job-2/', correlationId: 'c4', columns: COLUMNS });
    expect(result.metrics).toMatchObject({ accuracy: 0.7, precision: 'NaN', recall: 0, f1: 'NaN' });
    setWardenEnv({
      WARDEN_EVALUATION: JSON.stringify({ label: 'approved', prediction: 'prediction', minAccuracy: 0.9 }),
    });
    await expect(
      invoke({ bucket: ARTIFACTS, key: 'evaluation/job-2/', correlationId: 'c5', columns: COLUMNS }),
    ).rejects.toMatchObject({
      name: 'Warden.EvaluationFailed',
      message: expect.stringMatching(/below the minimum 0\.9/),
    });
  });

  it('rejects an empty prefix and a file without the label with Warden.InputError', async () => {
    await expect(invoke({ bucket: ARTIFACTS, key: 'evaluation/none/', correlationId: 'c' })).rejects.toMatchObject({
      name: 'Warden.InputError',
      message: expect.stringMatching(/no files under/),
    });
    await expect(
      invoke({ bucket: ARTIFACTS, key: 'evaluation/job-1/', correlationId: 'c', columns: ['label', 'age', 'sex'] }),
    ).rejects.toMatchObject({ name: 'Warden.InputError', message: expect.stringMatching(/"approved"/) });
  });

  it('answers malformed events with typed errors only (fast-check, 200 runs)', async () => {
    await expectOnlyTypedErrors(
      handler,
      EvaluateModelInput,
      eventsLike({
        bucket: fc.constantFrom(ARTIFACTS, 'nope-bucket', ''),
        key: fc.constantFrom('evaluation/job-1/', 'evaluation/job-2/holdout.csv.out', 'missing', ''),
        correlationId: fc.string(),
        columns: fc.oneof(fc.constant(COLUMNS), fc.array(fc.string(), { maxLength: 4 })),
      }),
    );
  });
});
