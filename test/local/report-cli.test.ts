/**
 * `warden local run --export/--report` and `warden report` as users run them (the built CLI in a child process): one
 * real drift-retrain run whose export holds everything the report shows, and a report rendered from that export that
 * is the very report the run wrote.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'node-html-parser';
import { parseJsonOutput, runWarden, type CliRun, expectInputError } from '../support/cli';

const RUN_TIMEOUT_MS = 240_000;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-report-cli-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('warden report', () => {
  it('says what is wrong with the export directory, exit 2', () => {
    expectInputError(
      runWarden(['report', '--from', join(dir, 'nowhere'), '--out', join(dir, 'x.html')]),
      /nowhere is not a directory: pass the directory of `warden local run --export <dir>`/,
    );
    expectInputError(
      runWarden(['report', '--from', dir, '--out', join(dir, 'x.html')]),
      /has no summary\.json, audit\.json, lineage\.json, events\.json, executions\.json, reports\.json, metrics\.json/,
    );
    expect(runWarden(['report', '--out', join(dir, 'x.html')]).code).toBe(2);
  });

  it('refuses a report path it cannot write before spending a run on it', () => {
    const started = Date.now();
    expectInputError(
      runWarden(['local', 'run', '--scenario', 'happy', '--report', join(dir, 'missing', 'run.html')]),
      /Cannot write the report to .*run\.html: the directory .*missing does not exist/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('warden local run --export --report, then warden report --from', () => {
  let run: CliRun;
  let exported: string;
  const read = <T>(name: string): T => JSON.parse(readFileSync(join(exported, name), 'utf8')) as T;

  beforeAll(() => {
    exported = join(dir, 'drift-retrain');
    run = runWarden([
      'local',
      'run',
      '--scenario',
      'drift-retrain',
      '--json',
      '--export',
      exported,
      '--report',
      join(dir, 'run.html'),
    ]);
  }, RUN_TIMEOUT_MS);

  it('exits 0, with the contract summary on stdout and in summary.json', () => {
    expect(run.code).toBe(0);
    expect(read('summary.json')).toEqual(parseJsonOutput(run));
    expect(run.stderr).toMatch(/report: .*run\.html \(\d+ KiB\)/);
  });

  it('exports the PSI datapoints the drift check published, per region and feature', () => {
    const { drift } = read<{
      drift: Array<{ region: string; feature: string; threshold: number; datapoints: Array<{ value: number }> }>;
    }>('metrics.json');
    expect([...new Set(drift.map((series) => series.region))].sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(drift.map((series) => series.feature)).toEqual(expect.arrayContaining(['age', 'income', 'debt_ratio']));
    for (const series of drift) {
      expect(series.threshold).toBe(0.2);
      expect(series.datapoints.length).toBeGreaterThanOrEqual(3);
    }
    // The traffic drifts: some feature is over its threshold in every region.
    for (const region of ['eu-west-1', 'us-east-1']) {
      const values = drift
        .filter((series) => series.region === region)
        .flatMap((series) => series.datapoints.map((point) => point.value));
      expect(Math.max(...values)).toBeGreaterThan(0.2);
    }
  });

  it('exports the bias and evaluation reports of both versions and every execution with its times', () => {
    const reports = read<Record<string, { verdict?: string; stage?: string; passed?: boolean }>>('reports.json');
    const kinds = Object.keys(reports).map((key) => key.split('/').at(-1));
    expect(kinds.filter((kind) => kind === 'bias-pre.json')).toHaveLength(2);
    expect(kinds.filter((kind) => kind === 'bias-post.json')).toHaveLength(2);
    expect(kinds.filter((kind) => kind === 'evaluation.json')).toHaveLength(2);
    for (const [key, report] of Object.entries(reports)) {
      if (key.endsWith('bias-pre.json') || key.endsWith('bias-post.json')) expect(report.verdict).toBe('pass');
    }
    const executions = read<
      Array<{
        stateMachine: string;
        startDate: string;
        stopDate: string | null;
        remediation: { action: string | null } | null;
      }>
    >('executions.json');
    expect(executions.length).toBe((parseJsonOutput(run) as { executions: unknown[] }).executions.length);
    for (const execution of executions) {
      expect(Date.parse(execution.stopDate ?? '')).toBeGreaterThanOrEqual(Date.parse(execution.startDate));
    }
    const decisions = executions.flatMap((execution) => execution.remediation?.action ?? []);
    expect(decisions.filter((action) => action === 'retrain')).toHaveLength(1);
    expect(decisions.length).toBe(executions.filter((execution) => execution.stateMachine === 'remediation').length);
  });

  it('reports the whole loop: both versions, their deployments per region, drift charts, decisions, audit', () => {
    const page = parse(readFileSync(join(dir, 'run.html'), 'utf8'));
    const nodes = page.querySelectorAll('svg.lineage g.node').map((node) => node.getAttribute('data-node'));
    for (const region of ['us-east-1', 'eu-west-1']) {
      expect(nodes).toContain(`deployment:${region}:v1:1`);
      expect(nodes).toContain(`deployment:${region}:v2:1`);
    }
    expect(page.querySelectorAll('svg.lineage g.node.live').map((node) => node.getAttribute('data-version'))).toEqual([
      '2',
      '2',
    ]);
    expect(page.querySelectorAll('article.bias-report[data-verdict="pass"]')).toHaveLength(4);
    expect(page.querySelectorAll('.drift-chart').map((chart) => chart.getAttribute('data-region'))).toEqual([
      'eu-west-1',
      'us-east-1',
    ]);
    expect(page.querySelectorAll('#timeline tr[data-decision="retrain"]')).toHaveLength(1);
    expect(page.querySelector('#audit')?.getAttribute('data-valid')).toBe('true');
  });

  it('renders the same report from the export as the run wrote', () => {
    const out = join(dir, 'from-export.html');
    const rendered = runWarden(['report', '--from', exported, '--out', out, '--json']);
    expect(rendered.code).toBe(0);
    expect(parseJsonOutput(rendered)).toEqual({
      out,
      bytes: readFileSync(out).length,
      scenario: 'drift-retrain',
      ok: true,
    });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'run.html'), 'utf8'));
  });
});
