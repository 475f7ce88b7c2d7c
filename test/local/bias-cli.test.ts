/** `warden bias` as users run it: the built CLI in a child process. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliRun, parseJsonOutput, runWarden, SHARED_FIXTURES, expectInputError } from '../support/cli';

interface BiasJson {
  facet: { column: string; value: string };
  counts: Record<string, number>;
  pretraining: Record<string, number>;
  posttraining?: Record<string, number>;
  thresholds: Record<string, number>;
  verdict: string;
  failed: string[];
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-bias-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function json(run: CliRun): BiasJson {
  expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
  return parseJsonOutput(run) as BiasJson;
}

describe('warden bias on the shared fixture', () => {
  const expected = JSON.parse(readFileSync(join(SHARED_FIXTURES, 'bias_small.expected.json'), 'utf8')) as {
    pretraining: Record<string, number>;
    posttraining: Record<string, number>;
  };
  const run = runWarden([
    'bias',
    join(SHARED_FIXTURES, 'bias_small.csv'),
    '--label',
    'label',
    '--prediction',
    'prediction',
    '--facet',
    'sex',
    '--facet-value',
    'F',
    '--group',
    'group',
    '--json',
  ]);

  it('passes the default gate and prints one JSON document', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = json(run);
    expect(report.verdict).toBe('pass');
    expect(report.failed).toEqual([]);
    expect(report.facet).toEqual({ column: 'sex', value: 'F' });
    expect(report.thresholds).toEqual({ DPL: 0.2, DPPL: 0.2, AccuracyGap: 0.1 });
    expect(report.counts).toMatchObject({
      rows: 400,
      skippedRows: 0,
      facetA: 250,
      facetD: 150,
      facetValues: 3,
      groups: 3,
    });
  });

  it('matches every expected metric to 1e-9', () => {
    const report = json(run);
    for (const section of ['pretraining', 'posttraining'] as const) {
      const actual = report[section] ?? {};
      expect(Object.keys(actual)).toEqual(Object.keys(expected[section]));
      for (const [name, value] of Object.entries(expected[section])) {
        expect({ name, error: Math.abs(actual[name] - value) <= 1e-9 }).toEqual({ name, error: true });
      }
    }
  });
});

describe('warden bias gate and output', () => {
  const csv = () =>
    file('gate.csv', ['s,y,p', 'F,1,1', 'F,0,0', 'F,0,0', 'F,0,0', 'M,1,1', 'M,1,1', 'M,1,1', 'M,0,0', ''].join('\n'));
  const args = () => ['bias', csv(), '--label', 'y', '--facet', 's', '--facet-value', 'F', '--prediction', 'p'];

  it('exits 1 when a metric crosses its threshold', () => {
    const run = runWarden([...args(), '--json']);
    expect(run.code).toBe(1);
    const report = json(run);
    expect(report.verdict).toBe('fail');
    expect(report.failed).toEqual(['DPL', 'DPPL']);
  });

  it('exits 0 with verdict warn in warn mode', () => {
    const run = runWarden([...args(), '--mode', 'warn', '--json']);
    expect(run.code).toBe(0);
    expect(json(run).verdict).toBe('warn');
  });

  it('takes repeated --threshold options', () => {
    const run = runWarden([
      ...args(),
      '--threshold',
      'DPL=0.5',
      '--threshold',
      'DPPL=0.5',
      '--threshold',
      'DI=0.8',
      '--json',
    ]);
    expect(run.code).toBe(1);
    const report = json(run);
    expect(report.failed).toEqual(['DI']);
    expect(report.thresholds).toEqual({ DPL: 0.5, DPPL: 0.5, DI: 0.8, AccuracyGap: 0.1 });
  });

  it('writes non-finite metrics as strings in JSON', () => {
    // Facet a all positive, facet d all negative: KL has no shared label value (NaN); only d is predicted positive.
    const path = file('edges.csv', 's,y,p\nF,0,1\nF,0,0\nM,1,0\nM,1,0\n');
    const run = runWarden([
      'bias',
      path,
      '--label',
      'y',
      '--facet',
      's',
      '--facet-value',
      'F',
      '--prediction',
      'p',
      '--json',
    ]);
    expect(run.stdout).toContain('"KL":"NaN"');
    expect(run.stdout).toContain('"DI":"Infinity"');
    const report = json(run);
    expect(report.pretraining.KL).toBeNaN();
    expect(report.posttraining?.DI).toBe(Infinity);
  });

  it('prints an aligned table with thresholds and the verdict without --json', () => {
    const run = runWarden(args());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^DPL +0\.5000 +0\.2000 +OVER +difference in positive proportions of labels$/m);
    expect(run.stdout).toMatch(/^AccuracyGap +0 +0\.1000 +ok /m);
    expect(run.stdout).toContain('Verdict: FAIL (over threshold: DPL, DPPL)');
  });

  it('describes itself in --help', () => {
    const run = runWarden(['bias', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--facet-value <value>');
    expect(run.stdout).toContain('AccuracyGap');
  });
});

describe('warden bias input errors', () => {
  const base = (path: string) => ['bias', path, '--label', 'y', '--facet', 's', '--facet-value', 'F'];

  it('names an unknown column and lists the available ones', () => {
    const path = file('columns.csv', 's,y\nF,1\nM,0\n');
    expectInputError(
      runWarden(['bias', path, '--label', 'label', '--facet', 's', '--facet-value', 'F']),
      /Label column "label" is not in .*columns\.csv; available columns: s, y\./,
    );
  });

  it('reports a facet value that does not occur', () => {
    expectInputError(
      runWarden(base(file('absent.csv', 's,y\nM,1\nX,0\n'))),
      /Facet value "F" does not occur in column "s"/,
    );
  });

  it('reports an empty facet a', () => {
    expectInputError(
      runWarden(base(file('one-facet.csv', 's,y\nF,1\nF,0\n'))),
      /facet a \(all other values\) is empty/,
    );
  });

  it('rejects a non-binary label', () => {
    expectInputError(
      runWarden(base(file('labels.csv', 's,y\nF,a\nM,b\nM,c\n'))),
      /Label column "y" has 3 distinct values \(a, b, c\); bias metrics need a binary label\./,
    );
  });

  it('rejects an empty file and a file without data rows', () => {
    expectInputError(runWarden(base(file('empty.csv', ''))), /empty/);
    expectInputError(runWarden(base(file('header.csv', 's,y\n'))), /There are no data rows in/);
  });

  it('rejects bytes that are not UTF-8', () => {
    expectInputError(
      runWarden(base(file('latin1.csv', Buffer.from('s,y\nF,1\nM\xe9,0\n', 'latin1')))),
      /not valid UTF-8/,
    );
  });

  it('rejects a missing file', () => {
    expectInputError(runWarden(base(join(dir, 'missing.csv'))), /Cannot read .*missing\.csv/);
  });

  it('rejects unknown metrics and bad threshold syntax', () => {
    const path = file('ok.csv', 's,y\nF,1\nM,0\n');
    expectInputError(runWarden([...base(path), '--threshold', 'XYZ=1']), /Unknown bias metric "XYZ"/);
    expectInputError(runWarden([...base(path), '--threshold', 'DPL']), /--threshold expects METRIC=NUMBER/);
  });

  it('exits 2 for a missing required option or a bad mode', () => {
    const path = file('ok.csv', 's,y\nF,1\nM,0\n');
    expect(runWarden(['bias', path, '--label', 'y', '--facet', 's']).code).toBe(2);
    expect(runWarden([...base(path), '--mode', 'maybe']).code).toBe(2);
  });

  it('prints the stack trace with --debug', () => {
    const run = runWarden(['--debug', ...base(file('absent.csv', 's,y\nM,1\n'))]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('    at ');
  });
});
