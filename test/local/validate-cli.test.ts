/**
 * `warden validate` as users run it (the built CLI in a child process): exit codes 0/1/2, `--json` prints exactly one
 * JSON document on stdout, human output is a table, and every input problem is one line on stderr without a stack
 * trace unless `--debug` (CONTRACTS.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseContract } from '../../lambdas/stats/contract';
import { parseCsv } from '../../lambdas/stats/csv';
import { toContractJson } from '../../lambdas/stats/json';
import { DatasetValidator } from '../../lambdas/stats/validate';
import { type CliRun, parseJsonOutput, runWarden } from '../support/cli';

let dir: string;

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const CONTRACT = {
  name: 'people',
  minRows: 2,
  allowExtraColumns: false,
  columns: [
    { name: 'age', type: 'integer', nullable: false, min: 18, max: 120 },
    { name: 'income', type: 'number', min: 0 },
    { name: 'sex', type: 'categorical', allowed: ['F', 'M', 'X'] },
  ],
};

const PASSING_CSV = 'age,income,sex\n30,1000.5,F\n45,,M\n61,250,X\n';
const FAILING_CSV = 'age,income,sex\n30,1000.5,F\n17,-3,M\n131,250,Q\nabc,7,F\n';

function expectOneJsonDocument(run: CliRun): unknown {
  expect(run.stdout.endsWith('\n')).toBe(true);
  expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
  return parseJsonOutput(run);
}

function expectInputError(run: CliRun, message: RegExp): void {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
  expect(run.stderr).not.toContain('    at ');
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^warden: /);
  expect(run.stderr).toMatch(message);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-'));
  file('contract.json', JSON.stringify(CONTRACT));
  file('passing.csv', PASSING_CSV);
  file('failing.csv', FAILING_CSV);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('warden validate: results', () => {
  it('exits 0 on a file that keeps its contract and prints a table', () => {
    const run = runWarden(['validate', join(dir, 'passing.csv'), '--contract', join(dir, 'contract.json')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('3 rows — PASSED');
    expect(lines[2]).toMatch(/^column\s+type\s+count\s+missing\s+min\s+mean\s+max\s+distinct$/);
    expect(lines[3]).toMatch(/^-+(\s+-+)+$/);
    expect(run.stdout).toMatch(/^age\s+integer\s+3\s+0\s+30\s+45\.3333\s+61\s*$/m);
    expect(run.stdout).toMatch(/^sex\s+categorical\s+3\s+0(\s+)3$/m);
    expect(run.stdout).not.toContain('first example');
  });

  it('exits 0 with --json and prints exactly one JSON document on stdout', () => {
    const run = runWarden(['validate', join(dir, 'passing.csv'), '--contract', join(dir, 'contract.json'), '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(expectOneJsonDocument(run)).toMatchObject({ rows: 3, passed: true, violations: [] });
  });

  it('exits 1 on violations, with the same report as the library and the violations in the table', () => {
    const json = runWarden(['validate', join(dir, 'failing.csv'), '--contract', join(dir, 'contract.json'), '--json']);
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    const validator = new DatasetValidator(parseContract(CONTRACT));
    parseCsv(FAILING_CSV, validator);
    expect(expectOneJsonDocument(json)).toEqual(JSON.parse(toContractJson(validator.report())));
    expect(JSON.parse(json.stdout).violations).toEqual([
      { rule: 'type', column: 'age', count: 1, example: { row: 4, value: 'abc' } },
      { rule: 'min', column: 'age', count: 1, example: { row: 2, value: '17' }, limit: 18 },
      { rule: 'max', column: 'age', count: 1, example: { row: 3, value: '131' }, limit: 120 },
      { rule: 'min', column: 'income', count: 1, example: { row: 2, value: '-3' }, limit: 0 },
      { rule: 'allowed', column: 'sex', count: 1, example: { row: 3, value: 'Q' } },
    ]);

    const human = runWarden(['validate', join(dir, 'failing.csv'), '--contract', join(dir, 'contract.json')]);
    expect(human.code).toBe(1);
    expect(human.stdout.split('\n')[0]).toBe('4 rows — FAILED');
    expect(human.stdout).toMatch(/^rule\s+column\s+rows\s+first example$/m);
    expect(human.stdout).toMatch(/^max\s+age\s+1\s+row 3: 131$/m);
    expect(human.stdout).toMatch(/^allowed\s+sex\s+1\s+row 3: Q$/m);
  });

  it('writes non-finite statistics as strings in JSON', () => {
    const run = runWarden([
      'validate',
      file('one.csv', 'age,income,sex\n30,,F\n'),
      '--contract',
      join(dir, 'contract.json'),
      '--json',
    ]);
    expect(run.code).toBe(1); // minRows: 2
    expect(run.stdout).toContain('"std":"NaN"');
    expect(run.stdout).toContain('"mean":"NaN"');
    const report = expectOneJsonDocument(run) as { columns: { income: { min: number } } };
    expect(report.columns.income.min).toBeNaN();
  });

  it('streams a multi-megabyte file with BOM, CRLF and quoted fields across read chunks', () => {
    const rows = ['\uFEFFage,income,sex'];
    for (let i = 0; i < 120_000; i++) rows.push(`${18 + (i % 100)},"${i}.5",${['F', 'M', 'X'][i % 3]}`);
    const run = runWarden([
      'validate',
      file('big.csv', `${rows.join('\r\n')}\r\n`),
      '--contract',
      join(dir, 'contract.json'),
      '--json',
    ]);
    expect(run.code).toBe(0);
    const report = expectOneJsonDocument(run) as { rows: number; columns: Record<string, Record<string, unknown>> };
    expect(report.rows).toBe(120_000);
    expect(report.columns.age).toMatchObject({ count: 120_000, min: 18, max: 117, mean: 67.5 });
    expect(report.columns.income).toMatchObject({ count: 120_000, min: 0.5, max: 119_999.5, mean: 60_000 });
    expect(report.columns.sex).toMatchObject({
      distinct: 3,
      top: [
        ['F', 40_000],
        ['M', 40_000],
        ['X', 40_000],
      ],
    });
  });

  it('never prints PII values, in JSON or in the table', () => {
    const contract = file(
      'pii.json',
      JSON.stringify({
        name: 'pii',
        columns: [
          { name: 'email', type: 'string', pii: true, nullable: false },
          { name: 'ssn', type: 'integer', pii: true, max: 500_000_000 },
        ],
      }),
    );
    const data = file('pii.csv', 'email,ssn\nalice@secret.test,987654321\n,123456789\nbob@secret.test,not-a-number\n');
    for (const extra of [['--json'], []]) {
      const run = runWarden(['validate', data, '--contract', contract, ...extra]);
      expect(run.code).toBe(1);
      for (const secret of ['alice@secret.test', 'bob@secret.test', '987654321', '123456789', 'not-a-number']) {
        expect(run.stdout).not.toContain(secret);
      }
    }
  });
});

describe('warden validate: input errors exit 2 with one line on stderr', () => {
  it.each<[string, () => string[], RegExp]>([
    [
      'a contract with an unknown key',
      () => [
        'validate',
        join(dir, 'passing.csv'),
        '--contract',
        file('unknown-key.json', JSON.stringify({ ...CONTRACT, owner: 'me' })),
      ],
      /is not a valid data contract \(.*owner/,
    ],
    [
      'a column with an unknown key',
      () => [
        'validate',
        join(dir, 'passing.csv'),
        '--contract',
        file('unknown-column-key.json', '{"name":"c","columns":[{"name":"a","type":"integer","maximum":1}]}'),
      ],
      /columns\.0.*maximum/,
    ],
    [
      'a contract that is not JSON',
      () => ['validate', join(dir, 'passing.csv'), '--contract', file('broken.json', '{"name": ')],
      /is not valid JSON/,
    ],
    [
      'a missing data file',
      () => ['validate', join(dir, 'nope.csv'), '--contract', join(dir, 'contract.json')],
      /Cannot read .*nope\.csv: no such file\./,
    ],
    [
      'a directory as the data file',
      () => ['validate', dir, '--contract', join(dir, 'contract.json')],
      /not a regular file/,
    ],
    [
      'a missing contract file',
      () => ['validate', join(dir, 'passing.csv'), '--contract', join(dir, 'nope.json')],
      /Cannot read contract .*nope\.json/,
    ],
    [
      'an empty data file',
      () => ['validate', file('empty.csv', ''), '--contract', join(dir, 'contract.json')],
      /No header row in .*empty\.csv: it is empty\./,
    ],
    [
      'a ragged row',
      () => [
        'validate',
        file('ragged.csv', 'age,income,sex\n30,1,F\n31,2\n'),
        '--contract',
        join(dir, 'contract.json'),
      ],
      /Row 2 of .*ragged\.csv has 2 fields but the header has 3\./,
    ],
    [
      'bytes that are not UTF-8',
      () => [
        'validate',
        file('latin1.csv', Buffer.from('age,income,sex\n30,1,Ré\n', 'latin1')),
        '--contract',
        join(dir, 'contract.json'),
      ],
      /latin1\.csv are not valid UTF-8 \(invalid byte at offset 21\)/,
    ],
    [
      'a quote that is never closed',
      () => ['validate', file('open-quote.csv', 'age,income,sex\n30,1,"F\n'), '--contract', join(dir, 'contract.json')],
      /Row 1 of .* has a quoted field that is never closed/,
    ],
    [
      'a header naming a column twice',
      () => ['validate', file('dup.csv', 'age,age\n1,2\n'), '--contract', join(dir, 'contract.json')],
      /names column "age" twice/,
    ],
    [
      'an unknown option',
      () => ['validate', join(dir, 'passing.csv'), '--contract', join(dir, 'contract.json'), '--strict'],
      /unknown option '--strict'/,
    ],
    ['no --contract', () => ['validate', join(dir, 'passing.csv')], /required option '--contract/],
    ['no file', () => ['validate', '--contract', join(dir, 'contract.json')], /missing required argument/],
  ])('%s', (_name, args, message) => {
    const argv = args();
    expectInputError(runWarden(argv), message);
    if (!argv.includes('--strict')) expectInputError(runWarden([...argv, '--json']), message);
  });

  it('names a relative file exactly as given', () => {
    file('Lower.csv', '');
    const run = runWarden(['validate', 'Lower.csv', '--contract', 'contract.json'], { cwd: dir });
    expectInputError(run, /^warden: No header row in Lower\.csv: it is empty\.\n$/);
  });

  it.each([
    ['before the command', ['--debug', 'validate']],
    ['after the command', ['validate', '--debug']],
  ])('prints the stack trace with --debug %s, still exit 2', (_where, prefix) => {
    const run = runWarden([...prefix, join(dir, 'nope.csv'), '--contract', join(dir, 'contract.json')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Cannot read');
    expect(run.stderr).toContain('    at ');
  });
});
