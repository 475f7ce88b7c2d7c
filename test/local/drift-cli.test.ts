/** `warden drift` through the built CLI, as users run it. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonOutput, runWarden, SHARED_FIXTURES } from '../support/cli';

const BASE = join(SHARED_FIXTURES, 'drift_base_small.csv');
const CURRENT = join(SHARED_FIXTURES, 'drift_cur_small.csv');

interface Report {
  columns: Record<string, Record<string, unknown>>;
  drifted: string[];
  thresholds: Record<string, number>;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-drift-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Every number in `expected` matches `actual` to 1e-9 absolute; other values and the set of keys match exactly. */
function expectNumbersClose(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number') {
    expect(typeof actual).toBe('number');
    if (Math.abs((actual as number) - expected) > 1e-9)
      throw new Error(`${path}: got ${String(actual)}, expected ${expected}`);
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    for (const [key, value] of Object.entries(expected)) {
      expectNumbersClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
    return;
  }
  expect(actual).toEqual(expected);
}

describe('warden drift on the shared fixture', () => {
  const run = runWarden(['drift', BASE, CURRENT, '--json']);
  const expected = JSON.parse(readFileSync(join(SHARED_FIXTURES, 'drift_small.expected.json'), 'utf8')) as {
    columns: Record<string, unknown>;
  };

  it('prints one JSON document and exits 1 because both columns drifted', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = parseJsonOutput(run) as Report;
    expect(Object.keys(report)).toEqual(['columns', 'drifted', 'thresholds']);
    expect(report.drifted).toEqual(['x', 'c']);
    expect(report.thresholds).toEqual({ psi: 0.2, ksStatistic: 0.1, wassersteinNorm: 0.1, jsDistance: 0.1 });
  });

  it('matches every expected number to 1e-9, p-value included', () => {
    const report = parseJsonOutput(run) as Report;
    expect(Object.keys(report.columns)).toEqual(Object.keys(expected.columns));
    expectNumbersClose(report.columns, expected.columns, 'columns');
    expect(Object.keys(report.columns.x)).toEqual(['type', 'count', 'ks', 'wasserstein', 'wassersteinNorm', 'psi']);
    expect(Object.keys(report.columns.c)).toEqual(['type', 'count', 'psi', 'jsDistance']);
    expect(report.columns.x.count).toEqual({ baseline: 300, current: 250 });
    expect(report.columns.c.count).toEqual({ baseline: 300, current: 250 });
  });
});

describe('warden drift options and output', () => {
  it('exits 0 with nothing drifted when a file is compared with itself', () => {
    const run = runWarden(['drift', BASE, BASE, '--json']);
    expect(run.code).toBe(0);
    const report = parseJsonOutput(run) as Report;
    expect(report.drifted).toEqual([]);
    expect(report.columns.x).toMatchObject({ ks: { statistic: 0, pValue: 1 }, wasserstein: 0, psi: 0 });
  });

  it('compares only the --columns given, in that order', () => {
    const report = parseJsonOutput(runWarden(['drift', BASE, CURRENT, '--columns', 'c', '--json'])) as Report;
    expect(Object.keys(report.columns)).toEqual(['c']);
  });

  it('applies --threshold overrides, including the opt-in p-value threshold', () => {
    const loose = ['psi=5', 'ksStatistic=1', 'wassersteinNorm=1', 'jsDistance=1'].flatMap((t) => ['--threshold', t]);
    const passed = runWarden(['drift', BASE, CURRENT, ...loose, '--json']);
    expect(passed.code).toBe(0);
    expect((parseJsonOutput(passed) as Report).thresholds.psi).toBe(5);
    const strict = runWarden(['drift', BASE, CURRENT, ...loose, '--threshold', 'ksPValue=0.01', '--json']);
    expect(strict.code).toBe(1);
    expect((parseJsonOutput(strict) as Report).drifted).toEqual(['x']);
  });

  it('writes non-finite numbers as strings', () => {
    const run = runWarden(['drift', file('const.csv', 'v\n3\n3\n'), file('moved.csv', 'v\n4\n'), '--json']);
    expect(run.stdout).toContain('"wassersteinNorm":"Infinity"');
    expect(run.code).toBe(1);
  });

  it('treats a column as categorical when either file has a value that is not a number', () => {
    const run = runWarden(['drift', file('num.csv', 'v\n1\n2\n'), file('text.csv', 'v\n1\nnone\n'), '--json']);
    expect((parseJsonOutput(run) as Report).columns.v.type).toBe('categorical');
  });

  it('prints an aligned table for people', () => {
    const run = runWarden(['drift', BASE, CURRENT]);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    const header = lines.find((line) => line.startsWith('column'));
    const x = lines.find((line) => line.startsWith('x '));
    const c = lines.find((line) => line.startsWith('c '));
    expect(header).toBeDefined();
    expect(x).toContain('numeric');
    expect(c).toContain('categorical');
    // Right-aligned numbers: the psi column ends at the same offset in the header and both rows.
    const psiEnd = (header as string).indexOf('psi') + 3;
    expect((x as string).slice(0, psiEnd)).toMatch(/0\.2333\*$/);
    expect((c as string).slice(0, psiEnd)).toMatch(/0\.8347\*$/);
    expect(run.stdout).toContain('Drift in 2 of 2 columns: x, c.');
  });

  it('documents the metrics, default thresholds and exit codes in --help', () => {
    const run = runWarden(['drift', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('psi 0.2, ksStatistic 0.1, wassersteinNorm 0.1, jsDistance 0.1');
    expect(run.stdout).toContain('ksPValue');
    expect(run.stdout).toContain('Exit codes');
  });
});

describe('warden drift input errors', () => {
  const header = 'x,c\n';
  const cases: [string, () => string[], RegExp][] = [
    [
      'an unknown column in --columns',
      () => [BASE, CURRENT, '--columns', 'x,nope'],
      /Column "nope" is not in .*drift_base_small\.csv\./,
    ],
    [
      'a column missing from the current file',
      () => [BASE, file('only-x.csv', 'x\n1\n')],
      /Column "c" is not in .*only-x\.csv\./,
    ],
    ['an empty file', () => [BASE, file('empty.csv', '')], /empty\.csv.*is empty/],
    [
      'a file with only a header',
      () => [file('header.csv', header), CURRENT],
      /header\.csv has a header but no data rows\./,
    ],
    [
      'a file that is not UTF-8',
      () => [BASE, file('latin1.csv', Buffer.from('x,c\n1,caf\xe9\n', 'latin1'))],
      /not valid UTF-8/,
    ],
    [
      'a column with no values in one file',
      () => [BASE, file('no-c.csv', 'x,c\n1,\n2,\n')],
      /Column "c" has no values in .*no-c\.csv/,
    ],
    [
      'an unknown threshold',
      () => [BASE, CURRENT, '--threshold', 'accuracy=0.1'],
      /Unknown drift threshold "accuracy"/,
    ],
    ['a malformed threshold', () => [BASE, CURRENT, '--threshold', 'psi'], /--threshold expects METRIC=NUMBER/],
    [
      'an empty name in --columns',
      () => [BASE, CURRENT, '--columns', 'x,'],
      /--columns expects comma-separated column names/,
    ],
    ['a missing file', () => [join(dir, 'absent.csv'), CURRENT], /Cannot read .*absent\.csv: no such file\./],
  ];

  it.each(cases)('%s: exit 2, one sentence on stderr, no stack trace', (_what, args, message) => {
    const run = runWarden(['drift', ...args(), '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain('    at ');
  });
});
