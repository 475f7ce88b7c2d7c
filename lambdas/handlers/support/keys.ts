/**
 * Where the handlers put things in the artifacts bucket (docs/wiring.md "Artifacts"). Keys derived from a dataset's
 * SHA-256 make reruns on the same data overwrite the same objects instead of piling up copies.
 */
import { createHash } from 'node:crypto';

export function validationReportKey(model: string, sha256: string): string {
  return `reports/${model}/${sha256}/validation.json`;
}

/** Bias reports are keyed by the SHA-256 of the file they were computed from. */
export function biasReportKey(model: string, sha256: string, mode: 'pre' | 'post'): string {
  return `reports/${model}/${sha256}/bias-${mode}.json`;
}

export function evaluationReportKey(model: string, sha256: string): string {
  return `reports/${model}/${sha256}/evaluation.json`;
}

export function driftReportKey(model: string, region: string, endpointName: string, windowEnd: Date): string {
  return `reports/${model}/drift/${region}/${endpointName}/${windowEnd.toISOString()}.json`;
}

export function baselineKey(model: string, sha256: string): string {
  return `baselines/${model}/${sha256}.wbp`;
}

/**
 * Folder of one split (`train` or `holdout`) of a validation run; its files are `part-<5 digits>.csv`. The splits
 * are written while the dataset streams past, before its SHA-256 is known, hence the run id.
 */
export function splitPrefix(model: string, runId: string, split: 'train' | 'holdout'): string {
  return `splits/${model}/${runId}/${split}/`;
}

export function splitFileKey(model: string, runId: string, split: 'train' | 'holdout', part: number): string {
  return `${splitPrefix(model, runId, split)}part-${String(part).padStart(5, '0')}.csv`;
}

/** Folder of one scaled-out validation run: plan, manifest and the parts' partial results. */
export function scaleOutPrefix(model: string, runId: string): string {
  return `scale-out/${model}/${runId}/`;
}

/**
 * The id of a validation run over one version of one object: reruns and retries on the same object write to the same
 * keys, a new upload (new ETag) gets new ones.
 */
export function validationRunId(bucket: string, key: string, etag: string): string {
  return createHash('sha256').update(`${bucket}\n${key}\n${etag}`).digest('hex').slice(0, 32);
}
