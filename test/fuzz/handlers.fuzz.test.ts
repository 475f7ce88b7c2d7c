/**
 * Property: whatever event and data a handler gets, it answers with a result or a named Warden error — never a crash,
 * an unhandled rejection, a polluted prototype or an echoed PII value. All eleven handlers run as Lambda invokes them,
 * against the local S3 server and DynamoDB Local, with stand-ins that refuse what the real APIs refuse
 * (support/handlers-aws.ts), on hostile events (support/handlers-hostile.ts: 10 000-deep nesting, 100 000-element
 * array, 5 MB strings, own `__proto__` keys, edge numbers) and hostile CSV (support/handlers-csv.ts: Latin-1, UTF-16
 * with a BOM, invalid UTF-8, a 5 MB cell, NaN/Infinity/1e999 in numeric columns, formula injection in categorical
 * ones) under the example family's data contract, whose `email` column is PII.
 *
 * Runs per handler: `WARDEN_FUZZ_RUNS` (default 100; `npm run verify` runs 1000). `WARDEN_FUZZ_SEED` replays a run;
 * `WARDEN_FUZZ_SUMMARY=1` prints how each handler answered. What the runs found stays pinned: support/handlers-fixed.ts
 * replays each fixed defect's example under the strict checks, support/handlers-known.ts holds those not fixed yet.
 */
import './support/handlers-logs';
import '../handlers/harness/quiet';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import type { z } from 'zod';
import { creditRiskFamily } from '../../examples/credit-risk/family';
import { AnchorAuditInput, digestKey, handler as anchorAudit } from '../../lambdas/handlers/anchor-audit';
import { AppendAuditInput, handler as appendAudit } from '../../lambdas/handlers/append-audit';
import { CheckBiasInput, handler as checkBias } from '../../lambdas/handlers/check-bias';
import { DecideRemediationInput, handler as decideRemediation } from '../../lambdas/handlers/decide-remediation';
import { DetectDriftInput, handler as detectDrift } from '../../lambdas/handlers/detect-drift';
import { EvaluateModelInput, handler as evaluateModel } from '../../lambdas/handlers/evaluate-model';
import { RecordLineageInput, handler as recordLineage } from '../../lambdas/handlers/record-lineage';
import { ReportDeploymentInput, handler as reportDeployment } from '../../lambdas/handlers/report-deployment';
import {
  StartRegionalDeploymentInput,
  handler as startRegionalDeployment,
} from '../../lambdas/handlers/start-regional-deployment';
import { StartTrainingInput, handler as startTraining } from '../../lambdas/handlers/start-training';
import { ValidateDataInput, handler as validateData } from '../../lambdas/handlers/validate-data';
import { verifyChain } from '../../lambdas/ledger/audit-chain';
import { AuditLedger } from '../../lambdas/ledger/audit-ledger';
import { LineageRepository } from '../../lambdas/ledger/lineage-repository';
import { WardenError } from '../../lambdas/shared/errors';
import {
  ARTIFACTS,
  AUDIT_TABLE,
  DATA,
  DIGESTS,
  LINEAGE_TABLE,
  setWardenEnv,
  startLocalAws,
  type LocalAws,
} from '../handlers/harness/local-aws';
import { strictAwsCalls, type EndpointState } from './support/handlers-aws';
import { DATASET_COLUMNS, JOINED_COLUMNS, hostileTables, type HostileTable } from './support/handlers-csv';
import {
  anchorAuditEvents,
  appendAuditEvents,
  decideRemediationEvents,
  recordLineageEvents,
  reportDeploymentEvents,
  startRegionalDeploymentEvents,
  startTrainingEvents,
} from './support/handlers-events';
import { hostileEvents, materialize, prototypeSnapshot } from './support/handlers-hostile';
import { FIXED_DEFECTS } from './support/handlers-fixed';
import { KNOWN_DEFECTS, knownDefect, type KnownDefect } from './support/handlers-known';
import { captureLogs, type CapturedLogs } from './support/handlers-logs';
import {
  Tally,
  drainMicrotasks,
  expectNoMarkers,
  expectNoPollution,
  expectTyped,
  fuzzRuns,
  objectsWritten,
  outcomeText,
  settle,
  watchProcess,
  type Outcome,
  type ProcessWatch,
} from './support/handlers-outcome';

type Handler = (event: unknown) => Promise<unknown>;

const RUNS = fuzzRuns();
const SEED = process.env.WARDEN_FUZZ_SEED === undefined ? undefined : Number(process.env.WARDEN_FUZZ_SEED);
// Read now: the tests replace every WARDEN_ variable with the handlers' configuration.
const SUMMARY = process.env.WARDEN_FUZZ_SUMMARY === '1';
/** Generous: a run with a 5 MB cell reads and writes it several times. */
const TIMEOUT = 120_000 + RUNS * 1_500;

const CONTRACT = creditRiskFamily().contract;
const DATASET_KEY = 'incoming/fuzz/data.csv';
/**
 * Buckets of their own where handlers list objects: the local S3 server walks a whole bucket to list it, and the
 * artifacts bucket fills up with reports as the runs go on.
 */
const TRANSFORM = 'warden-fuzz-transform';
const DRIFT_ARTIFACTS = 'warden-fuzz-drift';
const JOINED_KEY = 'evaluation/fuzz/holdout.csv.out';
const BIAS = {
  label: 'label',
  facet: 'sex',
  facetValue: 'F',
  positive: '1',
  group: 'region',
  prediction: 'prediction',
};
const EVALUATION = { label: 'label', prediction: 'prediction', positive: '1' };
const DRIFT_FEATURES = ['age', 'income', 'debt_ratio', 'sex', 'region'];
const DRIFT_MODEL = 'fuzz-drift';
const REMEDIATION_MODEL = 'fuzz-remediation';
const TRAINING_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:warden-fuzz-training';
const DEPLOY_ARNS = {
  'us-east-1': 'arn:aws:states:us-east-1:111122223333:stateMachine:warden-fuzz-deploy',
  'eu-west-1': 'arn:aws:states:eu-west-1:111122223333:stateMachine:warden-fuzz-deploy',
};
const NOW = '2025-03-01T12:00:00Z';

let aws: LocalAws;
let watch: ProcessWatch;
let logs: CapturedLogs;
let recorder: ReturnType<typeof strictAwsCalls>;
let endpoints: Record<string, EndpointState | undefined> = {};
const prototype = prototypeSnapshot();
const tally = new Tally();

beforeAll(async () => {
  aws = await startLocalAws({ withDynamo: true });
  await aws.s3.createBucket(TRANSFORM);
  await aws.s3.createBucket(DRIFT_ARTIFACTS);
  watch = watchProcess();
  logs = captureLogs();
  await prepareDriftBaseline();
  const evaluated = new LineageRepository(aws.dynamoClient(), LINEAGE_TABLE, 'fuzz-eval-live');
  await evaluated.putVersion(1, { evaluation: { metrics: { accuracy: 0.9 } } });
  await evaluated.setLive('us-east-1', { modelVersion: 1, endpointConfigName: 'cfg-1' });
  const remediation = new LineageRepository(aws.dynamoClient(), LINEAGE_TABLE, REMEDIATION_MODEL);
  await remediation.putVersion(1, {});
  await remediation.putVersion(2, { previousLive: { 'us-east-1': { modelVersion: 1, endpointConfigName: 'cfg-1' } } });
  await remediation.setLive('us-east-1', { modelVersion: 2, endpointConfigName: 'cfg-2' });
  await aws.s3.write(DATA, 'incoming/fuzz-training/data.csv', 'a,b\n1,2\n');
}, 120_000);

afterAll(async () => {
  logs?.restore();
  watch?.stop();
  await aws?.stop();
  if (SUMMARY) console.log(`Handler fuzz, ${RUNS} runs per handler:\n${tally.summary()}`);
});

beforeEach(() => {
  endpoints = {};
  recorder = strictAwsCalls(() => endpoints);
});

afterEach(() => {
  recorder.restore();
  expect(watch.problems).toEqual([]);
});

function property<T>(arbitrary: fc.Arbitrary<T>, run: (value: T) => Promise<void>): Promise<void> {
  return fc.assert(fc.asyncProperty(arbitrary, run), { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) });
}

interface Checked {
  readonly outcome: Outcome;
  /** `ok`, or the name of the Warden error. */
  readonly answer: string;
}

/**
 * Invokes `handler` and checks everything the suite promises about one invocation; `pii` are the markers of the PII
 * values in the data it reads, which must not be in its answer, its logs, its calls to AWS or the objects it wrote.
 */
async function invoke(name: string, handler: Handler, schema: z.ZodType, event: unknown, pii: readonly string[] = []) {
  const requestsFrom = aws.s3.requests.length;
  const callsFrom = recorder.calls.length;
  // The known defects are all behind the schema: an event it refuses is held to the strict check.
  const known = schema.safeParse(event).success ? knownDefect(name, event) : undefined;
  logs.clear();
  const outcome = await settle(handler, event);
  await drainMicrotasks();
  expect(watch.problems).toEqual([]);
  expectNoPollution(prototype);
  if (known !== undefined) {
    // See support/handlers-known.ts: only the above holds for these events until the defect is fixed.
    tally.add(name, `known defect ${known.id}`);
    return { outcome, answer: `known defect ${known.id}` } satisfies Checked;
  }
  const answer = expectTyped(outcome, schema, event);
  // Every invocation logs its outcome: the capture is working, and formatting the log did not throw.
  expect(logs.lines.length).toBeGreaterThan(0);
  if (pii.length > 0) {
    expectNoMarkers(pii, [outcomeText(outcome)], `the ${name} answer`);
    expectNoMarkers(pii, logs.lines, `the ${name} logs`);
    const sent = recorder.calls.slice(callsFrom).map((call) => JSON.stringify(call.input));
    expectNoMarkers(pii, sent, `what ${name} sent to AWS`);
    expectNoMarkers(pii, await objectsWritten(aws.s3, ARTIFACTS, requestsFrom), `what ${name} wrote to S3`);
  }
  tally.add(name, answer);
  return { outcome, answer } satisfies Checked;
}

/** The result of an invocation that succeeded, as the state machine sees it. */
function resultOf(checked: Checked): Record<string, unknown> {
  if (!('result' in checked.outcome)) throw new Error(`Expected a result, got ${checked.answer}.`);
  return checked.outcome.result as Record<string, unknown>;
}

/** The report an error message points at (`Report: s3://bucket/key.`), read back as JSON. */
async function reportNamedIn(checked: Checked): Promise<Record<string, unknown>> {
  const error = (checked.outcome as { error: Error }).error;
  const match = /Report: s3:\/\/([^/]+)\/(\S+)\.$/.exec(error.message);
  if (match === null) throw new Error(`No report in "${error.message}".`);
  return JSON.parse((await aws.s3.read(match[1], match[2])).toString('utf8')) as Record<string, unknown>;
}

async function report(key: unknown, bucket = ARTIFACTS): Promise<Record<string, unknown>> {
  return JSON.parse((await aws.s3.read(bucket, String(key))).toString('utf8')) as Record<string, unknown>;
}

/**
 * Markers of the PII values as the handler reads the table: a table without a header row is read with the column
 * names of the event and the prediction last, so an `email` column in last place is read as the prediction.
 */
function piiAsRead(table: HostileTable): readonly string[] {
  return !table.header && table.columns.at(-1) === 'email' ? [] : table.pii;
}

/** A table read in one pass: an unreadable one is an input error, whatever else went wrong. */
function expectReadable(table: HostileTable, answer: string): void {
  if (table.unreadable !== undefined) expect(answer).toBe('Warden.InputError');
}

function useContract(minRows: number, extra: Record<string, string> = {}): void {
  setWardenEnv({
    WARDEN_CONTRACT: JSON.stringify({ ...CONTRACT, minRows }),
    WARDEN_SPLIT: JSON.stringify({ label: 'label' }),
    ...extra,
  });
}

/** The plan → parts → merge path of a Distributed Map over the dataset; the answer is the first error or the merge's. */
async function scaledOut(
  name: string,
  handler: Handler,
  schema: z.ZodType,
  table: HostileTable,
  parts: number,
): Promise<Checked> {
  const dataset = { bucket: DATA, key: DATASET_KEY, correlationId: 'fuzz' };
  const partBytes = Math.max(1, Math.ceil(table.bytes.length / parts));
  const planned = await invoke(
    'validate-data',
    validateData,
    ValidateDataInput,
    { ...dataset, mode: 'plan', partBytes },
    table.pii,
  );
  if (planned.answer !== 'ok') return planned;
  const { manifestBucket, manifestKey } = resultOf(planned) as { manifestBucket: string; manifestKey: string };
  const items = JSON.parse((await aws.s3.read(manifestBucket, manifestKey)).toString('utf8')) as unknown[];
  for (const part of items) {
    const counted = await invoke(name, handler, schema, { ...dataset, mode: 'part', part }, table.pii);
    if (counted.answer !== 'ok') return counted;
  }
  return invoke(name, handler, schema, { ...dataset, mode: 'merge', manifestBucket, manifestKey }, table.pii);
}

describe('validate-data', () => {
  const plausible = fc.record(
    {
      mode: fc.constantFrom('single', 'plan', 'part', 'merge', 'audit'),
      bucket: fc.constantFrom(DATA, ARTIFACTS, 'no-such-bucket'),
      key: fc.constantFrom(DATASET_KEY, 'incoming/fuzz/missing.csv', 'incoming/fuzz/'),
      correlationId: fc.string({ minLength: 1, maxLength: 8 }),
      maxBytes: fc.integer({ min: 1, max: 1e6 }),
      partBytes: fc.integer({ min: 1, max: 1e6 }),
      part: fc.record({
        partIndex: fc.integer({ min: 0, max: 2 }),
        start: fc.nat(100),
        end: fc.nat(200),
        firstRow: fc.integer({ min: 1, max: 3 }),
        planKey: fc.constantFrom('scale-out/credit/none/plan.json', 'x'),
      }),
      manifestBucket: fc.constantFrom(ARTIFACTS, DATA),
      manifestKey: fc.constantFrom('scale-out/credit/none/manifest.json', DATASET_KEY),
    },
    { requiredKeys: ['bucket', 'key', 'correlationId'] },
  );
  const cases = fc.record({
    table: hostileTables(DATASET_COLUMNS),
    minRows: fc.constantFrom(0, 1000),
    path: fc.oneof(
      { weight: 6, arbitrary: fc.constant('single' as const) },
      { weight: 2, arbitrary: fc.constant('scaled-out' as const) },
      { weight: 3, arbitrary: fc.constant('event' as const) },
    ),
    maxBytes: fc.option(fc.integer({ min: 1, max: 4096 }), { freq: 5 }),
    parts: fc.integer({ min: 1, max: 4 }),
    event: hostileEvents(plausible),
  });

  it(
    `answers ${RUNS} hostile datasets and events with a result or a Warden error, and never echoes PII`,
    async () => {
      await property(cases, async ({ table, minRows, path, maxBytes, parts, event }) => {
        useContract(minRows);
        await aws.s3.write(DATA, DATASET_KEY, table.bytes);
        if (path === 'event') {
          await invoke('validate-data', validateData, ValidateDataInput, materialize(event));
          return;
        }
        const dataset = { bucket: DATA, key: DATASET_KEY, correlationId: 'fuzz' };
        const limited = path === 'single' && maxBytes !== null;
        const single = await invoke(
          'validate-data',
          validateData,
          ValidateDataInput,
          limited ? { ...dataset, maxBytes } : dataset,
          table.pii,
        );
        if (limited && table.bytes.length > maxBytes) expect(single.answer).toBe('Warden.DatasetTooLarge');
        else expectReadable(table, single.answer);
        if (single.answer === 'ok') {
          const result = resultOf(single);
          expect(result).toMatchObject({ passed: true, rows: expect.any(Number), violations: expect.any(Array) });
          expect(await report(result.reportKey)).toMatchObject({ passed: true, rows: result.rows });
          expect((await aws.s3.read(ARTIFACTS, String(result.baselineKey))).length).toBeGreaterThan(0);
        }
        if (single.answer === 'Warden.ValidationFailed') {
          expect(await reportNamedIn(single)).toMatchObject({ passed: false, violations: expect.any(Array) });
        }
        if (path !== 'scaled-out' || limited) return;
        // The Distributed Map must reach the single pass's verdict.
        const merged = await scaledOut('validate-data', validateData, ValidateDataInput, table, parts);
        expect(merged.answer).toBe(single.answer);
        if (single.answer === 'ok') {
          const [one, many] = [resultOf(single), resultOf(merged)];
          expect(many).toMatchObject({ rows: one.rows, datasetSha256: one.datasetSha256, violations: one.violations });
        }
      });
    },
    TIMEOUT,
  );
});

describe('check-bias', () => {
  const plausible = fc.record(
    {
      mode: fc.constantFrom('pre', 'post', 'part', 'merge', 'during'),
      bucket: fc.constantFrom(DATA, TRANSFORM, 'no-such-bucket'),
      key: fc.constantFrom(DATASET_KEY, JOINED_KEY, 'evaluation/fuzz/', 'missing.csv'),
      correlationId: fc.string({ minLength: 1, maxLength: 8 }),
      modelVersion: fc.integer({ min: -1, max: 3 }),
      columns: fc.array(fc.constantFrom('label', 'sex', 'region', 'age', ''), { maxLength: 4 }),
      part: fc.record({
        partIndex: fc.integer({ min: 0, max: 2 }),
        start: fc.nat(100),
        end: fc.nat(200),
        firstRow: fc.integer({ min: 1, max: 3 }),
        planKey: fc.constantFrom('scale-out/credit/none/plan.json', ''),
      }),
      manifestBucket: fc.constantFrom(ARTIFACTS, ''),
      manifestKey: fc.constantFrom('scale-out/credit/none/manifest.json', ''),
    },
    { requiredKeys: ['mode', 'bucket', 'key', 'correlationId'] },
  );
  const cases = fc.record({
    path: fc.oneof(
      { weight: 4, arbitrary: fc.constant('pre' as const) },
      { weight: 4, arbitrary: fc.constant('post' as const) },
      { weight: 1, arbitrary: fc.constant('scaled-out' as const) },
      { weight: 3, arbitrary: fc.constant('event' as const) },
    ),
    dataset: hostileTables(DATASET_COLUMNS),
    joined: hostileTables(JOINED_COLUMNS, { header: 'either' }),
    prefix: fc.boolean(),
    mode: fc.constantFrom('fail', 'warn'),
    parts: fc.integer({ min: 1, max: 4 }),
    event: hostileEvents(plausible),
  });

  it(
    `answers ${RUNS} hostile datasets, transform outputs and events with a result or a Warden error, and never echoes PII`,
    async () => {
      await property(cases, async ({ path, dataset, joined, prefix, mode, parts, event }) => {
        useContract(0, { WARDEN_BIAS: JSON.stringify({ ...BIAS, mode }) });
        await aws.s3.write(DATA, DATASET_KEY, dataset.bytes);
        await aws.s3.write(TRANSFORM, JOINED_KEY, joined.bytes);
        if (path === 'event') {
          await invoke('check-bias', checkBias, CheckBiasInput, materialize(event));
          return;
        }
        const table = path === 'post' ? joined : dataset;
        const input =
          path === 'post'
            ? {
                mode: 'post',
                bucket: TRANSFORM,
                key: prefix ? 'evaluation/fuzz/' : JOINED_KEY,
                correlationId: 'fuzz',
                ...(joined.header ? {} : { columns: joined.columns.slice(0, -1) }),
              }
            : { mode: 'pre', bucket: DATA, key: DATASET_KEY, correlationId: 'fuzz' };
        const single = await invoke('check-bias', checkBias, CheckBiasInput, input, piiAsRead(table));
        expectReadable(table, single.answer);
        if (single.answer === 'ok') {
          const result = resultOf(single);
          expect(['pass', 'warn']).toContain(result.verdict);
          expect(await report(result.reportKey)).toMatchObject({ verdict: result.verdict, stage: input.mode });
        }
        if (single.answer === 'Warden.BiasGateFailed') {
          expect(mode).toBe('fail');
          expect(await reportNamedIn(single)).toMatchObject({ verdict: 'fail' });
        }
        if (path !== 'scaled-out') return;
        // Counting parts and merging them must reach the single pre-training pass's verdict.
        const merged = await scaledOut('check-bias', checkBias, CheckBiasInput, dataset, parts);
        expect(merged.answer).toBe(single.answer);
        if (single.answer === 'ok') expect(resultOf(merged)).toEqual(resultOf(single));
      });
    },
    TIMEOUT,
  );
});

describe('evaluate-model', () => {
  const plausible = fc.record(
    {
      bucket: fc.constantFrom(TRANSFORM, DATA, 'no-such-bucket'),
      key: fc.constantFrom(JOINED_KEY, 'evaluation/fuzz/', 'missing', ''),
      correlationId: fc.string({ minLength: 1, maxLength: 8 }),
      trainingJobName: fc.string({ maxLength: 8 }),
      modelVersion: fc.integer({ min: -1, max: 3 }),
      columns: fc.array(fc.constantFrom('label', 'age', 'sex', ''), { maxLength: 4 }),
    },
    { requiredKeys: ['bucket', 'key', 'correlationId'] },
  );
  const cases = fc.record({
    joined: hostileTables(JOINED_COLUMNS, { header: 'either' }),
    live: fc.boolean(),
    minAccuracy: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    prefix: fc.boolean(),
    useEvent: fc.nat(3).map((n) => n === 0),
    event: hostileEvents(plausible),
  });

  it(
    `answers ${RUNS} hostile transform outputs and events with a result or a Warden error, and never echoes PII`,
    async () => {
      await property(cases, async ({ joined, live, minAccuracy, prefix, useEvent, event }) => {
        setWardenEnv({
          WARDEN_MODEL_NAME: live ? 'fuzz-eval-live' : 'fuzz-eval',
          WARDEN_EVALUATION: JSON.stringify({ ...EVALUATION, ...(minAccuracy === null ? {} : { minAccuracy }) }),
        });
        await aws.s3.write(TRANSFORM, JOINED_KEY, joined.bytes);
        if (useEvent) {
          await invoke('evaluate-model', evaluateModel, EvaluateModelInput, materialize(event));
          return;
        }
        const input = {
          bucket: TRANSFORM,
          key: prefix ? 'evaluation/fuzz/' : JOINED_KEY,
          correlationId: 'fuzz',
          ...(joined.header ? {} : { columns: joined.columns.slice(0, -1) }),
        };
        const checked = await invoke('evaluate-model', evaluateModel, EvaluateModelInput, input, piiAsRead(joined));
        expectReadable(joined, checked.answer);
        if (checked.answer === 'ok') {
          const result = resultOf(checked);
          expect(result.passed).toBe(true);
          expect(await report(result.reportKey)).toMatchObject({ passed: true });
        }
        if (checked.answer === 'Warden.EvaluationFailed') {
          expect(await reportNamedIn(checked)).toMatchObject({ passed: false });
        }
      });
    },
    TIMEOUT,
  );
});

/** A clean dataset under the example contract, validated into the live version's baseline profile. */
async function prepareDriftBaseline(): Promise<void> {
  const rows = Array.from({ length: 300 }, (_, i) =>
    [
      20 + (i % 50),
      1000 + i * 7,
      (i % 9) + 0.5,
      ['F', 'M', 'X'][i % 3],
      ['north', 'south'][i % 2],
      `u${i}@x.com`,
      i % 2,
    ].join(','),
  );
  await aws.s3.write(
    DATA,
    'incoming/fuzz/baseline.csv',
    ['age,income,debt_ratio,sex,region,email,label', ...rows].join('\n'),
  );
  useContract(0, { WARDEN_MODEL_NAME: DRIFT_MODEL, WARDEN_ARTIFACTS_BUCKET: DRIFT_ARTIFACTS });
  const recording = strictAwsCalls();
  try {
    const result = (await validateData({ bucket: DATA, key: 'incoming/fuzz/baseline.csv', correlationId: 'base' })) as {
      datasetSha256: string;
    };
    const lineage = new LineageRepository(aws.dynamoClient(), LINEAGE_TABLE, DRIFT_MODEL);
    await lineage.putVersion(1, { datasetSha256: result.datasetSha256 });
    await lineage.setLive('us-east-1', { modelVersion: 1, endpointConfigName: 'cfg-1' });
  } finally {
    recording.restore();
  }
}

describe('detect-drift', () => {
  const captureLine = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({
          table: hostileTables(
            DATASET_COLUMNS.filter((column) => DRIFT_FEATURES.includes(column.name)),
            // A run has up to 24 requests: 5 MB ones now and then, not in every other run.
            { header: false, maxRows: 6, giantOdds: 400 },
          ),
          encoding: fc.constantFrom('CSV', 'BASE64', 'base64', 'JSON', ''),
          contentType: fc.constantFrom('text/csv', 'TEXT/CSV; charset=utf-8', 'application/json', undefined),
          time: fc.constantFrom('2025-03-01T11:30:00Z', '2025-03-01T10:59:59Z', '2025-03-01T12:00:00Z', '1e999', ''),
        })
        .map(({ table, encoding, contentType, time }) =>
          JSON.stringify({
            captureData: {
              endpointInput: {
                ...(contentType === undefined ? {} : { observedContentType: contentType }),
                mode: 'INPUT',
                data:
                  encoding.toUpperCase() === 'BASE64' ? table.bytes.toString('base64') : table.bytes.toString('utf8'),
                encoding,
              },
            },
            eventMetadata: { eventId: 'e', inferenceTime: time },
          }),
        ),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'not json',
        '{"captureData": null}',
        '{"__proto__": {"polluted": "yes"}, "captureData": {"endpointInput": {"data": "1,2,F,north,1", "encoding": "CSV"}}}',
        `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
        '{"captureData":{"endpointInput":{"data":7,"encoding":"CSV"}},"eventMetadata":{"inferenceTime":"2025-03-01T11:00:00Z"}}',
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  );
  const cases = fc.record({
    files: fc.array(fc.array(captureLine, { maxLength: 8 }), { maxLength: 3 }),
    lineEnd: fc.constantFrom('\n', '\r\n'),
    useEvent: fc.nat(3).map((n) => n === 0),
    event: hostileEvents(
      fc.record(
        {
          endpointName: fc.constantFrom('fuzz-endpoint', '-bad-', ''),
          region: fc.constantFrom('us-east-1', 'eu-west-1', 'moon'),
          at: fc.constantFrom(NOW, '2025-03-01T12:00:00.000+01:00', 'soon'),
          correlationId: fc.string({ maxLength: 8 }),
        },
        { requiredKeys: ['endpointName'] },
      ),
    ),
  });
  let s3: S3Client;
  beforeAll(() => {
    s3 = aws.s3.client();
  });

  it(
    `answers ${RUNS} hostile capture files and events with a result or a Warden error`,
    async () => {
      await property(cases, async ({ files, lineEnd, useEvent, event }) => {
        setWardenEnv({
          WARDEN_MODEL_NAME: DRIFT_MODEL,
          WARDEN_ARTIFACTS_BUCKET: DRIFT_ARTIFACTS,
          WARDEN_DRIFT: JSON.stringify({
            columns: DRIFT_FEATURES,
            capturePrefix: 'capture/',
            captureWindowMinutes: 60,
          }),
        });
        const endpointName = 'fuzz-endpoint';
        const keys = files.map((_, i) => `capture/${endpointName}/v${i % 2}/2025/03/01/11/f${i}.jsonl`);
        for (const [i, lines] of files.entries()) await aws.s3.write(DRIFT_ARTIFACTS, keys[i], lines.join(lineEnd));
        const input = useEvent ? materialize(event) : { endpointName, at: NOW, correlationId: 'fuzz' };
        const checked = await invoke('detect-drift', detectDrift, DetectDriftInput, input);
        if (checked.answer === 'ok') {
          const result = resultOf(checked);
          expect(result.drifted).toEqual(expect.any(Array));
          if (result.skipped === undefined) {
            expect(await report(result.reportKey, DRIFT_ARTIFACTS)).toMatchObject({ window: expect.any(Object) });
            keys.push(String(result.reportKey));
          }
        }
        // The bucket stays small, so that listing it stays fast.
        for (const Key of keys) await s3.send(new DeleteObjectCommand({ Bucket: DRIFT_ARTIFACTS, Key }));
      });
    },
    TIMEOUT,
  );
});

describe('append-audit', () => {
  it(
    `answers ${RUNS} hostile events with a result or a Warden error, and what it appended forms valid chains`,
    async () => {
      setWardenEnv({ WARDEN_MODEL_NAME: 'fuzz-audit' });
      const ledger = new AuditLedger(aws.dynamoClient(), AUDIT_TABLE);
      const appended = new Set<string>();
      /** Streams a known defect may have corrupted (support/handlers-known.ts). */
      const tainted = new Set<string>();
      await property(hostileEvents(appendAuditEvents()), async (recipe) => {
        const event = materialize(recipe);
        const checked = await invoke('append-audit', appendAudit, AppendAuditInput, event);
        if (!('result' in checked.outcome)) return;
        const { stream, seq, hash } = resultOf(checked) as { stream: string; seq: number; hash: string };
        if (checked.answer !== 'ok') {
          tainted.add(stream);
          return;
        }
        // What the handler answered is the stream's head now (each run checks its own append: shrinking replays runs).
        expect(await ledger.head(stream)).toMatchObject({ seq, hash });
        appended.add(stream);
      });
      for (const stream of appended) {
        if (tainted.has(stream)) continue;
        const entries = await ledger.read(stream);
        expect(verifyChain(entries)).toMatchObject({ valid: true, entries: entries.at(-1)?.seq });
      }
    },
    TIMEOUT,
  );
});

describe('anchor-audit', () => {
  it(
    `answers ${RUNS} hostile stream batches with a result or a Warden error, and anchors exactly the chain entries`,
    async () => {
      setWardenEnv();
      await property(hostileEvents(anchorAuditEvents()), async (recipe) => {
        const event = materialize(recipe);
        const checked = await invoke('anchor-audit', anchorAudit, AnchorAuditInput, event);
        if (checked.answer !== 'ok') return;
        const failed = new Set(
          (resultOf(checked).batchItemFailures as { itemIdentifier: string }[]).map(
            (failure) => failure.itemIdentifier,
          ),
        );
        for (const record of (event as { Records: AnchorRecord[] }).Records) {
          const digest = digestOf(record);
          if (digest === undefined || failed.has(record.dynamodb.SequenceNumber)) continue;
          const written = JSON.parse((await aws.s3.read(DIGESTS, digestKey(digest.stream, digest.seq))).toString());
          expect(written).toEqual(digest);
        }
      });
    },
    TIMEOUT,
  );
});

interface AnchorRecord {
  readonly eventName: string;
  readonly dynamodb: { readonly SequenceNumber: string; readonly NewImage?: Record<string, Record<string, unknown>> };
}

/** The digest anchor-audit must write for a record: an INSERT of a well-formed chain entry. */
function digestOf(record: AnchorRecord): { stream: string; seq: number; hash: string; at: string } | undefined {
  const image = record.dynamodb.NewImage;
  if (record.eventName !== 'INSERT' || image === undefined) return undefined;
  const stream = image.stream?.S;
  const seq = typeof image.seq?.N === 'string' ? Number(image.seq.N) : NaN;
  const hash = image.hash?.S;
  const at = image.at?.S;
  const valid =
    typeof stream === 'string' &&
    stream !== '' &&
    Number.isSafeInteger(seq) &&
    seq >= 1 &&
    typeof hash === 'string' &&
    /^[0-9a-f]{64}$/.test(hash) &&
    typeof at === 'string' &&
    at !== '';
  return valid ? { stream, seq, hash, at } : undefined;
}

describe('decide-remediation', () => {
  it(
    `answers ${RUNS} hostile alarm events with a decision or a Warden error`,
    async () => {
      setWardenEnv({
        WARDEN_MODEL_NAME: REMEDIATION_MODEL,
        WARDEN_BRAKES: JSON.stringify({ cooldownMinutes: 0, dailyCap: 1_000_000, suggestOnly: false, lockSeconds: 1 }),
      });
      await property(
        fc.tuple(hostileEvents(decideRemediationEvents(REMEDIATION_MODEL)), fc.constantFrom('InService', 'Updating')),
        async ([recipe, status]) => {
          endpoints = { [`warden-${REMEDIATION_MODEL}`]: { EndpointStatus: status, EndpointConfigName: 'cfg-2' } };
          const event = materialize(recipe);
          const checked = await invoke('decide-remediation', decideRemediation, DecideRemediationInput, event);
          if (checked.answer !== 'ok') return;
          const decision = resultOf(checked);
          expect(['rollback', 'retrain', 'suppressed']).toContain(decision.action);
          expect(decision.region).toBe((event as { region: string }).region);
        },
      );
    },
    TIMEOUT,
  );
});

describe('record-lineage', () => {
  it(
    `answers ${RUNS} hostile lineage events with a result or a Warden error`,
    async () => {
      setWardenEnv({ WARDEN_MODEL_NAME: 'fuzz-lineage' });
      await property(hostileEvents(recordLineageEvents()), async (recipe) => {
        const checked = await invoke('record-lineage', recordLineage, RecordLineageInput, materialize(recipe));
        if (checked.answer !== 'ok') return;
        const { modelVersion } = resultOf(checked);
        if (modelVersion !== undefined)
          expect(Number.isSafeInteger(modelVersion) && (modelVersion as number) >= 1).toBe(true);
      });
    },
    TIMEOUT,
  );
});

describe('report-deployment', () => {
  it(
    `answers ${RUNS} hostile deploy outcomes with a result or a Warden error`,
    async () => {
      setWardenEnv({ WARDEN_PRIMARY_REGION: 'us-east-1' });
      await property(hostileEvents(reportDeploymentEvents()), async (recipe) => {
        const checked = await invoke('report-deployment', reportDeployment, ReportDeploymentInput, materialize(recipe));
        if (checked.answer === 'ok') expect(typeof resultOf(checked).reported).toBe('boolean');
      });
    },
    TIMEOUT,
  );
});

describe('start-regional-deployment', () => {
  it(
    `answers ${RUNS} hostile deploy requests with a result or a Warden error`,
    async () => {
      setWardenEnv({ WARDEN_DEPLOY_STATE_MACHINE_ARNS: JSON.stringify(DEPLOY_ARNS) });
      await property(hostileEvents(startRegionalDeploymentEvents()), async (recipe) => {
        const event = materialize(recipe);
        const checked = await invoke(
          'start-regional-deployment',
          startRegionalDeployment,
          StartRegionalDeploymentInput,
          event,
        );
        if (checked.answer !== 'ok') return;
        const result = resultOf(checked);
        expect(result.name).toMatch(/^[A-Za-z0-9-]{1,80}$/);
        expect(result.region).toBe((event as { region: string }).region);
      });
    },
    TIMEOUT,
  );
});

describe('start-training', () => {
  it(
    `answers ${RUNS} hostile S3 and retrain events with a result or a Warden error`,
    async () => {
      setWardenEnv({
        WARDEN_MODEL_NAME: 'fuzz-training',
        WARDEN_TRAINING_STATE_MACHINE_ARN: TRAINING_ARN,
        WARDEN_DATA_BUCKET: DATA,
      });
      await property(hostileEvents(startTrainingEvents('fuzz-training', DATA)), async (recipe) => {
        const checked = await invoke('start-training', startTraining, StartTrainingInput, materialize(recipe));
        if (checked.answer === 'ok') expect(typeof resultOf(checked).started).toBe('boolean');
      });
    },
    TIMEOUT,
  );
});

/** Every handler the suite invokes, by name, with the schema of its event. */
const HANDLERS: Record<string, { readonly handler: Handler; readonly schema: z.ZodType }> = {
  'validate-data': { handler: validateData, schema: ValidateDataInput },
  'check-bias': { handler: checkBias, schema: CheckBiasInput },
  'evaluate-model': { handler: evaluateModel, schema: EvaluateModelInput },
  'detect-drift': { handler: detectDrift, schema: DetectDriftInput },
  'anchor-audit': { handler: anchorAudit, schema: AnchorAuditInput },
  'append-audit': { handler: appendAudit, schema: AppendAuditInput },
  'record-lineage': { handler: recordLineage, schema: RecordLineageInput },
  'decide-remediation': { handler: decideRemediation, schema: DecideRemediationInput },
  'report-deployment': { handler: reportDeployment, schema: ReportDeploymentInput },
  'start-regional-deployment': { handler: startRegionalDeployment, schema: StartRegionalDeploymentInput },
  'start-training': { handler: startTraining, schema: StartTrainingInput },
};

/** The configuration, objects and endpoints a pinned defect's example runs with. */
async function prepare(defect: Pick<KnownDefect, 'env' | 'objects'>): Promise<void> {
  setWardenEnv(defect.env);
  for (const { bucket, key, body } of defect.objects ?? []) await aws.s3.write(bucket, key, body);
  endpoints = { [`warden-${REMEDIATION_MODEL}`]: { EndpointStatus: 'InService', EndpointConfigName: 'cfg-2' } };
}

describe('fixed defects (support/handlers-fixed.ts)', () => {
  it.each(FIXED_DEFECTS.map((defect) => [defect.handler, defect.id, defect] as const))(
    '%s, %s: answered strictly, with the answer of the fix',
    async (name, _id, defect) => {
      await prepare(defect);
      const { handler, schema } = HANDLERS[name];
      expect((await invoke(name, handler, schema, defect.example)).answer).toBe(defect.answer);
    },
  );
});

describe('known defects (support/handlers-known.ts)', () => {
  // jest refuses an empty table; with no defect pinned there is nothing to reproduce.
  const pinned = KNOWN_DEFECTS.map((defect) => [defect.handler, defect.id, defect] as const);
  if (pinned.length === 0) return;
  it.each(pinned)(
    '%s, %s: still reproduces (once this fails, the handler is fixed: delete the entry)',
    async (name, _id, defect) => {
      await prepare(defect);
      expect(HANDLERS[name]).toBeDefined();
      const outcome = await settle(HANDLERS[name].handler, defect.example);
      await drainMicrotasks();
      // Still wrong: an error without a Warden name, or (append-audit) an entry that no longer verifies once stored.
      if ('error' in outcome) {
        expect(outcome.error).not.toBeInstanceOf(WardenError);
        expect(outcomeText(outcome)).toMatch(defect.shows ?? /^$/);
      } else {
        expect(defect.shows).toBeUndefined();
        expect(name).toBe('append-audit');
        const { stream } = outcome.result as { stream: string };
        const entries = await new AuditLedger(aws.dynamoClient(), AUDIT_TABLE).read(stream);
        expect(verifyChain(entries).valid).toBe(false);
      }
    },
  );
});
