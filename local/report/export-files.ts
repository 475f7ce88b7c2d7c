/**
 * The export directory of `warden local run --export <dir>`: one JSON file per kind of thing the run left behind.
 * `warden report --from <dir>` renders from exactly these files, so the report of an export is the report of the run.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { parseAuditEntries, type AuditEntry } from '../../lambdas/ledger/audit-chain';
import { InputError } from '../../lambdas/shared/errors';
import { toContractJson } from '../../lambdas/stats/json';
import type { DriftMetricSeries, ExecutionDetail } from './run-artifacts';

/** Everything the report shows, as exported. */
export interface RunExport {
  readonly summary: ExportedSummary;
  readonly audit: AuditEntry[];
  readonly lineage: Array<Record<string, unknown>>;
  readonly events: Array<Record<string, unknown>>;
  readonly executions: ExecutionDetail[];
  /** Validation, bias and evaluation reports by artifacts-bucket key. */
  readonly reports: Record<string, unknown>;
  readonly driftMetrics: DriftMetricSeries[];
}

/** File names in the export directory. */
export const EXPORT_FILES = {
  summary: 'summary.json',
  audit: 'audit.json',
  lineage: 'lineage.json',
  events: 'events.json',
  executions: 'executions.json',
  reports: 'reports.json',
  metrics: 'metrics.json',
} as const;

const contractNumber = z
  .union([z.number(), z.enum(['Infinity', '-Infinity', 'NaN'])])
  .transform((value) => Number(value));

/** The parts of the contract's run summary (CONTRACTS.md `warden local run`) that the report reads. */
const SummarySchema = z.object({
  scenario: z.string(),
  ok: z.boolean(),
  durationMs: contractNumber,
  virtualMs: contractNumber.optional(),
  endpoints: z.array(
    z.object({
      region: z.string(),
      name: z.string(),
      status: z.string(),
      variants: z.array(
        z.object({ variantName: z.string().optional(), modelVersion: z.number().nullable(), weight: contractNumber }),
      ),
    }),
  ),
  lineage: z.array(
    z.object({
      modelVersion: z.number().nullable(),
      datasetSha256: z.string().nullable(),
      status: z.string().nullable(),
    }),
  ),
  audit: z.object({ entries: z.number(), valid: z.boolean() }),
  failures: z.array(z.string()).default([]),
});
export type ExportedSummary = z.infer<typeof SummarySchema>;

const ExecutionSchema = z.object({
  stateMachine: z.string(),
  region: z.string(),
  name: z.string(),
  status: z.string(),
  error: z.string().nullable(),
  cause: z.string().nullable(),
  startDate: z.iso.datetime({ offset: true }),
  stopDate: z.iso.datetime({ offset: true }).nullable(),
  states: z.array(z.string()),
  modelVersion: z.number().nullable(),
  remediation: z
    .object({
      alarmName: z.string(),
      alarmRegion: z.string(),
      action: z.string().nullable(),
      reason: z.string().nullable(),
    })
    .nullable(),
});

const MetricsSchema = z.object({
  drift: z.array(
    z.object({
      region: z.string(),
      endpointName: z.string(),
      feature: z.string(),
      metric: z.string(),
      alarmName: z.string(),
      threshold: contractNumber,
      datapoints: z.array(z.object({ timestamp: z.iso.datetime({ offset: true }), value: contractNumber })),
    }),
  ),
});

const ItemsSchema = z.array(z.record(z.string(), z.unknown()));

/** Writes every file of the export (JSON with the contract's non-finite numbers), creating `dir` when needed. */
export function writeExport(dir: string, run: RunExport): void {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, value: unknown): void => writeFileSync(join(dir, name), `${toContractJson(value, 2)}\n`);
  write(EXPORT_FILES.summary, run.summary);
  write(EXPORT_FILES.audit, run.audit);
  write(EXPORT_FILES.lineage, run.lineage);
  write(EXPORT_FILES.events, run.events);
  write(EXPORT_FILES.executions, run.executions);
  write(EXPORT_FILES.reports, run.reports);
  write(EXPORT_FILES.metrics, { drift: run.driftMetrics });
}

/** Reads and checks an export directory; anything missing or malformed is an input error naming the file. */
export function readExport(dir: string): RunExport {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError(`${dir} is not a directory: pass the directory of \`warden local run --export <dir>\`.`);
  }
  const missing = Object.values(EXPORT_FILES).filter((name) => !existsSync(join(dir, name)));
  if (missing.length > 0) {
    throw new InputError(
      `${dir} has no ${missing.join(', ')}: it is not the export of a run by this version of warden; ` +
        'run `warden local run --export <dir>` again.',
    );
  }
  const read = <T>(name: string, schema: z.ZodType<T>): T => {
    const path = join(dir, name);
    let document: unknown;
    try {
      document = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new InputError(`${path} is not valid JSON (${(error as Error).message}).`);
    }
    const parsed = schema.safeParse(document);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(
        `${path} is not a warden export file: ${issue.path.join('.') || 'the document'}: ${issue.message}.`,
      );
    }
    return parsed.data;
  };
  return {
    summary: read(EXPORT_FILES.summary, SummarySchema),
    audit: parseAuditEntries(read(EXPORT_FILES.audit, z.unknown()), `The audit file ${join(dir, EXPORT_FILES.audit)}`),
    lineage: read(EXPORT_FILES.lineage, ItemsSchema),
    events: read(EXPORT_FILES.events, ItemsSchema),
    executions: read(EXPORT_FILES.executions, z.array(ExecutionSchema)),
    reports: read(EXPORT_FILES.reports, z.record(z.string(), z.unknown())),
    driftMetrics: read(EXPORT_FILES.metrics, MetricsSchema).drift,
  };
}
