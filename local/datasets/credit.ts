/**
 * Synthetic credit applications for the credit-risk family (examples/credit-risk/family.ts): the local scenarios'
 * training data and inference traffic. Deterministic for a seed, realistic enough for the gates to mean something —
 * right-skewed ages, lognormal incomes with a few missing, debt ratios, a sensitive attribute, PII e-mails — and a
 * label that a logistic regression of income, debt ratio and age learns. Two dials turn the data bad on purpose:
 * `labelBias` lowers the approval odds of facet `sex = F` (the bias gate fails at 1) and `drift` moves the population
 * (PSI above 0.2 on income, debt ratio, age and region at 1). Every row meets the family's data contract.
 */
import { seededRandom } from '../runtime/random';

export interface CreditDatasetOptions {
  /** Data rows to generate. */
  readonly rows: number;
  /** Seed of the generator: the same options give the same rows. */
  readonly seed: number;
  /**
   * How far the labels are biased against facet `sex = F`, from 0 to 1: 0 = labels independent of `sex` given the
   * features; 1 = approval odds of F divided by e^2.5, so DPL is about 0.3 and the default bias gate (0.2) fails.
   * Only labels of F rows change.
   * @default 0
   */
  readonly labelBias?: number;
  /**
   * How far the population has moved from the reference one, from 0 to 1: lower and wider incomes, higher debt
   * ratios, younger applicants, another region mix. At 1 the PSI exceeds 0.2 on several features.
   * @default 0
   */
  readonly drift?: number;
  /** Leave the label column out, as inference traffic has none. @default false */
  readonly withoutLabel?: boolean;
}

/** The columns, in the contract's order. */
export const CREDIT_COLUMNS: readonly string[] = ['age', 'income', 'debt_ratio', 'sex', 'region', 'email', 'label'];

/** A parameter's value in the reference population (drift 0) and at full drift (1); linear in between. */
interface Range {
  readonly reference: number;
  readonly drifted: number;
}

const MIN_AGE = 18;
const MAX_AGE = 90;
/** Years above the minimum age: gamma with shape 2 and this scale (mean age about 37, 28 at full drift). */
const AGE_OFFSET_SCALE: Range = { reference: 10, drifted: 5.5 };

/** Annual income: lognormal around a median that rises with age until 55. */
const INCOME_MEDIAN = 52_000;
const INCOME_SIGMA: Range = { reference: 0.55, drifted: 0.65 };
/** Log-income shift at full drift (the median falls by about 40 %). */
const INCOME_DRIFT_SHIFT = -0.5;
const INCOME_AGE_SLOPE = 0.015;
const INCOME_PEAK_AGE = 55;
const INCOME_CENTRE_AGE = 38;
/** One income in every complete block of this many rows is left empty (0.5 %, within the contract's 1 %). */
const MISSING_INCOME_BLOCK = 200;

/** Debt payments over income: some applicants have none, the rest lognormal, capped at the contract's 10. */
const DEBT_FREE: Range = { reference: 0.06, drifted: 0.02 };
const DEBT_MEDIAN: Range = { reference: 0.32, drifted: 0.62 };
const DEBT_SIGMA: Range = { reference: 0.55, drifted: 0.65 };
const MAX_DEBT_RATIO = 10;

const SEXES = ['F', 'M', 'X'] as const;
const SEX_WEIGHTS = [0.48, 0.49, 0.03];
const REGIONS = ['north', 'south', 'east', 'west', 'central'] as const;
const REGION_WEIGHTS = { reference: [0.24, 0.22, 0.2, 0.18, 0.16], drifted: [0.08, 0.16, 0.12, 0.2, 0.44] };

/**
 * Log-odds of approval (label 1): intercept, per reference standard deviation of log income above the median, per unit
 * of debt ratio above 0.35, per decade of age above 40. A logistic regression of these features reaches about 0.82
 * accuracy where always answering 1 reaches about 0.59.
 */
const LABEL_INTERCEPT = 0.9;
const LABEL_PER_INCOME_SD = 2.2;
const LABEL_PER_DEBT_RATIO = -4.5;
const LABEL_PER_AGE_DECADE = 0.25;
const LABEL_DEBT_RATIO_CENTRE = 0.35;
const LABEL_AGE_CENTRE = 40;
/** Log-odds taken from facet F at `labelBias` 1. */
const LABEL_BIAS_LOG_ODDS = 2.5;

const FIRST_NAMES = [
  'anna', 'ben', 'chloe', 'daniel', 'emma', 'farid', 'grace', 'hiro', 'ines', 'jamal', 'kofi', 'lena', 'marta',
  'noah', 'olga', 'pedro', 'quinn', 'rosa', 'sven', 'tara', 'uma', 'victor', 'wei', 'ximena', 'yusuf', 'zoe',
]; // prettier-ignore
const LAST_NAMES = [
  'adams', 'baker', 'chen', 'dubois', 'evans', 'fischer', 'garcia', 'haddad', 'ivanova', 'jensen', 'kim', 'lopez',
  'muller', "o'brien", 'novak', 'okafor', 'patel', 'rossi', 'silva', 'tanaka', 'nguyen', 'weber', 'yilmaz', 'zhou',
]; // prettier-ignore
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example'];
/** Share of addresses with a quoted local part (`"lopez, ana"@example.com`): valid, and they need CSV quoting. */
const QUOTED_EMAIL_SHARE = 0.01;

/** The rows as records keyed by column, values as they appear in the CSV (an empty string is a missing value). */
export function creditRows(options: CreditDatasetOptions): Array<Record<string, string>> {
  checkOptions(options);
  const people = population(options.drift ?? 0);
  const labelBias = options.labelBias ?? 0;
  const random = new Random(options.seed);
  // A stream of its own, so that which incomes are missing does not disturb the other columns.
  const missingRandom = new Random(options.seed ^ 0x5bd1e995);
  const records: Array<Record<string, string>> = [];
  let missingIncomeRow = -1;
  for (let row = 0; row < options.rows; row++) {
    const blockStart = row - (row % MISSING_INCOME_BLOCK);
    if (row === blockStart && blockStart + MISSING_INCOME_BLOCK <= options.rows) {
      missingIncomeRow = blockStart + Math.floor(missingRandom.uniform() * MISSING_INCOME_BLOCK);
    }
    const applicant = drawApplicant(random, people, labelBias);
    const record: Record<string, string> = {
      age: String(applicant.age),
      income: row === missingIncomeRow ? '' : String(applicant.income),
      debt_ratio: applicant.debtRatio.toFixed(3),
      sex: applicant.sex,
      region: applicant.region,
      email: applicant.email,
    };
    if (options.withoutLabel !== true) record.label = String(applicant.label);
    records.push(record);
  }
  return records;
}

/** Header and rows as RFC 4180 CSV: fields quoted when they hold a comma, quote or line break; `\n` after every line. */
export function creditCsv(options: CreditDatasetOptions): string {
  const columns = options.withoutLabel === true ? CREDIT_COLUMNS.filter((name) => name !== 'label') : CREDIT_COLUMNS;
  const lines = [columns.map(csvField).join(',')];
  for (const record of creditRows(options)) lines.push(columns.map((name) => csvField(record[name])).join(','));
  return lines.join('\n') + '\n';
}

interface Applicant {
  readonly age: number;
  readonly income: number;
  readonly debtRatio: number;
  readonly sex: string;
  readonly region: string;
  readonly email: string;
  readonly label: 0 | 1;
}

/** The parameters of the population at a drift level. */
interface Population {
  readonly ageOffsetScale: number;
  readonly incomeLogMedian: number;
  readonly incomeSigma: number;
  readonly debtFreeShare: number;
  readonly debtLogMedian: number;
  readonly debtSigma: number;
  readonly regionWeights: readonly number[];
}

function population(drift: number): Population {
  const mix = (range: Range): number => range.reference + (range.drifted - range.reference) * drift;
  return {
    ageOffsetScale: mix(AGE_OFFSET_SCALE),
    incomeLogMedian: Math.log(INCOME_MEDIAN) + INCOME_DRIFT_SHIFT * drift,
    incomeSigma: mix(INCOME_SIGMA),
    debtFreeShare: mix(DEBT_FREE),
    debtLogMedian: Math.log(mix(DEBT_MEDIAN)),
    debtSigma: mix(DEBT_SIGMA),
    regionWeights: REGION_WEIGHTS.reference.map((weight, i) =>
      mix({ reference: weight, drifted: REGION_WEIGHTS.drifted[i] }),
    ),
  };
}

/** One applicant. The draws do not depend on `labelBias`, so it changes labels only, and only those of facet F. */
function drawApplicant(random: Random, people: Population, labelBias: number): Applicant {
  const age = drawAge(random, people);
  const ageEffect = INCOME_AGE_SLOPE * (Math.min(age, INCOME_PEAK_AGE) - INCOME_CENTRE_AGE);
  const logIncome = people.incomeLogMedian + ageEffect + people.incomeSigma * random.normal();
  const income = Math.round(Math.exp(logIncome));
  const debtFree = random.uniform() < people.debtFreeShare;
  const debtNoise = random.normal();
  const debtRatio = debtFree
    ? 0
    : Math.min(MAX_DEBT_RATIO, Math.exp(people.debtLogMedian + people.debtSigma * debtNoise));
  const sex = SEXES[random.pick(SEX_WEIGHTS)];
  const region = REGIONS[random.pick(people.regionWeights)];
  const email = drawEmail(random);
  const logOdds =
    LABEL_INTERCEPT +
    (LABEL_PER_INCOME_SD * (logIncome - Math.log(INCOME_MEDIAN))) / INCOME_SIGMA.reference +
    LABEL_PER_DEBT_RATIO * (debtRatio - LABEL_DEBT_RATIO_CENTRE) +
    (LABEL_PER_AGE_DECADE * (age - LABEL_AGE_CENTRE)) / 10 -
    (sex === 'F' ? labelBias * LABEL_BIAS_LOG_ODDS : 0);
  const label = random.uniform() < 1 / (1 + Math.exp(-logOdds)) ? 1 : 0;
  return { age, income, debtRatio, sex, region, email, label };
}

/** Whole years, 18 to 90, right-skewed; redrawn above 90 rather than piled up there. */
function drawAge(random: Random, people: Population): number {
  for (;;) {
    // A gamma variate of shape 2 is the sum of two exponential ones.
    const offset = -people.ageOffsetScale * Math.log((1 - random.uniform()) * (1 - random.uniform()));
    const age = MIN_AGE + Math.floor(offset);
    if (age <= MAX_AGE) return age;
  }
}

function drawEmail(random: Random): string {
  const first = FIRST_NAMES[Math.floor(random.uniform() * FIRST_NAMES.length)];
  const last = LAST_NAMES[Math.floor(random.uniform() * LAST_NAMES.length)];
  const domain = EMAIL_DOMAINS[Math.floor(random.uniform() * EMAIL_DOMAINS.length)];
  const number = Math.floor(random.uniform() * 1000);
  const style = random.uniform();
  if (style < QUOTED_EMAIL_SHARE) return `"${last}, ${first}"@${domain}`;
  if (style < 0.5) return `${first}.${last}${number}@${domain}`;
  if (style < 0.8) return `${first[0]}${last}${number}@${domain}`;
  return `${first}_${last}@${domain}`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function checkOptions(options: CreditDatasetOptions): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(options.rows) || options.rows < 0) {
    problems.push(`rows must be a whole number of 0 or more, got ${options.rows}`);
  }
  if (!Number.isSafeInteger(options.seed)) problems.push(`seed must be a whole number, got ${options.seed}`);
  for (const name of ['labelBias', 'drift'] as const) {
    const value = options[name];
    if (value !== undefined && !(value >= 0 && value <= 1)) problems.push(`${name} must be from 0 to 1, got ${value}`);
  }
  if (problems.length > 0) throw new RangeError(`Invalid credit dataset options: ${problems.join('; ')}.`);
}

/** mulberry32 uniforms and Box–Muller normals: small, fast and the same on every platform. */
class Random {
  private readonly next: () => number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Standard normal; Box–Muller gives two, the second is kept for the next call. */
  normal(): number {
    const spare = this.spareNormal;
    if (spare !== undefined) {
      this.spareNormal = undefined;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Index drawn with the given weights (they sum to 1; rounding leftovers go to the last index). */
  pick(weights: readonly number[]): number {
    let u = this.uniform();
    for (let i = 0; i < weights.length - 1; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }
}
