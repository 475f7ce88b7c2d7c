/**
 * `detect-drift` as EventBridge Scheduler invokes it, against the local S3 server (SageMaker capture files, the
 * baseline profile, the report) and DynamoDB Local (the live version), with recording CloudWatch and EventBridge
 * stand-ins: metrics per feature, the report, the event on drift, the window's edges, and the cases with nothing to
 * measure.
 */
import './harness/quiet';
import fc from 'fast-check';
import { DatasetScan } from '../../lambdas/core/dataset-scan';
import { DetectDriftInput, handler } from '../../lambdas/handlers/detect-drift';
import { LineageRepository } from '../../lambdas/ledger/lineage-repository';
import { serializeBaselineProfile } from '../../lambdas/stats/baseline-profile';
import { parseContract } from '../../lambdas/stats/contract';
import { parseCsv } from '../../lambdas/stats/csv';
import { DatasetValidator } from '../../lambdas/stats/validate';
import { CONTRACT, seededRandom } from './harness/datasets';
import {
  ARTIFACTS,
  LINEAGE_TABLE,
  MODEL,
  putEvents,
  recordAwsCalls,
  setWardenEnv,
  startLocalAws,
  type LocalAws,
} from './harness/local-aws';
import { eventsLike, expectOnlyTypedErrors } from './harness/malformed';

const ENDPOINT = `warden-${MODEL}`;
const FEATURES = ['age', 'income', 'sex', 'member'];
const SHA = 'b'.repeat(64);
const AT = '2025-03-01T12:00:00Z';

async function invoke(event: unknown): Promise<Record<string, unknown>> {
  return (await handler(event)) as unknown as Record<string, unknown>;
}

/** `count` feature rows; `ageShift` moves the age distribution. */
function featureRows(count: number, seed: number, ageShift = 0): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () =>
    [
      18 + Math.floor(random() * 60) + ageShift,
      (random() * 100_000).toFixed(2),
      ['F', 'M', 'X'][Math.floor(random() * 3)],
      random() < 0.5 ? 'true' : '0',
    ].join(','),
  );
}

/** One line of SageMaker data capture for a request carrying `csv`. */
function captureLine(csv: string, inferenceTime: string, encoding = 'CSV'): string {
  return JSON.stringify({
    captureData: {
      endpointInput: {
        observedContentType: 'text/csv',
        mode: 'INPUT',
        data: encoding === 'BASE64' ? Buffer.from(csv).toString('base64') : csv,
        encoding,
      },
      endpointOutput: { observedContentType: 'text/csv', mode: 'OUTPUT', data: '1', encoding: 'CSV' },
    },
    eventMetadata: { eventId: 'e', inferenceTime },
    eventVersion: '0',
  });
}

/** Writes requests of `rows` (five rows per request) into the 11:00 folders of two variants. */
async function writeCapture(prefix: string, rows: readonly string[]): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < rows.length; i += 5) {
    const time = `2025-03-01T11:${String(Math.floor((i / rows.length) * 60)).padStart(2, '0')}:00Z`;
    lines.push(captureLine(rows.slice(i, i + 5).join('\n'), time, i % 2 === 0 ? 'CSV' : 'BASE64'));
  }
  const half = Math.floor(lines.length / 2);
  await aws.s3.write(ARTIFACTS, `${prefix}/${ENDPOINT}/live/2025/03/01/11/a.jsonl`, lines.slice(0, half).join('\n'));
  await aws.s3.write(
    ARTIFACTS,
    `${prefix}/${ENDPOINT}/canary/2025/03/01/11/b.jsonl`,
    [
      ...lines.slice(half),
      captureLine('99,1,F,true', '2025-03-01T10:59:59Z'),
      captureLine('not,enough', '2025-03-01T11:30:00Z'),
      '{"not":"a capture record"}',
    ].join('\n'),
  );
  // Outside the window's hours: never listed.
  await aws.s3.write(ARTIFACTS, `${prefix}/${ENDPOINT}/live/2025/03/01/12/c.jsonl`, captureLine('120,1,X,true', AT));
}

let aws: LocalAws;
let lineage: LineageRepository;
let recorder: ReturnType<typeof recordAwsCalls>;

beforeAll(async () => {
  aws = await startLocalAws({ withDynamo: true });
  lineage = new LineageRepository(aws.dynamoClient(), LINEAGE_TABLE, MODEL);
  const scan = new DatasetScan(new DatasetValidator(parseContract(CONTRACT)), 's3://warden-data/incoming/credit/a.csv');
  parseCsv(
    ['age,income,sex,member,note,email,approved', ...featureRows(2000, 1).map((r) => `${r},n,e,1`)].join('\n'),
    scan,
  );
  await aws.s3.write(ARTIFACTS, `baselines/${MODEL}/${SHA}.wbp`, serializeBaselineProfile(scan.profile()));
  await lineage.putVersion(1, { datasetSha256: SHA });
  await lineage.setLive('us-east-1', { modelVersion: 1, endpointConfigName: 'credit-v1' });
  await writeCapture('capture-same', featureRows(600, 2));
  await writeCapture('capture-drifted', featureRows(600, 3, 25));
});

afterAll(async () => {
  await aws.stop();
});

function useCapture(prefix: string): void {
  setWardenEnv({
    WARDEN_METRICS_NAMESPACE: 'Warden',
    WARDEN_DRIFT: JSON.stringify({ columns: FEATURES, capturePrefix: prefix, captureWindowMinutes: 60 }),
  });
}

beforeEach(() => {
  recorder = recordAwsCalls();
});

afterEach(() => recorder.restore());

describe('detect-drift', () => {
  it('publishes every feature metric and a report, and no event, when traffic looks like the baseline (recording CloudWatch/EventBridge stand-ins)', async () => {
    useCapture('capture-same');
    const result = await invoke({ endpointName: ENDPOINT, at: AT });
    expect(result).toMatchObject({ drifted: [], modelVersion: 1 });
    expect(Object.keys(result.columns as object)).toEqual(FEATURES);
    const [put] = recorder.of('CloudWatch', 'PutMetricDataCommand');
    expect(put.input.Namespace).toBe('Warden');
    const data = put.input.MetricData as {
      MetricName: string;
      Dimensions: { Name: string; Value: string }[];
      Timestamp: Date;
    }[];
    expect(data.map((d) => `${d.Dimensions[2].Value}:${d.MetricName}`).sort()).toEqual(
      [
        'age:KsStatistic',
        'age:Psi',
        'age:WassersteinNorm',
        'income:KsStatistic',
        'income:Psi',
        'income:WassersteinNorm',
        'member:JsDistance',
        'member:Psi',
        'sex:JsDistance',
        'sex:Psi',
      ].sort(),
    );
    expect(data[0].Dimensions.slice(0, 2)).toEqual([
      { Name: 'ModelName', Value: MODEL },
      { Name: 'EndpointName', Value: ENDPOINT },
    ]);
    expect(data[0].Timestamp.toISOString()).toBe('2025-03-01T12:00:00.000Z');
    expect(putEvents(recorder.calls)).toEqual([]);
    const report = JSON.parse((await aws.s3.read(ARTIFACTS, result.reportKey as string)).toString());
    // 120 requests of 5 rows; one request before the window and two unusable lines are left out; the 12:00 folder is
    // not read.
    expect(report.capture).toEqual({ files: 2, requests: 120, rows: 600, outsideWindow: 1, unusable: 2 });
    expect(report.window).toEqual({ start: '2025-03-01T11:00:00.000Z', end: '2025-03-01T12:00:00.000Z' });
  });

  it('emits Warden Drift Detected with the drifted features when the traffic moved', async () => {
    useCapture('capture-drifted');
    const result = await invoke({ endpointName: ENDPOINT, at: AT, region: 'us-east-1' });
    expect(result.drifted).toEqual(['age']);
    expect(putEvents(recorder.calls)).toEqual([
      {
        detailType: 'Warden Drift Detected',
        detail: {
          modelName: MODEL,
          modelVersion: 1,
          region: 'us-east-1',
          correlationId: `drift-${ENDPOINT}-2025-03-01T12:00:00.000Z`,
          endpointName: ENDPOINT,
          drifted: ['age'],
          reportKey: result.reportKey,
          window: { start: '2025-03-01T11:00:00.000Z', end: '2025-03-01T12:00:00.000Z' },
        },
      },
    ]);
    expect(result.reportKey).toBe(`reports/${MODEL}/drift/us-east-1/${ENDPOINT}/2025-03-01T12:00:00.000Z.json`);
  });

  it('measures nothing, and publishes nothing, without traffic or without a live version', async () => {
    useCapture('capture-same');
    expect(await invoke({ endpointName: ENDPOINT, at: '2025-03-02T12:00:00Z' })).toEqual({
      drifted: [],
      columns: {},
      skipped: 'no-traffic',
      modelVersion: 1,
    });
    expect(await invoke({ endpointName: ENDPOINT, at: AT, region: 'eu-west-1' })).toEqual({
      drifted: [],
      columns: {},
      skipped: 'no-live-version',
    });
    expect(recorder.of('CloudWatch')).toEqual([]);
  });

  it('fails with Warden.ConfigurationError without the capture feature names', async () => {
    setWardenEnv({ WARDEN_DRIFT: JSON.stringify({ captureWindowMinutes: 60 }) });
    await expect(invoke({ endpointName: ENDPOINT, at: AT })).rejects.toMatchObject({
      name: 'Warden.ConfigurationError',
    });
  });

  it('answers malformed events with typed errors only (fast-check, 200 runs)', async () => {
    useCapture('capture-same');
    await expectOnlyTypedErrors(
      handler,
      DetectDriftInput,
      eventsLike({
        endpointName: fc.constantFrom(ENDPOINT, 'other-endpoint', '-bad-', ''),
        region: fc.constantFrom('us-east-1', 'eu-west-1', 'moon'),
        at: fc.constantFrom(AT, '2025-03-02T00:00:00Z', 'soon'),
      }),
    );
  });
});
