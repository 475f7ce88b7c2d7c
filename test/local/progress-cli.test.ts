/**
 * Progress of `warden validate`, `bias` and `drift` through the built CLI on files of a few MiB: with `--progress` it
 * is plain lines on stderr rising to 100 % per file read, and stdout is byte for byte what it is without progress.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliRun, runWarden } from '../support/cli';

let dir: string;
let baseline: string;
let current: string;
let contract: string;

const ROWS = 160_000;

/** `id,age,income,sex,y,pred` rows, about 3.5 MiB: several 1 MiB read chunks. */
function dataset(rows: number, shift: number, lastIncome?: string): string {
  const lines = ['id,age,income,sex,y,pred'];
  for (let i = 0; i < rows; i++) {
    const income = i === rows - 1 && lastIncome !== undefined ? lastIncome : `${i + shift}.5`;
    lines.push(`${i},${18 + ((i + shift) % 80)},${income},${'FMX'[i % 3]},${i % 2},${(i >> 1) % 2}`);
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-progress-'));
  baseline = join(dir, 'baseline.csv');
  current = join(dir, 'current.csv');
  contract = join(dir, 'contract.json');
  writeFileSync(baseline, dataset(ROWS, 0));
  writeFileSync(current, dataset(ROWS, 7));
  writeFileSync(
    contract,
    JSON.stringify({
      name: 'progress',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'age', type: 'integer', min: 18, max: 120 },
        { name: 'income', type: 'number' },
        { name: 'sex', type: 'categorical', allowed: ['F', 'M', 'X'] },
        { name: 'y', type: 'integer' },
        { name: 'pred', type: 'integer' },
      ],
    }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROGRESS_LINE = /^(.+?) {2}\d+(?:\.\d)? (?:B|KiB|MiB) \/ \d+(?:\.\d)? (?:B|KiB|MiB) {2}(\d+) %$/;

/** Progress lines grouped by what was read, in order; fails on any other line. */
function progressByLabel(stderr: string): Map<string, number[]> {
  expect(stderr).not.toContain('\r');
  expect(stderr).not.toContain('\u001b');
  expect(stderr.endsWith('\n')).toBe(true);
  const byLabel = new Map<string, number[]>();
  for (const line of stderr.slice(0, -1).split('\n')) {
    const match = PROGRESS_LINE.exec(line);
    if (!match) throw new Error(`not a progress line: ${JSON.stringify(line)}`);
    byLabel.set(match[1], [...(byLabel.get(match[1]) ?? []), Number(match[2])]);
  }
  return byLabel;
}

function expectRisingTo100(percents: number[] | undefined): void {
  expect(percents).toBeDefined();
  const values = percents ?? [];
  expect(values[0]).toBe(0);
  expect(values.at(-1)).toBe(100);
  expect(new Set(values).size).toBeGreaterThanOrEqual(4);
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]);
}

function expectSameStdout(withProgress: CliRun, without: CliRun): void {
  expect(without.stderr).toBe('');
  expect(withProgress.code).toBe(without.code);
  expect(withProgress.stdout.length).toBeGreaterThan(0);
  expect(withProgress.stdout).toBe(without.stdout);
}

const commands: [string, () => string[], (file: (name: string) => string) => string[]][] = [
  ['validate', () => ['validate', baseline, '--contract', contract], (path) => [`validating ${path('baseline')}`]],
  [
    'bias',
    () => ['bias', baseline, '--label', 'y', '--facet', 'sex', '--facet-value', 'F', '--prediction', 'pred'],
    (path) => [`measuring bias in ${path('baseline')}`],
  ],
  [
    'drift',
    () => ['drift', baseline, current],
    (path) => [`reading baseline ${path('baseline')}`, `reading current ${path('current')}`],
  ],
];

describe.each(commands)('warden %s --progress', (name, args, labels) => {
  const path = (file: string): string => join(dir, `${file}.csv`);

  it('writes lines rising to 100 % for every file on stderr, and the same --json document on stdout', () => {
    const withProgress = runWarden([...args(), '--json', '--progress']);
    const without = runWarden([...args(), '--json']);
    expectSameStdout(withProgress, without);
    expect(withProgress.stdout.trimEnd().split('\n')).toHaveLength(1);
    JSON.parse(withProgress.stdout);
    const byLabel = progressByLabel(withProgress.stderr);
    expect([...byLabel.keys()]).toEqual(labels(path));
    for (const label of labels(path)) expectRisingTo100(byLabel.get(label));
  });

  it('leaves the human report unchanged too, and TERM=dumb changes nothing off a terminal', () => {
    const withProgress = runWarden([...args(), '--progress'], { env: { TERM: 'dumb' } });
    expectSameStdout(withProgress, runWarden(args()));
    expect([...progressByLabel(withProgress.stderr).keys()]).toEqual(labels(path));
  });

  it('writes nothing on stderr with --no-progress, the last of the two flags winning', () => {
    const run = runWarden([...args(), '--json', '--progress', '--no-progress']);
    expect(run.stderr).toBe('');
    expect(run.stdout.length).toBeGreaterThan(0);
    expect(runWarden([...args(), '--json', '--no-progress', '--progress']).stderr).toContain(' 100 %\n');
  });

  it(`documents --progress and --no-progress in ${name} --help`, () => {
    const run = runWarden([name, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}--progress +show progress on stderr even when it is not a/m);
    expect(run.stdout).toMatch(/^ {2}--no-progress +never show progress/m);
  });
});

describe('progress and errors', () => {
  it('keeps an input error to its one line when the file cannot be opened', () => {
    const run = runWarden(['validate', join(dir, 'nope.csv'), '--contract', contract, '--progress']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^warden: Cannot read .*nope\.csv: no such file\.\n$/);
  });

  it('ends with the error line when the file turns out broken halfway', () => {
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, `${dataset(ROWS, 0)}1,2\n`);
    const run = runWarden(['validate', broken, '--contract', contract, '--progress', '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^warden: Row \d+ of .*broken\.csv has 2 fields but the header has 6\.$/);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(PROGRESS_LINE);
  });
});

describe('warden drift --progress with the exact recount of categories', () => {
  it('shows the second read of each file as its own rising lines', () => {
    // `income` has more distinct numbers than a column keeps as categories, then one text value in the current file.
    const textual = join(dir, 'textual.csv');
    writeFileSync(textual, dataset(ROWS, 7, 'unknown'));
    const withProgress = runWarden(['drift', baseline, textual, '--columns', 'income', '--json', '--progress']);
    expectSameStdout(withProgress, runWarden(['drift', baseline, textual, '--columns', 'income', '--json']));
    expect(JSON.parse(withProgress.stdout).columns.income.type).toBe('categorical');
    const byLabel = progressByLabel(withProgress.stderr);
    const labels = [
      `reading baseline ${baseline}`,
      `reading current ${textual}`,
      `recounting categories of baseline ${baseline}`,
      `recounting categories of current ${textual}`,
    ];
    expect([...byLabel.keys()]).toEqual(labels);
    for (const label of labels) expectRisingTo100(byLabel.get(label));
  });
});
