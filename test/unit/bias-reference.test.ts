/**
 * Cross-checks the streaming bias module against a naive row-by-row implementation written here from the contract
 * (strings in arrays, one loop per quantity, label distributions over the label *values* as Clarify builds them), on
 * generated datasets of several shapes; and checks that counts of split files merge into the counts of the whole.
 */
import fc from 'fast-check';
import { BiasCounts, type BiasSpec } from '../../lambdas/stats/bias-counts';
import { biasReport, resolveBiasThresholds } from '../../lambdas/stats/bias';
import { parseCsv } from '../../lambdas/stats/csv';
import { InputError } from '../../lambdas/shared/errors';
import { seededRandom as mulberry32 } from '../support/random';

type Row = Record<string, string>;
type Metrics = Record<string, number>;

interface NaiveResult {
  pretraining: Metrics;
  posttraining?: Metrics;
}

function clarifyDivide(a: number, b: number): number {
  if (b === 0 && a === 0) return 0;
  if (b === 0) return a < 0 ? -Infinity : Infinity;
  return a / b;
}

function clarifySubtract(x: number, y: number): number {
  return x === y && (x === Infinity || x === -Infinity) ? 0 : x - y;
}

function countWhere(rows: Row[], test: (row: Row) => boolean): number {
  let count = 0;
  for (const row of rows) if (test(row)) count++;
  return count;
}

function distinct(rows: Row[], column: string): string[] {
  return [...new Set(rows.map((row) => row[column]))].sort();
}

/** Returns undefined where the contract says the input is unusable. */
function naiveBias(all: Row[], spec: BiasSpec): NaiveResult | undefined {
  const positive = spec.positive ?? '1';
  const used = all.filter(
    (row) =>
      row[spec.label] !== '' &&
      row[spec.facet] !== '' &&
      (spec.prediction === undefined || row[spec.prediction] !== '') &&
      (spec.group === undefined || row[spec.group] !== ''),
  );
  for (const column of [spec.label, spec.prediction]) {
    if (column === undefined) continue;
    const values = distinct(used, column);
    if (values.length > 2 || (values.length === 2 && !values.includes(positive))) return undefined;
  }
  const inD = (row: Row) => row[spec.facet] === spec.facetValue;
  const facetA = used.filter((row) => !inD(row));
  const facetD = used.filter(inD);
  if (facetA.length === 0 || facetD.length === 0) return undefined;
  const y = (row: Row) => row[spec.label] === positive;
  const yHat = (row: Row) => spec.prediction !== undefined && row[spec.prediction] === positive;
  const na = facetA.length;
  const nd = facetD.length;

  const pa: number[] = [];
  const pd: number[] = [];
  for (const value of distinct(used, spec.label)) {
    const shareA = countWhere(facetA, (row) => row[spec.label] === value) / na;
    const shareD = countWhere(facetD, (row) => row[spec.label] === value) / nd;
    if (shareA > 0 && shareD > 0) {
      pa.push(shareA);
      pd.push(shareD);
    }
  }
  const shared = pa.length > 0;
  let kl = 0;
  let js = 0;
  let squares = 0;
  let absolute = 0;
  let largest = 0;
  for (let i = 0; i < pa.length; i++) {
    const mixture = (pa[i] + pd[i]) / 2;
    kl += pa[i] * Math.log(pa[i] / pd[i]);
    js += 0.5 * (pa[i] * Math.log(pa[i] / mixture) + pd[i] * Math.log(pd[i] / mixture));
    squares += (pa[i] - pd[i]) ** 2;
    absolute += Math.abs(pa[i] - pd[i]);
    largest = Math.max(largest, Math.abs(pa[i] - pd[i]));
  }

  const conditional = (positiveOf: (row: Row) => boolean) => {
    let weighted = 0;
    let total = 0;
    for (const group of distinct(used, spec.group ?? '')) {
      const rows = used.filter((row) => row[spec.group ?? ''] === group);
      const accepted = countWhere(rows, positiveOf);
      const rejected = rows.length - accepted;
      const acceptedD = countWhere(rows, (row) => positiveOf(row) && inD(row));
      const rejectedD = countWhere(rows, (row) => !positiveOf(row) && inD(row));
      const dShare = rejected === 0 ? 0 : rejectedD / rejected;
      const aShare = accepted === 0 ? 0 : acceptedD / accepted;
      weighted += rows.length * (dShare - aShare);
      total += rows.length;
    }
    return weighted / total;
  };

  const pretraining: Metrics = {
    CI: (na - nd) / (na + nd),
    DPL: countWhere(facetA, y) / na - countWhere(facetD, y) / nd,
    KL: shared ? kl : NaN,
    JS: shared ? js : NaN,
    LP: shared ? Math.sqrt(squares) : NaN,
    TVD: shared ? absolute / 2 : NaN,
    KS: shared ? largest : NaN,
  };
  if (spec.group !== undefined) pretraining.CDDL = conditional(y);
  if (spec.prediction === undefined) return { pretraining };

  const confusion = (rows: Row[]) => ({
    tp: countWhere(rows, (row) => y(row) && yHat(row)),
    fp: countWhere(rows, (row) => !y(row) && yHat(row)),
    fn: countWhere(rows, (row) => y(row) && !yHat(row)),
    tn: countWhere(rows, (row) => !y(row) && !yHat(row)),
    labelled: countWhere(rows, y),
    predicted: countWhere(rows, yHat),
  });
  const ca = confusion(facetA);
  const cd = confusion(facetD);
  const benefits = used.map((row) => Number(yHat(row)) - Number(y(row)) + 1);
  const meanBenefit = benefits.reduce((sum, b) => sum + b, 0) / benefits.length;
  let entropy = 0;
  for (const b of benefits) entropy += (b / meanBenefit) ** 2 - 1;
  const accuracies = distinct(used, spec.facet).map((value) => {
    const rows = used.filter((row) => row[spec.facet] === value);
    return countWhere(rows, (row) => y(row) === yHat(row)) / rows.length;
  });
  const posttraining: Metrics = {
    DPPL: ca.predicted / na - cd.predicted / nd,
    DI: clarifyDivide(cd.predicted / nd, ca.predicted / na),
    DCA: clarifySubtract(clarifyDivide(ca.labelled, ca.predicted), clarifyDivide(cd.labelled, cd.predicted)),
    DCR: clarifySubtract(
      clarifyDivide(nd - cd.labelled, nd - cd.predicted),
      clarifyDivide(na - ca.labelled, na - ca.predicted),
    ),
    RD: clarifyDivide(ca.tp, ca.tp + ca.fn) - clarifyDivide(cd.tp, cd.tp + cd.fn),
    SD: clarifyDivide(cd.tn, cd.tn + cd.fp) - clarifyDivide(ca.tn, ca.tn + ca.fp),
    DAR: clarifyDivide(ca.tp, ca.tp + ca.fp) - clarifyDivide(cd.tp, cd.tp + cd.fp),
    DRR: clarifyDivide(cd.tn, cd.tn + cd.fn) - clarifyDivide(ca.tn, ca.tn + ca.fn),
    AD: (ca.tp + ca.tn) / na - (cd.tp + cd.tn) / nd,
    TE: clarifySubtract(clarifyDivide(cd.fn, cd.fp), clarifyDivide(ca.fn, ca.fp)),
    GE: meanBenefit === 0 ? NaN : entropy / (2 * benefits.length),
    AccuracyGap: Math.max(...accuracies) - Math.min(...accuracies),
  };
  if (spec.group !== undefined) posttraining.CDDPL = conditional(yHat);
  return { pretraining, posttraining };
}

interface Shape {
  /** Facet values drawn uniformly from this list; repeats make it imbalanced. */
  facets: string[];
  groups: string[];
  /** Label values [negative, positive]. */
  labels: [string, string];
  labelRate: number;
  /** Facet d's own positive rate, e.g. 1 for an all-positive facet. */
  labelRateD: number;
  prediction: 'noisy' | 'constant-negative' | 'constant-positive' | 'copy' | 'absent';
  withGroup: boolean;
  missingRate: number;
  size: number;
  seed: number;
}

const shapes: fc.Arbitrary<Shape> = fc.record({
  facets: fc.constantFrom(
    ['F', 'M'],
    ['F', 'M', 'M', 'M', 'M', 'M', 'M', 'M', 'M', 'X'],
    ['F', 'F', 'F', 'F', 'M'],
    ['F', 'M', 'X', 'non-binary, other', 'say "no"'],
  ),
  groups: fc.constantFrom(['g'], ['g1', 'g2'], ['a', 'b', 'c', 'd', 'e']),
  labels: fc.constantFrom<[string, string]>(['0', '1'], ['no', 'yes']),
  labelRate: fc.constantFrom(0, 0.1, 0.5, 0.9, 1),
  labelRateD: fc.constantFrom(-1, 0, 0.3, 1),
  prediction: fc.constantFrom('noisy', 'constant-negative', 'constant-positive', 'copy', 'absent'),
  withGroup: fc.boolean(),
  missingRate: fc.constantFrom(0, 0, 0.05),
  size: fc.integer({ min: 1, max: 400 }),
  seed: fc.integer(),
});

function generate(shape: Shape): { header: string[]; rows: Row[]; spec: BiasSpec } {
  const random = mulberry32(shape.seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  const maybeMissing = (value: string) => (random() < shape.missingRate ? '' : value);
  const rows: Row[] = [];
  for (let i = 0; i < shape.size; i++) {
    const facet = pick(shape.facets);
    const rate = facet === 'F' && shape.labelRateD >= 0 ? shape.labelRateD : shape.labelRate;
    const label = random() < rate ? shape.labels[1] : shape.labels[0];
    const prediction =
      shape.prediction === 'constant-negative'
        ? shape.labels[0]
        : shape.prediction === 'constant-positive'
          ? shape.labels[1]
          : shape.prediction === 'copy'
            ? label
            : random() < 0.2
              ? shape.labels[label === shape.labels[1] ? 0 : 1]
              : label;
    rows.push({
      id: String(i),
      facet: maybeMissing(facet),
      group: maybeMissing(pick(shape.groups)),
      label: maybeMissing(label),
      prediction: maybeMissing(prediction),
    });
  }
  const spec: BiasSpec = {
    label: 'label',
    facet: 'facet',
    facetValue: 'F',
    positive: shape.labels[1],
    ...(shape.prediction !== 'absent' && { prediction: 'prediction' }),
    ...(shape.withGroup && { group: 'group' }),
  };
  return { header: ['id', 'facet', 'group', 'label', 'prediction'], rows, spec };
}

function toCsv(header: string[], rows: Row[]): string {
  const field = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return [header.join(','), ...rows.map((row) => header.map((column) => field(row[column])).join(','))].join('\r\n');
}

function count(csv: string, spec: BiasSpec): BiasCounts {
  const counts = new BiasCounts(spec);
  parseCsv(csv, counts);
  return counts;
}

function expectSameMetric(name: string, actual: number | undefined, expected: number): void {
  if (actual === undefined) throw new Error(`${name} is missing`);
  if (Number.isNaN(expected) || !Number.isFinite(expected)) {
    expect({ name, value: actual }).toEqual({ name, value: expected });
    return;
  }
  if (!(Math.abs(actual - expected) <= 1e-9)) throw new Error(`${name}: ${actual} differs from ${expected}`);
}

describe('bias metrics against a naive row-by-row implementation', () => {
  it('agree to 1e-9 on generated datasets of many shapes', () => {
    let compared = 0;
    fc.assert(
      fc.property(shapes, (shape) => {
        const { header, rows, spec } = generate(shape);
        const expected = naiveBias(rows, spec);
        const counts = count(toCsv(header, rows), spec);
        const gate = { thresholds: resolveBiasThresholds(spec) };
        if (expected === undefined) {
          expect(() => biasReport(counts, gate)).toThrow(InputError);
          return;
        }
        const report = biasReport(counts, gate);
        compared++;
        expect(Object.keys(report.pretraining)).toEqual(Object.keys(expected.pretraining));
        for (const [name, value] of Object.entries(expected.pretraining)) {
          expectSameMetric(name, report.pretraining[name as keyof typeof report.pretraining], value);
        }
        expect(report.posttraining === undefined).toBe(expected.posttraining === undefined);
        if (report.posttraining && expected.posttraining) {
          expect(Object.keys(report.posttraining).sort()).toEqual(Object.keys(expected.posttraining).sort());
          for (const [name, value] of Object.entries(expected.posttraining)) {
            expectSameMetric(name, report.posttraining[name as keyof typeof report.posttraining], value);
          }
        }
        const skipped = rows.length - report.counts.facetA - report.counts.facetD;
        expect(report.counts.skippedRows).toBe(skipped);
      }),
      { numRuns: 400, seed: 20240611 },
    );
    expect(compared).toBeGreaterThan(200);
  });
});

describe('merging counts', () => {
  it('counts of two parts merged equal the counts of the whole, in either order', () => {
    fc.assert(
      fc.property(shapes, fc.double({ min: 0, max: 1, noNaN: true }), (shape, cut) => {
        const { header, rows, spec } = generate(shape);
        const at = Math.floor(cut * rows.length);
        const whole = count(toCsv(header, rows), spec);
        const first = count(toCsv(header, rows.slice(0, at)), spec);
        const second = count(toCsv(header, rows.slice(at)), spec);
        const reversed = count(toCsv(header, rows.slice(at)), spec);
        reversed.merge(count(toCsv(header, rows.slice(0, at)), spec));
        first.merge(second);
        let table;
        try {
          table = whole.table();
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
          expect(() => first.table()).toThrow((error as Error).message);
          return;
        }
        expect(first.table()).toEqual(table);
        expect(reversed.table()).toEqual(table);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('finds a non-binary label that only the merged parts reveal', () => {
    const spec: BiasSpec = { label: 'y', facet: 's', facetValue: 'F' };
    const first = count('s,y\nF,0\nM,1\n', spec);
    first.merge(count('s,y\nF,2\nM,1\n', spec));
    expect(() => first.table()).toThrow(
      'Label column "y" has 3 distinct values (0, 1, 2); bias metrics need a binary label.',
    );
  });

  it('refuses counts of a different spec', () => {
    const first = count('s,y\nF,0\n', { label: 'y', facet: 's', facetValue: 'F' });
    expect(() => first.merge(count('s,y\nF,0\n', { label: 'y', facet: 's', facetValue: 'M' }))).toThrow(/merged/);
  });
});
