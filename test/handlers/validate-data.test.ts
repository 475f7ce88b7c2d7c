/**
 * `validate-data` invoked as Lambda invokes it, against the local S3 server with a recording EventBridge stand-in:
 * the single pass, the Distributed Map's plan → parts → merge (which must produce byte-for-byte the single pass's
 * report, baseline profile and splits on a CSV with quoted line breaks and CRLF), failures, and malformed events.
 */
import './harness/quiet';
import fc from 'fast-check';
import { deserializeBaselineProfile } from '../../lambdas/stats/baseline-profile';
import { parseCsvToArrays } from '../../lambdas/stats/csv';
import { InputError } from '../../lambdas/shared/errors';
import { handler, ValidateDataInput } from '../../lambdas/handlers/validate-data';
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
import { CONTRACT, creditCsv } from './harness/datasets';
import { eventsLike, expectOnlyTypedErrors } from './harness/malformed';

/** The handler's answer as the state machine sees it: plain JSON. */
async function invoke<T = Record<string, string>>(event: unknown): Promise<T> {
  return (await handler(event)) as unknown as T;
}

let aws: LocalAws;
let recorder: ReturnType<typeof recordAwsCalls>;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws.stop();
});

beforeEach(() => {
  setWardenEnv({ WARDEN_CONTRACT: JSON.stringify(CONTRACT), WARDEN_SPLIT: JSON.stringify({ label: 'approved' }) });
  recorder = recordAwsCalls();
});

afterEach(() => recorder.restore());

/**
 * The report as JSON with the two things a merge cannot reproduce to the bit taken out and checked on their own: the
 * standard deviation (Chan's merge of partial moments rounds differently from the one-pass Welford update, within the
 * contract's 1e-12) and the distinct estimate of PII columns (salted with a fresh random salt per run, by design, so
 * that two runs' sketches cannot be joined). Everything else, means included (exact sums), must be identical.
 */
function comparableReport(text: string, other: string): { report: unknown; other: unknown } {
  const [a, b] = [JSON.parse(text), JSON.parse(other)];
  for (const [name, column] of Object.entries(a.columns as Record<string, Record<string, number>>)) {
    const twin = b.columns[name] as Record<string, number>;
    for (const moment of ['std']) {
      if (typeof column[moment] !== 'number') continue;
      expect(Math.abs(column[moment] - twin[moment])).toBeLessThanOrEqual(1e-12 * Math.abs(column[moment]));
      Reflect.deleteProperty(column, moment);
      Reflect.deleteProperty(twin, moment);
    }
    if (CONTRACT.columns.some((c) => c.name === name && c.pii === true)) {
      delete column.distinct;
      delete twin.distinct;
    }
  }
  return { report: a, other: b };
}

interface Snapshot {
  readonly result: unknown;
  readonly report: string;
  readonly baseline?: Buffer;
  readonly train: string;
  readonly holdout: string;
}

async function snapshot(result: Record<string, string>): Promise<Snapshot> {
  const splits = async (uri: string) => {
    const prefix = uri.replace(`s3://${ARTIFACTS}/`, '');
    const keys = await aws.s3.keys(ARTIFACTS, prefix);
    const parts = await Promise.all(keys.map((key) => aws.s3.read(ARTIFACTS, key)));
    return Buffer.concat(parts).toString('utf8');
  };
  return {
    result,
    report: (await aws.s3.read(ARTIFACTS, result.reportKey)).toString('utf8'),
    baseline: result.baselineKey === undefined ? undefined : await aws.s3.read(ARTIFACTS, result.baselineKey),
    train: await splits(result.trainS3Uri),
    holdout: await splits(result.holdoutS3Uri),
  };
}

async function runDistributed(key: string, partBytes: number): Promise<{ parts: number; result: unknown }> {
  const planned = await invoke<{ manifestBucket: string; manifestKey: string; partCount: number }>({
    mode: 'plan',
    bucket: DATA,
    key,
    correlationId: 'run-1',
    partBytes,
  });
  const items = JSON.parse((await aws.s3.read(planned.manifestBucket, planned.manifestKey)).toString()) as unknown[];
  expect(items).toHaveLength(planned.partCount);
  for (const item of items) {
    // The Map's ItemSelector: the item is passed on as `part`, next to the execution's dataset and correlation id.
    await handler({ mode: 'part', bucket: DATA, key, correlationId: 'run-1', part: item });
  }
  const result = await handler({
    mode: 'merge',
    bucket: DATA,
    key,
    correlationId: 'run-1',
    manifestBucket: planned.manifestBucket,
    manifestKey: planned.manifestKey,
  }).catch((error: unknown) => error);
  return { parts: items.length, result };
}

describe('validate-data: single pass', () => {
  it('writes the report, the baseline profile and the splits of a dataset that passes, and emits Dataset Validated with a recording EventBridge stand-in', async () => {
    const csv = creditCsv({ rows: 300, seed: 7 });
    await aws.s3.write(DATA, 'incoming/credit/a.csv', csv);
    const result = await invoke<Record<string, unknown>>({
      bucket: DATA,
      key: 'incoming/credit/a.csv',
      correlationId: 'c-1',
    });
    expect(result).toMatchObject({ passed: true, rows: 300, violations: [] });
    expect(result.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.reportKey).toBe(`reports/${MODEL}/${result.datasetSha256}/validation.json`);
    expect(result.baselineKey).toBe(`baselines/${MODEL}/${result.datasetSha256}.wbp`);
    expect(result.columns).toEqual(['approved', 'age', 'income', 'sex', 'member', 'note']);

    const report = JSON.parse((await aws.s3.read(ARTIFACTS, result.reportKey as string)).toString());
    expect(report).toMatchObject({ rows: 300, passed: true, contract: 'credit-applications' });
    expect(report.columns.email).toEqual({ type: 'string', count: 300, missing: 0, distinct: expect.any(Number) });

    const profile = deserializeBaselineProfile(await aws.s3.read(ARTIFACTS, result.baselineKey as string));
    expect(profile.rows).toBe(300);
    // Numeric and categorical contract columns only: free text, timestamps and PII never enter the baseline.
    expect(profile.columns.map((column) => [column.name, column.numeric])).toEqual([
      ['age', true],
      ['income', true],
      ['sex', false],
      ['member', false],
      ['approved', false],
    ]);

    const train = parseCsvToArrays(`${result.columns as string[]}\n${(await snapshot(result as never)).train}`);
    const holdout = parseCsvToArrays(`${result.columns as string[]}\n${(await snapshot(result as never)).holdout}`);
    expect(train.rows.length + holdout.rows.length).toBe(300);
    expect(holdout.rows.length).toBeGreaterThan(30);
    expect(holdout.rows.length).toBeLessThan(100);
    const notes = new Set([...train.rows, ...holdout.rows].map((row) => row[5]));
    expect(notes).toContain('windows\r\nbreak');
    expect(notes).toContain('said "yes"');

    const events = putEvents(recorder.of('EventBridge'));
    expect(events).toEqual([
      {
        detailType: 'Warden Dataset Validated',
        detail: {
          modelName: MODEL,
          region: 'us-east-1',
          correlationId: 'c-1',
          dataset: { bucket: DATA, key: 'incoming/credit/a.csv', sha256: result.datasetSha256 },
          passed: true,
          rows: 300,
          violations: 0,
          reportKey: result.reportKey,
          baselineKey: result.baselineKey,
        },
      },
    ]);
    expect(aws.s3.openUploads()).toBe(0);
  });

  it('writes the report, removes the splits and throws Warden.ValidationFailed for a dataset that breaks its contract', async () => {
    await aws.s3.write(DATA, 'incoming/credit/bad.csv', creditCsv({ rows: 50, badAgeRows: [4, 9] }));
    const error = await handler({ bucket: DATA, key: 'incoming/credit/bad.csv', correlationId: 'c-2' }).catch(
      (caught: unknown) => caught as Error,
    );
    expect(error).toMatchObject({ name: 'Warden.ValidationFailed' });
    expect((error as Error).message).toMatch(/max on age \(2 rows\)/);
    const event = putEvents(recorder.of('EventBridge'))[0];
    expect(event.detail).toMatchObject({ passed: false, violations: 1 });
    const report = JSON.parse((await aws.s3.read(ARTIFACTS, event.detail.reportKey as string)).toString());
    expect(report.violations).toEqual([
      { rule: 'max', column: 'age', count: 2, example: { row: 4, value: '150' }, limit: 120 },
    ]);
    // The report names the run's splits; a rejected dataset's splits are deleted, and it gets no baseline.
    const splitPrefix = (report.splits.train as string).replace(`s3://${ARTIFACTS}/`, '').replace(/train\/$/, '');
    expect(await aws.s3.keys(ARTIFACTS, splitPrefix)).toEqual([]);
    const sha256 = (event.detail.dataset as { sha256: string }).sha256;
    expect(await aws.s3.keys(ARTIFACTS, `baselines/${MODEL}/${sha256}`)).toEqual([]);
  });
});

describe('validate-data: the single pass and its size limit', () => {
  it('refuses an object above maxBytes with Warden.DatasetTooLarge before reading or writing anything, and reads one at the limit', async () => {
    const csv = creditCsv({ rows: 40, seed: 8 });
    const bytes = Buffer.byteLength(csv);
    const key = 'incoming/credit/limit.csv';
    await aws.s3.write(DATA, key, csv);
    const before = await aws.s3.keys(ARTIFACTS, '');
    await expect(handler({ bucket: DATA, key, correlationId: 'c-3', maxBytes: bytes - 1 })).rejects.toMatchObject({
      name: 'Warden.DatasetTooLarge',
      message: expect.stringContaining(`has ${bytes} bytes, more than the ${bytes - 1}`),
    });
    expect(await aws.s3.keys(ARTIFACTS, '')).toEqual(before);
    expect(putEvents(recorder.calls)).toEqual([]);
    await expect(
      invoke<Record<string, unknown>>({ bucket: DATA, key, correlationId: 'c-3', maxBytes: bytes }),
    ).resolves.toMatchObject({ passed: true, rows: 40 });
  });
});

describe('validate-data: plan, parts and merge equal the single pass exactly', () => {
  it.each([
    ['CRLF', '\r\n', 97, 250],
    ['LF', '\n', 5, 150],
    ['CRLF, many parts', '\r\n', 3, 7],
  ])('on a CSV with quoted line breaks (%s)', async (_name, lineEnd, seed, partBytes) => {
    const key = `incoming/credit/eq-${seed}.csv`;
    await aws.s3.write(DATA, key, creditCsv({ rows: 120, seed, lineEnd }));
    const single = await snapshot(await invoke({ bucket: DATA, key, correlationId: 'run-1' }));
    const { parts, result } = await runDistributed(key, partBytes);
    expect(parts).toBeGreaterThan(5);
    const merged = await snapshot(result as Record<string, string>);
    expect(merged.result).toEqual(single.result);
    const { report, other } = comparableReport(merged.report, single.report);
    expect(report).toEqual(other);
    expect(merged.baseline?.equals(single.baseline as Buffer)).toBe(true);
    expect(merged.train).toBe(single.train);
    expect(merged.holdout).toBe(single.holdout);
  });

  it('fails the merge with the same report as the single pass when the contract is broken', async () => {
    const key = 'incoming/credit/eq-bad.csv';
    await aws.s3.write(DATA, key, creditCsv({ rows: 80, seed: 3, badAgeRows: [2, 77] }));
    const single = await handler({ bucket: DATA, key, correlationId: 'run-1' }).catch((error: Error) => error);
    const singleReport = (
      await aws.s3.read(ARTIFACTS, putEvents(recorder.calls)[0].detail.reportKey as string)
    ).toString();
    const { result } = await runDistributed(key, 50);
    expect(result).toMatchObject({ name: 'Warden.ValidationFailed', message: (single as Error).message });
    const mergedReport = (
      await aws.s3.read(ARTIFACTS, putEvents(recorder.calls)[1].detail.reportKey as string)
    ).toString();
    const { report, other } = comparableReport(mergedReport, singleReport);
    expect(report).toEqual(other);
  });

  it('refuses a part whose object changed after it was planned', async () => {
    const key = 'incoming/credit/changing.csv';
    await aws.s3.write(DATA, key, creditCsv({ rows: 40 }));
    const planned = await invoke({ mode: 'plan', bucket: DATA, key, correlationId: 'c', partBytes: 200 });
    const [item] = JSON.parse((await aws.s3.read(ARTIFACTS, planned.manifestKey)).toString()) as unknown[];
    await aws.s3.write(DATA, key, creditCsv({ rows: 41 }));
    await expect(handler({ mode: 'part', bucket: DATA, key, correlationId: 'c', part: item })).rejects.toThrow(
      /was replaced while it was being read/,
    );
  });
});

describe('validate-data: bad events', () => {
  it('rejects a missing object and malformed events with Warden.InputError', async () => {
    await expect(handler({ bucket: DATA, key: 'nope.csv', correlationId: 'c' })).rejects.toMatchObject({
      name: 'Warden.InputError',
      message: expect.stringMatching(/does not exist/),
    });
    await expect(handler({ mode: 'part', bucket: DATA, key: 'k', correlationId: 'c' })).rejects.toBeInstanceOf(
      InputError,
    );
    await expect(handler({ mode: 'merge', bucket: DATA, key: 'k' })).rejects.toBeInstanceOf(InputError);
  });

  it('answers malformed events with typed errors only (fast-check, 200 runs)', async () => {
    await expectOnlyTypedErrors(
      handler,
      ValidateDataInput,
      eventsLike({
        mode: fc.constantFrom('single', 'plan', 'part', 'merge', 'other'),
        bucket: fc.constantFrom(DATA, 'missing-bucket', 'Not_A_Bucket', ''),
        key: fc.constantFrom('incoming/credit/a.csv', 'nope.csv', ''),
        correlationId: fc.string({ maxLength: 6 }),
        part: fc.record(
          {
            partIndex: fc.integer({ min: -1, max: 3 }),
            start: fc.nat(),
            end: fc.nat(),
            firstRow: fc.nat(),
            planKey: fc.string(),
          },
          { requiredKeys: [] },
        ),
        partBytes: fc.oneof(fc.integer(), fc.double()),
        maxBytes: fc.oneof(fc.integer(), fc.double()),
        manifestBucket: fc.constantFrom(ARTIFACTS, ''),
        manifestKey: fc.constantFrom('scale-out/none.json', ''),
      }),
    );
  });
});
