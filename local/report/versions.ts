/**
 * The model versions of a run as the report tells them: each version's lineage item joined with the reports the
 * handlers wrote for it (found by the keys in lineage, or next to them: a blocked version has no `reports` map, and
 * the evaluation report sits beside the post-training bias report of the same holdout predictions), its deployments
 * per region and where it is live now.
 */
import type { RunExport } from './export-files';
import { asBoolean, asNumber, asObject, asString, type Fields } from './fields';

export interface ReportDocument {
  readonly key: string;
  /** Absent when the export does not hold the report (the key is still shown). */
  readonly document: Fields | undefined;
}

export interface DeploymentRecord {
  readonly region: string;
  readonly outcome: string;
  readonly at: string | undefined;
  readonly endpointName: string | undefined;
}

export interface VersionView {
  readonly modelVersion: number;
  readonly status: string;
  readonly datasetUri: string | undefined;
  readonly datasetSha256: string | undefined;
  readonly trainingJobName: string | undefined;
  readonly validation: ReportDocument | undefined;
  readonly preTrainingBias: ReportDocument | undefined;
  readonly postTrainingBias: ReportDocument | undefined;
  readonly evaluation: ReportDocument | undefined;
  /** Accuracy and verdict of the evaluation as lineage recorded them. */
  readonly evaluationSummary:
    { readonly passed: boolean | undefined; readonly accuracy: number | undefined } | undefined;
  /** The error a failed or blocked version recorded. */
  readonly error: string | undefined;
  readonly deployments: DeploymentRecord[];
  /** Regions whose endpoint serves this version now, with its share of the traffic (0..1). */
  readonly live: Array<{ readonly region: string; readonly share: number }>;
}

export function modelVersions(run: RunExport): VersionView[] {
  const deployments = run.lineage.filter((item) => String(item.sk ?? '').startsWith('DEPLOYMENT#'));
  return run.lineage
    .filter((item) => String(item.sk ?? '').startsWith('VERSION#'))
    .map((item) => versionView(run, item, deployments))
    .sort((a, b) => a.modelVersion - b.modelVersion);
}

function versionView(run: RunExport, item: Fields, deployments: readonly Fields[]): VersionView {
  const modelVersion = asNumber(item.modelVersion) ?? Number(String(item.sk).slice('VERSION#'.length));
  const reports = asObject(item.reports);
  const validation = asObject(item.validation);
  const document = (key: string | undefined): ReportDocument | undefined =>
    key === undefined ? undefined : { key, document: reportAt(run, key) };
  /** A key guessed from a neighbour counts only when the export holds that report. */
  const present = (key: string | undefined): ReportDocument | undefined =>
    key === undefined || reportAt(run, key) === undefined ? undefined : document(key);
  const validationKey = asString(reports.validation) ?? asString(validation.reportKey);
  const preKey = asString(reports.preTrainingBias) ?? asString(asObject(item.preTrainingBias).reportKey);
  const postKey = asString(reports.postTrainingBias);
  const evaluation = asObject(item.evaluation);
  const error = asObject(item.error);
  return {
    modelVersion,
    status: asString(item.status) ?? 'unknown',
    datasetUri: asString(item.datasetUri),
    datasetSha256: asString(item.datasetSha256) ?? asString(validation.datasetSha256),
    trainingJobName: asString(item.trainingJobName) ?? asString(asObject(item.training).trainingJobName),
    validation: document(validationKey),
    preTrainingBias: document(preKey) ?? present(sibling(validationKey, 'bias-pre.json')),
    postTrainingBias: document(postKey),
    evaluation: present(sibling(postKey, 'evaluation.json')),
    evaluationSummary:
      item.evaluation === undefined || item.evaluation === null
        ? undefined
        : { passed: asBoolean(evaluation.passed), accuracy: asNumber(asObject(evaluation.metrics).accuracy) },
    error: asString(error.Error),
    deployments: deployments
      .filter((deployment) => asNumber(deployment.modelVersion) === modelVersion)
      .map((deployment) => ({
        region: asString(deployment.region) ?? 'unknown',
        outcome: asString(deployment.outcome) ?? 'unknown',
        at: asString(deployment.at),
        endpointName: asString(deployment.endpointName),
      }))
      .sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '')),
    live: run.summary.endpoints.flatMap((endpoint) =>
      endpoint.variants
        .filter((variant) => variant.modelVersion === modelVersion && variant.weight > 0)
        .map((variant) => ({ region: endpoint.region, share: variant.weight / totalWeight(endpoint.variants) })),
    ),
  };
}

function totalWeight(variants: ReadonlyArray<{ readonly weight: number }>): number {
  return variants.reduce((sum, variant) => sum + Math.max(0, variant.weight), 0);
}

function reportAt(run: RunExport, key: string): Fields | undefined {
  const document = run.reports[key];
  return document === undefined ? undefined : asObject(document);
}

/** The key of `file` in the same folder as `key`. */
function sibling(key: string | undefined, file: string): string | undefined {
  if (key === undefined) return undefined;
  const slash = key.lastIndexOf('/');
  return `${key.slice(0, slash + 1)}${file}`;
}
