/**
 * `check-bias` as Lambda invokes it, against the local S3 server with a recording EventBridge stand-in: the pre-training
 * gate on a dataset, the post-training gate on header-less batch transform output (several files under a prefix),
 * fail and warn modes, configuration mistakes, the scaled-out pre-training gate (parts on `validate-data`'s plan, then
 * a merge that must equal the single pass exactly), and malformed events.
 */
import './harness/quiet';
import fc from 'fast-check';
import { handler, CheckBiasInput } from '../../lambdas/handlers/check-bias';
import { handler as validateData } from '../../lambdas/handlers/validate-data';
import { ConfigurationError } from '../../lambdas/shared/config';
import { CONTRACT, creditCsv } from './harness/datasets';
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

describe('check-bias: parts on the validation plan and their merge equal the single pass exactly', () => {
  interface Outcome {
    /** The handler's answer, or the error it threw (name and message). */
    readonly answer: unknown;
    /** The report's bytes as written. */
    readonly report: string;
    /** `Warden Bias Gate Failed` details emitted. */
    readonly events: Array<Record<string, unknown>>;
  }

  const PRE = { label: 'approved', facet: 'sex', facetValue: 'F', positive: '1' };

  function settle(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      (answer) => answer,
      (error: Error) => ({ error: error.name, message: error.message }),
    );
  }

  async function outcomeOf(run: () => Promise<unknown>, reportKeyOf: (answer: unknown) => string): Promise<Outcome> {
    const before = putEvents(recorder.calls).length;
    const answer = await settle(run());
    const events = putEvents(recorder.calls)
      .slice(before)
      .map((event) => event.detail);
    const report = (await aws.s3.read(ARTIFACTS, reportKeyOf(answer))).toString('utf8');
    return { answer, report, events };
  }

  /** validate-data's plan, every manifest item through `part` (as the Map's children would), then `merge`. */
  async function scaledOut(key: string, partBytes: number) {
    const planned = (await validateData({ mode: 'plan', bucket: DATA, key, correlationId: 'run-1', partBytes })) as {
      manifestBucket: string;
      manifestKey: string;
    };
    const items = JSON.parse((await aws.s3.read(planned.manifestBucket, planned.manifestKey)).toString()) as Array<{
      partIndex: number;
      start: number;
      end: number;
    }>;
    const parts = [];
    for (const item of items) {
      parts.push(await invoke({ mode: 'part', bucket: DATA, key, correlationId: 'run-1', part: item }));
    }
    const merge = () =>
      invoke({
        mode: 'merge',
        bucket: DATA,
        key,
        correlationId: 'run-1',
        manifestBucket: planned.manifestBucket,
        manifestKey: planned.manifestKey,
      });
    return { items, parts, merge };
  }

  /**
   * Ranges whose end is not where a reader splitting on line breaks would have cut: a quoted line break sat at the
   * first line end after the part size, so the planner carried the range on to the end of that record.
   */
  function boundariesPastQuotedBreaks(csv: Buffer, items: Array<{ start: number; end: number }>, partBytes: number) {
    return items.slice(0, -1).filter((item) => {
      let cut = item.start + partBytes - 1;
      while (cut < csv.length && csv[cut] !== 0x0a && csv[cut] !== 0x0d) cut++;
      return item.end > cut + 2;
    }).length;
  }

  async function compare(csvText: string, key: string, partBytes: number, bias: Record<string, unknown>) {
    setWardenEnv({
      WARDEN_BIAS: JSON.stringify(bias),
      WARDEN_CONTRACT: JSON.stringify(CONTRACT),
      WARDEN_SPLIT: JSON.stringify({ label: 'approved' }),
    });
    await aws.s3.write(DATA, key, csvText);
    const reportKey = (answer: unknown, sha256?: string) =>
      (answer as { reportKey?: string }).reportKey ?? `reports/${MODEL}/${sha256}/bias-pre.json`;
    const single = await outcomeOf(
      () => invoke({ mode: 'pre', bucket: DATA, key, correlationId: 'run-1' }),
      (answer) => reportKey(answer, singleSha256(answer)),
    );
    const { items, parts, merge } = await scaledOut(key, partBytes);
    const merged = await outcomeOf(merge, (answer) => reportKey(answer, singleSha256(answer)));
    expect(parts.every((part) => part.counted === true)).toBe(true);
    expect(merged.answer).toEqual(single.answer);
    expect(merged.report).toBe(single.report);
    expect(merged.events).toEqual(single.events);
    return { single, items };
  }

  /** The SHA-256 that names the report: from the answer, or from the failure's report link. */
  function singleSha256(answer: unknown): string | undefined {
    const message = (answer as { message?: string }).message ?? '';
    return /reports\/[^/]+\/([0-9a-f]{64})\//.exec(message)?.[1];
  }

  it.each([
    ['a passing dataset, CRLF', { rows: 150, seed: 11, lineEnd: '\r\n' }, 90, PRE, { verdict: 'pass' }],
    [
      'a failing dataset (DPL), LF',
      { rows: 200, seed: 12, lineEnd: '\n', approvalF: 0.15, approvalM: 0.8 },
      70,
      PRE,
      { error: 'Warden.BiasGateFailed', message: expect.stringMatching(/DPL = /) },
    ],
    [
      'groups for CDDL, many tiny parts',
      { rows: 90, seed: 13 },
      17,
      { ...PRE, group: 'member' },
      { pretraining: expect.objectContaining({ CDDL: expect.any(Number) }), counts: { rows: 90, groups: 2 } },
    ],
    [
      'warn mode',
      { rows: 120, seed: 14, approvalF: 0.1, approvalM: 0.9 },
      120,
      { ...PRE, mode: 'warn' },
      { verdict: 'warn', failed: ['DPL'] },
    ],
  ])('on %s', async (_name, options, partBytes, bias, expected) => {
    const csv = creditCsv(options);
    const key = `incoming/credit/bias-eq-${options.seed}.csv`;
    const { single, items } = await compare(csv, key, partBytes, bias);
    expect(single.answer).toMatchObject(expected);
    expect(items.length).toBeGreaterThan(4);
    expect(boundariesPastQuotedBreaks(Buffer.from(csv), items, partBytes)).toBeGreaterThan(0);
  });

  it('on random datasets and part sizes, with quoted line breaks across range boundaries (fast-check, 12 runs)', async () => {
    let straddled = 0;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 20, max: 160 }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          lineEnd: fc.constantFrom('\n', '\r\n', '\r'),
          bom: fc.boolean(),
          approvalF: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
          approvalM: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        }),
        fc.integer({ min: 8, max: 400 }),
        fc.boolean(),
        async (options, partBytes, grouped) => {
          const csv = creditCsv(options);
          const key = `incoming/credit/bias-random-${run++}.csv`;
          const { items } = await compare(csv, key, partBytes, grouped ? { ...PRE, group: 'member' } : PRE);
          straddled += boundariesPastQuotedBreaks(Buffer.from(csv), items, partBytes);
        },
      ),
      { numRuns: 12 },
    );
    expect(straddled).toBeGreaterThan(0);
  });

  it('fails the merge with the error a single pass raises when the parts cannot count the data', async () => {
    const bias = { ...PRE, facet: 'gender' };
    setWardenEnv({ WARDEN_BIAS: JSON.stringify(bias), WARDEN_CONTRACT: JSON.stringify(CONTRACT) });
    const key = 'incoming/credit/bias-no-facet.csv';
    await aws.s3.write(DATA, key, creditCsv({ rows: 60, seed: 5 }));
    const single = await settle(invoke({ mode: 'pre', bucket: DATA, key, correlationId: 'c' }));
    expect(single).toMatchObject({
      error: 'Warden.InputError',
      message: expect.stringMatching(/facet column "gender"/i),
    });
    const { parts, merge } = await scaledOut(key, 200);
    expect(parts.map((part) => part.counted)).toEqual(parts.map(() => false));
    expect(await settle(merge())).toEqual(single);
  });

  it('refuses a part the plan does not list, and a merge with a part missing', async () => {
    setWardenEnv({ WARDEN_BIAS: JSON.stringify(PRE), WARDEN_CONTRACT: JSON.stringify(CONTRACT) });
    const key = 'incoming/credit/bias-missing-part.csv';
    await aws.s3.write(DATA, key, creditCsv({ rows: 60, seed: 6 }));
    const planned = (await validateData({ mode: 'plan', bucket: DATA, key, correlationId: 'c', partBytes: 300 })) as {
      manifestBucket: string;
      manifestKey: string;
    };
    const items = JSON.parse((await aws.s3.read(planned.manifestBucket, planned.manifestKey)).toString()) as Array<
      Record<string, number | string>
    >;
    await expect(
      invoke({
        mode: 'part',
        bucket: DATA,
        key,
        correlationId: 'c',
        part: { ...items[1], end: Number(items[1].end) + 1 },
      }),
    ).rejects.toMatchObject({ name: 'Warden.InputError', message: expect.stringMatching(/does not match the plan/) });
    for (const item of items.slice(0, -1))
      await invoke({ mode: 'part', bucket: DATA, key, correlationId: 'c', part: item });
    await expect(invoke({ mode: 'merge', bucket: DATA, key, correlationId: 'c', ...planned })).rejects.toMatchObject({
      name: 'Warden.InputError',
    });
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
        mode: fc.constantFrom('pre', 'post', 'part', 'merge', 'during'),
        bucket: fc.constantFrom(DATA, ARTIFACTS, 'x', ''),
        key: fc.constantFrom('incoming/credit/fair.csv', 'evaluation/job-1/', 'missing.csv', ''),
        correlationId: fc.string(),
        columns: fc.array(fc.string(), { maxLength: 3 }),
        part: fc.record(
          {
            partIndex: fc.integer({ min: -1, max: 3 }),
            start: fc.nat(),
            end: fc.nat(),
            firstRow: fc.nat(),
            planKey: fc.constantFrom('scale-out/none/plan.json', ''),
          },
          { requiredKeys: [] },
        ),
        manifestBucket: fc.constantFrom(ARTIFACTS, ''),
        manifestKey: fc.constantFrom('scale-out/none.json', ''),
      }),
    );
  });
});
