/**
 * Distinct counting: the HyperLogLog `DistinctSketch` (±1 below 100 values, within 5 % from 1e3 to 1e5, merge = union),
 * the exact `ByteDictionary` against a `Map`, and `CategoricalProfile`, which switches from the dictionary to the
 * sketch past MAX_TRACKED_CATEGORIES and must still count the union when profiles of parts are merged.
 */
import fc from 'fast-check';
import { ByteDictionary } from '../../lambdas/stats/byte-dictionary';
import { CategoricalProfile, MAX_TRACKED_CATEGORIES } from '../../lambdas/stats/column-profile';
import { DistinctSketch } from '../../lambdas/stats/distinct-sketch';

function keys(prefix: string, from: number, to: number): Buffer[] {
  return Array.from({ length: to - from }, (_, i) => Buffer.from(`${prefix}${from + i}`, 'utf8'));
}

function sketchOf(items: readonly Buffer[], salt = ''): DistinctSketch {
  const sketch = new DistinctSketch(salt);
  for (const item of items) sketch.add(item, 0, item.length);
  return sketch;
}

function relativeError(estimate: number, n: number): number {
  return Math.abs(estimate - n) / n;
}

const KEY_FORMATS: readonly ((i: number) => string)[] = [
  (i) => `user-${i}@example.com`,
  (i) => String(i),
  (i) => `${(i * 2654435761) >>> 0}`.padStart(10, '0'),
  (i) => `Ωμέγα ${i} 東京`,
];

describe('DistinctSketch', () => {
  it('estimates 0 when empty and ignores repeated values', () => {
    expect(new DistinctSketch().estimate()).toBe(0);
    const items = keys('k', 0, 500);
    const once = sketchOf(items);
    const thrice = sketchOf([...items, ...items, ...items]);
    expect(thrice.registers).toEqual(once.registers);
    expect(thrice.estimate()).toBe(once.estimate());
  });

  it('is exact to ±1 below 100 distinct values, for every size and several key formats and salts', () => {
    for (const format of KEY_FORMATS) {
      for (const salt of ['', 'pepper', 'a1b2c3']) {
        const sketch = new DistinctSketch(salt);
        for (let n = 1; n < 100; n++) {
          const item = Buffer.from(format(n), 'utf8');
          sketch.add(item, 0, item.length);
          const estimate = sketch.estimate();
          if (Math.abs(estimate - n) > 1) throw new Error(`${format(0)} salt "${salt}": ${estimate} for ${n} values`);
        }
      }
    }
  });

  /** Adds `items` in order and reads the estimate whenever the count reaches a checkpoint. */
  function estimatesAt(items: readonly Buffer[], salt: string, checkpoints: readonly number[]): number[] {
    const sketch = new DistinctSketch(salt);
    const estimates: number[] = [];
    items.forEach((item, i) => {
      sketch.add(item, 0, item.length);
      if (checkpoints.includes(i + 1)) estimates.push(sketch.estimate());
    });
    return estimates;
  }

  it('is within 5 % from 1e3 to 1e5 distinct values (four key formats and salts)', () => {
    const checkpoints = [1000, 2000, 5000, 8000, 10_000, 12_000, 15_000, 20_000, 30_000, 50_000, 75_000, 100_000];
    KEY_FORMATS.forEach((format, f) => {
      const salt = ['', 'pepper', 'a1b2c3', 'x'][f];
      const items = Array.from({ length: 100_000 }, (_, i) => Buffer.from(format(i), 'utf8'));
      estimatesAt(items, salt, checkpoints).forEach((estimate, i) => {
        const n = checkpoints[i];
        if (relativeError(estimate, n) > 0.05) throw new Error(`${format(0)} salt "${salt}": ${estimate} for ${n}`);
      });
    });
  });

  it('has no error bump where small-range and large-range estimates meet (RMS error over 20 salts ≤ 2 %)', () => {
    // Classic HyperLogLog switches from linear counting to its raw estimate at 2.5 × 4096 ≈ 10k values, where its
    // RMS error reached 2.9 % (against 1.6 % elsewhere).
    const checkpoints = [8000, 10_000, 11_000, 12_000, 14_000];
    const items = keys('v', 0, 14_000);
    const squares = checkpoints.map(() => 0);
    for (let salt = 0; salt < 20; salt++) {
      estimatesAt(items, `s${salt}`, checkpoints).forEach((estimate, i) => {
        squares[i] += relativeError(estimate, checkpoints[i]) ** 2;
      });
    }
    for (const sum of squares) expect(Math.sqrt(sum / 20)).toBeLessThanOrEqual(0.02);
  });

  it('merges to exactly the sketch of the union (2..8 overlapping parts)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(20_000), fc.nat(3000)), { minLength: 2, maxLength: 8 }),
        fc.constantFrom('', 'salt'),
        (ranges, salt) => {
          const parts = ranges.map(([from, length]) => keys('u', from, from + length));
          const merged = new DistinctSketch(salt);
          for (const part of parts) merged.merge(sketchOf(part, salt));
          const union = sketchOf(parts.flat(), salt);
          expect(merged.registers).toEqual(union.registers);
          const distinct = new Set(parts.flat().map((item) => item.toString())).size;
          if (distinct >= 1000) expect(relativeError(merged.estimate(), distinct)).toBeLessThanOrEqual(0.05);
          else expect(Math.abs(merged.estimate() - distinct)).toBeLessThanOrEqual(Math.max(1, distinct * 0.05));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('refuses to merge sketches with different salts, and the salt changes what is stored', () => {
    const items = keys('x', 0, 2000);
    expect(() => sketchOf(items, 'a').merge(sketchOf(items, 'b'))).toThrow(/salt/);
    expect(sketchOf(items, 'a').registers).not.toEqual(sketchOf(items, 'b').registers);
  });

  it('hashes only bytes[start, end)', () => {
    const whole = Buffer.from('xxabcdyy');
    const inside = new DistinctSketch();
    inside.add(whole, 2, 6);
    expect(inside.registers).toEqual(sketchOf([Buffer.from('abcd')]).registers);
  });
});

describe('ByteDictionary', () => {
  it('counts like a Map keyed by the decoded strings, with dense first-seen ids', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 6 }), { maxLength: 400 }), (values) => {
        const dictionary = new ByteDictionary();
        const expected = new Map<string, number>();
        for (const value of values) {
          const bytes = Buffer.from(`#${value}#`, 'utf8');
          const id = dictionary.add(bytes, 1, bytes.length - 1);
          if (!expected.has(value)) expect(id).toBe(expected.size);
          expected.set(value, (expected.get(value) ?? 0) + 1);
        }
        expect(dictionary.size).toBe(expected.size);
        expect(dictionary.entries()).toEqual([...expected.entries()]);
        for (const [value, count] of expected) {
          const bytes = Buffer.from(value, 'utf8');
          const id = dictionary.find(bytes, 0, bytes.length);
          expect(dictionary.key(id)).toBe(value);
          expect(dictionary.count(id)).toBe(count);
        }
        expect(dictionary.find(Buffer.from('\u{10FFFF}never'), 0, 9)).toBe(-1);
      }),
      { numRuns: 100 },
    );
  });

  it('grows to 100k keys and merges by key', () => {
    const a = new ByteDictionary();
    const b = new ByteDictionary();
    for (let i = 0; i < 100_000; i++) a.addText(`k${i}`);
    for (let i = 50_000; i < 150_000; i++) b.addText(`k${i}`, 2);
    a.merge(b);
    expect(a.size).toBe(150_000);
    expect(a.count(a.find(Buffer.from('k0'), 0, 2))).toBe(1);
    expect(a.count(a.find(Buffer.from('k50000'), 0, 6))).toBe(3);
    expect(a.count(a.find(Buffer.from('k149999'), 0, 7))).toBe(2);
    expect(a.key(0)).toBe('k0');
    expect(a.key(149_999)).toBe('k149999');
  });
});

describe('CategoricalProfile distinct counts', () => {
  function profileOf(prefix: string, from: number, to: number): CategoricalProfile {
    const profile = new CategoricalProfile();
    for (const item of keys(prefix, from, to)) profile.add(item, 0, item.length);
    return profile;
  }

  it('counts exactly up to MAX_TRACKED_CATEGORIES and estimates (flagged) past it', () => {
    expect(profileOf('c', 0, 1000).toJSON()).toMatchObject({ count: 1000, distinct: 1000 });
    const big = profileOf('c', 0, MAX_TRACKED_CATEGORIES + 20_000).toJSON();
    expect(big.count).toBe(MAX_TRACKED_CATEGORIES + 20_000);
    expect(big.distinctEstimated).toBe(true);
    expect(relativeError(big.distinct, MAX_TRACKED_CATEGORIES + 20_000)).toBeLessThanOrEqual(0.05);
  });

  it.each([
    [
      'overflowed + small',
      [0, MAX_TRACKED_CATEGORIES + 1],
      [MAX_TRACKED_CATEGORIES + 1, MAX_TRACKED_CATEGORIES + 30_001],
    ],
    ['small + overflowed', [0, 30_000], [30_000, MAX_TRACKED_CATEGORIES + 30_001]],
    ['two halves that overflow only together', [0, 60_000], [60_000, 120_000]],
  ])('merges the distinct count of the union (%s)', (_name, [a0, a1], [b0, b1]) => {
    const merged = profileOf('m', a0, a1);
    merged.merge(profileOf('m', b0, b1));
    const json = merged.toJSON();
    expect(json.count).toBe(a1 - a0 + b1 - b0);
    expect(relativeError(json.distinct, b1 - a0)).toBeLessThanOrEqual(0.05);
  });
});
