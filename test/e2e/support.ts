/** Runs `warden local run` as users do (the built CLI in a child process) and reads what it exported. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonOutput, runWarden, type CliRun } from '../support/cli';

export interface ScenarioRun {
  readonly run: CliRun;
  readonly summary: Summary;
  readonly audit: Array<{ stream: string; seq: number; action: string; detail: Record<string, unknown> }>;
  readonly lineage: Array<Record<string, unknown>>;
  readonly events: Array<{ 'detail-type': string; source: string; region: string; detail: Record<string, unknown> }>;
  /** `warden audit verify --json` on the exported ledger. */
  readonly verified: { code: number; json: { streams: number; entries: number; valid: boolean } };
}

export interface Summary {
  scenario: string;
  ok: boolean;
  durationMs: number;
  executions: Array<{
    stateMachine: string;
    region: string;
    name: string;
    status: string;
    error: string | null;
    states: string[];
  }>;
  endpoints: Array<{
    region: string;
    name: string;
    status: string;
    variants: Array<{ modelVersion: number | null; weight: number }>;
  }>;
  lineage: Array<{ modelVersion: number | null; datasetSha256: string | null; status: string | null }>;
  events: Array<{ 'detail-type': string; region: string }>;
  audit: { entries: number; valid: boolean };
  failures: string[];
}

export const PRIMARY = 'us-east-1';
export const SECONDARY = 'eu-west-1';

export function runScenario(scenario: string | undefined): ScenarioRun {
  const out = mkdtempSync(join(tmpdir(), 'warden-e2e-'));
  try {
    const args = ['local', 'run', '--json', '--export', out, ...(scenario ? ['--scenario', scenario] : [])];
    const run = runWarden(args);
    if (run.stdout.trim() === '') throw new Error(`no JSON on stdout (exit ${run.code}): ${run.stderr.slice(-2000)}`);
    const summary = parseJsonOutput(run) as Summary;
    const read = <T>(name: string): T => JSON.parse(readFileSync(join(out, name), 'utf8')) as T;
    const verify = runWarden(['audit', 'verify', '--file', join(out, 'audit.json'), '--json']);
    return {
      run,
      summary,
      audit: read('audit.json'),
      lineage: read('lineage.json'),
      events: read('events.json'),
      verified: { code: verify.code, json: JSON.parse(verify.stdout) as ScenarioRun['verified']['json'] },
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The model versions an endpoint serves, with their weights. */
export function served(summary: Summary, region: string): Array<[number | null, number]> {
  const endpoint = summary.endpoints.find((candidate) => candidate.region === region);
  return (endpoint?.variants ?? []).map((variant) => [variant.modelVersion, variant.weight]);
}

export function executionsOf(summary: Summary, stateMachine: string) {
  return summary.executions.filter((execution) => execution.stateMachine === stateMachine);
}

export const SCENARIO_TIMEOUT_MS = 240_000;
