/**
 * The HTML run report rendered from a hand-built export (two deployed versions, one rolled back in a region, one
 * blocked by the bias gate, drift datapoints, remediations, an audit chain) with hostile names throughout: what it
 * shows, that it is self-contained, that nothing from the run is ever markup — and, where a Chromium exists, that it
 * renders in a browser without a console error.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse, type HTMLElement } from 'node-html-parser';
import { nextEntry, type AuditEntry } from '../../lambdas/ledger/audit-chain';
import { InputError } from '../../lambdas/shared/errors';
import { loadChartLibrary } from '../../local/report/assets';
import { EXPORT_FILES, readExport, writeExport, type RunExport } from '../../local/report/export-files';
import { renderReport } from '../../local/report/render';
import type { DriftMetricSeries, ExecutionDetail } from '../../local/report/run-artifacts';
import { REPO_ROOT } from '../support/cli';

const HOSTILE = '<script>alert(1)</script>';
const HOSTILE_FEATURE = '"><img src=x onerror=alert(2)>';
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';
const T0 = Date.parse('2024-06-01T00:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const sha = (letter: string): string => letter.repeat(64);
const reportKey = (digest: string, file: string): string => `reports/credit-risk/${digest}/${file}`;
const at = (ms: number): string => new Date(T0 + ms).toISOString();

function biasDocument(stage: 'pre' | 'post', values: Record<string, number | string>, failed: string[] = []) {
  const pretraining = Object.fromEntries(Object.entries(values).filter(([name]) => !POST.has(name)));
  const posttraining = Object.fromEntries(Object.entries(values).filter(([name]) => POST.has(name)));
  return {
    dataset: { bucket: 'artifacts', key: 'data.csv', sha256: sha('0') },
    stage,
    facet: { column: 'sex', value: HOSTILE },
    counts: { rows: 12000, skippedRows: 0 },
    pretraining,
    ...(stage === 'post' ? { posttraining } : {}),
    thresholds: stage === 'pre' ? { DPL: 0.2 } : { DPL: 0.2, DPPL: 0.2, DI: 0.8, AccuracyGap: 0.1 },
    verdict: failed.length > 0 ? 'fail' : 'pass',
    failed,
  };
}
const POST = new Set(['DPPL', 'DI', 'AccuracyGap', 'GE']);

function execution(fields: Partial<ExecutionDetail> & Pick<ExecutionDetail, 'name' | 'stateMachine'>): ExecutionDetail {
  return {
    region: 'us-east-1',
    status: 'SUCCEEDED',
    error: null,
    cause: null,
    startDate: at(0),
    stopDate: at(5 * MINUTE),
    states: ['Start', 'Finish'],
    modelVersion: null,
    remediation: null,
    ...fields,
  };
}

function auditChain(): AuditEntry[] {
  const entries: AuditEntry[] = [];
  const inputs = [
    { action: 'model.registered', subject: `${HOSTILE}/v1` },
    { action: 'model.deployed', subject: `${HOSTILE}/v1` },
    { action: 'remediation.retrain', subject: `alarm-${HOSTILE}` },
  ];
  inputs.forEach((input, index) => {
    entries.push(
      nextEntry(
        entries.at(-1),
        { stream: HOSTILE, actor: 'warden/test', detail: { index }, ...input },
        new Date(T0 + index * MINUTE),
      ),
    );
  });
  return entries;
}

const driftSeries = (region: string, feature: string, values: number[]): DriftMetricSeries => ({
  region,
  endpointName: 'warden-credit-risk',
  feature,
  metric: 'Psi',
  alarmName: `warden-credit-risk-drift-${feature}`,
  threshold: 0.2,
  datapoints: values.map((value, index) => ({ timestamp: at((index + 1) * HOUR), value })),
});

/** A region-wave-like run: v1 everywhere, v2 live in us-east-1 and rolled back in eu-west-1, v3 blocked. */
function fixture(): RunExport {
  const [data1, data2, data3, holdout1, holdout2] = ['1', '2', '3', '4', '5'].map(sha);
  const version = (modelVersion: number, fields: Record<string, unknown>) => ({
    pk: `MODEL#${HOSTILE}`,
    sk: `VERSION#${String(modelVersion).padStart(10, '0')}`,
    modelVersion,
    ...fields,
  });
  const deployment = (modelVersion: number, region: string, outcome: string, minute: number) => ({
    pk: `MODEL#${HOSTILE}`,
    sk: `DEPLOYMENT#${region}#${at(minute * MINUTE)}`,
    modelVersion,
    region,
    outcome,
    at: at(minute * MINUTE),
    endpointName: 'warden-credit-risk',
  });
  return {
    summary: {
      scenario: 'region-wave',
      ok: false,
      durationMs: 21_000,
      virtualMs: 8 * HOUR,
      endpoints: [
        {
          region: 'us-east-1',
          name: 'warden-credit-risk',
          status: 'InService',
          variants: [{ modelVersion: 2, weight: 1 }],
        },
        {
          region: 'eu-west-1',
          name: 'warden-credit-risk',
          status: 'InService',
          variants: [{ modelVersion: 1, weight: 1 }],
        },
      ],
      lineage: [],
      audit: { entries: 3, valid: true },
      failures: [`expected ${HOSTILE} to happen`],
    },
    audit: auditChain(),
    lineage: [
      version(1, {
        status: 'Deployed',
        datasetUri: `s3://data/incoming/credit-risk/${HOSTILE}.csv`,
        datasetSha256: data1,
        trainingJobName: `job-${HOSTILE}`,
        reports: {
          validation: reportKey(data1, 'validation.json'),
          preTrainingBias: reportKey(data1, 'bias-pre.json'),
          postTrainingBias: reportKey(holdout1, 'bias-post.json'),
        },
        evaluation: { passed: true, metrics: { accuracy: 0.8236 } },
      }),
      version(2, {
        status: 'Deployed',
        datasetUri: 's3://data/incoming/credit-risk/fresh/2024-06-02.csv',
        datasetSha256: data2,
        trainingJobName: 'credit-risk-job-2',
        reports: {
          validation: reportKey(data2, 'validation.json'),
          preTrainingBias: reportKey(data2, 'bias-pre.json'),
          postTrainingBias: reportKey(holdout2, 'bias-post.json'),
        },
        evaluation: { passed: true, metrics: { accuracy: 0.905 } },
      }),
      version(3, {
        status: 'Blocked',
        datasetUri: 's3://data/incoming/credit-risk/2024-06-03.csv',
        validation: { reportKey: reportKey(data3, 'validation.json'), datasetSha256: data3 },
        preTrainingBias: null,
        training: null,
        evaluation: null,
        error: { Error: 'Warden.BiasGateFailed', Cause: HOSTILE },
      }),
      deployment(1, 'us-east-1', 'Succeeded', 11),
      deployment(1, 'eu-west-1', 'Succeeded', 16),
      deployment(2, 'us-east-1', 'Succeeded', 6 * 60),
      deployment(2, 'eu-west-1', 'RolledBack', 6 * 60 + 30),
      { pk: `MODEL#${HOSTILE}`, sk: 'LIVE#us-east-1', modelVersion: 2, region: 'us-east-1' },
    ],
    events: [
      {
        source: 'warden',
        'detail-type': 'Warden Drift Detected',
        time: '2024-06-01T02:00:00Z',
        region: 'us-east-1',
        detail: { modelName: HOSTILE, modelVersion: 1, region: 'us-east-1', drifted: [HOSTILE_FEATURE] },
      },
      { source: 'aws.s3', 'detail-type': 'Object Created', time: '2024-06-01T00:00:00Z', region: 'us-east-1' },
    ],
    executions: [
      execution({ name: 'train-1', stateMachine: 'training', modelVersion: 1, stopDate: at(16 * MINUTE) }),
      execution({
        name: 'deploy-v1-us-east-1',
        stateMachine: 'deploy',
        modelVersion: 1,
        startDate: at(6 * MINUTE),
        stopDate: at(11 * MINUTE),
      }),
      execution({
        name: 'deploy-v1-eu-west-1',
        stateMachine: 'deploy',
        region: 'eu-west-1',
        modelVersion: 1,
        startDate: at(11 * MINUTE),
        stopDate: at(16 * MINUTE),
      }),
      execution({
        name: 'remediation-acted',
        stateMachine: 'remediation',
        startDate: at(4 * HOUR),
        stopDate: at(4 * HOUR),
        remediation: { alarmName: `alarm-${HOSTILE}`, alarmRegion: 'us-east-1', action: 'retrain', reason: 'drift' },
      }),
      execution({
        name: 'remediation-suppressed',
        stateMachine: 'remediation',
        startDate: at(4 * HOUR + 1000),
        stopDate: at(4 * HOUR + 1000),
        remediation: {
          alarmName: 'warden-credit-risk-drift-age',
          alarmRegion: 'eu-west-1',
          action: 'suppressed',
          reason: 'locked',
        },
      }),
      execution({
        name: 'train-2',
        stateMachine: 'training',
        modelVersion: 2,
        startDate: at(4 * HOUR),
        stopDate: at(6 * HOUR),
      }),
      execution({
        name: 'deploy-v2-us-east-1',
        stateMachine: 'deploy',
        modelVersion: 2,
        startDate: at(6 * HOUR),
        stopDate: at(6 * HOUR + 20 * MINUTE),
      }),
      execution({
        name: 'deploy-v2-eu-west-1',
        stateMachine: 'deploy',
        region: 'eu-west-1',
        modelVersion: 2,
        status: 'FAILED',
        error: 'Warden.DeploymentRolledBack',
        cause: HOSTILE,
        startDate: at(6 * HOUR + 20 * MINUTE),
        stopDate: at(6 * HOUR + 30 * MINUTE),
        states: ['UpdateEndpointWithCanary', 'FailDeployment'],
      }),
      execution({
        name: 'train-3',
        stateMachine: 'training',
        status: 'FAILED',
        error: 'Warden.BiasGateFailed',
        startDate: at(7 * HOUR),
        stopDate: at(7 * HOUR),
        states: ['ValidateData', 'PreTrainingBias', 'FailBiasGate'],
      }),
    ],
    reports: {
      [reportKey(data1, 'validation.json')]: { passed: true, rows: 12000 },
      [reportKey(data1, 'bias-pre.json')]: biasDocument('pre', { CI: 0.0403, DPL: -0.0072, KL: 'NaN' }),
      [reportKey(holdout1, 'bias-post.json')]: biasDocument('post', {
        DPL: -0.005,
        DPPL: -0.011,
        DI: 0.95,
        AccuracyGap: 0.0785,
        GE: 0.05,
      }),
      [reportKey(holdout1, 'evaluation.json')]: { passed: true, metrics: { accuracy: 0.8236 } },
      [reportKey(data2, 'validation.json')]: { passed: true, rows: 12000 },
      [reportKey(data2, 'bias-pre.json')]: biasDocument('pre', { CI: 0.03, DPL: 0.0065 }),
      [reportKey(holdout2, 'bias-post.json')]: biasDocument('post', {
        DPL: 0.004,
        DPPL: 0.006,
        DI: 0.81,
        AccuracyGap: 0.067,
      }),
      [reportKey(data3, 'validation.json')]: { passed: true, rows: 12000 },
      [reportKey(data3, 'bias-pre.json')]: biasDocument('pre', { CI: 0.04, DPL: 0.3061 }, ['DPL']),
    },
    driftMetrics: [
      driftSeries('us-east-1', 'age', [0.03, 0.72, 0.7]),
      driftSeries('us-east-1', HOSTILE_FEATURE, [0.01, 0.02]),
      driftSeries('eu-west-1', 'age', [0.02, 0.5, 0.6]),
    ],
  };
}

let dir: string;
let page: string;
let dom: HTMLElement;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-report-'));
  writeExport(join(dir, 'export'), fixture());
  page = renderReport(readExport(join(dir, 'export')), loadChartLibrary());
  dom = parse(page);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function one(selector: string, within: HTMLElement = dom): HTMLElement {
  const found = within.querySelector(selector);
  if (found === null) throw new Error(`nothing matches ${selector} in the report`);
  return found;
}

/** Text as a person reads it: entities decoded, whitespace collapsed. */
function text(element: HTMLElement): string {
  return element.text.replace(/\s+/g, ' ').trim();
}

function reportData(): {
  drift: Array<{
    region: string;
    times: number[];
    series: Array<{ feature: string; threshold: number; values: Array<number | null> }>;
    markers: Array<{ time: number; label: string }>;
  }>;
} {
  return JSON.parse(one('script#warden-report-data').rawText);
}

describe('warden report: what it shows', () => {
  it('draws a lineage node for every version, check, training job and regional deployment', () => {
    const graph = one('svg.lineage');
    const nodes = graph.querySelectorAll('g.node').map((node) => node.getAttribute('data-node'));
    expect(nodes).toEqual(
      expect.arrayContaining([
        `dataset:${sha('1')}`,
        `report:${reportKey(sha('1'), 'validation.json')}`,
        `report:${reportKey(sha('1'), 'bias-pre.json')}`,
        `training:job-${HOSTILE}`,
        'evaluation:v1',
        `report:${reportKey(sha('4'), 'bias-post.json')}`,
        'model:v1',
        'model:v2',
        'model:v3',
        'deployment:us-east-1:v1:1',
        'deployment:eu-west-1:v1:1',
        'deployment:us-east-1:v2:1',
        'deployment:eu-west-1:v2:1',
      ]),
    );
    expect(new Set(nodes).size).toBe(nodes.length);
    // v3 was blocked before training: its lane has no training job, evaluation or deployment.
    expect(graph.querySelectorAll('g.node[data-version="3"]').map((node) => node.getAttribute('data-kind'))).toEqual([
      'dataset',
      'validation',
      'bias-pre',
      'model',
    ]);
    const node = (id: string): HTMLElement => {
      const found = graph.querySelectorAll('g.node').find((candidate) => candidate.getAttribute('data-node') === id);
      if (found === undefined) throw new Error(`no node ${id}`);
      return found;
    };
    expect(node('deployment:us-east-1:v2:1').classList.contains('live')).toBe(true);
    expect(node('deployment:us-east-1:v2:1').getAttribute('data-status')).toBe('pass');
    expect(text(node('deployment:us-east-1:v2:1'))).toContain('live · 100 % of traffic');
    expect(node('deployment:eu-west-1:v2:1').getAttribute('data-status')).toBe('warn');
    expect(node('deployment:eu-west-1:v2:1').classList.contains('live')).toBe(false);
    expect(node('deployment:eu-west-1:v1:1').classList.contains('live')).toBe(true);
    expect(node('deployment:us-east-1:v1:1').classList.contains('live')).toBe(false);
    expect(text(node('deployment:us-east-1:v1:1'))).toContain('Succeeded · not live now');
    expect(node('model:v3').getAttribute('data-status')).toBe('fail');
    expect(text(node('model:v3'))).toContain('Blocked · BiasGateFailed');
    expect(text(node(`report:${reportKey(sha('3'), 'bias-pre.json')}`))).toContain('fail: DPL');
    // The full name behind a truncated label, as text.
    expect(text(one('title', node(`training:job-${HOSTILE}`)))).toBe(`training job: job-${HOSTILE}`);
    // Every stage feeds the next one that has nodes: the blocked version's checks lead straight to it.
    const edges = graph
      .querySelectorAll('path.edge')
      .map((edge) => `${edge.getAttribute('data-from')} → ${edge.getAttribute('data-to')}`);
    expect(edges).toContain(`report:${reportKey(sha('3'), 'bias-pre.json')} → model:v3`);
    expect(edges).toContain('model:v2 → deployment:eu-west-1:v2:1');
    expect(edges).toContain(`training:job-${HOSTILE} → evaluation:v1`);
    expect(edges).not.toContain(`dataset:${sha('1')} → model:v1`);
  });

  it('lists every bias metric with its threshold and the gate verdict per metric', () => {
    const rowsOf = (version: number, stage: string) =>
      one(`article.bias-report[data-version="${version}"][data-stage="${stage}"]`)
        .querySelectorAll('tr[data-metric]')
        .map((row) => ({
          metric: row.getAttribute('data-metric'),
          result: row.getAttribute('data-result'),
          cells: row.querySelectorAll('td').map(text),
        }));
    expect(rowsOf(3, 'pre')).toEqual([
      { metric: 'DPL', result: 'fail', cells: ['DPL', '0.3061', '0.2', '', 'fail'] },
      { metric: 'CI', result: 'no threshold', cells: ['CI', '0.04', '—', '', 'no threshold'] },
    ]);
    expect(one('article.bias-report[data-version="3"]').getAttribute('data-verdict')).toBe('fail');
    // The gauge of a failing metric is past its threshold tick (50 %): 0.3061 / 0.2 → 76.5 %.
    expect(one('article.bias-report[data-version="3"] tr[data-metric="DPL"] .gauge span').getAttribute('style')).toBe(
      'width:76.5%',
    );
    const post = rowsOf(1, 'post');
    expect(post.map((row) => [row.metric, row.cells[1], row.cells[2], row.result])).toEqual([
      ['DPL', '-0.005', '0.2', 'pass'],
      ['DPPL', '-0.011', '0.2', 'pass'],
      ['DI', '0.95', '0.8', 'pass'],
      ['AccuracyGap', '0.0785', '0.1', 'pass'],
      ['GE', '0.05', '—', 'no threshold'],
    ]);
    // A non-finite metric travels as the contract's string and reads as NaN.
    expect(rowsOf(1, 'pre').find((row) => row.metric === 'KL')?.cells[1]).toBe('NaN');
    expect(text(one('article.bias-report[data-version="1"][data-stage="pre"] h3'))).toBe(
      `v1 · pre-training bias · facet sex = ${HOSTILE} · 12000 rows pass`,
    );
  });

  it('gives each region a drift chart container and the PSI series it draws', () => {
    const containers = dom
      .querySelectorAll('.drift-chart')
      .map((chart) => [chart.getAttribute('data-drift-chart'), chart.getAttribute('data-region')]);
    expect(containers).toEqual([
      ['0', 'eu-west-1'],
      ['1', 'us-east-1'],
    ]);
    const data = reportData();
    const east = data.drift[1];
    expect(east.region).toBe('us-east-1');
    expect(east.times).toEqual([1, 2, 3].map((hour) => (T0 + hour * HOUR) / 1000));
    expect(east.series).toEqual([
      { feature: 'age', threshold: 0.2, values: [0.03, 0.72, 0.7] },
      { feature: HOSTILE_FEATURE, threshold: 0.2, values: [0.01, 0.02, null] },
    ]);
    expect(east.markers).toEqual(
      expect.arrayContaining([
        { time: (T0 + 4 * HOUR) / 1000, label: 'retrain' },
        { time: (T0 + 6 * HOUR + 20 * MINUTE) / 1000, label: 'v2 deployed' },
      ]),
    );
    // A suppressed remediation is no mark; a failed deployment is.
    expect(data.drift[0].markers).toEqual([
      { time: (T0 + 16 * MINUTE) / 1000, label: 'v1 deployed' },
      { time: (T0 + 6 * HOUR + 30 * MINUTE) / 1000, label: 'v2 Warden.DeploymentRolledBack' },
    ]);
    const age = one('figure.drift[data-region="us-east-1"] tr[data-feature="age"]');
    expect(age.classList.contains('drifted')).toBe(true);
    expect(age.querySelectorAll('td').map(text)).toEqual(['age', '0.2', '3', '0.7', '0.72', '2024-06-01 02:00:00']);
  });

  it('shows every execution in start order with its span, outcome and remediation decision', () => {
    const rows = one('#timeline').querySelectorAll('tr[data-execution]');
    expect(rows.map((row) => row.getAttribute('data-execution'))).toEqual([
      'train-1',
      'deploy-v1-us-east-1',
      'deploy-v1-eu-west-1',
      'remediation-acted',
      'train-2',
      'remediation-suppressed',
      'deploy-v2-us-east-1',
      'deploy-v2-eu-west-1',
      'train-3',
    ]);
    const row = (name: string): HTMLElement => one(`tr[data-execution="${name}"]`);
    expect(row('remediation-acted').getAttribute('data-decision')).toBe('retrain');
    expect(text(row('remediation-acted'))).toContain(`retrain (drift) on alarm-${HOSTILE} in us-east-1`);
    expect(row('remediation-suppressed').getAttribute('data-decision')).toBe('suppressed');
    expect(text(row('remediation-suppressed'))).toContain(
      'suppressed (locked) on warden-credit-risk-drift-age in eu-west-1',
    );
    expect(row('deploy-v2-eu-west-1').getAttribute('data-status')).toBe('FAILED');
    expect(text(row('deploy-v2-eu-west-1'))).toContain('Warden.DeploymentRolledBack at FailDeployment');
    expect(row('train-2').querySelectorAll('td').map(text).slice(0, 6)).toEqual([
      '+4 h 00 min',
      '2 h 00 min',
      'us-east-1',
      'training',
      'v2',
      'SUCCEEDED',
    ]);
    // The span bar sits on the run's virtual time axis: 4 h into a 7 h run, 2 h long.
    expect(one('.bar span', row('train-2')).getAttribute('style')).toBe('left:57.14%;width:28.57%');
    const events = one('#timeline table.events').querySelectorAll('tr[data-detail-type]');
    expect(events.map((event) => event.getAttribute('data-detail-type'))).toEqual(['Warden Drift Detected']);
    expect(text(events[0])).toContain(`drifted: ${HOSTILE_FEATURE}`);
  });

  it('verifies the audit chain again and says so; a tampered export reads BROKEN at the first bad seq', () => {
    expect(one('#audit').getAttribute('data-valid')).toBe('true');
    expect(text(one('#audit .verdict'))).toBe('Audit chain verified: 3 entries in 1 stream.');
    expect(
      one('#audit')
        .querySelectorAll('tr[data-seq]')
        .map((row) => text(one('td', row))),
    ).toEqual([HOSTILE, HOSTILE, HOSTILE]);
    const tampered = fixture();
    tampered.audit[1] = { ...tampered.audit[1], detail: { index: 99 } };
    const broken = parse(renderReport(tampered, loadChartLibrary()));
    expect(one('#audit', broken).getAttribute('data-valid')).toBe('false');
    const verdicts = one('#audit', broken).querySelectorAll('.verdict').map(text);
    expect(verdicts[0]).toMatch(new RegExp(`^Audit chain BROKEN: stream "${escapeRegExp(HOSTILE)}" at seq 2: `));
    expect(verdicts[1]).toMatch(/^The run's summary said the chain was valid/);
    expect(
      one('#audit', broken)
        .querySelectorAll('tr.untrusted')
        .map((row) => row.getAttribute('data-seq')),
    ).toEqual(['2', '3']);
  });

  it('opens with the scenario, its outcome and what went wrong', () => {
    expect(text(one('#outcome'))).toBe('NOT OK');
    expect(one('#outcome').classList.contains('fail')).toBe(true);
    expect(one('.failures li').text).toBe(`expected ${HOSTILE} to happen`);
    expect(text(one('.facts'))).toContain('3 model versions · 2 serving regions (us-east-1, eu-west-1)');
  });
});

describe('warden report: self-contained and safe', () => {
  it('loads nothing from anywhere: no external src, href, url() or import, and a policy that forbids it', () => {
    expect(page).not.toMatch(/\b(?:src|href|action|poster|data|xlink:href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(page).not.toMatch(/url\(\s*["']?\s*(?:https?:)?\/\//i);
    expect(page).not.toMatch(/@import/i);
    expect(dom.querySelectorAll('link, iframe, object, embed, img, script[src], base')).toHaveLength(0);
    for (const anchor of dom.querySelectorAll('a')) expect(anchor.getAttribute('href')).toMatch(/^#[a-z]+$/);
    const policy = one('meta[http-equiv="Content-Security-Policy"]').getAttribute('content') ?? '';
    expect(policy).toMatch(/^default-src 'none'; /);
    // The policy runs exactly the report's own scripts, by hash.
    const scripts = dom.querySelectorAll('script:not([type])').map((script) => script.rawText);
    expect(scripts).toHaveLength(2);
    const hashes = scripts.map((script) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(policy).toContain(`; script-src ${hashes.join(' ')};`);
    expect(scripts[0]).toBe(loadChartLibrary().script);
  });

  it('writes every string of the run as text, never as markup', () => {
    expect(page).not.toContain(HOSTILE);
    expect(page).not.toContain('<img');
    expect(page).toContain(ESCAPED);
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    // Three script elements: the data (never executed) and the two trusted scripts.
    expect(dom.querySelectorAll('script')).toHaveLength(3);
    const data = one('script#warden-report-data').rawText;
    expect(data).not.toMatch(/[<>&]/);
    expect(data).toContain('\\u003cimg src=x onerror=alert(2)\\u003e');
    expect(JSON.stringify(reportData())).toContain(JSON.stringify(HOSTILE_FEATURE).slice(1, -1));
    expect(text(one('title'))).toBe('Warden run report: region-wave');
  });

  it('refuses a chart library that would end its script element early', () => {
    const library = { ...loadChartLibrary(), script: 'var s = "</script><script>alert(1)</script>";' };
    expect(() => renderReport(fixture(), library)).toThrow(/contains "<\/script" and cannot be inlined/);
  });
});

describe('warden report: inputs', () => {
  it('says which file of an export is missing, and how to get a complete one', () => {
    const partial = join(dir, 'partial');
    writeExport(partial, fixture());
    rmSync(join(partial, EXPORT_FILES.metrics));
    rmSync(join(partial, EXPORT_FILES.summary));
    expect(() => readExport(partial)).toThrow(InputError);
    expect(() => readExport(partial)).toThrow(/has no summary\.json, metrics\.json: .*warden local run --export/);
    expect(() => readExport(join(dir, 'nowhere'))).toThrow(/is not a directory/);
  });

  it('names the file and field of a malformed export', () => {
    const broken = join(dir, 'broken');
    writeExport(broken, fixture());
    writeFileSync(join(broken, EXPORT_FILES.executions), '[{"name": 1}]');
    expect(() => readExport(broken)).toThrow(/executions\.json is not a warden export file: 0\.stateMachine/);
    writeExport(join(dir, 'again'), fixture());
    writeFileSync(join(dir, 'again', EXPORT_FILES.reports), '{not json');
    expect(() => readExport(join(dir, 'again'))).toThrow(/reports\.json is not valid JSON/);
  });

  it('explains a missing chart library instead of failing with a module error', () => {
    const missing = (id: string): string => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => loadChartLibrary(missing)).toThrow(InputError);
    expect(() => loadChartLibrary(missing)).toThrow(/inlines the chart library uplot.*npm ci/);
  });
});

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A Chromium on PATH (Debian's `chromium`), or the one named by CHROMIUM_PATH. */
function findChromium(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_PATH,
    ...['chromium', 'chromium-browser', 'google-chrome'].flatMap((name) =>
      (process.env.PATH ?? '').split(delimiter).map((folder) => join(folder, name)),
    ),
  ];
  return candidates.find((candidate) => {
    if (candidate === undefined || candidate === '') return false;
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const chromium = findChromium();
const inBrowser = chromium === undefined ? it.skip : it;

describe('warden report in a browser', () => {
  inBrowser(
    `renders in headless Chromium with no console error and draws its charts${chromium === undefined ? ' (needs Chromium: none on PATH)' : ''}`,
    async () => {
      const { chromium: driver } = await import('playwright-core');
      const file = join(dir, 'report.html');
      writeFileSync(file, page);
      const browser = await driver.launch({ executablePath: chromium });
      try {
        const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const problems: string[] = [];
        tab.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning')
            problems.push(`${message.type()}: ${message.text()}`);
        });
        tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        tab.on('request', (request) => {
          if (!request.url().startsWith('file:')) problems.push(`request: ${request.url()}`);
        });
        await tab.goto(pathToFileURL(file).href);
        await tab.waitForSelector('[data-drift-chart="1"][data-rendered="true"]');
        expect(problems).toEqual([]);
        // The chart script ran: a sized canvas and a legend per region, the data's series in it.
        const charts = tab.locator('[data-drift-chart]');
        expect(await charts.count()).toBe(2);
        for (const index of [0, 1]) {
          const chart = charts.nth(index);
          expect(await chart.getAttribute('data-rendered')).toBe('true');
          const canvas = await chart.locator('canvas').boundingBox();
          expect(canvas?.width).toBeGreaterThan(300);
          expect(canvas?.height).toBeGreaterThan(100);
        }
        expect(await charts.nth(1).locator('.u-legend .u-label').allTextContents()).toEqual([
          'window end (UTC)',
          'age',
          HOSTILE_FEATURE,
          'threshold 0.2',
        ]);
        expect((await tab.locator('svg.lineage').boundingBox())?.width).toBeGreaterThan(600);
        expect(await tab.locator('svg.lineage g.node').count()).toBe(dom.querySelectorAll('svg.lineage g.node').length);
        expect(await tab.locator('#bias tr[data-metric]').count()).toBe(16);
        expect(await tab.locator('#timeline tr[data-execution]').count()).toBe(fixture().executions.length);
        expect((await tab.locator('#audit .verdict').textContent())?.trim()).toBe(
          'Audit chain verified: 3 entries in 1 stream.',
        );
        // No hostile string became an element.
        expect(await tab.locator('img, script[src]').count()).toBe(0);
        expect(await tab.locator('script').count()).toBe(3);
        const output = join(REPO_ROOT, 'test-output');
        mkdirSync(output, { recursive: true });
        await tab.screenshot({ path: join(output, 'report.png'), fullPage: true });
        expect(readFileSync(join(output, 'report.png')).subarray(1, 4).toString()).toBe('PNG');
      } finally {
        await browser.close();
      }
    },
  );
});
