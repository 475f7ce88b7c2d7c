/**
 * `check-bias`: the bias gate (docs/wiring.md), SageMaker Clarify's metrics on one pass over the data.
 *
 * - `pre`: the training dataset (with its header row); label-only metrics.
 * - `post`: the batch transform output joined with the holdout split: each row is a holdout row followed by the
 *   model's prediction. Transform output has no header, so `columns` names the holdout's columns (`validate-data`
 *   returns them) and the prediction column (`WARDEN_BIAS.prediction`, default `prediction`) is the last field; without
 *   `columns` the first row must be a header naming every column.
 *
 * Writes the report, then in fail mode throws `Warden.BiasGateFailed` (and emits `Warden Bias Gate Failed`) when a
 * metric crosses its threshold; in warn mode the verdict is `warn` and the gate passes.
 */
import * as z from 'zod';
import { BiasCounts, type BiasSpec } from '../stats/bias-counts';
import { biasReport, POSTTRAINING_METRICS, resolveBiasThresholds, type BiasMetric } from '../stats/bias';
import { toContractJson } from '../stats/json';
import { config, ConfigurationError, type BiasSettings } from '../shared/config';
import { BiasGateFailedError, InputError } from '../shared/errors';
import { eventBridgeClient, putWardenEvent } from '../shared/events';
import { wardenHandler } from '../shared/handler';
import { metrics, MetricUnit } from '../shared/logger';
import { BucketName, ObjectKey, s3Client, s3Uri, writeJson } from '../shared/object-store';
import { biasReportKey } from './support/keys';
import { readTable } from './support/tabular-input';

export const CheckBiasInput = z.object({
  mode: z.enum(['pre', 'post']),
  bucket: BucketName,
  /** The dataset (`pre`), or the joined transform output: one object or a prefix ending in `/` (`post`). */
  key: ObjectKey,
  correlationId: z.string().min(1),
  modelVersion: z.number().int().positive().optional(),
  /** Column names of a header-less joined file, without the prediction column that follows them. */
  columns: z.array(z.string()).min(1).optional(),
});
export type CheckBiasInput = z.infer<typeof CheckBiasInput>;

export const handler = wardenHandler('check-bias', CheckBiasInput, async (input) => {
  const cfg = config();
  const settings = cfg.bias;
  const spec = biasSpec(settings, input.mode);
  const gate = { thresholds: thresholdsFor(spec, settings, input.mode), mode: settings.mode ?? 'fail' };
  const s3 = s3Client(cfg.region);
  const counts = new BiasCounts(spec, s3Uri(input));
  const header =
    input.mode === 'post' && input.columns !== undefined ? [...input.columns, spec.prediction as string] : undefined;
  const read = await readTable(s3, input, counts, header);
  const report = biasReport(counts, gate);
  const reportKey = biasReportKey(cfg.modelName, read.sha256, input.mode);
  await writeJson(
    s3,
    { bucket: cfg.artifactsBucket, key: reportKey },
    {
      dataset: { bucket: input.bucket, key: input.key, sha256: read.sha256, files: read.keys },
      stage: input.mode,
      ...report,
    },
  );
  metrics.addDimension('ModelName', cfg.modelName);
  metrics.addMetric(
    input.mode === 'pre' ? 'PreTrainingBiasFailures' : 'PostTrainingBiasFailures',
    MetricUnit.Count,
    report.failed.length,
  );
  if (report.verdict === 'fail') {
    await putWardenEvent(
      eventBridgeClient(cfg.region),
      'Warden Bias Gate Failed',
      {
        modelName: cfg.modelName,
        ...(input.modelVersion === undefined ? {} : { modelVersion: input.modelVersion }),
        region: cfg.region,
        correlationId: input.correlationId,
        stage: input.mode,
        failed: report.failed,
        reportKey,
        dataset: { bucket: input.bucket, key: input.key },
      },
      { eventBus: cfg.eventBus },
    );
    const values: Partial<Record<BiasMetric, number>> = { ...report.pretraining, ...report.posttraining };
    const crossed = report.failed.map(
      (name) => `${name} = ${format(values[name])} (threshold ${gate.thresholds[name]})`,
    );
    throw new BiasGateFailedError(
      `The ${input.mode}-training bias gate failed on ${s3Uri(input)}: ${crossed.join(', ')}. ` +
        `Report: ${s3Uri({ bucket: cfg.artifactsBucket, key: reportKey })}.`,
    );
  }
  // Step Functions carries JSON: non-finite metrics travel as the contract's strings ("Infinity", "NaN").
  return JSON.parse(
    toContractJson({
      verdict: report.verdict,
      failed: report.failed,
      reportKey,
      counts: report.counts,
      pretraining: report.pretraining,
      ...(report.posttraining === undefined ? {} : { posttraining: report.posttraining }),
    }),
  ) as Record<string, unknown>;
});

function biasSpec(settings: BiasSettings, mode: 'pre' | 'post'): BiasSpec {
  const { label, facet, facetValue, positive, group } = settings;
  return {
    label,
    facet,
    facetValue,
    positive,
    group,
    prediction: mode === 'post' ? (settings.prediction ?? 'prediction') : undefined,
  };
}

/** The configured thresholds that apply to the metrics of this stage (post-training ones only after training). */
function thresholdsFor(spec: BiasSpec, settings: BiasSettings, mode: 'pre' | 'post') {
  const postTraining: readonly string[] = POSTTRAINING_METRICS;
  // Unknown names are kept, so that a typo is reported rather than silently ignored.
  const configured = Object.fromEntries(
    Object.entries(settings.thresholds ?? {}).filter(([name]) => mode === 'post' || !postTraining.includes(name)),
  );
  try {
    return resolveBiasThresholds(spec, configured);
  } catch (error) {
    if (error instanceof InputError) throw new ConfigurationError(`WARDEN_BIAS: ${error.message}`);
    throw error;
  }
}

function format(value: number | undefined): string {
  return value === undefined ? 'n/a' : Number.isFinite(value) ? value.toPrecision(4) : String(value);
}
