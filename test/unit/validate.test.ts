/**
 * `DatasetValidator` and the data contract: one hand-computed case per rule, PII never echoed, an independent naive
 * implementation (string splitting, `Number()`, two passes) cross-checking every statistic and violation on generated
 * datasets, and merging validators of parts against one validator over the whole file.
 */
import fc from 'fast-check';
import { InputError } from '../../lambdas/shared/errors';
import {
  type CategoricalProfileJson,
  type NumericProfileJson,
  REPORTED_QUANTILES,
  type StringProfileJson,
} from '../../lambdas/stats/column-profile';
import { type DataContract, parseContract, parseContractText } from '../../lambdas/stats/contract';
import { parseCsv } from '../../lambdas/stats/csv';
import { toContractJson } from '../../lambdas/stats/json';
import { DatasetValidator, type ValidationReport, type Violation } from '../../lambdas/stats/validate';
import { seededRandom } from '../support/random';

function validate(csv: string, contract: unknown, piiSalt = 'test-salt'): ValidationReport {
  const validator = new DatasetValidator(parseContract(contract), { piiSalt });
  parseCsv(csv, validator);
  return validator.report();
}

function violation(report: ValidationReport, rule: string, column?: string): Violation | undefined {
  return report.violations.find((v) => v.rule === rule && v.column === column);
}

describe('DatasetValidator: one hand-computed case per rule', () => {
  const contract = {
    name: 'hand',
    minRows: 10,
    allowExtraColumns: false,
    columns: [
      { name: 'age', type: 'integer', nullable: false, min: 18, max: 120 },
      { name: 'income', type: 'number', min: 0, maxMissingFraction: 0.2 },
      { name: 'sex', type: 'categorical', allowed: ['F', 'M', 'X'] },
      { name: 'active', type: 'boolean' },
      { name: 'joined', type: 'timestamp' },
      { name: 'country', type: 'string' },
    ],
  };
  const csv = [
    'age,income,sex,active,joined,extra',
    '30,1000.5,F,true,2024-01-01,a', // 1
    '17,,M,false,2024-02-30,b', // 2: age < min, income missing, joined not a date
    'abc,-5,Q,yes,2024-03-01T10:00:00Z,c', // 3: age type, income < min, sex not allowed, active type
    ',200,F,1,2024-03-01 10:00,d', // 4: age null
    '121,,X,0,,e', // 5: age > max, income missing, joined missing
    '1.0,300,,TRUE,2024-12-31T23:59:59+02:00,f', // 6: age type (would be < min if it counted)
    '1e3,x,Z,false,2024-01-01,g', // 7: age type (would be > max), income type, sex not allowed
    '45,,M,true,2024-01-01,h', // 8: income missing
  ].join('\n');
  const report = validate(csv, contract);

  it('counts rows and fails', () => {
    expect(report.rows).toBe(8);
    expect(report.passed).toBe(false);
  });

  it('lists exactly the expected violations, in order, with counts, first rows and values', () => {
    expect(report.violations).toEqual([
      { rule: 'missing-column', column: 'country', count: 8 },
      { rule: 'extra-column', column: 'extra', count: 8 },
      { rule: 'type', column: 'age', count: 3, example: { row: 3, value: 'abc' } },
      { rule: 'null', column: 'age', count: 1, example: { row: 4, value: '' } },
      { rule: 'min', column: 'age', count: 1, example: { row: 2, value: '17' }, limit: 18 },
      { rule: 'max', column: 'age', count: 1, example: { row: 5, value: '121' }, limit: 120 },
      { rule: 'type', column: 'income', count: 1, example: { row: 7, value: 'x' } },
      { rule: 'min', column: 'income', count: 1, example: { row: 3, value: '-5' }, limit: 0 },
      { rule: 'missing-fraction', column: 'income', count: 3, limit: 0.2, observed: 3 / 8 },
      { rule: 'allowed', column: 'sex', count: 2, example: { row: 3, value: 'Q' } },
      { rule: 'type', column: 'active', count: 1, example: { row: 3, value: 'yes' } },
      { rule: 'type', column: 'joined', count: 1, example: { row: 2, value: '2024-02-30' } },
      { rule: 'min-rows', count: 8, limit: 10 },
    ]);
  });

  it('profiles the values that parse (out-of-range ones included)', () => {
    const ages = [30, 17, 121, 45];
    const mean = ages.reduce((a, b) => a + b) / ages.length;
    const std = Math.sqrt(ages.reduce((a, x) => a + (x - mean) ** 2, 0) / (ages.length - 1));
    const age = report.columns.age as NumericProfileJson;
    expect(age).toMatchObject({ type: 'integer', count: 4, missing: 1, min: 17, max: 121, mean: 53.25 });
    expect(age.std).toBeCloseTo(std, 12);
    // numpy.quantile([17, 30, 45, 121], q), printed by numpy 2.4 (its interpolation rounds differently above t = 0.5)
    expect(age.quantiles).toEqual({
      p01: 17.39,
      p05: 18.95,
      p25: 26.75,
      p50: 37.5,
      p75: 64,
      p95: 109.59999999999997,
      p99: 118.71999999999998,
    });
    expect(report.columns.income).toMatchObject({
      type: 'number',
      count: 4,
      missing: 3,
      min: -5,
      max: 1000.5,
      mean: 373.875,
    });
    expect(report.columns.sex).toEqual({
      type: 'categorical',
      count: 7,
      missing: 1,
      distinct: 5,
      top: [
        ['F', 2],
        ['M', 2],
        ['Q', 1],
        ['X', 1],
        ['Z', 1],
      ],
    });
    expect(report.columns.active).toEqual({ type: 'boolean', count: 7, missing: 0, true: 4, false: 3 });
    expect(report.columns.joined).toEqual({
      type: 'timestamp',
      count: 6,
      missing: 1,
      min: '2024-01-01T00:00:00.000Z',
      max: '2024-12-31T21:59:59.000Z',
    });
    expect(Object.keys(report.columns)).toEqual(['age', 'income', 'sex', 'active', 'joined']);
  });

  it('passes a file that keeps the contract, with no violations', () => {
    const passing = validate('age,income,sex\n30,10,F\n40,,M\n', {
      name: 'ok',
      minRows: 2,
      allowExtraColumns: false,
      columns: [
        { name: 'age', type: 'integer', nullable: false, min: 18, max: 120 },
        { name: 'income', type: 'number', maxMissingFraction: 0.5 },
        { name: 'sex', type: 'categorical', allowed: ['F', 'M'] },
      ],
    });
    expect(passing).toMatchObject({ rows: 2, passed: true, violations: [] });
  });

  it('accepts extra columns by default, empty fields in nullable columns, and a missing fraction at the limit', () => {
    const report = validate('a,b,zz\n1,,q\n2,,q\n3,4,q\n4,5,q\n', {
      name: 'defaults',
      columns: [
        { name: 'a', type: 'integer' },
        { name: 'b', type: 'number', maxMissingFraction: 0.5 },
      ],
    });
    expect(report.violations).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('reads quoted values with escaped quotes and commas before matching allowed values', () => {
    const report = validate('tag,n\n"a""b",1\n"x,y",2\nab,3\n', {
      name: 'quotes',
      columns: [
        { name: 'tag', type: 'categorical', allowed: ['a"b', 'x,y'] },
        { name: 'n', type: 'integer' },
      ],
    });
    expect(report.violations).toEqual([{ rule: 'allowed', column: 'tag', count: 1, example: { row: 3, value: 'ab' } }]);
  });

  it('accepts true/false in any case and 1/0 as booleans, nothing else', () => {
    const report = validate('b,k\ntrue,1\nFALSE,2\nTrue,3\n1,4\n0,5\nyes,6\n"t",7\n10,8\n" true",9\n', {
      name: 'bools',
      columns: [{ name: 'b', type: 'boolean' }],
    });
    expect(report.columns.b).toEqual({ type: 'boolean', count: 5, missing: 0, true: 3, false: 2 });
    expect(violation(report, 'type', 'b')).toEqual({
      rule: 'type',
      column: 'b',
      count: 4,
      example: { row: 6, value: 'yes' },
    });
  });

  it('truncates long example values to 200 characters', () => {
    const long = 'v'.repeat(500);
    const report = validate(`c\n${long}\n`, { name: 'long', columns: [{ name: 'c', type: 'number' }] });
    expect(violation(report, 'type', 'c')?.example).toEqual({ row: 1, value: `${'v'.repeat(200)}…` });
  });

  it('reports NaN statistics (as "NaN" in JSON) for a numeric column without a single parsable value', () => {
    const report = validate('n\nx\n\n', { name: 'nan', columns: [{ name: 'n', type: 'number' }] });
    expect(report.columns.n).toMatchObject({ count: 0, missing: 1, min: NaN, max: NaN, mean: NaN, std: NaN });
    expect(toContractJson(report)).toContain('"mean":"NaN"');
  });

  it('rejects a header that names a column twice', () => {
    expect(() => validate('a,b,a\n1,2,3\n', { name: 'dup', columns: [{ name: 'a', type: 'integer' }] })).toThrow(
      new InputError('The header names column "a" twice; column names must be unique.'),
    );
  });
});

describe('data contract schema', () => {
  const valid = { name: 'c', columns: [{ name: 'a', type: 'integer', min: 0, max: 5 }] };

  it('parses the contract of CONTRACTS.md', () => {
    const contract = parseContractText(
      JSON.stringify({
        name: 'credit-applications',
        minRows: 1000,
        allowExtraColumns: false,
        columns: [
          { name: 'age', type: 'integer', nullable: false, min: 18, max: 120 },
          { name: 'income', type: 'number', min: 0, maxMissingFraction: 0.01 },
          { name: 'sex', type: 'categorical', allowed: ['F', 'M', 'X'] },
          { name: 'email', type: 'string', pii: true },
        ],
      }),
    );
    expect(contract.columns.map((c) => c.type)).toEqual(['integer', 'number', 'categorical', 'string']);
    expect(parseContract(valid).columns[0]).toEqual({ name: 'a', type: 'integer', min: 0, max: 5 });
  });

  it.each([
    ['an unknown top-level key', { ...valid, owner: 'me' }, /top level.*owner|owner/],
    [
      'an unknown column key',
      { name: 'c', columns: [{ name: 'a', type: 'integer', maximum: 3 }] },
      /columns\.0.*maximum|maximum/,
    ],
    ['an unknown type', { name: 'c', columns: [{ name: 'a', type: 'float' }] }, /columns\.0/],
    [
      'min above max',
      { name: 'c', columns: [{ name: 'a', type: 'number', min: 2, max: 1 }] },
      /min must not exceed max/,
    ],
    [
      'allowed on an integer column',
      { name: 'c', columns: [{ name: 'a', type: 'integer', allowed: ['1'] }] },
      /allowed/,
    ],
    ['min on a categorical column', { name: 'c', columns: [{ name: 'a', type: 'categorical', min: 1 }] }, /min/],
    [
      'a duplicate column',
      {
        name: 'c',
        columns: [
          { name: 'a', type: 'string' },
          { name: 'a', type: 'integer' },
        ],
      },
      /duplicate column "a"/,
    ],
    ['no columns', { name: 'c', columns: [] }, /columns/],
    ['a negative minRows', { ...valid, minRows: -1 }, /minRows/],
    ['a fractional minRows', { ...valid, minRows: 1.5 }, /minRows/],
    [
      'maxMissingFraction above 1',
      { name: 'c', columns: [{ name: 'a', type: 'string', maxMissingFraction: 1.5 }] },
      /maxMissingFraction/,
    ],
    ['a missing name', { columns: valid.columns }, /name/],
    ['an array', [valid], /top level/],
  ])('rejects %s with an InputError that says where', (_name, document, message) => {
    let error: unknown;
    try {
      parseContract(document, 'Contract c.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^Contract c\.json is not a valid data contract \(/);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseContractText('{ name: ', 'Contract c.json')).toThrow(/^Contract c\.json is not valid JSON \(/);
  });
});

describe('DatasetValidator: PII columns', () => {
  const contract = {
    name: 'pii',
    columns: [
      { name: 'email', type: 'string', pii: true, nullable: false },
      { name: 'ssn', type: 'integer', pii: true, min: 100_000_000 },
      { name: 'salary', type: 'number', pii: true, max: 500_000 },
      { name: 'dob', type: 'timestamp', pii: true },
      { name: 'nickname', type: 'categorical', pii: true, allowed: ['zz-allowed-name'] },
      { name: 'smoker', type: 'boolean', pii: true },
      { name: 'visible', type: 'integer' },
    ],
  };
  const random = seededRandom(99);
  const secrets: string[] = [];
  const lines = ['email,ssn,salary,dob,nickname,smoker,visible'];
  for (let i = 0; i < 300; i++) {
    const email = i === 7 ? '' : `person${i}.q${Math.floor(random() * 1e6)}@secret.example`;
    const ssn = i === 3 ? 'ssn-not-a-number' : i === 5 ? '12345678' : String(100_000_000 + Math.floor(random() * 8e8));
    const salary = i === 9 ? '987654.321' : `${30_000 + Math.floor(random() * 1e6) / 10}`;
    const dob = i === 11 ? '1961-02-30' : `19${50 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}`;
    const nickname = i === 0 ? 'zz-allowed-name' : `nick-${Math.floor(random() * 1e9)}`;
    const smoker = i === 13 ? 'sometimes-secret' : i % 2 === 0 ? 'true' : 'false';
    secrets.push(email, ssn, salary, dob, nickname, smoker);
    lines.push([email, ssn, salary, dob, nickname, smoker, String(i)].join(','));
  }
  const report = validate(lines.join('\n'), contract);
  const json = toContractJson(report);

  it('never echoes a value of a PII column anywhere in the JSON report', () => {
    const leaked = secrets.filter((value) => value.length >= 6 && !['false'].includes(value) && json.includes(value));
    expect(leaked).toEqual([]);
    // Numbers derived from the values (extremes, quantiles, means) are echoes too.
    for (const name of ['ssn', 'salary', 'dob']) {
      expect(Object.keys(report.columns[name]).sort()).toEqual(['count', 'missing', 'type']);
    }
  });

  it('still reports counts, a distinct count, and every violation with its row but without its value', () => {
    expect(report.columns.email).toMatchObject({ type: 'string', count: 299, missing: 1 });
    expect((report.columns.email as StringProfileJson).distinct).toBeGreaterThan(290);
    expect((report.columns.email as StringProfileJson).minLength).toBeUndefined();
    expect(report.columns.nickname).toMatchObject({ type: 'categorical', count: 300, missing: 0 });
    expect((report.columns.nickname as CategoricalProfileJson).top).toBeUndefined();
    expect(report.columns.ssn).toEqual({ type: 'integer', count: 299, missing: 0 });
    expect(report.columns.smoker).toMatchObject({ type: 'boolean', count: 299 });
    const rows = Object.fromEntries(report.violations.map((v) => [`${v.rule}:${v.column}`, v.example]));
    expect(rows).toMatchObject({
      'null:email': { row: 8 },
      'type:ssn': { row: 4 },
      'min:ssn': { row: 6 },
      'max:salary': { row: 10 },
      'type:dob': { row: 12 },
      'allowed:nickname': { row: 2 },
      'type:smoker': { row: 14 },
    });
    for (const v of report.violations) expect(v.example === undefined || !('value' in v.example)).toBe(true);
    expect(report.columns.visible).toMatchObject({ min: 0, max: 299 });
  });

  it('counts distinct PII strings under any salt', () => {
    const a = validate(lines.join('\n'), contract, 'salt-a').columns.email as StringProfileJson;
    const b = validate(lines.join('\n'), contract, 'salt-b').columns.email as StringProfileJson;
    expect(Math.abs(a.distinct - 299)).toBeLessThanOrEqual(15);
    expect(Math.abs(b.distinct - 299)).toBeLessThanOrEqual(15);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// An independent, naive implementation of the contract: split strings, Number(), two passes.

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN_TEXT = /^(true|false|1|0)$/i;

interface Counter {
  count: number;
  row: number;
  value: string;
}

interface NaiveNumeric {
  readonly kind: 'numeric';
  readonly count: number;
  readonly missing: number;
  readonly values: number[];
}

interface NaiveCategorical {
  readonly kind: 'categorical';
  readonly pii: boolean;
  readonly count: number;
  readonly missing: number;
  readonly counts: Map<string, number>;
}

interface NaiveOther {
  readonly kind: 'other';
  readonly count: number;
  readonly missing: number;
  readonly values: string[];
}

interface NaiveReport {
  readonly rows: number;
  readonly columns: Record<string, NaiveNumeric | NaiveCategorical | NaiveOther>;
  readonly violations: { rule: string; column?: string; count: number; example?: { row: number; value?: string } }[];
}

function naiveValidate(text: string, contract: DataContract): NaiveReport {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((line) => line.split(','));
  const violations: NaiveReport['violations'] = [];
  const columns: NaiveReport['columns'] = {};
  for (const column of contract.columns) {
    if (!header.includes(column.name))
      violations.push({ rule: 'missing-column', column: column.name, count: rows.length });
  }
  if (contract.allowExtraColumns === false) {
    for (const name of header) {
      if (!contract.columns.some((c) => c.name === name))
        violations.push({ rule: 'extra-column', column: name, count: rows.length });
    }
  }
  for (const column of contract.columns) {
    const index = header.indexOf(column.name);
    if (index < 0) continue;
    const counters: Record<string, Counter> = {};
    const hit = (rule: string, row: number, value: string) => {
      counters[rule] ??= { count: 0, row, value };
      counters[rule].count++;
    };
    let missing = 0;
    const numbers: number[] = [];
    const strings: string[] = [];
    rows.forEach((fields, r) => {
      const value = fields[index];
      if (value === '') {
        missing++;
        if (column.nullable === false) hit('null', r + 1, value);
        return;
      }
      if (column.type === 'integer' || column.type === 'number') {
        const pattern = column.type === 'integer' ? INTEGER_TEXT : DECIMAL_TEXT;
        const parsed = pattern.test(value) ? Number(value) : NaN;
        if (!Number.isFinite(parsed)) return hit('type', r + 1, value);
        numbers.push(parsed);
        if (column.min !== undefined && parsed < column.min) hit('min', r + 1, value);
        if (column.max !== undefined && parsed > column.max) hit('max', r + 1, value);
      } else if (column.type === 'boolean') {
        if (!BOOLEAN_TEXT.test(value)) return hit('type', r + 1, value);
        strings.push(value);
      } else {
        strings.push(value);
        if (column.type === 'categorical' && column.allowed !== undefined && !column.allowed.includes(value))
          hit('allowed', r + 1, value);
      }
    });
    for (const rule of ['type', 'null', 'min', 'max', 'allowed']) {
      const counter = counters[rule];
      if (counter === undefined) continue;
      const example = column.pii === true ? { row: counter.row } : { row: counter.row, value: counter.value };
      violations.push({ rule, column: column.name, count: counter.count, example });
    }
    if (
      column.maxMissingFraction !== undefined &&
      rows.length > 0 &&
      missing / rows.length > column.maxMissingFraction
    ) {
      violations.push({ rule: 'missing-fraction', column: column.name, count: missing });
    }
    if (column.type === 'integer' || column.type === 'number') {
      columns[column.name] = { kind: 'numeric', count: numbers.length, missing, values: numbers };
    } else if (column.type === 'categorical') {
      const counts = new Map<string, number>();
      for (const value of strings) counts.set(value, (counts.get(value) ?? 0) + 1);
      columns[column.name] = { kind: 'categorical', pii: column.pii === true, count: strings.length, missing, counts };
    } else {
      columns[column.name] = { kind: 'other', count: strings.length, missing, values: strings };
    }
  }
  if (contract.minRows !== undefined && rows.length < contract.minRows)
    violations.push({ rule: 'min-rows', count: rows.length });
  return { rows: rows.length, columns, violations };
}

/** Exact mean of doubles: every double is m·2^e, summed as BigInt in units of 2^-1074, divided once at the end. */
function exactMean(values: readonly number[]): number {
  const view = new DataView(new ArrayBuffer(8));
  let sum = 0n;
  for (const x of values) {
    view.setFloat64(0, x);
    const high = view.getUint32(0);
    const exponent = (high >>> 20) & 0x7ff;
    const fraction = (high & 0xfffff) * 2 ** 32 + view.getUint32(4);
    const mantissa = BigInt(exponent === 0 ? fraction : fraction + 2 ** 52) << BigInt(Math.max(exponent, 1) - 1);
    sum += high >>> 31 === 1 ? -mantissa : mantissa;
  }
  const n = BigInt(values.length);
  const negative = sum < 0n;
  const magnitude = negative ? -sum : sum;
  const shift = 80 - (magnitude.toString(2).length - n.toString(2).length);
  const quotient = shift >= 0 ? (magnitude << BigInt(shift)) / n : magnitude / (n << BigInt(-shift));
  const value = Number(quotient) * 2 ** -(shift + 537) * 2 ** -537;
  return negative ? -value : value;
}

function numpyLinear(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const a = sorted[below];
  const b = sorted[Math.min(below + 1, sorted.length - 1)];
  const t = position - below;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

function relative(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

function crossCheck(text: string, report: ValidationReport, contract: DataContract): void {
  const naive = naiveValidate(text, contract);
  expect(report.rows).toBe(naive.rows);
  const project = (v: NaiveReport['violations'][number]) => ({
    rule: v.rule,
    column: v.column,
    count: v.count,
    example: v.example,
  });
  const key = (v: { rule: string; column?: string }) => `${v.rule}:${v.column ?? ''}`;
  const byKey = (list: NaiveReport['violations']) => list.map(project).sort((a, b) => (key(a) < key(b) ? -1 : 1));
  expect(byKey(report.violations)).toEqual(byKey(naive.violations));
  expect(report.passed).toBe(naive.violations.length === 0);
  for (const [name, expected] of Object.entries(naive.columns)) {
    const actual = report.columns[name];
    expect({ name, count: actual.count, missing: actual.missing }).toEqual({
      name,
      count: expected.count,
      missing: expected.missing,
    });
    if (expected.kind === 'numeric') checkNumeric(name, actual as NumericProfileJson, expected.values);
    if (expected.kind === 'categorical') {
      const profile = actual as CategoricalProfileJson;
      const ranked = [...expected.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const top = expected.pii ? undefined : ranked.slice(0, 10);
      expect({ name, distinct: profile.distinct, top: profile.top }).toEqual({
        name,
        distinct: expected.counts.size,
        top,
      });
    }
  }
}

/** -0 and 0 are one value here (the sketch does not keep the sign of zero; JSON drops it). */
function unsignedZero(x: number | undefined): number | undefined {
  return x === undefined ? x : x + 0;
}

function checkNumeric(name: string, profile: NumericProfileJson, values: readonly number[]): void {
  if (values.length === 0) {
    expect([profile.min, profile.max, profile.mean, profile.std]).toEqual([NaN, NaN, NaN, NaN]);
    return;
  }
  const sorted = [...values].sort((a, b) => a - b);
  expect({ name, min: unsignedZero(profile.min), max: unsignedZero(profile.max) }).toEqual({
    name,
    min: unsignedZero(sorted[0]),
    max: unsignedZero(sorted[sorted.length - 1]),
  });
  const mean = exactMean(values);
  expect(relative(profile.mean as number, mean)).toBeLessThanOrEqual(1e-12);
  if (values.length > 1) {
    const std = Math.sqrt(values.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (values.length - 1));
    if (std === 0) expect(profile.std).toBe(0);
    else expect(relative(profile.std as number, std)).toBeLessThanOrEqual(1e-9);
  } else {
    expect(profile.std).toBeNaN();
  }
  for (const [key, q] of REPORTED_QUANTILES) {
    const v = (profile.quantiles as Record<string, number>)[key];
    if (values.length <= 1000) {
      expect({ name, key, v: unsignedZero(v) }).toEqual({ name, key, v: unsignedZero(numpyLinear(sorted, q)) });
      continue;
    }
    let below = 0;
    let atOrBelow = 0;
    for (const x of sorted) {
      if (x < v) below++;
      if (x <= v) atOrBelow++;
    }
    const error =
      q < below / sorted.length
        ? below / sorted.length - q
        : q > atOrBelow / sorted.length
          ? q - atOrBelow / sorted.length
          : 0;
    expect({ name, key, error: error <= 0.01 }).toEqual({ name, key, error: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Generated datasets: no commas, quotes or line breaks in values, so the naive split is a correct CSV reader for them.

interface Shape {
  readonly rows: number;
  readonly missingRate: number;
  readonly badRate: number;
  readonly distinctNumbers: number;
  readonly categories: number;
  readonly magnitude: number;
  readonly extraColumn: boolean;
  readonly dropColumn: boolean;
}

const CONTRACT_FOR_GENERATED: DataContract = parseContract({
  name: 'generated',
  minRows: 500,
  allowExtraColumns: false,
  columns: [
    { name: 'id', type: 'integer', nullable: false, min: 0 },
    { name: 'count', type: 'integer', min: 0, max: 90, maxMissingFraction: 0.1 },
    { name: 'amount', type: 'number', min: -1000, max: 1e6 },
    { name: 'grade', type: 'categorical', allowed: ['c0', 'c1', 'c2', 'c3', 'c4'] },
    { name: 'flag', type: 'boolean', nullable: false },
    { name: 'note', type: 'string', maxMissingFraction: 0.5 },
    { name: 'country', type: 'categorical', pii: true, allowed: ['c0', 'c1'] },
  ],
});

function generate(random: () => number, shape: Shape): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const maybe = (value: () => string, bad: readonly string[]) =>
    random() < shape.missingRate ? '' : random() < shape.badRate ? pick(bad) : value();
  const header = ['id', 'count', 'amount', 'grade', 'flag', 'note', 'country'];
  if (shape.dropColumn) header.splice(header.indexOf('note'), 1);
  if (shape.extraColumn) header.push('extra');
  const lines = [header.join(',')];
  for (let i = 0; i < shape.rows; i++) {
    const amountValue = () => {
      const x = (random() * 2 - 0.9) * shape.magnitude;
      return pick([() => String(x), () => x.toFixed(2), () => x.toExponential(4), () => String(Math.round(x))])();
    };
    const fields: Record<string, string> = {
      id: random() < shape.badRate / 4 ? '' : String(i),
      count: maybe(
        () => String(Math.floor(random() ** 2 * shape.distinctNumbers) - 2),
        ['1.5', 'x', '1e2', '0x1', ' 3'],
      ),
      amount: maybe(amountValue, ['NaN', '1,5'.replace(',', ';'), 'Infinity', '1e400', '--1', '.']),
      grade: maybe(() => `c${Math.floor(random() ** 3 * shape.categories)}`, ['C0', 'c0 ', '']),
      flag: maybe(() => pick(['true', 'false', '1', '0', 'TRUE', 'False']), ['yes', 'no', '2', 't']),
      note: maybe(() => `n${Math.floor(random() * 50)}`, []),
      country: maybe(() => `c${Math.floor(random() * 4)}`, []),
      extra: 'e',
    };
    lines.push(header.map((name) => fields[name]).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function validatorOver(text: string, salt = 'shared'): DatasetValidator {
  const validator = new DatasetValidator(CONTRACT_FOR_GENERATED, { piiSalt: salt });
  parseCsv(text, validator);
  return validator;
}

const shape = fc.record({
  rows: fc.integer({ min: 0, max: 700 }),
  missingRate: fc.constantFrom(0, 0.05, 0.3, 0.9),
  badRate: fc.constantFrom(0, 0.01, 0.2),
  distinctNumbers: fc.constantFrom(1, 3, 100, 1e6),
  categories: fc.constantFrom(1, 5, 12),
  magnitude: fc.constantFrom(1, 1e3, 1e9),
  extraColumn: fc.boolean(),
  dropColumn: fc.boolean(),
});

describe('DatasetValidator against a naive implementation', () => {
  it('agrees on small generated datasets of many shapes (exact quantiles)', () => {
    fc.assert(
      fc.property(shape, fc.integer(), (s, seed) => {
        const text = generate(seededRandom(seed), s);
        crossCheck(text, validatorOver(text).report(), CONTRACT_FOR_GENERATED);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    [
      'many rows, few distinct values',
      {
        rows: 30_000,
        missingRate: 0.02,
        badRate: 0.01,
        distinctNumbers: 100,
        categories: 12,
        magnitude: 1e3,
        extraColumn: false,
        dropColumn: false,
      },
    ],
    [
      'many rows, many distinct values',
      {
        rows: 30_000,
        missingRate: 0.05,
        badRate: 0.001,
        distinctNumbers: 1e6,
        categories: 5,
        magnitude: 1e9,
        extraColumn: true,
        dropColumn: true,
      },
    ],
    [
      'mostly missing',
      {
        rows: 8000,
        missingRate: 0.9,
        badRate: 0.05,
        distinctNumbers: 1e6,
        categories: 5,
        magnitude: 1,
        extraColumn: false,
        dropColumn: false,
      },
    ],
  ])('agrees on %s (rank-bounded quantiles)', (_name, s) => {
    const text = generate(seededRandom(7), s);
    crossCheck(text, validatorOver(text).report(), CONTRACT_FOR_GENERATED);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Merging validators of consecutive parts.

function splitIntoParts(text: string, parts: number, random: () => number): string[] {
  const lines = text.trimEnd().split('\n');
  const [header, ...rows] = lines;
  const cuts = [
    0,
    ...Array.from({ length: parts - 1 }, () => Math.floor(random() * rows.length)).sort((a, b) => a - b),
    rows.length,
  ];
  return Array.from({ length: parts }, (_, p) => [header, ...rows.slice(cuts[p], cuts[p + 1])].join('\n'));
}

function mergedReport(partTexts: readonly string[]): ValidationReport {
  const [first, ...rest] = partTexts.map((part) => validatorOver(part));
  for (const validator of rest) first.merge(validator);
  return first.report();
}

describe('DatasetValidator.merge', () => {
  const text = generate(seededRandom(11), {
    rows: 20_000,
    missingRate: 0.05,
    badRate: 0.01,
    distinctNumbers: 1e6,
    categories: 12,
    magnitude: 1e6,
    extraColumn: true,
    dropColumn: false,
  });
  const whole = validatorOver(text).report();

  it.each([2, 3, 5, 8])('gives the whole-file statistics and violation counts for %i parts', (parts) => {
    const merged = mergedReport(splitIntoParts(text, parts, seededRandom(parts)));
    expect(merged.rows).toBe(whole.rows);
    expect(merged.passed).toBe(whole.passed);
    expect(merged.violations.map((v) => [v.rule, v.column, v.count])).toEqual(
      whole.violations.map((v) => [v.rule, v.column, v.count]),
    );
    for (const [name, profile] of Object.entries(whole.columns)) {
      const other = merged.columns[name];
      if (profile.type === 'integer' || profile.type === 'number') {
        const m = other as NumericProfileJson;
        expect([m.count, m.missing, m.min, m.max]).toEqual([profile.count, profile.missing, profile.min, profile.max]);
        expect(relative(m.mean as number, profile.mean as number)).toBeLessThanOrEqual(1e-12);
        expect(relative(m.std as number, profile.std as number)).toBeLessThanOrEqual(1e-10);
      } else {
        expect(other).toEqual(profile);
      }
    }
    // Quantiles of the merged sketch keep the rank bound on the whole column.
    crossCheckQuantiles(text, merged);
  });

  it('keeps the first example of the earliest part that has one (violations first seen in the first part)', () => {
    const parts = splitIntoParts(text, 4, seededRandom(4));
    const merged = mergedReport(parts);
    const firstPartRows = parts[0].split('\n').length - 1;
    for (const v of whole.violations) {
      if (v.example === undefined || v.example.row > firstPartRows) continue;
      expect(violation(merged, v.rule, v.column)?.example).toEqual(v.example);
    }
  });

  it('numbers the first example of a violation first seen in a later part by its row in the whole file', () => {
    const lines = ['a', '1', '2', '3', 'x'];
    const contract = parseContract({ name: 'm', columns: [{ name: 'a', type: 'integer' }] });
    const first = new DatasetValidator(contract, { piiSalt: 's' });
    parseCsv(lines.slice(0, 4).join('\n'), first);
    const second = new DatasetValidator(contract, { piiSalt: 's' });
    parseCsv(lines[4], second, { header: ['a'], firstRow: 4 });
    first.merge(second);
    expect(violation(first.report(), 'type', 'a')?.example).toEqual({ row: 4, value: 'x' });
  });
});

function crossCheckQuantiles(text: string, report: ValidationReport): void {
  const naive = naiveValidate(text, CONTRACT_FOR_GENERATED);
  for (const [name, column] of Object.entries(naive.columns)) {
    if (column.kind !== 'numeric' || column.values.length <= 1000) continue;
    checkNumeric(name, report.columns[name] as NumericProfileJson, column.values);
  }
}
