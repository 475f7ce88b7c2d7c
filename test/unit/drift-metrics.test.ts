/** Hand-computed cases for every drift metric (CONTRACTS.md `warden drift`). */
import { ByteDictionary } from '../../lambdas/stats/byte-dictionary';
import { alignCategories, categoricalDrift } from '../../lambdas/stats/drift-categorical';
import { jensenShannonDistance, populationStabilityIndex } from '../../lambdas/stats/drift-divergence';
import { ecdfDistances } from '../../lambdas/stats/drift-ecdf';
import { histogramCounts, histogramEdges } from '../../lambdas/stats/drift-histogram';
import { kolmogorovSurvival } from '../../lambdas/stats/drift-kolmogorov';
import { numericDrift, populationStd } from '../../lambdas/stats/drift-numeric';

const sorted = (...values: number[]): Float64Array => Float64Array.from(values).sort();

function dictionary(counts: Record<string, number>): ByteDictionary {
  const result = new ByteDictionary();
  for (const [key, count] of Object.entries(counts)) result.addText(key, count);
  return result;
}

describe('ecdfDistances', () => {
  it('is 0 for identical samples', () => {
    expect(ecdfDistances(sorted(1, 2, 2, 5), sorted(1, 2, 2, 5))).toEqual({ ksStatistic: 0, wasserstein: 0 });
  });

  it('gives KS 1 and the gap between means for disjoint samples', () => {
    expect(ecdfDistances(sorted(1, 2), sorted(3, 4))).toEqual({ ksStatistic: 1, wasserstein: 2 });
  });

  it('evaluates the ECDFs after all ties at a value', () => {
    // At 1: F = 2/3, G = 1/3; at 2 both are 1. Stepping through the tie one element at a time would see 1/3 − 0.
    const { ksStatistic, wasserstein } = ecdfDistances(sorted(1, 1, 2), sorted(1, 2, 2));
    expect(ksStatistic).toBe(2 / 3 - 1 / 3);
    expect(wasserstein).toBeCloseTo(1 / 3, 15);
  });

  it('handles single values and one sample inside the other', () => {
    expect(ecdfDistances(sorted(0), sorted(5))).toEqual({ ksStatistic: 1, wasserstein: 5 });
    // F jumps to 1/2 at 0 and 1 at 10; G is 1 from 5: |F − G| = 1/2 on [0, 5), 1/2 on [5, 10).
    expect(ecdfDistances(sorted(0, 10), sorted(5))).toEqual({ ksStatistic: 0.5, wasserstein: 5 });
  });
});

describe('kolmogorovSurvival (scipy kstwobign.sf)', () => {
  // scipy's own values carry up to ~5e-15 error just above its series switch at 0.82.
  it.each([
    [0.2, 0.999999999999495],
    [0.81999, 0.5119875934377724],
    [0.82, 0.5119717052984973],
    [0.82001, 0.5119558173683765],
    [0.5, 0.9639452436648751],
    [1, 0.26999967167735456],
    [1.36, 0.049485876755377876],
    [2, 0.0006709252557796953],
    [3, 3.045995948942526e-8],
  ])('Q(%p) = %p', (lambda, expected) => {
    expect(Math.abs(kolmogorovSurvival(lambda) - expected)).toBeLessThan(1e-14);
  });

  it('is 1 at 0 and below, 0 at infinity, NaN for NaN', () => {
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(-1)).toBe(1);
    expect(kolmogorovSurvival(1e-3)).toBe(1);
    expect(kolmogorovSurvival(Infinity)).toBe(0);
    expect(kolmogorovSurvival(NaN)).toBeNaN();
  });
});

describe('histogram', () => {
  it('computes the edges as numpy linspace does', () => {
    expect(Array.from(histogramEdges(0, 1))).toEqual([
      0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9, 1,
    ]);
  });

  it('widens a degenerate range by 0.5 on each side', () => {
    const edges = histogramEdges(3, 3);
    expect(edges[0]).toBe(2.5);
    expect(edges[10]).toBe(3.5);
  });

  it('puts a value on an edge in the bin it starts and the maximum in the last bin', () => {
    // 0.3 < edge 3 (0.30000000000000004), so it stays in bin 2, exactly as numpy.histogram counts it.
    expect(Array.from(histogramCounts(sorted(0, 0.1, 0.3, 1), histogramEdges(0, 1)))).toEqual([
      1, 1, 1, 0, 0, 0, 0, 0, 0, 1,
    ]);
  });

  it('keeps the bins between coinciding edges empty when the range is a few ulps wide', () => {
    const edges = histogramEdges(1e16, 1e16 + 2);
    const counts = histogramCounts(sorted(1e16, 1e16 + 2), edges);
    expect(counts.reduce((a, b) => a + b)).toBe(2);
    expect(counts[9]).toBe(1);
  });
});

describe('populationStabilityIndex', () => {
  it('is 0 for equal proportions', () => {
    expect(populationStabilityIndex([2, 2], [5, 5])).toBe(0);
  });

  it('sums (p_cur − p_base)·ln(p_cur/p_base)', () => {
    // (0.25 − 0.5)·ln(0.5) + (0.75 − 0.5)·ln(1.5) = 0.25·ln 3
    expect(populationStabilityIndex([2, 2], [1, 3])).toBeCloseTo(0.25 * Math.log(3), 15);
  });

  it('replaces empty proportions by 1e-4', () => {
    const expected = 2 * (1 - 1e-4) * Math.log(1e4);
    expect(populationStabilityIndex([1, 0], [0, 1])).toBeCloseTo(expected, 13);
  });
});

describe('jensenShannonDistance', () => {
  it('is 0 for equal proportions and √ln 2 for disjoint supports', () => {
    expect(jensenShannonDistance([1, 3], [2, 6])).toBe(0);
    expect(jensenShannonDistance([1, 0], [0, 1])).toBe(0.8325546111576977);
  });

  it('matches the definition on a small case', () => {
    // p = (1/2, 1/2), q = (1/4, 3/4), m = (3/8, 5/8)
    const kl = (x: number[], m: number[]): number => x.reduce((sum, xi, i) => sum + xi * Math.log(xi / m[i]), 0);
    const expected = Math.sqrt((kl([0.5, 0.5], [0.375, 0.625]) + kl([0.25, 0.75], [0.375, 0.625])) / 2);
    expect(jensenShannonDistance([2, 2], [1, 3])).toBeCloseTo(expected, 15);
  });
});

describe('numericDrift', () => {
  it('is all zeros for identical samples', () => {
    expect(numericDrift(sorted(1, 2, 3), sorted(1, 2, 3))).toEqual({
      ks: { statistic: 0, pValue: 1 },
      wasserstein: 0,
      wassersteinNorm: 0,
      psi: 0,
    });
  });

  it('normalises the Wasserstein distance by the population standard deviation of the baseline', () => {
    // Baseline {0, 2}: mean 1, population std 1. Shifting it by 1 moves every unit of mass by 1.
    const drift = numericDrift(sorted(0, 2), sorted(1, 3));
    expect(drift.wasserstein).toBe(1);
    expect(drift.wassersteinNorm).toBe(1);
    expect(drift.ks.statistic).toBe(0.5);
    expect(drift.ks.pValue).toBeCloseTo(kolmogorovSurvival(Math.sqrt(1) * 0.5), 15);
  });

  it('divides by a zero standard deviation as the contract divides (0/0 = 0, x/0 = Infinity)', () => {
    expect(numericDrift(sorted(3, 3), sorted(3, 3, 3)).wassersteinNorm).toBe(0);
    expect(numericDrift(sorted(3, 3), sorted(3, 3, 3)).psi).toBe(0);
    const single = numericDrift(sorted(0), sorted(5));
    expect(single.wassersteinNorm).toBe(Infinity);
    expect(single.ks.statistic).toBe(1);
    // Bins of width 0.5: the baseline fills the first, the current sample the last.
    expect(single.psi).toBeCloseTo(18.41883867587797, 12);
  });

  it('computes the population standard deviation (ddof 0)', () => {
    expect(populationStd(sorted(2, 4, 4, 4, 5, 5, 7, 9))).toBe(2);
    expect(populationStd(sorted(7))).toBe(0);
    // A rounded mean would make this about 1.4e-17 (numpy prints that); the constant is recognised instead.
    expect(populationStd(sorted(0.1, 0.1, 0.1))).toBe(0);
  });
});

describe('categoricalDrift', () => {
  it('aligns categories over their union, baseline first', () => {
    const { baseCounts, currentCounts } = alignCategories(dictionary({ a: 2, b: 1 }), dictionary({ c: 4, a: 3 }));
    expect(Array.from(baseCounts)).toEqual([2, 1, 0]);
    expect(Array.from(currentCounts)).toEqual([3, 0, 4]);
  });

  it('is 0 for the same proportions and uses 1e-4 for categories one side lacks', () => {
    expect(categoricalDrift(dictionary({ a: 1, b: 1 }), dictionary({ b: 3, a: 3 }))).toEqual({ psi: 0, jsDistance: 0 });
    const drift = categoricalDrift(dictionary({ a: 1 }), dictionary({ b: 1 }));
    expect(drift.psi).toBeCloseTo(2 * (1 - 1e-4) * Math.log(1e4), 12);
    expect(drift.jsDistance).toBe(Math.sqrt(Math.LN2));
  });
});
