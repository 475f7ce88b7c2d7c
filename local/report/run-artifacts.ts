/**
 * What a local run leaves behind beyond the tables and buses, read from the runtime for `--export` and the report:
 * the executions with their (virtual) start and stop times, the reports the handlers wrote to the artifacts bucket,
 * and the drift metrics the drift check published to CloudWatch.
 *
 * Only types are imported from the runtime, so that `warden report` can render an export without loading it.
 */
import type { ExecutionRecord } from '../emulators/stepfunctions';
import type { LocalRuntime } from '../runtime/runtime';

/** One state machine execution as the report shows it. */
export interface ExecutionDetail {
  /** `training`, `deploy` or `remediation`, as in the run summary. */
  readonly stateMachine: string;
  readonly region: string;
  readonly name: string;
  readonly status: string;
  readonly error: string | null;
  readonly cause: string | null;
  /** ISO 8601 on the run's virtual clock. */
  readonly startDate: string;
  readonly stopDate: string | null;
  readonly states: readonly string[];
  /** The model version it trained, deployed or rolled back, when it names one. */
  readonly modelVersion: number | null;
  /** Remediations only: the alarm state change that started it and what was decided. */
  readonly remediation: RemediationDecision | null;
}

export interface RemediationDecision {
  readonly alarmName: string;
  /** Region of the alarm. */
  readonly alarmRegion: string;
  /** `retrain`, `rollback`, `suppressed`, … as decide-remediation answered; null when it never answered. */
  readonly action: string | null;
  readonly reason: string | null;
}

/** The datapoints of one drift metric of one feature on one endpoint, with the alarm that watches it. */
export interface DriftMetricSeries {
  readonly region: string;
  readonly endpointName: string;
  readonly feature: string;
  /** CloudWatch metric name (`Psi`). */
  readonly metric: string;
  readonly alarmName: string;
  /** The alarm fires above this value. */
  readonly threshold: number;
  /** One per published window, oldest first; `timestamp` is the window's end on the virtual clock. */
  readonly datapoints: Array<{ readonly timestamp: string; readonly value: number }>;
}

/** Report documents the handlers write under `reports/` (validation, bias and evaluation; not the hourly drift ones). */
const REPORT_KEY = /^reports\/[^/]+\/[^/]+\/(validation|bias-pre|bias-post|evaluation)\.json$/;

/** GetMetricStatistics returns at most this many datapoints per request. */
const MAX_DATAPOINTS = 1440;

export function executionDetail(execution: ExecutionRecord, stateMachine: string): ExecutionDetail {
  const input = parseObject(execution.input);
  const output = parseObject(execution.output);
  return {
    stateMachine,
    region: execution.region,
    name: execution.name,
    status: execution.status,
    error: execution.error ?? null,
    cause: execution.cause ?? null,
    startDate: execution.startDate,
    stopDate: execution.stopDate ?? null,
    states: [...execution.states],
    modelVersion: modelVersionOf(execution.name, input, output),
    remediation: stateMachine === 'remediation' ? remediationOf(execution.region, input, output) : null,
  };
}

/** Every validation, bias and evaluation report in the primary region's artifacts bucket, by key. */
export async function collectReports(runtime: LocalRuntime): Promise<Record<string, unknown>> {
  const bucket = runtime.assembly
    .resources('AWS::S3::Bucket')
    .find(
      (resource) =>
        resource.stack.region === runtime.assembly.primaryRegion &&
        String(resource.properties.BucketName ?? '').startsWith('warden-artifacts-'),
    );
  if (bucket === undefined) return {};
  const name = String(bucket.properties.BucketName);
  const reports: Record<string, unknown> = {};
  for (const key of await runtime.s3.keys(name, 'reports/')) {
    if (!REPORT_KEY.test(key)) continue;
    reports[key] = JSON.parse((await runtime.s3.read(name, key)).toString('utf8')) as unknown;
  }
  return reports;
}

/**
 * The PSI datapoints of every feature alarm of the template, from each region's CloudWatch: the metric and its
 * dimensions come from the alarm, so the series are exactly what the alarms evaluated.
 */
export async function collectDriftMetrics(runtime: LocalRuntime, since: number): Promise<DriftMetricSeries[]> {
  const end = runtime.clock.now() + 60_000;
  const minutes = Math.max(1, Math.ceil((end - since) / 60_000 / MAX_DATAPOINTS));
  const series: DriftMetricSeries[] = [];
  for (const alarm of runtime.assembly.resources('AWS::CloudWatch::Alarm')) {
    const properties = alarm.properties as {
      AlarmName?: string;
      Namespace?: string;
      MetricName?: string;
      Dimensions?: Array<{ Name: string; Value: string }>;
      Threshold?: number | string;
    };
    if (properties.MetricName !== 'Psi' || properties.Namespace === undefined) continue;
    const dimensions = properties.Dimensions ?? [];
    const dimension = (name: string): string => dimensions.find((candidate) => candidate.Name === name)?.Value ?? '';
    const region = alarm.stack.region;
    const statistics = await runtime.cloudwatch.client(region).GetMetricStatistics({
      Namespace: properties.Namespace,
      MetricName: properties.MetricName,
      Dimensions: dimensions,
      StartTime: new Date(since),
      EndTime: new Date(end),
      Period: minutes * 60,
      Statistics: ['Maximum'],
    });
    series.push({
      region,
      endpointName: dimension('EndpointName'),
      feature: dimension('Feature'),
      metric: properties.MetricName,
      alarmName: String(properties.AlarmName ?? alarm.logicalId),
      threshold: Number(properties.Threshold),
      datapoints: statistics.Datapoints.flatMap((point) =>
        point.Maximum === undefined ? [] : [{ timestamp: point.Timestamp.toISOString(), value: point.Maximum }],
      ),
    });
  }
  return series.sort(
    (a, b) =>
      a.region.localeCompare(b.region) || a.feature.localeCompare(b.feature) || a.metric.localeCompare(b.metric),
  );
}

function remediationOf(
  region: string,
  input: Record<string, unknown>,
  output: Record<string, unknown>,
): RemediationDecision {
  const detail = asObject(input.detail);
  const remediation = asObject(output.remediation);
  return {
    alarmName: String(detail.alarmName ?? ''),
    alarmRegion: typeof input.region === 'string' ? input.region : region,
    action: typeof remediation.action === 'string' ? remediation.action : null,
    reason: typeof remediation.reason === 'string' ? remediation.reason : null,
  };
}

function modelVersionOf(name: string, input: Record<string, unknown>, output: Record<string, unknown>): number | null {
  const candidates = [asObject(output.registration).modelVersion, input.modelVersion, /-v(\d+)-/.exec(name)?.[1]];
  for (const candidate of candidates) {
    const version = Number(candidate);
    if (candidate !== undefined && candidate !== null && Number.isInteger(version) && version > 0) return version;
  }
  return null;
}

function parseObject(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    return asObject(JSON.parse(text));
  } catch {
    return {};
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
