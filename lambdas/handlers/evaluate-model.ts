/**
 * `evaluate-model`: the quality gate of a candidate model (docs/wiring.md). Reads the batch transform output joined
 * with the holdout (the same layout as `check-bias` post mode: holdout columns, then the prediction), computes accuracy,
 * precision, recall and F1, and compares them with the metrics recorded for the version live in this region.
 *
 * Fails with `Warden.EvaluationFailed` (after writing the report) when accuracy is below `minAccuracy`, or more than
 * `maxAccuracyDrop` (default 0.05) below the live version's.
 */
import * as z from 'zod';
import { ConfusionCounter, classificationMetrics, type ClassificationMetrics } from '../core/classification';
import { toContractJson } from '../stats/json';
import { config } from '../shared/config';
import { EvaluationFailedError } from '../shared/errors';
import { CorrelationId } from '../shared/fields';
import { wardenHandler } from '../shared/handler';
import { logger, metrics, MetricUnit } from '../shared/logger';
import { BucketName, ObjectKey, s3Client, s3Uri, writeJson } from '../shared/object-store';
import { evaluationReportKey } from './support/keys';
import { lineageRepository } from './support/ledger';
import { readTable } from './support/tabular-input';

export const DEFAULT_MAX_ACCURACY_DROP = 0.05;

export const EvaluateModelInput = z.object({
  bucket: BucketName,
  /** The joined transform output: one object or a prefix ending in `/`. */
  key: ObjectKey,
  correlationId: CorrelationId,
  trainingJobName: z.string().min(1).optional(),
  modelVersion: z.number().int().positive().optional(),
  /** Column names of a header-less joined file, without the prediction column that follows them. */
  columns: z.array(z.string()).min(1).optional(),
});
export type EvaluateModelInput = z.infer<typeof EvaluateModelInput>;

/** What the lineage holds of an earlier evaluation: `evaluation.metrics` as this handler returned it. */
const RecordedMetrics = z.looseObject({ accuracy: z.number() });
const RecordedEvaluation = z.object({ evaluation: z.object({ metrics: RecordedMetrics }) });

export const handler = wardenHandler('evaluate-model', EvaluateModelInput, async (input) => {
  const cfg = config();
  const settings = cfg.evaluation;
  const s3 = s3Client(cfg.region);
  const counter = new ConfusionCounter(
    { label: settings.label, prediction: settings.prediction, positive: settings.positive },
    s3Uri(input),
  );
  const read = await readTable(s3, input, counter, input.columns && [...input.columns, settings.prediction]);
  const candidate = classificationMetrics(counter.result(), s3Uri(input));
  const live = await liveMetrics(cfg);
  const maxDrop = settings.maxAccuracyDrop ?? DEFAULT_MAX_ACCURACY_DROP;
  const problems: string[] = [];
  if (settings.minAccuracy !== undefined && candidate.accuracy < settings.minAccuracy) {
    problems.push(`accuracy ${candidate.accuracy.toFixed(4)} is below the minimum ${settings.minAccuracy}`);
  }
  if (live !== undefined && live.metrics.accuracy - candidate.accuracy > maxDrop) {
    problems.push(
      `accuracy ${candidate.accuracy.toFixed(4)} is more than ${maxDrop} below the live version ` +
        `${live.modelVersion}'s ${live.metrics.accuracy.toFixed(4)}`,
    );
  }
  const passed = problems.length === 0;
  const reportKey = evaluationReportKey(cfg.modelName, read.sha256);
  await writeJson(
    s3,
    { bucket: cfg.artifactsBucket, key: reportKey },
    {
      dataset: { bucket: input.bucket, key: input.key, sha256: read.sha256, files: read.keys },
      trainingJobName: input.trainingJobName,
      counts: counter.result(),
      metrics: candidate,
      live,
      thresholds: { minAccuracy: settings.minAccuracy, maxAccuracyDrop: maxDrop },
      passed,
      problems,
    },
  );
  metrics.addDimension('ModelName', cfg.modelName);
  metrics.addMetric('CandidateAccuracy', MetricUnit.NoUnit, candidate.accuracy);
  if (!passed) {
    throw new EvaluationFailedError(
      `The candidate model failed its evaluation: ${problems.join('; ')}. ` +
        `Report: ${s3Uri({ bucket: cfg.artifactsBucket, key: reportKey })}.`,
    );
  }
  logger.info('candidate evaluated', { accuracy: candidate.accuracy, liveVersion: live?.modelVersion });
  // Precision, recall and F1 are NaN when undefined; JSON (and DynamoDB) carry them as the contract's strings.
  return JSON.parse(toContractJson({ passed, metrics: candidate, live, reportKey })) as {
    passed: boolean;
    metrics: Record<string, number | string>;
    reportKey: string;
  };
});

/** The live version in this region and the metrics its evaluation recorded, when there is one. */
async function liveMetrics(
  cfg: ReturnType<typeof config>,
): Promise<{ modelVersion: number; metrics: Pick<ClassificationMetrics, 'accuracy'> } | undefined> {
  const lineage = lineageRepository(cfg);
  const live = await lineage.getLive(cfg.region);
  if (live === undefined) return undefined;
  const version = await lineage.getVersion(live.modelVersion);
  const recorded = RecordedEvaluation.safeParse(version);
  if (!recorded.success) {
    logger.warn('the live version has no recorded evaluation; nothing to compare with', {
      modelVersion: live.modelVersion,
    });
    return undefined;
  }
  return { modelVersion: live.modelVersion, metrics: recorded.data.evaluation.metrics };
}
