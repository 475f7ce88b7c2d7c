/**
 * `check-bias`: the bias gate (docs/wiring.md), SageMaker Clarify's metrics on one pass over the data.
 *
 * - `pre`: the training dataset (with its header row); label-only metrics.
 * - `post`: the batch transform output joined with the holdout split: each row is a holdout row followed by the
 *   model's prediction. Transform output has no header, so `columns` names the holdout's columns (`validate-data`
 *   returns them) and the prediction column (`WARDEN_BIAS.prediction`, default `prediction`) is the last field; without
 *   `columns` the first row must be a header naming every column.
 * - `part` and `merge`: `pre` over a dataset too large for one invocation, on the plan `validate-data` wrote for it.
 *   Each `part` counts one byte range of the plan into mergeable {@link BiasCounts} and stores them; `merge` adds the
 *   parts' counts in file order, which gives exactly the counts, metrics, report and verdict of a single `pre` pass.
 *   Data a part cannot count (a missing column, a label with too many values) is stored as the part's result rather
 *   than failing the Distributed Map child, so that the merge fails the gate with the error a single pass would raise.
 *
 * Writes the report, then in fail mode throws `Warden.BiasGateFailed` (and emits `Warden Bias Gate Failed`) when a
 * metric crosses its threshold; in warn mode the verdict is `warn` and the gate passes.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { BiasCounts, type BiasSpec } from '../stats/bias-counts';
import { biasReport, POSTTRAINING_METRICS, resolveBiasThresholds, type BiasGate, type BiasMetric } from '../stats/bias';
import { readCsv } from '../stats/csv';
import { toContractJson } from '../stats/json';
import { deserializeBiasCounts, serializeBiasCounts } from '../stats/serialization';
import { config, ConfigurationError, type BiasSettings, type WardenConfig } from '../shared/config';
import { BiasGateFailedError, InputError } from '../shared/errors';
import { eventBridgeClient, putWardenEvent } from '../shared/events';
import { CorrelationId } from '../shared/fields';
import { wardenHandler } from '../shared/handler';
import { metrics, MetricUnit } from '../shared/logger';
import {
  BucketName,
  ObjectKey,
  readObject,
  readObjectText,
  s3Client,
  s3Uri,
  writeJson,
  writeObject,
  type ObjectLocation,
} from '../shared/object-store';
import { biasReportKey } from './support/keys';
import { PlanItem, partResultKey, planOfManifest, planOfPart } from './support/scale-out';
import { readTable } from './support/tabular-input';

const dataset = { bucket: BucketName, key: ObjectKey, correlationId: CorrelationId };
const modelVersion = z.number().int().positive().optional();
const whole = {
  ...dataset,
  modelVersion,
  /** Column names of a header-less joined file, without the prediction column that follows them. */
  columns: z.array(z.string()).min(1).optional(),
};

export const CheckBiasInput = z.discriminatedUnion('mode', [
  /** `key`: the dataset. */
  z.object({ mode: z.literal('pre'), ...whole }),
  /** `key`: the joined transform output, one object or a prefix ending in `/`. */
  z.object({ mode: z.literal('post'), ...whole }),
  /** `part`: one item of the manifest `validate-data` planned for the dataset. */
  z.object({ mode: z.literal('part'), ...dataset, part: PlanItem }),
  z.object({ mode: z.literal('merge'), ...dataset, modelVersion, manifestBucket: BucketName, manifestKey: ObjectKey }),
]);
export type CheckBiasInput = z.infer<typeof CheckBiasInput>;
type Stage = 'pre' | 'post';

/** What `part` returns: whether the range could be counted (when not, the merge raises why). */
export interface BiasPartResult {
  readonly partIndex: number;
  readonly counted: boolean;
}

/** What a part stores instead of its counts when its data cannot be counted. */
const PART_FAILURE = 'warden.bias-part-failure';
const PartFailure = z.object({ format: z.literal(PART_FAILURE), message: z.string() });

export const handler = wardenHandler(
  'check-bias',
  CheckBiasInput,
  (input): Promise<Record<string, unknown> | BiasPartResult> => {
    switch (input.mode) {
      case 'pre':
      case 'post':
        return checkWhole(input);
      case 'part':
        return countPart(input);
      case 'merge':
        return mergeParts(input);
    }
  },
);

async function checkWhole(input: Extract<CheckBiasInput, { mode: Stage }>): Promise<Record<string, unknown>> {
  const cfg = config();
  const spec = biasSpec(cfg.bias, input.mode);
  const gate = gateFor(spec, cfg.bias, input.mode);
  const s3 = s3Client(cfg.region);
  const counts = new BiasCounts(spec, s3Uri(input));
  const header =
    input.mode === 'post' && input.columns !== undefined ? [...input.columns, spec.prediction as string] : undefined;
  const read = await readTable(s3, input, counts, header);
  return judge(cfg, s3, input.mode, input, counts, gate, { sha256: read.sha256, files: read.keys });
}

async function countPart(input: Extract<CheckBiasInput, { mode: 'part' }>): Promise<BiasPartResult> {
  const cfg = config();
  const s3 = s3Client(cfg.region);
  const { part } = input;
  const document = await planOfPart(s3, cfg.artifactsBucket, input, part);
  const counts = new BiasCounts(biasSpec(cfg.bias, 'pre'), s3Uri(input));
  let stored: string;
  let counted = true;
  try {
    await readCsv(readObject(s3, input, { start: part.start, end: part.end, etag: document.dataset.etag }), counts, {
      source: s3Uri(input),
      header: part.partIndex === 0 ? undefined : document.header,
      firstRow: part.firstRow,
    });
    stored = serializeBiasCounts(counts);
  } catch (error) {
    // A failed child would fail the whole Map as States.ExceedToleratedFailureThreshold, not as the bias gate.
    if (!(error instanceof InputError)) throw error;
    counted = false;
    stored = JSON.stringify({ format: PART_FAILURE, message: error.message });
  }
  await writeObject(
    s3,
    { bucket: cfg.artifactsBucket, key: biasPartKey(cfg, document.runId, part.partIndex) },
    stored,
    'application/json',
  );
  return { partIndex: part.partIndex, counted };
}

async function mergeParts(input: Extract<CheckBiasInput, { mode: 'merge' }>): Promise<Record<string, unknown>> {
  const cfg = config();
  const spec = biasSpec(cfg.bias, 'pre');
  const gate = gateFor(spec, cfg.bias, 'pre');
  const s3 = s3Client(cfg.region);
  const document = await planOfManifest(s3, cfg.artifactsBucket, input, input);
  const stored = await Promise.all(
    document.parts.map(async (part) => {
      const key = biasPartKey(cfg, document.runId, part.partIndex);
      return { key, text: await readObjectText(s3, { bucket: cfg.artifactsBucket, key }) };
    }),
  );
  // File order: the first part that could not be counted holds the error a single pass would have stopped at, and
  // values are first seen in the order a single pass sees them.
  let merged: BiasCounts | undefined;
  for (const { key, text } of stored) {
    const failure = partFailure(text);
    if (failure !== undefined) throw new InputError(failure);
    const counts = deserializeBiasCounts(text, spec, `The bias counts ${key}`, s3Uri(input));
    if (merged === undefined) merged = counts;
    else merged.merge(counts);
  }
  const counts = merged as BiasCounts;
  const rows = counts.state().rows;
  if (rows !== document.rows) {
    throw new InputError(`The bias counts of ${s3Uri(input)} hold ${rows} rows; its plan has ${document.rows}.`);
  }
  return judge(cfg, s3, 'pre', input, counts, gate, { sha256: document.dataset.sha256, files: [input.key] });
}

/** Report, metric, event and verdict of the whole dataset's counts: the same for a single pass and a merge. */
async function judge(
  cfg: WardenConfig,
  s3: S3Client,
  stage: Stage,
  input: ObjectLocation & { correlationId: string; modelVersion?: number },
  counts: BiasCounts,
  gate: Required<BiasGate>,
  read: { sha256: string; files: readonly string[] },
): Promise<Record<string, unknown>> {
  const report = biasReport(counts, gate);
  const reportKey = biasReportKey(cfg.modelName, read.sha256, stage);
  await writeJson(
    s3,
    { bucket: cfg.artifactsBucket, key: reportKey },
    {
      dataset: { bucket: input.bucket, key: input.key, sha256: read.sha256, files: read.files },
      stage,
      ...report,
    },
  );
  metrics.addDimension('ModelName', cfg.modelName);
  metrics.addMetric(
    stage === 'pre' ? 'PreTrainingBiasFailures' : 'PostTrainingBiasFailures',
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
        stage,
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
      `The ${stage}-training bias gate failed on ${s3Uri(input)}: ${crossed.join(', ')}. ` +
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
}

function biasPartKey(cfg: WardenConfig, runId: string, partIndex: number): string {
  return partResultKey(cfg.modelName, runId, partIndex, 'bias.json');
}

/** The message a part stored instead of its counts, if it did (anything else is read as counts). */
function partFailure(text: string): string | undefined {
  if (!text.includes(PART_FAILURE)) return undefined;
  try {
    const parsed = PartFailure.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.message : undefined;
  } catch {
    return undefined;
  }
}

function gateFor(spec: BiasSpec, settings: BiasSettings, stage: Stage): Required<BiasGate> {
  return { thresholds: thresholdsFor(spec, settings, stage), mode: settings.mode ?? 'fail' };
}

function biasSpec(settings: BiasSettings, mode: Stage): BiasSpec {
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
function thresholdsFor(spec: BiasSpec, settings: BiasSettings, mode: Stage) {
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
