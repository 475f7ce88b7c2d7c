/**
 * Cross-checks every drift metric against independent, deliberately naive implementations written here from the
 * definitions (different algorithms, not the same code twice), on generated samples of many shapes, plus the metric
 * properties that hold whatever the data.
 */
import fc from 'fast-check';
import { ByteDictionary } from '../../lambdas/stats/byte-dictionary';
import { parseCsvToArrays } from '../../lambdas/stats/csv';
import { driftBetweenCsv, type CsvSource } from '../../lambdas/stats/drift-csv';
import { categoricalDrift } from '../../lambdas/stats/drift-categorical';
import { jensenShannonDistance, populationStabilityIndex } from '../../lambdas/stats/drift-divergence';
import { kolmogorovSurvival } from '../../lambdas/stats/drift-kolmogorov';
import { numericDrift } from '../../lambdas/stats/drift-numeric';
import { DEFAULT_DRIFT_THRESHOLDS } from '../../lambdas/stats/drift-thresholds';

// ---- Naive reference implementations ----

/** F(t) = #{x ≤ t}/n by counting. */
function ecdf(sample: readonly number[], t: number): number {
  let count = 0;
  for (const x of sample) if (x <= t) count++;
  return count / sample.length;
}

/** sup |F − G| evaluated at every data point, O((n + m)²). */
function naiveKs(a: readonly number[], b: readonly number[]): number {
  let d = 0;
  for (const t of [...a, ...b]) d = Math.max(d, Math.abs(ecdf(a, t) - ecdf(b, t)));
  return d;
}

/** W1 = ∫₀¹ |F⁻¹(u) − G⁻¹(u)| du: the quantile functions are constant between the breakpoints i/n and j/m. */
function naiveWasserstein(a: readonly number[], b: readonly number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  const breaks = new Set<number>([0, 1]);
  for (let i = 1; i < x.length; i++) breaks.add(i / x.length);
  for (let j = 1; j < y.length; j++) breaks.add(j / y.length);
  const us = [...breaks].sort((p, q) => p - q);
  let w = 0;
  for (let k = 0; k + 1 < us.length; k++) {
    const u = (us[k] + us[k + 1]) / 2;
    w += Math.abs(x[Math.floor(u * x.length)] - y[Math.floor(u * y.length)]) * (us[k + 1] - us[k]);
  }
  return w;
}

/** Population variance as the mean squared difference of all pairs, halved: Σᵢ Σⱼ (xᵢ − xⱼ)² / (2n²). */
function naiveStd(a: readonly number[]): number {
  // Differences are divided by the range before squaring so tiny or huge values neither underflow nor overflow.
  const range = Math.max(...a) - Math.min(...a);
  if (range === 0) return 0;
  let sum = 0;
  for (const x of a) for (const y of a) sum += ((x - y) / range) ** 2;
  return range * Math.sqrt(sum / (2 * a.length * a.length));
}

/** Q(λ) = 2 Σ (−1)^{k−1} e^{−2k²λ²} summed term by term, up to 100 000 terms or until they vanish. */
function bruteForceKolmogorov(lambda: number): number {
  if (lambda <= 0) return 1;
  let sum = 0;
  for (let k = 1; k <= 100_000; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    if (term === 0) break;
    sum += k % 2 === 1 ? term : -term;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** Numeric PSI with explicit edge comparisons for every value. */
function naivePsi(a: readonly number[], b: readonly number[]): number {
  let lo = Math.min(...a, ...b);
  let hi = Math.max(...a, ...b);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges: number[] = [];
  for (let i = 0; i < 10; i++) edges.push(lo + i * ((hi - lo) / 10));
  edges.push(hi);
  const proportions = (sample: readonly number[]): number[] =>
    edges.slice(0, 10).map((_, i) => {
      const inBin = sample.filter((x) => edges[i] <= x && (i === 9 ? x <= edges[10] : x < edges[i + 1]));
      return inBin.length / sample.length || 1e-4;
    });
  const p = proportions(a);
  const q = proportions(b);
  return p.reduce((psi, pi, i) => psi + (q[i] - pi) * Math.log(q[i] / pi), 0);
}

function frequencies(values: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1 / values.length);
  return map;
}

/** Categorical PSI over string-keyed maps. */
function naiveCategoricalPsi(a: readonly string[], b: readonly string[]): number {
  const p = frequencies(a);
  const q = frequencies(b);
  let psi = 0;
  for (const key of new Set([...p.keys(), ...q.keys()])) {
    const pi = p.get(key) ?? 1e-4;
    const qi = q.get(key) ?? 1e-4;
    psi += (qi - pi) * Math.log(qi / pi);
  }
  return psi;
}

/** JS divergence in its entropy form H(M) − ½(H(P) + H(Q)), then the square root. */
function naiveJsDistance(a: readonly string[], b: readonly string[]): number {
  const p = frequencies(a);
  const q = frequencies(b);
  const entropy = (dist: Iterable<number>): number => {
    let h = 0;
    for (const x of dist) if (x > 0) h -= x * Math.log(x);
    return h;
  };
  const keys = new Set([...p.keys(), ...q.keys()]);
  const m = [...keys].map((key) => ((p.get(key) ?? 0) + (q.get(key) ?? 0)) / 2);
  return Math.sqrt(Math.max(0, entropy(m) - (entropy(p.values()) + entropy(q.values())) / 2));
}

/** A number that parses as the contract's finite decimal, by regular expression and `Number`. */
function isFiniteNumberText(text: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) && Number.isFinite(Number(text));
}

// ---- Helpers and generators ----

function close(actual: number, expected: number): boolean {
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}

function expectClose(actual: number, expected: number, what: string): void {
  if (!close(actual, expected)) throw new Error(`${what}: got ${actual}, expected ${expected}`);
}

const sortedArray = (values: readonly number[]): Float64Array => Float64Array.from(values).sort();

const tied = fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 40 });
const continuous = fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), { minLength: 1, maxLength: 80 });
const heavyTailed = fc.array(
  fc
    .tuple(fc.double({ min: 1e-6, max: 1, noNaN: true }), fc.boolean())
    .map(([u, negative]) => (negative ? -1 : 1) / (u * u)),
  { minLength: 1, maxLength: 60 },
);
const constant = fc
  .tuple(fc.constantFrom(0, 0.1, -3, 7.25, 1e9), fc.integer({ min: 1, max: 20 }))
  .map(([value, n]) => new Array<number>(n).fill(value));
const large = fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 200, maxLength: 400 });
const mixed = fc.tuple(tied, continuous).map(([a, b]) => [...a, ...b]);
const sample = fc.oneof(tied, continuous, heavyTailed, constant, large, mixed);
const categories = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'é', 'x,y', 'say "hi"', '12'), {
  minLength: 1,
  maxLength: 60,
});

function dictionaryOf(values: readonly string[]): ByteDictionary {
  const dictionary = new ByteDictionary();
  for (const value of values) dictionary.addText(value);
  return dictionary;
}

// ---- Cross-checks ----

describe('numeric metrics against naive implementations', () => {
  it('KS, p-value, Wasserstein, normalised Wasserstein and PSI agree to 1e-9', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const drift = numericDrift(sortedArray(a), sortedArray(b));
        const ks = naiveKs(a, b);
        expect(drift.ks.statistic).toBe(ks);
        const lambda = Math.sqrt((a.length * b.length) / (a.length + b.length)) * ks;
        expectClose(drift.ks.pValue, bruteForceKolmogorov(lambda), 'pValue');
        const w = naiveWasserstein(a, b);
        expectClose(drift.wasserstein, w, 'wasserstein');
        const std = naiveStd(a);
        expectClose(drift.wassersteinNorm, std === 0 ? (w === 0 ? 0 : Infinity) : w / std, 'wassersteinNorm');
        expectClose(drift.psi, naivePsi(a, b), 'psi');
      }),
      { numRuns: 300 },
    );
  });

  it('the p-value agrees with the brute-force series over the whole range', () => {
    for (let lambda = 0; lambda <= 6; lambda += 0.001) {
      expectClose(kolmogorovSurvival(lambda), bruteForceKolmogorov(lambda), `Q(${lambda})`);
    }
  });
});

describe('categorical metrics against naive implementations', () => {
  it('PSI and Jensen–Shannon distance agree to 1e-9', () => {
    fc.assert(
      fc.property(categories, categories, (a, b) => {
        const drift = categoricalDrift(dictionaryOf(a), dictionaryOf(b));
        expectClose(drift.psi, naiveCategoricalPsi(a, b), 'psi');
        expectClose(drift.jsDistance, naiveJsDistance(a, b), 'jsDistance');
      }),
      { numRuns: 300 },
    );
  });
});

describe('metric properties', () => {
  it('KS, Wasserstein and JS are symmetric; all metrics are 0 on identical samples; PSI is never negative', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const forward = numericDrift(sortedArray(a), sortedArray(b));
        const backward = numericDrift(sortedArray(b), sortedArray(a));
        expect(backward.ks.statistic).toBe(forward.ks.statistic);
        expect(backward.wasserstein).toBe(forward.wasserstein);
        expect(forward.psi).toBeGreaterThanOrEqual(0);
        const same = numericDrift(sortedArray(a), sortedArray(a));
        expect([same.ks.statistic, same.wasserstein, same.wassersteinNorm, same.psi]).toEqual([0, 0, 0, 0]);
        expect(same.ks.pValue).toBe(1);
      }),
    );
    fc.assert(
      fc.property(categories, categories, (a, b) => {
        const forward = categoricalDrift(dictionaryOf(a), dictionaryOf(b));
        // Swapping the files changes the order the categories are summed in, so only the last bits may differ.
        expect(categoricalDrift(dictionaryOf(b), dictionaryOf(a)).jsDistance).toBeCloseTo(forward.jsDistance, 14);
        expect(forward.psi).toBeGreaterThanOrEqual(0);
        expect(categoricalDrift(dictionaryOf(a), dictionaryOf(a))).toEqual({ psi: 0, jsDistance: 0 });
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.nat(50), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(50), { minLength: 1, maxLength: 12 }),
        (p, q) => {
          fc.pre(p.length === q.length && p.some((x) => x > 0) && q.some((x) => x > 0));
          expect(populationStabilityIndex(p, q)).toBeGreaterThanOrEqual(0);
          expect(jensenShannonDistance(p, q)).toBe(jensenShannonDistance(q, p));
        },
      ),
    );
  });
});

// ---- End to end: CSV text → profiles → report, against the naive metrics on the parsed strings ----

const numberText = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.double({ min: -1e4, max: 1e4, noNaN: true }).map(String),
);
const cell = fc.oneof(
  { weight: 8, arbitrary: numberText },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constantFrom('n/a', 'x,y', 'say "hi"', ' 1', '1e999', '"quoted"') },
);
const table = fc.array(fc.tuple(cell, fc.oneof(numberText, fc.constant(''))), { minLength: 1, maxLength: 60 });

function toCsv(rows: readonly (readonly string[])[]): string {
  const quote = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  return ['mixed,numbers', ...rows.map((row) => row.map(quote).join(','))].join('\r\n') + '\r\n';
}

/** An in-memory file delivered in small chunks, so values straddle chunk boundaries. */
function memorySource(name: string, text: string): CsvSource {
  const bytes = Buffer.from(text, 'utf8');
  return {
    name,
    async *open() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    },
  };
}

function naiveColumnDrift(a: readonly string[], b: readonly string[]): Record<string, unknown> {
  const count = { baseline: a.length, current: b.length };
  if (a.every(isFiniteNumberText) && b.every(isFiniteNumberText)) {
    const x = a.map(Number);
    const y = b.map(Number);
    const ks = naiveKs(x, y);
    const w = naiveWasserstein(x, y);
    const std = naiveStd(x);
    return {
      type: 'numeric',
      count,
      ks: {
        statistic: ks,
        pValue: bruteForceKolmogorov(Math.sqrt((x.length * y.length) / (x.length + y.length)) * ks),
      },
      wasserstein: w,
      wassersteinNorm: std === 0 ? (w === 0 ? 0 : Infinity) : w / std,
      psi: naivePsi(x, y),
    };
  }
  return { type: 'categorical', count, psi: naiveCategoricalPsi(a, b), jsDistance: naiveJsDistance(a, b) };
}

function expectReportClose(actual: unknown, expected: unknown, path = 'report'): void {
  if (typeof expected === 'number') {
    expectClose(actual as number, expected, path);
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    expect(Object.keys(actual as object)).toEqual(Object.keys(expected));
    for (const [key, value] of Object.entries(expected)) {
      expectReportClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
    return;
  }
  expect(actual).toEqual(expected);
}

describe('driftBetweenCsv against naive drift on the parsed strings', () => {
  it('decides the column types and computes every metric the same way', async () => {
    await fc.assert(
      fc.asyncProperty(table, table, async (baseRows, currentRows) => {
        const base = parseCsvToArrays(toCsv(baseRows)).rows;
        const current = parseCsvToArrays(toCsv(currentRows)).rows;
        const values = (rows: string[][], c: number): string[] => rows.map((row) => row[c]).filter((v) => v !== '');
        const expected: Record<string, unknown> = {};
        ['mixed', 'numbers'].forEach((name, c) => {
          const a = values(base, c);
          const b = values(current, c);
          if (a.length > 0 && b.length > 0) expected[name] = naiveColumnDrift(a, b);
        });
        const columns = Object.keys(expected);
        fc.pre(columns.length > 0);
        const report = await driftBetweenCsv(
          memorySource('base.csv', toCsv(baseRows)),
          memorySource('cur.csv', toCsv(currentRows)),
          {
            thresholds: DEFAULT_DRIFT_THRESHOLDS,
            columns,
          },
        );
        expectReportClose(report.columns, expected);
      }),
      { numRuns: 200 },
    );
  });
});
