/**
 * `detect-drift`: compares an endpoint's captured traffic of the last window with the training baseline of the version
 * live in this region (docs/wiring.md), publishes one datapoint per feature and metric to CloudWatch (the drift alarms
 * watch them), writes the drift report, and emits `Warden Drift Detected` when a feature crossed a threshold.
 *
 * A window with no usable traffic, or a region with no live version or no baseline, publishes nothing: the alarms
 * treat missing data as not breaching, so silence never looks like drift.
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import * as z from 'zod';
import { captureCsv, captureHours, type CaptureTally, type CaptureWindow } from '../core/capture';
import { deserializeBaselineProfile } from '../stats/baseline-profile';
import type { ColumnDrift, DriftReport } from '../stats/drift';
import { driftAgainstProfile } from '../stats/drift-csv';
import { resolveDriftThresholds } from '../stats/drift-thresholds';
import { toContractJson } from '../stats/json';
import { awsClient } from '../shared/aws-clients';
import { config, ConfigurationError, type WardenConfig } from '../shared/config';
import { InputError } from '../shared/errors';
import { eventBridgeClient, putWardenEvent } from '../shared/events';
import { AwsRegion, CorrelationId, EndpointName } from '../shared/fields';
import { wardenHandler } from '../shared/handler';
import { logger, metrics, MetricUnit } from '../shared/logger';
import { listFolders, listObjects, readObjectBytes, s3Client, s3Uri, writeJson } from '../shared/object-store';
import { baselineKey, driftReportKey } from './support/keys';
import { lineageRepository } from './support/ledger';
import type { S3Client } from '@aws-sdk/client-s3';

const DEFAULT_WINDOW_MINUTES = 60;
/** Datapoints per PutMetricData request (the API accepts up to 1000). */
const METRICS_PER_REQUEST = 500;

export const DetectDriftInput = z.object({
  endpointName: EndpointName,
  /** Region of the endpoint. @default this function's region */
  region: AwsRegion.optional(),
  /** End of the window (e.g. EventBridge Scheduler's `<aws.scheduler.scheduled-time>`). @default now */
  at: z.iso.datetime({ offset: true }).optional(),
  correlationId: CorrelationId.optional(),
});
export type DetectDriftInput = z.infer<typeof DetectDriftInput>;

export interface DetectDriftResult {
  readonly drifted: readonly string[];
  readonly reportKey?: string;
  readonly columns: Record<string, unknown>;
  readonly modelVersion?: number;
  /** Why nothing was measured, when nothing was. */
  readonly skipped?: 'no-live-version' | 'no-baseline' | 'no-traffic';
}

export const handler = wardenHandler('detect-drift', DetectDriftInput, async (input): Promise<DetectDriftResult> => {
  const cfg = config();
  const settings = cfg.drift;
  const features = settings.columns;
  if (features === undefined) {
    throw new ConfigurationError('WARDEN_DRIFT.columns must name the features of a captured request, in order.');
  }
  const region = input.region ?? cfg.region;
  const end = input.at === undefined ? new Date() : new Date(input.at);
  const window: CaptureWindow = {
    start: new Date(end.getTime() - (settings.captureWindowMinutes ?? DEFAULT_WINDOW_MINUTES) * 60_000),
    end,
  };
  const correlationId = input.correlationId ?? `drift-${input.endpointName}-${end.toISOString()}`;
  const lineage = lineageRepository(cfg);
  const live = await lineage.getLive(region);
  if (live === undefined) return skip('no-live-version');
  const version = await lineage.getVersion(live.modelVersion);
  const sha256 = version?.datasetSha256;
  if (sha256 === undefined) return skip('no-baseline', live.modelVersion);
  const s3 = s3Client(cfg.region);
  const baselineLocation = { bucket: cfg.artifactsBucket, key: baselineKey(cfg.modelName, sha256) };
  const baseline = deserializeBaselineProfile(await readObjectBytes(s3, baselineLocation).catch(missingBaseline));
  const captureFiles = await captureKeys(s3, cfg, input.endpointName, window);
  let tally = emptyTally();
  const current = {
    name: `the traffic captured from ${input.endpointName}`,
    open: () => {
      tally = emptyTally();
      return captureCsv(readFiles(s3, cfg.artifactsBucket, captureFiles), features, window, tally);
    },
  };
  const compared = features.filter((name) => baseline.columns.some((column) => column.name === name));
  let report: DriftReport;
  try {
    report = await driftAgainstProfile(baseline, current, {
      thresholds: resolveDriftThresholds(settings.thresholds),
      columns: compared,
    });
  } catch (error) {
    if (error instanceof InputError && tally.rows === 0) return skip('no-traffic', live.modelVersion);
    throw error;
  }
  const reportKey = driftReportKey(cfg.modelName, region, input.endpointName, end);
  await writeJson(
    s3,
    { bucket: cfg.artifactsBucket, key: reportKey },
    {
      endpointName: input.endpointName,
      region,
      modelVersion: live.modelVersion,
      baseline: s3Uri(baselineLocation),
      window: { start: window.start.toISOString(), end: window.end.toISOString() },
      capture: { files: captureFiles.length, ...tally },
      ...report,
    },
  );
  await publishMetrics(cfg, input.endpointName, end, report.columns);
  metrics.addDimension('ModelName', cfg.modelName);
  metrics.addMetric('DriftedFeatures', MetricUnit.Count, report.drifted.length);
  if (report.drifted.length > 0) {
    await putWardenEvent(
      eventBridgeClient(cfg.region),
      'Warden Drift Detected',
      {
        modelName: cfg.modelName,
        modelVersion: live.modelVersion,
        region,
        correlationId,
        endpointName: input.endpointName,
        drifted: [...report.drifted],
        reportKey,
        window: { start: window.start.toISOString(), end: window.end.toISOString() },
      },
      { eventBus: cfg.eventBus },
    );
  }
  logger.info('drift measured', { drifted: report.drifted, requests: tally.requests, rows: tally.rows });
  return JSON.parse(
    toContractJson({ drifted: report.drifted, reportKey, columns: report.columns, modelVersion: live.modelVersion }),
  ) as DetectDriftResult;

  function skip(reason: NonNullable<DetectDriftResult['skipped']>, modelVersion?: number): DetectDriftResult {
    logger.info('drift not measured', { reason, endpointName: input.endpointName });
    return { drifted: [], columns: {}, skipped: reason, ...(modelVersion === undefined ? {} : { modelVersion }) };
  }
});

function emptyTally(): CaptureTally {
  return { requests: 0, rows: 0, outsideWindow: 0, unusable: 0 };
}

function missingBaseline(error: unknown): never {
  throw error instanceof InputError
    ? new InputError(`The live version's baseline profile is missing: ${error.message}`)
    : error;
}

/** The capture files of every variant of the endpoint in the hours the window touches, oldest hour first. */
async function captureKeys(
  s3: S3Client,
  cfg: WardenConfig,
  endpointName: string,
  window: CaptureWindow,
): Promise<string[]> {
  const base = (cfg.drift.capturePrefix ?? 'capture/').replace(/^\/+/, '').replace(/\/*$/, '/');
  const variants = await listFolders(s3, cfg.artifactsBucket, `${base}${endpointName}/`);
  const keys: string[] = [];
  for (const hour of captureHours(window)) {
    for (const variant of variants) {
      for await (const object of listObjects(s3, cfg.artifactsBucket, `${variant}${hour}`)) keys.push(object.key);
    }
  }
  return keys;
}

async function* readFiles(s3: S3Client, bucket: string, keys: readonly string[]): AsyncGenerator<Buffer> {
  for (const key of keys) yield readObjectBytes(s3, { bucket, key });
}

const METRIC_NAMES: Record<string, (drift: ColumnDrift) => number | undefined> = {
  Psi: (drift) => drift.psi,
  KsStatistic: (drift) => (drift.type === 'numeric' ? drift.ks.statistic : undefined),
  WassersteinNorm: (drift) => (drift.type === 'numeric' ? drift.wassersteinNorm : undefined),
  JsDistance: (drift) => (drift.type === 'categorical' ? drift.jsDistance : undefined),
};

/** One datapoint per feature and metric, at the window's end; CloudWatch takes no non-finite values, so those are left out. */
async function publishMetrics(
  cfg: WardenConfig,
  endpointName: string,
  timestamp: Date,
  columns: Readonly<Record<string, ColumnDrift>>,
): Promise<void> {
  const data: MetricDatum[] = [];
  for (const [feature, drift] of Object.entries(columns)) {
    for (const [metricName, read] of Object.entries(METRIC_NAMES)) {
      const value = read(drift);
      if (value === undefined) continue;
      if (!Number.isFinite(value)) {
        logger.warn('drift metric not published: not finite', { feature, metricName, value: String(value) });
        continue;
      }
      data.push({
        MetricName: metricName,
        Dimensions: [
          { Name: 'ModelName', Value: cfg.modelName },
          { Name: 'EndpointName', Value: endpointName },
          { Name: 'Feature', Value: feature },
        ],
        Timestamp: timestamp,
        Value: value,
        Unit: 'None',
      });
    }
  }
  const cloudWatch = awsClient('CloudWatch', cfg.region, (region) => new CloudWatchClient({ region }));
  for (let i = 0; i < data.length; i += METRICS_PER_REQUEST) {
    await cloudWatch.send(
      new PutMetricDataCommand({ Namespace: cfg.metricsNamespace, MetricData: data.slice(i, i + METRICS_PER_REQUEST) }),
    );
  }
}
