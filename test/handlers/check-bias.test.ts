/**
 * `check-bias` as Lambda invokes it, against the local S3 server with a recording EventBridge stand-in: the pre-training
 * gate on a dataset, the post-training gate on header-less batch transform output (several files under a prefix),
 * fail and warn modes, configuration mistakes, and malformed events.
 */
import './harness/quiet';
import fc from 'fast-check';
import { handler, CheckBiasInput } from '../../lambdas/handlers/check-bias';
import { ConfigurationError } from '../../lambdas/shared/config';
import { creditCsv } from './harness/datasets';
import {
  ARTIFACTS,
  DATA,
  MODEL,
  putEvents,
  recordAwsCalls,
  setWardenEnv,
  startLocalAws,
  type LocalAws,
} from './harness/local-aws';
import { eventsLike, expectOnlyTypedErrors } from './harness/malformed';

async function invoke(event: unknown): Promise<Record<string, unknown>> {
  return (await handler(event)) as Record<string, unknown>;
}

const BIAS = { label: 'approved', facet: 'sex', facetValue: 'F', positive: '1', prediction: 'prediction' };

let aws: LocalAws;
let recorder: ReturnType<typeof recordAwsCalls>;

beforeAll(async () => {
  aws = await startLocalAws();
  await aws.s3.write(DATA, 'incoming/credit/fair.csv', creditCsv({ rows: 400, seed: 2 }));
  await aws.s3.write(
    DATA,
    'incoming/credit/biased.csv',
    creditCsv({ rows: 400, seed: 2, approvalF: 0.1, approvalM: 0.8 }),
  );
});

afterAll(async () => {
  await aws.stop();
});

beforeEach(() => {
  setWardenEnv({ WARDEN_BIAS: JSON.stringify(BIAS) });
  recorder = recordAwsCalls();
});

afterEach(() => recorder.restore());

describe('check-bias: pre-training', () => {
  it('passes a fair dataset, writes its report and emits nothing', async () => {
    const result = await invoke({ mode: 'pre', bucket: DATA, key: 'incoming/credit/fair.csv', correlationId: 'c1' });
    expect(result).toMatchObject({ verdict: 'pass', failed: [] });
    expect(result.posttraining).toBeUndefined();
    expect(Object.keys(result.pretraining as object)).toEqual(['CI', 'DPL', 'KL', 'JS', 'LP', 'TVD', 'KS']);
    const report = JSON.parse((await aws.s3.read(ARTIFACTS, result.reportKey as string)).toString());
    expect(result.reportKey).toBe(`reports/${MODEL}/${report.dataset.sha256}/bias-pre.json`);
    expect(report).toMatchObject({ stage: 'pre', verdict: 'pass', facet: { column: 'sex', value: 'F' } });
    expect(report.counts.rows).toBe(400);
    expect(putEvents(recorder.calls)).toEqual([]);
  });

  it('fails a biased dataset with Warden.BiasGateFailed after writing the report, and emits Bias Gate Failed with a recording EventBridge stand-in', async () => {
    const error = await invoke({
      mode: 'pre',
      bucket: DATA,
      key: 'incoming/credit/biased.csv',
      correlationId: 'c2',
    }).catch((caught: Error) => caught);
    expect(error).toMatchObject({ name: 'Warden.BiasGateFailed' });
    expect((error as Error).message).toMatch(/DPL = -?0\.\d+ \(threshold 0\.2\)/);
    const [event] = putEvents(recorder.calls);
    expect(event).toMatchObject({
      detailType: 'Warden Bias Gate Failed',
      detail: { modelName: MODEL, stage: 'pre', failed: ['DPL'], correlationId: 'c2', region: 'us-east-1' },
    });
    const report = JSON.parse((await aws.s3.read(ARTIFACTS, event.detail.reportKey as string)).toString());
    expect(report).toMatchObject({ verdict: 'fail', failed: ['DPL'] });
  });

  it('records the crossing and passes in warn mode', async () => {
    setWardenEnv({ WARDEN_BIAS: JSON.stringify({ ...BIAS, mode: 'warn' }) });
    const result = await invoke({ mode: 'pre', bucket: DATA, key: 'incoming/credit/biased.csv', correlationId: 'c3' });
    expect(result).toMatchObject({ verdict: 'warn', failed: ['DPL'] });
    expect(putEvents(recorder.calls)).toEqual([]);
  });

  it('ignores post-training thresholds before training but reports a misspelled metric as a configuration error', async () => {
    setWardenEnv({ WARDEN_BIAS: JSON.stringify({ ...BIAS, thresholds: { AccuracyGap: 0.05, DPL: 0.9 } }) });
    const result = await invoke({ mode: 'pre', bucket: DATA, key: 'incoming/credit/biased.csv', correlationId: 'c' });
    expect(result).toMatchObject({ verdict: 'pass' });
    setWardenEnv({ WARDEN_BIAS: JSON.stringify({ ...BIAS, thresholds: { DPLX: 0.1 } }) });
    await expect(
      invoke({ mode: 'pre', bucket: DATA, key: 'incoming/credit/fair.csv', correlationId: 'c' }),
    ).rejects.toBeInstanceOf(ConfigurationError);
  });
});

describe('check-bias: post-training on the joined transform output', () => {
  /** Holdout rows (split columns, label first) each followed by a prediction, as SageMaker's JoinSource=Input writes. */
  function joined(rows: number, seed: number, accuracyF: number, accuracyM: number): string {
    let state = seed;
    const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const lines: string[] = [];
    for (let i = 0; i < rows; i++) {
      const sex = i % 2 === 0 ? 'F' : 'M';
      const label = random() < 0.5 ? '1' : '0';
      const right = random() < (sex === 'F' ? accuracyF : accuracyM);
      const prediction = right ? label : label === '1' ? '0' : '1';
      lines.push(`${label},${30 + (i % 40)},${1000 + i},${sex},true,"note, ${i}",${prediction}`);
    }
    return `${lines.join('\n')}\n`;
  }
  const columns = ['approved', 'age', 'income', 'sex', 'member', 'note'];

  beforeAll(async () => {
    await aws.s3.write(ARTIFACTS, 'evaluation/job-1/part-00000.csv.out', joined(300, 1, 0.9, 0.9));
    await aws.s3.write(ARTIFACTS, 'evaluation/job-1/part-00001.csv.out', joined(300, 2, 0.9, 0.9).trimEnd());
    await aws.s3.write(ARTIFACTS, 'evaluation/job-2/part-00000.csv.out', joined(600, 3, 0.55, 0.95));
  });

  it('reads every file under the prefix with the holdout columns plus the prediction, and passes a fair model', async () => {
    const result = await invoke({
      mode: 'post',
      bucket: ARTIFACTS,
      key: 'evaluation/job-1/',
      correlationId: 'c4',
      trainingJobName: 'job-1',
      columns,
    });
    expect(result).toMatchObject({ verdict: 'pass', failed: [] });
    expect(result.counts).toMatchObject({ rows: 600, facetA: 300, facetD: 300 });
    expect(Object.keys(result.posttraining as object)).toContain('AccuracyGap');
    const report = JSON.parse((await aws.s3.read(ARTIFACTS, result.reportKey as string)).toString());
    expect(report.dataset.files).toEqual([
      'evaluation/job-1/part-00000.csv.out',
      'evaluation/job-1/part-00001.csv.out',
    ]);
  });

  it('blocks a model whose accuracy differs between facets (AccuracyGap)', async () => {
    const event = { mode: 'post', bucket: ARTIFACTS, key: 'evaluation/job-2/', correlationId: 'c5', columns };
    await expect(invoke(event)).rejects.toMatchObject({
      name: 'Warden.BiasGateFailed',
      message: expect.stringMatching(/AccuracyGap = 0\.\d+ \(threshold 0\.1\)/),
    });
    expect(putEvents(recorder.calls)[0].detail).toMatchObject({
      stage: 'post',
      failed: expect.arrayContaining(['AccuracyGap']),
    });
  });

  it('reads a joined file that carries its own header when no columns are given', async () => {
    const header = 'approved,age,income,sex,member,note,prediction\n';
    await aws.s3.write(ARTIFACTS, 'evaluation/job-3.csv', header + joined(200, 4, 0.9, 0.9));
    const result = await invoke({ mode: 'post', bucket: ARTIFACTS, key: 'evaluation/job-3.csv', correlationId: 'c6' });
    expect(result).toMatchObject({ verdict: 'pass', counts: { rows: 200 } });
  });
});

describe('check-bias: bad events', () => {
  it('rejects a missing dataset, and a file without the facet column, with Warden.InputError', async () => {
    await expect(
      invoke({ mode: 'pre', bucket: DATA, key: 'incoming/credit/none.csv', correlationId: 'c' }),
    ).rejects.toMatchObject({ name: 'Warden.InputError' });
    await aws.s3.write(DATA, 'incoming/credit/nofacet.csv', 'approved,age\n1,30\n');
    await expect(
      invoke({ mode: 'pre', bucket: DATA, key: 'incoming/credit/nofacet.csv', correlationId: 'c' }),
    ).rejects.toMatchObject({ name: 'Warden.InputError', message: expect.stringMatching(/facet column "sex"/i) });
  });

  it('answers malformed events with typed errors only (fast-check, 200 runs)', async () => {
    await expectOnlyTypedErrors(
      handler,
      CheckBiasInput,
      eventsLike({
        mode: fc.constantFrom('pre', 'post', 'during'),
        bucket: fc.constantFrom(DATA, ARTIFACTS, 'x', ''),
        key: fc.constantFrom('incoming/credit/fair.csv', 'evaluation/job-1/', 'missing.csv', ''),
        correlationId: fc.string(),
        columns: fc.array(fc.string(), { maxLength: 3 }),
      }),
    );
  });
});
