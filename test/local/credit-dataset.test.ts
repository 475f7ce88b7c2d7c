/**
 * The synthetic credit dataset (local/datasets/credit.ts) judged by the project's own statistics, with the credit-risk
 * family's settings: its data contract (`DatasetValidator`), its pre-training bias gate (`analyzeBias` with the default
 * thresholds, as `warden bias` and `check-bias` apply them), drift of its features (`driftBetweenCsv`, as `warden drift`
 * runs it, with the family's PSI threshold), a logistic regression that learns the label, determinism and CSV round
 * trips through the project's CSV reader.
 */
import { analyzeBias, type BiasReport, resolveBiasThresholds } from '../../lambdas/stats/bias';
import type { BiasSpec } from '../../lambdas/stats/bias-counts';
import type { CategoricalProfileJson, NumericProfileJson } from '../../lambdas/stats/column-profile';
import { parseContract } from '../../lambdas/stats/contract';
import { parseCsv, parseCsvToArrays } from '../../lambdas/stats/csv';
import type { DriftReport } from '../../lambdas/stats/drift';
import { driftBetweenCsv } from '../../lambdas/stats/drift-csv';
import { resolveDriftThresholds } from '../../lambdas/stats/drift-thresholds';
import { DatasetValidator, type ValidationReport } from '../../lambdas/stats/validate';
import { creditRiskFamily } from '../../examples/credit-risk/family';
import { CREDIT_COLUMNS, creditCsv, type CreditDatasetOptions, creditRows } from '../../local/datasets/credit';

const family = creditRiskFamily();
const contract = parseContract(family.contract);

function validate(options: CreditDatasetOptions): ValidationReport {
  const validator = new DatasetValidator(contract, { piiSalt: 'credit-dataset-test' });
  parseCsv(creditCsv(options), validator);
  return validator.report();
}

async function* bytesOf(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text, 'utf8');
}

/** The pre-training gate as `check-bias` runs it for this family: its columns, its mode, the default thresholds. */
function preTrainingBias(options: CreditDatasetOptions): Promise<BiasReport> {
  const { label, facet, facetValue, positive, group, thresholds, mode } = family.bias;
  const spec: BiasSpec = { label, facet, facetValue, positive, group };
  return analyzeBias(bytesOf(creditCsv(options)), spec, {
    thresholds: resolveBiasThresholds(spec, thresholds),
    mode: mode ?? 'fail',
  });
}

/** The drift features the family's monitor uses by default: every non-PII contract column except the label. */
const driftFeatures = family.contract.columns
  .filter((column) => column.pii !== true && column.name !== family.bias.label)
  .map((column) => column.name);

function drift(baseline: CreditDatasetOptions, current: CreditDatasetOptions): Promise<DriftReport> {
  const baselineCsv = creditCsv(baseline);
  const currentCsv = creditCsv(current);
  return driftBetweenCsv(
    { name: 'baseline.csv', open: () => bytesOf(baselineCsv) },
    { name: 'current.csv', open: () => bytesOf(currentCsv) },
    {
      thresholds: resolveDriftThresholds({ psi: family.drift?.psiThreshold ?? 0.2 }),
      columns: driftFeatures,
    },
  );
}

describe('the contract columns', () => {
  it('are the family contract columns, in order', () => {
    expect(CREDIT_COLUMNS).toEqual(family.contract.columns.map((column) => column.name));
  });
});

describe('every dataset meets the family data contract', () => {
  const cases: CreditDatasetOptions[] = [
    { rows: 1000, seed: 1 },
    { rows: 1000, seed: 2, labelBias: 1 },
    { rows: 4000, seed: 3 },
    { rows: 4000, seed: 4, drift: 1 },
    { rows: 2500, seed: -17, drift: 1, labelBias: 1 },
    { rows: 1399, seed: 2 ** 31 + 5, drift: 0.5, labelBias: 0.5 },
  ];

  it.each(cases)('passes with no violation: %j', (options) => {
    const report = validate(options);
    expect(report.violations).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.rows).toBe(options.rows);
  });

  it('has skewed whole ages from 18 to 90, lognormal incomes with 0.5 % missing, and debt ratios within 0..10', () => {
    const report = validate({ rows: 4000, seed: 3 });
    const age = report.columns.age as NumericProfileJson;
    const income = report.columns.income as NumericProfileJson;
    const debtRatio = report.columns.debt_ratio as NumericProfileJson;
    expect(age.min).toBe(18);
    expect(age.max).toBeLessThanOrEqual(90);
    expect(age.mean).toBeGreaterThan(age.quantiles?.p50 as number);
    expect(income.missing).toBe(4000 / 200);
    expect(income.min).toBeGreaterThan(0);
    // Lognormal: the mean sits above the median and the right tail is long.
    expect(income.mean).toBeGreaterThan(income.quantiles?.p50 as number);
    expect(income.quantiles?.p99 as number).toBeGreaterThan(2.5 * (income.quantiles?.p50 as number));
    expect(debtRatio.min).toBe(0);
    expect(debtRatio.max).toBeLessThanOrEqual(10);
    expect(debtRatio.missing).toBe(0);
  });

  it('draws sex about 48 / 49 / 3 % and five regions', () => {
    const report = validate({ rows: 4000, seed: 3 });
    const sex = report.columns.sex as CategoricalProfileJson;
    const shares = Object.fromEntries((sex.top ?? []).map(([value, count]) => [value, count / 4000]));
    expect(shares.F).toBeCloseTo(0.48, 1);
    expect(shares.M).toBeCloseTo(0.49, 1);
    expect(shares.X).toBeGreaterThan(0.015);
    expect(shares.X).toBeLessThan(0.045);
    expect((report.columns.region as CategoricalProfileJson).distinct).toBe(5);
  });

  it('leaves no income missing below 200 rows, so a small file never crosses the 1 % limit', () => {
    const report = validate({ rows: 150, seed: 9 });
    expect(report.violations).toEqual([{ rule: 'min-rows', count: 150, limit: 1000 }]);
    expect((report.columns.income as NumericProfileJson).missing).toBe(0);
  });

  it('misses only the label column when generated without labels', () => {
    const report = validate({ rows: 1000, seed: 5, withoutLabel: true });
    expect(report.violations).toEqual([{ rule: 'missing-column', column: 'label', count: 1000 }]);
  });
});

describe('the pre-training bias gate with the family settings and the default thresholds', () => {
  const seeds = [1, 2, 3];

  it.each(seeds)('passes unbiased labels (seed %i)', async (seed) => {
    const report = await preTrainingBias({ rows: 4000, seed });
    expect(report.thresholds).toEqual({ DPL: 0.2 });
    expect(report.verdict).toBe('pass');
    expect(report.failed).toEqual([]);
    expect(Math.abs(report.pretraining.DPL)).toBeLessThan(0.05);
    expect(Math.abs(report.pretraining.CDDL as number)).toBeLessThan(0.05);
    expect(report.counts.groups).toBe(5);
  });

  it.each(seeds)('fails labels biased against F on DPL (seed %i)', async (seed) => {
    const report = await preTrainingBias({ rows: 4000, seed, labelBias: 1 });
    expect(report.verdict).toBe('fail');
    expect(report.failed).toEqual(['DPL']);
    expect(report.pretraining.DPL).toBeGreaterThan(0.25);
    expect(report.pretraining.CDDL).toBeGreaterThan(0.25);
  });

  it('changes only labels, and only approvals of facet F into rejections', () => {
    const fair = creditRows({ rows: 3000, seed: 8 });
    const biased = creditRows({ rows: 3000, seed: 8, labelBias: 1 });
    const features = ({ label: _label, ...rest }: Record<string, string>) => rest;
    expect(biased.map(features)).toEqual(fair.map(features));
    const changes = fair.flatMap((row, i) =>
      row.label === biased[i].label ? [] : [`${row.sex}: ${row.label} -> ${biased[i].label}`],
    );
    expect(new Set(changes)).toEqual(new Set(['F: 1 -> 0']));
    expect(changes.length).toBeGreaterThan(300);
  });
});

describe('drift of the family features, judged with its PSI threshold', () => {
  it('moves age, income, debt ratio and region past PSI 0.2 at drift 1, and leaves sex alone', async () => {
    const report = await drift({ rows: 4000, seed: 11 }, { rows: 4000, seed: 12, drift: 1, withoutLabel: true });
    expect(Object.keys(report.columns)).toEqual(['age', 'income', 'debt_ratio', 'sex', 'region']);
    for (const feature of ['age', 'income', 'debt_ratio', 'region']) {
      expect(report.columns[feature].psi).toBeGreaterThan(0.3);
    }
    expect(report.columns.sex.psi).toBeLessThan(0.02);
    expect(report.drifted).toEqual(['age', 'income', 'debt_ratio', 'region']);
  });

  it.each([
    [21, 22],
    [23, 24],
    [25, 26],
  ])('finds nothing drifted between reference samples of seeds %i and %i', async (baselineSeed, currentSeed) => {
    const report = await drift({ rows: 4000, seed: baselineSeed }, { rows: 4000, seed: currentSeed });
    expect(report.drifted).toEqual([]);
    for (const feature of driftFeatures) expect(report.columns[feature].psi).toBeLessThan(0.05);
  });
});

describe('the label', () => {
  it('is learnt by a logistic regression of log income, debt ratio and age well above the majority rate', () => {
    const model = fitLogisticRegression(creditRows({ rows: 5000, seed: 31 }));
    const holdout = creditRows({ rows: 5000, seed: 32 }).filter((row) => row.income !== '');
    const accuracy = holdout.filter((row) => model(row) === Number(row.label)).length / holdout.length;
    const positiveRate = holdout.filter((row) => row.label === '1').length / holdout.length;
    const majorityRate = Math.max(positiveRate, 1 - positiveRate);
    expect(positiveRate).toBeGreaterThan(0.5);
    expect(positiveRate).toBeLessThan(0.7);
    expect(accuracy).toBeGreaterThan(0.75);
    expect(accuracy).toBeLessThan(0.9);
    expect(accuracy).toBeGreaterThan(majorityRate + 0.15);
  });
});

describe('the generator', () => {
  it('gives the same CSV for the same options and another for another seed', () => {
    const options = { rows: 2000, seed: 42, drift: 0.3, labelBias: 0.4 };
    expect(creditCsv(options)).toBe(creditCsv({ ...options }));
    expect(creditCsv({ ...options, seed: 43 })).not.toBe(creditCsv(options));
  });

  it('leaves out only the label column without labels, the other values unchanged', () => {
    const labelled = creditRows({ rows: 500, seed: 6 });
    const unlabelled = creditRows({ rows: 500, seed: 6, withoutLabel: true });
    expect(unlabelled).toEqual(labelled.map(({ label: _label, ...features }) => features));
    expect(creditCsv({ rows: 0, seed: 6, withoutLabel: true })).toBe('age,income,debt_ratio,sex,region,email\n');
  });

  it('writes RFC 4180 CSV that the project reader reads back value for value, quoted e-mails included', () => {
    const options = { rows: 3000, seed: 7 };
    const rows = creditRows(options);
    const csv = creditCsv(options);
    const quoted = rows.filter((row) => row.email.includes(','));
    expect(quoted.length).toBeGreaterThan(10);
    expect(quoted[0].email).toMatch(/^"[a-z']+, [a-z]+"@[a-z.]+$/);
    expect(csv).toContain(`"${quoted[0].email.replace(/"/g, '""')}"`);
    expect(csv.endsWith('\n')).toBe(true);
    expect(csv).not.toContain('\r');
    const parsed = parseCsvToArrays(csv);
    expect(parsed.header).toEqual([...CREDIT_COLUMNS]);
    expect(parsed.rows).toEqual(rows.map((row) => CREDIT_COLUMNS.map((name) => row[name])));
  });

  it('rejects options it cannot honour, naming each problem', () => {
    expect(() => creditRows({ rows: -1, seed: 1.5, labelBias: 2, drift: Number.NaN })).toThrow(
      new RangeError(
        'Invalid credit dataset options: rows must be a whole number of 0 or more, got -1; seed must be a whole ' +
          'number, got 1.5; labelBias must be from 0 to 1, got 2; drift must be from 0 to 1, got NaN.',
      ),
    );
  });
});

/** Batch gradient descent on standardised features; returns the 0/1 classifier at probability 0.5. */
function fitLogisticRegression(rows: readonly Record<string, string>[]): (row: Record<string, string>) => number {
  const features = (row: Record<string, string>): number[] => [
    Math.log(Number(row.income)),
    Number(row.debt_ratio),
    Number(row.age),
  ];
  const training = rows.filter((row) => row.income !== '');
  const x = training.map(features);
  const y = training.map((row) => Number(row.label));
  const width = x[0].length;
  const mean = Array.from({ length: width }, (_, j) => x.reduce((sum, v) => sum + v[j], 0) / x.length);
  const sd = mean.map((m, j) => Math.sqrt(x.reduce((sum, v) => sum + (v[j] - m) ** 2, 0) / x.length));
  const standardise = (v: number[]): number[] => [1, ...v.map((value, j) => (value - mean[j]) / sd[j])];
  const z = x.map(standardise);
  const weights = new Array<number>(width + 1).fill(0);
  const score = (v: number[]): number => v.reduce((sum, value, j) => sum + weights[j] * value, 0);
  for (let step = 0; step < 300; step++) {
    const gradient = new Array<number>(width + 1).fill(0);
    z.forEach((v, i) => {
      const error = y[i] - 1 / (1 + Math.exp(-score(v)));
      for (let j = 0; j <= width; j++) gradient[j] += (error * v[j]) / z.length;
    });
    for (let j = 0; j <= width; j++) weights[j] += gradient[j];
  }
  return (row) => (score(standardise(features(row))) > 0 ? 1 : 0);
}
