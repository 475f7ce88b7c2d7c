/**
 * `Moments`: the mean against the exact mean of the doubles (BigInt fixed point, relative error ≤ 1e-12, CONTRACTS.md),
 * the sample standard deviation against a two-pass computation (≤ 1e-10 relative), and merges of parts against one pass.
 */
import fc from 'fast-check';
import { Moments } from '../../lambdas/stats/moments';
import { seededRandom } from '../support/random';

const doubleView = new DataView(new ArrayBuffer(8));

/** A double as an integer in units of 2^-1074, so sums of any doubles are exact. */
function toFixedPoint(x: number): bigint {
  const [mantissa, shift] = decompose(x);
  return BigInt(mantissa) << BigInt(shift);
}

/** x = mantissa · 2^(shift − 1074) with an integer mantissa below 2^53 in magnitude. */
function decompose(x: number): [number, number] {
  doubleView.setFloat64(0, x);
  const high = doubleView.getUint32(0);
  const low = doubleView.getUint32(4);
  const exponent = (high >>> 20) & 0x7ff;
  const fraction = (high & 0xfffff) * 2 ** 32 + low;
  const mantissa = exponent === 0 ? fraction : fraction + 2 ** 52;
  return [high >>> 31 === 1 ? -mantissa : mantissa, Math.max(exponent, 1) - 1];
}

/** The exact sum of doubles in units of 2^-1074 (mantissas summed per exponent first, which keeps BigInts small). */
function exactSum(values: readonly number[]): bigint {
  const byShift = new Map<number, bigint>();
  for (const x of values) {
    const [mantissa, shift] = decompose(x);
    byShift.set(shift, (byShift.get(shift) ?? 0n) + BigInt(mantissa));
  }
  let sum = 0n;
  for (const [shift, mantissas] of byShift) sum += mantissas << BigInt(shift);
  return sum;
}

function bitLength(value: bigint): number {
  return value.toString(2).length;
}

/** `numerator / denominator × 2^exponent2` rounded to a double (within an ulp). */
function ratioToNumber(numerator: bigint, denominator: bigint, exponent2: number): number {
  if (numerator === 0n) return 0;
  const negative = numerator < 0n !== denominator < 0n;
  const a = numerator < 0n ? -numerator : numerator;
  const b = denominator < 0n ? -denominator : denominator;
  const shift = 80 - (bitLength(a) - bitLength(b));
  const quotient = shift >= 0 ? (a << BigInt(shift)) / b : a / (b << BigInt(-shift));
  let value = Number(quotient);
  let exponent = exponent2 - shift;
  while (exponent !== 0) {
    const step = Math.max(-600, Math.min(600, exponent));
    value *= 2 ** step;
    exponent -= step;
  }
  return negative ? -value : value;
}

/** The mean of the doubles, exactly, then rounded. */
function exactMean(values: readonly number[]): number {
  return ratioToNumber(exactSum(values), BigInt(values.length), -1074);
}

/**
 * The corrected two-pass algorithm (Chan, Golub, LeVeque 1983): Σ(x − m)² − (Σ(x − m))²/n around the rounded exact mean
 * m, with a compensated sum of squares and the correction term summed exactly, so the reference itself is good to
 * about 1e-15 even when the mean is far from zero (a plain two-pass loses (m − mean)²·n to the rounding of m).
 */
function twoPassSampleStd(values: readonly number[]): number {
  const mean = exactMean(values);
  // Deviations scaled by a power of two (exact) so their squares stay normal numbers even for subnormal data.
  const largest = Math.max(...values.map((x) => Math.abs(x - mean)));
  const scale = largest === 0 ? 1 : 2 ** Math.min(1000, Math.max(-1000, -Math.floor(Math.log2(largest))));
  let squares = 0;
  let compensation = 0;
  for (const x of values) {
    const square = ((x - mean) * scale) ** 2;
    const t = squares + square;
    compensation += Math.abs(squares) >= square ? squares - t + square : square - t + squares;
    squares = t;
  }
  const residual = exactSum(values) - BigInt(values.length) * toFixedPoint(mean);
  const deviationSum = ratioToNumber(residual, 1n, -1074) * scale;
  return (
    Math.sqrt((squares + compensation - (deviationSum * deviationSum) / values.length) / (values.length - 1)) / scale
  );
}

function relativeError(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

function momentsOf(values: readonly number[]): Moments {
  const moments = new Moments();
  for (const x of values) moments.add(x);
  return moments;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

interface Reference {
  readonly count: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

function reference(values: readonly number[]): Reference {
  const [min, max] = values.reduce(([lo, hi], x) => [Math.min(lo, x), Math.max(hi, x)], [Infinity, -Infinity]);
  return {
    count: values.length,
    mean: exactMean(values),
    std: values.length < 2 ? NaN : twoPassSampleStd(values),
    min,
    max,
  };
}

function expectMoments(expected: Reference, moments: Moments): void {
  expect(moments.count).toBe(expected.count);
  expect(relativeError(moments.mean, expected.mean)).toBeLessThanOrEqual(1e-12);
  if (expected.count >= 2) {
    if (expected.std === 0) expect(moments.sampleStd).toBe(0);
    else expect(relativeError(moments.sampleStd, expected.std)).toBeLessThanOrEqual(1e-10);
  }
  expect(moments.min === expected.min && moments.max === expected.max).toBe(true);
}

const random = seededRandom(20240601);

/** Named data sets of 1k–100k values: easy, ill-conditioned, offset, heavy-tailed. */
const DATA_SETS: Record<string, () => number[]> = {
  'uniform 0..1': () => Array.from({ length: 100_000 }, () => random()),
  'six decimals, mixed signs': () => Array.from({ length: 100_000 }, () => Number((random() * 2e6 - 1e6).toFixed(6))),
  'constant 0.1': () => new Array<number>(100_000).fill(0.1),
  '1e16, 1, -1e16 shuffled': () =>
    shuffle(
      Array.from({ length: 60_000 }, (_, i) => [1e16, 1, -1e16][i % 3]),
      random,
    ),
  'large cancelling pairs with small residue': () =>
    shuffle(
      Array.from({ length: 100_000 }, (_, i) => {
        const big = (random() + 1) * 10 ** (12 + Math.floor(random() * 6));
        return i % 2 === 0 ? big : -big + random();
      }),
      random,
    ),
  'epoch seconds (1.7e9 ± 100)': () => Array.from({ length: 100_000 }, () => 1.7e9 + Math.round(random() * 200 - 100)),
  'offset 1e9, spread 1': () => Array.from({ length: 100_000 }, () => 1e9 + random()),
  'offset 1e15, spread 10': () => Array.from({ length: 50_000 }, () => 1e15 + random() * 10),
  'outlier first, then offset 1e9': () => [0, ...Array.from({ length: 100_000 }, () => 1e9 + random())],
  'Cauchy (heavy tails)': () => Array.from({ length: 100_000 }, () => Math.tan(Math.PI * (random() - 0.5))),
  'ascending integers': () => Array.from({ length: 100_000 }, (_, i) => i),
  'descending powers of two': () => Array.from({ length: 1000 }, (_, i) => 2 ** (500 - i)),
};

describe('Moments', () => {
  it('is empty-safe: NaN mean and std, min/max at ±Infinity', () => {
    const moments = new Moments();
    expect(moments.count).toBe(0);
    expect(moments.mean).toBeNaN();
    expect(moments.sampleStd).toBeNaN();
    expect(moments.populationStd).toBeNaN();
    moments.add(4);
    expect(moments.mean).toBe(4);
    expect(moments.sampleStd).toBeNaN();
    expect(moments.populationStd).toBe(0);
  });

  it('computes a small case by hand', () => {
    const moments = momentsOf([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(moments.mean).toBe(5);
    expect(moments.populationStd).toBe(2);
    expect(moments.sampleStd).toBeCloseTo(Math.sqrt(32 / 7), 15);
    expect([moments.min, moments.max]).toEqual([2, 9]);
  });

  it.each(Object.keys(DATA_SETS))('matches the exact mean and the two-pass std on %s', (name) => {
    const values = DATA_SETS[name]();
    expectMoments(reference(values), momentsOf(values));
  });

  it('gets the mean of 1e16, 1, -1e16 right where naive summation returns 0', () => {
    const values = [1e16, 1, -1e16, 1e16, 1, -1e16];
    expect(values.reduce((a, b) => a + b) / values.length).not.toBe(1 / 3);
    expect(momentsOf(values).mean).toBe(1 / 3);
  });

  it('matches exact mean and two-pass std on random arrays of doubles', () => {
    fc.assert(
      fc.property(
        // Magnitudes kept where squared deviations cannot underflow in the reference.
        fc.array(
          fc.double({ min: -1e12, max: 1e12, noNaN: true }).filter((x) => x === 0 || Math.abs(x) > 1e-60),
          { minLength: 1, maxLength: 300 },
        ),
        fc.integer({ min: -150, max: 150 }),
        (values, scale) => {
          const scaled = values.map((x) => x * 2 ** scale);
          fc.pre(scaled.every(Number.isFinite) && exactMean(scaled) !== 0);
          expectMoments(reference(scaled), momentsOf(scaled));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('merging the moments of 2..8 parts equals one pass (mean 1e-12, std 1e-10), empty parts included', () => {
    for (const name of Object.keys(DATA_SETS)) {
      const values = DATA_SETS[name]().slice(0, 20_000);
      const expected = reference(values);
      for (let parts = 2; parts <= 8; parts++) {
        const cuts = [
          0,
          ...Array.from({ length: parts - 1 }, () => Math.floor(random() * values.length)).sort((a, b) => a - b),
          values.length,
        ];
        const merged = new Moments();
        for (let p = 0; p < parts; p++) {
          merged.merge(momentsOf(values.slice(cuts[p], cuts[p + 1])));
          merged.merge(new Moments());
        }
        expectMoments(expected, merged);
      }
    }
  });

  it('merges a part of tiny spread into a part without spread (a case fast-check found)', () => {
    // Keeping the zero part's scale flushed the other part's M2 and the distance between them to zero.
    const tiny = 1.3198340665566424e-301;
    for (const [left, right] of [
      [[0, tiny], [0]],
      [[0], [0, tiny]],
      [[5e300, -5e300], [tiny]],
    ]) {
      const merged = momentsOf(right);
      merged.merge(momentsOf(left));
      expectMoments(reference([...left, ...right]), merged);
    }
  });

  it('merges in any tree shape', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 40 }), {
          minLength: 1,
          maxLength: 8,
        }),
        (parts) => {
          const values = parts.flat();
          fc.pre(values.length > 0 && exactMean(values) !== 0);
          // ((p0 + p1) + (p2 + p3)) … folded pairwise, then the rest from the right.
          let level = parts.map(momentsOf);
          while (level.length > 1) {
            const next: Moments[] = [];
            for (let i = 0; i < level.length; i += 2) {
              if (i + 1 < level.length) level[i + 1].merge(level[i]);
              next.push(level[i + 1] ?? level[i]);
            }
            level = next;
          }
          expectMoments(reference(values), level[0]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('mean under catastrophic cancellation', () => {
  it('keeps the exact result when large terms cancel down to a tiny remainder', () => {
    // Found by the property above: a compensated (Neumaier) sum returns 0 here, an error of 100 %.
    const values = [
      -999999999999.9978, -999999999999.9977, 999999999999.9978, 999999999999.9977, -1.0000000000000001e-60,
    ];
    const moments = new Moments();
    for (const value of values) moments.add(value);
    expect(moments.mean).toBe(-1.0000000000000001e-60 / 5);
  });
});

describe('standard deviation at the ends of the double range', () => {
  const twoPoint = (a: number, b: number) => {
    const moments = new Moments();
    moments.add(a);
    moments.add(b);
    return moments.sampleStd;
  };

  it('keeps full precision when the squared deviations would underflow', () => {
    // Found by the merge property: without scaling, (1.35e-161)² is subnormal and the std is 2.7 % off.
    const x = 1.3520513635260358e-161;
    expect(Math.abs(twoPoint(0, x) - x / Math.SQRT2) / (x / Math.SQRT2)).toBeLessThan(1e-15);
  });

  it('keeps full precision when the squared deviations would overflow', () => {
    const x = 1e200;
    expect(Math.abs(twoPoint(-x, x) - x * Math.SQRT2) / (x * Math.SQRT2)).toBeLessThan(1e-15);
  });

  it('merges parts that were scaled differently', () => {
    const tiny = new Moments();
    tiny.add(0);
    tiny.add(1e-161);
    const large = new Moments();
    large.add(1);
    large.add(3);
    tiny.merge(large);
    const values = [0, 1e-161, 1, 3];
    const mean = 1;
    const expected = Math.sqrt(values.reduce((total, v) => total + (v - mean) ** 2, 0) / 3);
    expect(Math.abs(tiny.sampleStd - expected) / expected).toBeLessThan(1e-15);
  });
});
