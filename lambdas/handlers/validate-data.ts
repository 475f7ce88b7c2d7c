/**
 * `validate-data`: the training pipeline's data-quality gate (docs/wiring.md). Streams the dataset through its data
 * contract, writes the report, the drift baseline profile and the train/holdout splits, and fails with
 * `Warden.ValidationFailed` after writing the report.
 *
 * Modes: `single` (default) reads the whole object in one invocation; given `maxBytes`, it refuses a larger object with
 * `Warden.DatasetTooLarge` before reading it, which is how the training state machine picks the scaled-out path.
 * Datasets too large for one invocation go through a Distributed Map: `plan` scans the object once for record
 * boundaries and writes the manifest the Map reads, each `part` validates one byte range and stores its partial state,
 * and `merge` combines the parts into exactly the outputs of a single pass.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { mergeProfiles } from '../core/dataset-scan';
import { SplitPlanner } from '../core/split-plan';
import { splitColumns } from '../core/training-split';
import { serializeBaselineProfile, deserializeBaselineProfile } from '../stats/baseline-profile';
import type { DatasetProfile } from '../stats/drift-profile';
import { deserializeValidator, serializeValidator } from '../stats/serialization';
import type { ValidationReport } from '../stats/validate';
import { config, type WardenConfig } from '../shared/config';
import { DatasetTooLargeError, ValidationFailedError } from '../shared/errors';
import { eventBridgeClient, putWardenEvent } from '../shared/events';
import { CorrelationId } from '../shared/fields';
import { wardenHandler } from '../shared/handler';
import { logger, metrics, MetricUnit } from '../shared/logger';
import {
  BucketName,
  ObjectKey,
  deleteObjects,
  headObject,
  readObject,
  readObjectBytes,
  readObjectText,
  s3Client,
  s3Uri,
  writeJson,
  writeObject,
  type ObjectLocation,
} from '../shared/object-store';
import {
  baselineKey,
  scaleOutPrefix,
  splitFileKey,
  splitPrefix,
  validationReportKey,
  validationRunId,
} from './support/keys';
import { PlanItem, planOfManifest, planOfPart, partResultKey, type PlanDocument } from './support/scale-out';
import { ValidationPass } from './support/validation-pass';

/** Target size of one Distributed Map part. */
const DEFAULT_PART_BYTES = 64 * 1024 * 1024;
/** Parts of one plan at most; larger objects get larger parts. */
const MAX_PARTS = 10_000;

const dataset = { bucket: BucketName, key: ObjectKey, correlationId: CorrelationId };

export const ValidateDataInput = z.preprocess(
  (event) => (event !== null && typeof event === 'object' && !('mode' in event) ? { ...event, mode: 'single' } : event),
  z.discriminatedUnion('mode', [
    z.object({
      mode: z.literal('single'),
      ...dataset,
      /** Largest object read in one invocation. @default no limit */
      maxBytes: z.number().int().positive().optional(),
    }),
    z.object({
      mode: z.literal('plan'),
      ...dataset,
      /** Target bytes per part. @default 64 MiB */
      partBytes: z.number().int().positive().optional(),
    }),
    z.object({ mode: z.literal('part'), ...dataset, part: PlanItem }),
    z.object({ mode: z.literal('merge'), ...dataset, manifestBucket: BucketName, manifestKey: ObjectKey }),
  ]),
);
export type ValidateDataInput = z.infer<typeof ValidateDataInput>;

/** What `single` and `merge` return. */
export interface ValidationResult {
  readonly passed: true;
  readonly rows: number;
  readonly datasetSha256: string;
  readonly reportKey: string;
  readonly baselineKey: string;
  /** S3 prefix of the training split (SageMaker `S3Prefix` channel). */
  readonly trainS3Uri: string;
  /** S3 prefix of the holdout split (the batch transform's input). */
  readonly holdoutS3Uri: string;
  /** Columns of the split files, label first; the transform output adds the prediction after them. */
  readonly columns: readonly string[];
  readonly violations: ValidationReport['violations'];
}

export interface PlanResult {
  readonly manifestBucket: string;
  readonly manifestKey: string;
  readonly partCount: number;
  readonly planKey: string;
  readonly datasetSha256: string;
  readonly rows: number;
}

export interface PartResult {
  readonly partIndex: number;
  readonly rows: number;
}

export const handler = wardenHandler(
  'validate-data',
  ValidateDataInput,
  (input): Promise<ValidationResult | PlanResult | PartResult> => {
    switch (input.mode) {
      case 'single':
        return validateSingle(input);
      case 'plan':
        return plan(input);
      case 'part':
        return validatePart(input);
      case 'merge':
        return merge(input);
    }
  },
);

async function validateSingle(input: Extract<ValidateDataInput, { mode: 'single' }>): Promise<ValidationResult> {
  const cfg = config();
  const s3 = s3Client(cfg.region);
  const info = await headObject(s3, input);
  if (input.maxBytes !== undefined && info.size > input.maxBytes) {
    throw new DatasetTooLargeError(
      `${s3Uri(input)} has ${info.size} bytes, more than the ${input.maxBytes} one invocation reads; ` +
        'validate it in parts (modes plan, part and merge).',
    );
  }
  const runId = validationRunId(input.bucket, input.key, info.etag);
  const hash = createHash('sha256');
  const pass = new ValidationPass(s3, {
    ...splitOptions(cfg, runId, 0),
    contract: cfg.contract,
    source: s3Uri(input),
  });
  await pass.run(readObject(s3, input, { etag: info.etag, end: info.size }), (chunk) => hash.update(chunk));
  return finish(cfg, s3, input, {
    dataset: { bucket: input.bucket, key: input.key, etag: info.etag, bytes: info.size, sha256: hash.digest('hex') },
    report: pass.validator.report(),
    profile: () => pass.scan.profile(),
    runId,
    parts: 1,
    trainRows: pass.splitter.trainRows,
    holdoutRows: pass.splitter.holdoutRows,
  });
}

async function plan(input: Extract<ValidateDataInput, { mode: 'plan' }>): Promise<PlanResult> {
  const cfg = config();
  const s3 = s3Client(cfg.region);
  const info = await headObject(s3, input);
  const partBytes = Math.max(input.partBytes ?? DEFAULT_PART_BYTES, Math.ceil(info.size / MAX_PARTS));
  const planner = new SplitPlanner({ partBytes, source: s3Uri(input) });
  const hash = createHash('sha256');
  for await (const chunk of readObject(s3, input, { etag: info.etag, end: info.size })) {
    hash.update(chunk);
    planner.push(chunk);
  }
  const split = planner.end();
  const runId = validationRunId(input.bucket, input.key, info.etag);
  const prefix = scaleOutPrefix(cfg.modelName, runId);
  const planKey = `${prefix}plan.json`;
  const manifestKey = `${prefix}manifest.json`;
  const datasetSha256 = hash.digest('hex');
  const document: PlanDocument = {
    format: 'warden.validation-plan',
    version: 1,
    runId,
    dataset: { bucket: input.bucket, key: input.key, etag: info.etag, bytes: info.size, sha256: datasetSha256 },
    header: [...split.header],
    rows: split.rows,
    // Parts of one file must share the salt of PII distinct counts; it stays in the bucket, not in the Map's items.
    piiSalt: randomBytes(16).toString('hex'),
    parts: split.parts.map((part, partIndex) => ({
      partIndex,
      start: part.start,
      end: part.end,
      firstRow: part.firstRow,
    })),
  };
  const items: PlanItem[] = document.parts.map((part) => ({ ...part, planKey }));
  await writeJson(s3, { bucket: cfg.artifactsBucket, key: planKey }, document);
  await writeJson(s3, { bucket: cfg.artifactsBucket, key: manifestKey }, items);
  metrics.addMetric('ValidationParts', MetricUnit.Count, items.length);
  logger.info('validation planned', { parts: items.length, bytes: info.size, rows: split.rows });
  return {
    manifestBucket: cfg.artifactsBucket,
    manifestKey,
    partCount: items.length,
    planKey,
    datasetSha256,
    rows: split.rows,
  };
}

async function validatePart(input: Extract<ValidateDataInput, { mode: 'part' }>): Promise<PartResult> {
  const cfg = config();
  const s3 = s3Client(cfg.region);
  const { part } = input;
  const document = await planOfPart(s3, cfg.artifactsBucket, input, part);
  const pass = new ValidationPass(s3, {
    ...splitOptions(cfg, document.runId, part.partIndex),
    contract: cfg.contract,
    piiSalt: document.piiSalt,
    source: s3Uri(input),
    header: part.partIndex === 0 ? undefined : document.header,
    firstRow: part.firstRow,
  });
  await pass.run(readObject(s3, input, { start: part.start, end: part.end, etag: document.dataset.etag }));
  await writeObject(
    s3,
    { bucket: cfg.artifactsBucket, key: partStateKey(cfg.modelName, document.runId, part.partIndex) },
    serializeValidator(pass.validator),
    'application/json',
  );
  await writeObject(
    s3,
    { bucket: cfg.artifactsBucket, key: partProfileKey(cfg.modelName, document.runId, part.partIndex) },
    serializeBaselineProfile(pass.scan.profile()),
    'application/octet-stream',
  );
  const rows = pass.splitter.trainRows + pass.splitter.holdoutRows;
  metrics.addMetric('RowsValidated', MetricUnit.Count, rows);
  return { partIndex: part.partIndex, rows };
}

async function merge(input: Extract<ValidateDataInput, { mode: 'merge' }>): Promise<ValidationResult> {
  const cfg = config();
  const s3 = s3Client(cfg.region);
  const document = await planOfManifest(s3, cfg.artifactsBucket, input, input);
  const contract = cfg.contract;
  const validators = await Promise.all(
    document.parts.map(async (part) => {
      const key = partStateKey(cfg.modelName, document.runId, part.partIndex);
      return deserializeValidator(
        await readObjectText(s3, { bucket: cfg.artifactsBucket, key }),
        contract,
        `The partial state ${key}`,
      );
    }),
  );
  const [validator, ...rest] = validators;
  for (const other of rest) validator.merge(other);
  const loadProfiles = async (): Promise<DatasetProfile> => {
    let merged: DatasetProfile | undefined;
    for (const part of document.parts) {
      const bytes = await readObjectBytes(s3, {
        bucket: cfg.artifactsBucket,
        key: partProfileKey(cfg.modelName, document.runId, part.partIndex),
      });
      const profile = deserializeBaselineProfile(bytes);
      merged = merged === undefined ? profile : mergeProfiles(merged, profile);
    }
    return merged as DatasetProfile;
  };
  const report = validator.report();
  return finish(cfg, s3, input, {
    dataset: document.dataset,
    report,
    profile: loadProfiles,
    runId: document.runId,
    parts: document.parts.length,
    trainRows: undefined,
    holdoutRows: undefined,
  });
}

interface Outcome {
  readonly dataset: ObjectLocation & { etag: string; bytes: number; sha256: string };
  readonly report: ValidationReport;
  /** The baseline profile, only computed for a dataset that passed. */
  readonly profile: () => DatasetProfile | Promise<DatasetProfile>;
  readonly runId: string;
  readonly parts: number;
  readonly trainRows: number | undefined;
  readonly holdoutRows: number | undefined;
}

/** Report, baseline, event and result (or the failure) of a whole dataset; the same for `single` and `merge`. */
async function finish(
  cfg: WardenConfig,
  s3: S3Client,
  input: { correlationId: string },
  outcome: Outcome,
): Promise<ValidationResult> {
  const { dataset, report, runId } = outcome;
  const model = cfg.modelName;
  const reportKey = validationReportKey(model, dataset.sha256);
  const columns = splitColumns(cfg.contract, cfg.split.label);
  const trainS3Uri = s3Uri({ bucket: cfg.artifactsBucket, key: splitPrefix(model, runId, 'train') });
  const holdoutS3Uri = s3Uri({ bucket: cfg.artifactsBucket, key: splitPrefix(model, runId, 'holdout') });
  await writeJson(
    s3,
    { bucket: cfg.artifactsBucket, key: reportKey },
    {
      dataset,
      contract: cfg.contract.name,
      ...report,
      splits: { columns, train: trainS3Uri, holdout: holdoutS3Uri },
    },
  );
  let baseline: string | undefined;
  if (report.passed) {
    baseline = baselineKey(model, dataset.sha256);
    await writeObject(
      s3,
      { bucket: cfg.artifactsBucket, key: baseline },
      serializeBaselineProfile(await outcome.profile()),
      'application/octet-stream',
    );
  } else {
    // The splits of a rejected dataset must not be trained on by mistake.
    await deleteObjects(s3, cfg.artifactsBucket, splitKeys(model, runId, outcome.parts));
  }
  metrics.addDimension('ModelName', model);
  metrics.addMetric('RowsValidated', MetricUnit.Count, report.rows);
  metrics.addMetric('ContractViolations', MetricUnit.Count, report.violations.length);
  await putWardenEvent(
    eventBridgeClient(cfg.region),
    'Warden Dataset Validated',
    {
      modelName: model,
      region: cfg.region,
      correlationId: input.correlationId,
      dataset: { bucket: dataset.bucket, key: dataset.key, sha256: dataset.sha256 },
      passed: report.passed,
      rows: report.rows,
      violations: report.violations.length,
      reportKey,
      ...(baseline === undefined ? {} : { baselineKey: baseline }),
    },
    { eventBus: cfg.eventBus },
  );
  if (!report.passed || baseline === undefined) {
    const summary = report.violations
      .slice(0, 5)
      .map((v) => `${v.rule}${v.column === undefined ? '' : ` on ${v.column}`} (${v.count} rows)`)
      .join(', ');
    const more = report.violations.length > 5 ? ` and ${report.violations.length - 5} more` : '';
    throw new ValidationFailedError(
      `${s3Uri(dataset)} broke its data contract "${cfg.contract.name}": ${summary}${more}. ` +
        `Report: ${s3Uri({ bucket: cfg.artifactsBucket, key: reportKey })}.`,
    );
  }
  logger.info('dataset passed its contract', {
    rows: report.rows,
    sha256: dataset.sha256,
    trainRows: outcome.trainRows,
    holdoutRows: outcome.holdoutRows,
  });
  return {
    passed: true,
    rows: report.rows,
    datasetSha256: dataset.sha256,
    reportKey,
    baselineKey: baseline,
    trainS3Uri,
    holdoutS3Uri,
    columns,
    violations: report.violations,
  };
}

function splitOptions(cfg: WardenConfig, runId: string, part: number) {
  const model = cfg.modelName;
  return {
    splitColumns: splitColumns(cfg.contract, cfg.split.label),
    holdoutFraction: cfg.split.holdoutFraction,
    train: { bucket: cfg.artifactsBucket, key: splitFileKey(model, runId, 'train', part) },
    holdout: { bucket: cfg.artifactsBucket, key: splitFileKey(model, runId, 'holdout', part) },
  };
}

function splitKeys(model: string, runId: string, parts: number): string[] {
  const keys: string[] = [];
  for (let part = 0; part < parts; part++) {
    keys.push(splitFileKey(model, runId, 'train', part), splitFileKey(model, runId, 'holdout', part));
  }
  return keys;
}

function partStateKey(model: string, runId: string, partIndex: number): string {
  return partResultKey(model, runId, partIndex, 'state.json');
}

function partProfileKey(model: string, runId: string, partIndex: number): string {
  return partResultKey(model, runId, partIndex, 'wbp');
}
