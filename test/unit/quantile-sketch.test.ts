/**
 * `QuantileSketch` (KLL): exact numpy-'linear' answers while nothing has been compacted, normalized rank error ≤ 0.01
 * on 200k-value streams of many shapes, and the same bound after merging the sketches of 2..8 parts of a stream.
 *
 * Rank error of an answer v for q: the true rank interval of v is [#(x < v), #(x ≤ v)] / n; the error is the distance
 * from q to that interval (0 when q is inside, as it is for any value tied across q).
 */
import fc from 'fast-check';
import { DEFAULT_SKETCH_K, MAX_EXACT_DISTINCT, QuantileSketch } from '../../lambdas/stats/quantile-sketch';
import { seededRandom } from '../support/random';

/** numpy.quantile(values, q) with the default method 'linear', including numpy's two-sided `_lerp`. */
function numpyLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1];
  if (virtual < 0) return sorted[0];
  const previous = Math.floor(virtual);
  const gamma = virtual - previous;
  const a = sorted[previous];
  const b = sorted[previous + 1];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** First index whose value is not below `v` (or above it, with `orEqual`). */
function bisect(sorted: Float64Array, v: number, orEqual: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v || (orEqual && sorted[mid] === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function rankError(sorted: Float64Array, q: number, v: number): number {
  const n = sorted.length;
  const below = bisect(sorted, v, false) / n;
  const atOrBelow = bisect(sorted, v, true) / n;
  return q < below ? below - q : q > atOrBelow ? q - atOrBelow : 0;
}

const PERCENTILES = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

/** Largest rank error of the sketch's answers for q = 0.01 … 0.99. */
function worstRankError(sketch: QuantileSketch, sorted: Float64Array): number {
  const answers = sketch.quantiles(PERCENTILES);
  return Math.max(...answers.map((v, i) => rankError(sorted, PERCENTILES[i], v)));
}

function sketchOf(values: ArrayLike<number>, seed?: number): QuantileSketch {
  const sketch = seed === undefined ? new QuantileSketch() : new QuantileSketch(DEFAULT_SKETCH_K, seed);
  for (let i = 0; i < values.length; i++) sketch.add(values[i]);
  return sketch;
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

const N = 200_000;
const random = seededRandom(31337);

const SHAPES: Record<string, () => Float64Array> = {
  uniform: () => Float64Array.from({ length: N }, () => random()),
  'sorted ascending': () => Float64Array.from({ length: N }, (_, i) => i),
  'sorted descending': () => Float64Array.from({ length: N }, (_, i) => N - i),
  'heavy tails (Cauchy)': () => Float64Array.from({ length: N }, () => Math.tan(Math.PI * (random() - 0.5))),
  'log-normal': () =>
    Float64Array.from({ length: N }, () =>
      Math.exp(8 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())),
    ),
  'many ties (12 values)': () => Float64Array.from({ length: N }, () => Math.floor(random() * 12)),
  'one value 99% of the time': () => Float64Array.from({ length: N }, () => (random() < 0.99 ? 7 : random())),
  'all equal': () => new Float64Array(N).fill(-3.25),
  'sawtooth (sorted runs)': () => Float64Array.from({ length: N }, (_, i) => i % 5000),
  'alternating extremes': () =>
    Float64Array.from({ length: N }, (_, i) => (i % 2 === 0 ? -1e300 : 1e300) * (1 + (i % 1000) / 1000)),
};

describe('QuantileSketch: exact while nothing is compacted', () => {
  it('answers NaN when empty and the value itself for one item', () => {
    const sketch = new QuantileSketch();
    expect(sketch.count).toBe(0);
    expect(sketch.quantile(0.5)).toBeNaN();
    expect(sketch.quantiles([0, 1])).toEqual([NaN, NaN]);
    sketch.add(42);
    expect(sketch.quantiles([0, 0.3, 1])).toEqual([42, 42, 42]);
  });

  it('computes a small case by hand (numpy: [1, 2, 3, 4, 5] → 4.6 at q = 0.9)', () => {
    const sketch = sketchOf([3, 1, 2, 5, 4]);
    expect(sketch.quantiles([0, 0.25, 0.5, 0.75, 1])).toEqual([1, 2, 3, 4, 5]);
    expect(sketch.quantile(0.9)).toBe(4.6);
    expect(sketchOf([10, 20]).quantile(0.25)).toBe(12.5);
  });

  it('equals numpy.quantile(method="linear") bit for bit for up to 1000 values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ min: -1e6, max: 1e6, noNaN: true }),
            fc.integer({ min: -5, max: 5 }),
            fc.double({ min: -1e300, max: 1e300, noNaN: true }),
          ),
          { minLength: 1, maxLength: 1000 },
        ),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (values, qs) => {
          const sketch = sketchOf(values);
          const sorted = sortedCopy(values);
          const all = [...qs, ...PERCENTILES, 0, 1];
          sketch.quantiles(all).forEach((v, i) => {
            const expected = numpyLinear(sorted, all[i]);
            // `===`: bit for bit, except that the sketch does not keep the sign of zero (JSON drops it anyway).
            if (v !== expected) throw new Error(`q=${all[i]} n=${values.length}: ${v} vs numpy ${expected}`);
          });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('stays exact up to k items and across merges whose union stays below k', () => {
    const values = Array.from({ length: DEFAULT_SKETCH_K - 1 }, () => random() * 100);
    const merged = sketchOf(values.slice(0, 300));
    merged.merge(sketchOf(values.slice(300, 700)));
    merged.merge(new QuantileSketch());
    merged.merge(sketchOf(values.slice(700)));
    const sorted = sortedCopy(values);
    expect(merged.count).toBe(values.length);
    expect(merged.quantiles(PERCENTILES)).toEqual(PERCENTILES.map((q) => numpyLinear(sorted, q)));
    expect(sketchOf(values).quantiles(PERCENTILES)).toEqual(PERCENTILES.map((q) => numpyLinear(sorted, q)));
  });
});

describe('QuantileSketch: exact while there are few distinct values', () => {
  it('equals numpy on 200k values with up to MAX_EXACT_DISTINCT distinct values, merged or not', () => {
    const values = Float64Array.from({ length: N }, () => Math.floor(random() * MAX_EXACT_DISTINCT) / 8 - 100);
    const sorted = sortedCopy(values);
    const expected = PERCENTILES.map((q) => numpyLinear(sorted, q));
    expect(sketchOf(values).quantiles(PERCENTILES)).toEqual(expected);
    const merged = sketchOf(values.subarray(0, 1000));
    merged.merge(sketchOf(values.subarray(1000, 150_000)));
    merged.merge(sketchOf(values.subarray(150_000)));
    expect(merged.count).toBe(N);
    expect(merged.quantiles(PERCENTILES)).toEqual(expected);
  });

  it('keeps the count and the rank bound when one more distinct value switches it to KLL, alone or in a merge', () => {
    const values = Float64Array.from({ length: 100_000 }, (_, i) => (i * 7919) % (MAX_EXACT_DISTINCT + 1));
    const sorted = sortedCopy(values);
    const single = sketchOf(values);
    expect(single.count).toBe(values.length);
    expect(worstRankError(single, sorted)).toBeLessThanOrEqual(0.01);
    const exactPart = sketchOf(values.filter((x) => x < MAX_EXACT_DISTINCT));
    const rest = sketchOf(values.filter((x) => x === MAX_EXACT_DISTINCT));
    exactPart.merge(rest);
    expect(exactPart.count).toBe(values.length);
    expect(worstRankError(exactPart, sorted)).toBeLessThanOrEqual(0.01);
  });
});

describe('QuantileSketch: rank error on 200k values', () => {
  it.each(Object.keys(SHAPES))('is at most 0.01 for q = 0.01 … 0.99 on %s', (shape) => {
    const values = SHAPES[shape]();
    const sketch = sketchOf(values);
    expect(sketch.count).toBe(N);
    const sorted = sortedCopy(values);
    expect(worstRankError(sketch, sorted)).toBeLessThanOrEqual(0.01);
    // The extremes are never invented: every answer lies within the data.
    for (const v of sketch.quantiles([0, ...PERCENTILES, 1])) {
      expect(v).toBeGreaterThanOrEqual(sorted[0]);
      expect(v).toBeLessThanOrEqual(sorted[N - 1]);
    }
  });

  it('is at most 0.01 for every seed of the compaction coin (uniform, 30 seeds)', () => {
    const values = SHAPES.uniform().subarray(0, 50_000);
    const sorted = sortedCopy(values);
    let worst = 0;
    for (let seed = 1; seed <= 30; seed++) worst = Math.max(worst, worstRankError(sketchOf(values, seed), sorted));
    expect(worst).toBeLessThanOrEqual(0.01);
  });

  it('gives the same answers for the same input in the same order', () => {
    const values = SHAPES['heavy tails (Cauchy)']().subarray(0, 20_000);
    expect(sketchOf(values).quantiles(PERCENTILES)).toEqual(sketchOf(values).quantiles(PERCENTILES));
  });
});

describe('QuantileSketch: merge', () => {
  it.each(['uniform', 'sorted ascending', 'heavy tails (Cauchy)', 'many ties (12 values)', 'sawtooth (sorted runs)'])(
    'merging sketches of 2..8 parts of %s keeps the union count and the 0.01 bound',
    (shape) => {
      const values = SHAPES[shape]();
      const sorted = sortedCopy(values);
      for (let parts = 2; parts <= 8; parts++) {
        // Uneven cut points, so small (still exact) parts meet compacted ones.
        const cuts = [
          0,
          ...Array.from({ length: parts - 1 }, () => Math.floor(random() ** 2 * N)).sort((a, b) => a - b),
          N,
        ];
        const sketches = Array.from({ length: parts }, (_, p) => sketchOf(values.subarray(cuts[p], cuts[p + 1])));
        const merged = new QuantileSketch();
        for (const sketch of sketches) merged.merge(sketch);
        expect(merged.count).toBe(N);
        expect(worstRankError(merged, sorted)).toBeLessThanOrEqual(0.01);
      }
    },
  );

  it('merges in a balanced tree of 8 sketches with the same guarantees', () => {
    const values = SHAPES['log-normal']();
    const sorted = sortedCopy(values);
    let level = Array.from({ length: 8 }, (_, p) => sketchOf(values.subarray((p * N) / 8, ((p + 1) * N) / 8)));
    while (level.length > 1) {
      const next: QuantileSketch[] = [];
      for (let i = 0; i < level.length; i += 2) {
        level[i].merge(level[i + 1]);
        next.push(level[i]);
      }
      level = next;
    }
    expect(level[0].count).toBe(N);
    expect(worstRankError(level[0], sorted)).toBeLessThanOrEqual(0.01);
  });

  it('does not change the sketch that was merged in', () => {
    const a = sketchOf(SHAPES.uniform().subarray(0, 5000));
    const b = sketchOf(SHAPES.uniform().subarray(0, 3000));
    const before = b.quantiles(PERCENTILES);
    a.merge(b);
    expect(b.count).toBe(3000);
    expect(b.quantiles(PERCENTILES)).toEqual(before);
  });
});
