/**
 * Bias metrics on tables small enough to work out by hand. Outcome counts are written {tn, fp, fn, tp}: label class
 * first (n = negative, p = positive), prediction class second.
 */
import type { BiasTable, GroupOutcomes, Outcomes } from '../../lambdas/stats/bias-counts';
import { difference, div } from '../../lambdas/stats/arithmetic';
import { posttrainingMetrics, pretrainingMetrics } from '../../lambdas/stats/bias-metrics';

function outcomes(counts: Partial<Outcomes>): Outcomes {
  return { tn: 0, fp: 0, fn: 0, tp: 0, ...counts };
}

function table(
  a: Partial<Outcomes>,
  d: Partial<Outcomes>,
  extra: { facetValues?: [string, Partial<Outcomes>][]; groups?: [string, GroupOutcomes][] } = {},
): BiasTable {
  const slices = extra.facetValues ?? [
    ['a', a],
    ['d', d],
  ];
  return {
    rows: 0,
    skippedRows: 0,
    predicted: true,
    a: outcomes(a),
    d: outcomes(d),
    facetValues: new Map(slices.map(([value, counts]) => [value, outcomes(counts)])),
    groups: extra.groups && new Map(extra.groups),
  };
}

describe('div and difference', () => {
  it('divides, with 0/0 = 0 and x/0 = ±Infinity', () => {
    expect(div(3, 4)).toBe(0.75);
    expect(div(0, 0)).toBe(0);
    expect(div(2, 0)).toBe(Infinity);
    expect(div(-2, 0)).toBe(-Infinity);
  });

  it('subtracts, with two infinities of the same sign giving 0', () => {
    expect(difference(1, 0.25)).toBe(0.75);
    expect(difference(Infinity, Infinity)).toBe(0);
    expect(difference(-Infinity, -Infinity)).toBe(0);
    expect(difference(Infinity, 1)).toBe(Infinity);
    expect(difference(1, Infinity)).toBe(-Infinity);
    expect(difference(Infinity, -Infinity)).toBe(Infinity);
  });
});

/*
 * The worked example. Facet a = values M and X, facet d = F; two groups g1, g2.
 *
 *            tn fp fn tp | n   n(1) n(0) n̂(1) n̂(0)
 *   a (M+X)   3  3  1  5 | 12   6    6    8    4
 *     M       2  1  0  5 |  8                        accuracy 7/8
 *     X       1  2  1  0 |  4                        accuracy 1/4
 *   d (F)     4  1  2  1 |  8   3    5    2    6     accuracy 5/8
 *
 *   g1: a 1 1 1 3 (6 rows), d 2 0 1 1 (4 rows)      g2: a 2 2 0 2 (6 rows), d 2 1 1 0 (4 rows)
 */
const a = { tn: 3, fp: 3, fn: 1, tp: 5 };
const d = { tn: 4, fp: 1, fn: 2, tp: 1 };
const worked = table(a, d, {
  facetValues: [
    ['M', { tn: 2, fp: 1, fn: 0, tp: 5 }],
    ['X', { tn: 1, fp: 2, fn: 1, tp: 0 }],
    ['F', d],
  ],
  groups: [
    ['g1', { a: outcomes({ tn: 1, fp: 1, fn: 1, tp: 3 }), d: outcomes({ tn: 2, fp: 0, fn: 1, tp: 1 }) }],
    ['g2', { a: outcomes({ tn: 2, fp: 2, fn: 0, tp: 2 }), d: outcomes({ tn: 2, fp: 1, fn: 1, tp: 0 }) }],
  ],
});

describe('pre-training metrics, worked example', () => {
  const metrics = pretrainingMetrics(worked);

  it('CI = (12 − 8)/20', () => expect(metrics.CI).toBeCloseTo(1 / 5, 15));
  it('DPL = 6/12 − 3/8', () => expect(metrics.DPL).toBeCloseTo(1 / 8, 15));

  // P_a = (n 1/2, p 1/2), P_d = (n 5/8, p 3/8); P = ½(P_a + P_d) = (9/16, 7/16).
  it('KL = ½ ln(½ ÷ 5/8) + ½ ln(½ ÷ 3/8) = ½ ln(16/15)', () =>
    expect(metrics.KL).toBeCloseTo(0.5 * Math.log(16 / 15), 15));
  it('JS = ½[½ ln(8/9) + ½ ln(8/7) + 5/8 ln(10/9) + 3/8 ln(6/7)]', () =>
    expect(metrics.JS).toBeCloseTo(
      0.5 * (0.5 * Math.log(8 / 9) + 0.5 * Math.log(8 / 7) + (5 / 8) * Math.log(10 / 9) + (3 / 8) * Math.log(6 / 7)),
      15,
    ));
  it('LP = √((1/8)² + (1/8)²)', () => expect(metrics.LP).toBeCloseTo(Math.SQRT2 / 8, 15));
  it('TVD = ½(1/8 + 1/8)', () => expect(metrics.TVD).toBeCloseTo(1 / 8, 15));
  it('KS = max(1/8, 1/8)', () => expect(metrics.KS).toBeCloseTo(1 / 8, 15));

  // g1: 6 label positives (2 in d), 4 negatives (2 in d): D = 2/4, A = 2/6, D − A = 1/6.
  // g2: 3 label positives (1 in d), 7 negatives (3 in d): D = 3/7, A = 1/3, D − A = 2/21.
  it('CDDL = (10·1/6 + 10·2/21)/20 = 11/84', () => expect(metrics.CDDL).toBeCloseTo(11 / 84, 15));
});

describe('post-training metrics, worked example', () => {
  const metrics = posttrainingMetrics(worked);

  it('DPPL = 8/12 − 2/8', () => expect(metrics.DPPL).toBeCloseTo(5 / 12, 15));
  it('DI = (2/8) ÷ (8/12)', () => expect(metrics.DI).toBeCloseTo(3 / 8, 15));
  it('DCA = 6/8 − 3/2', () => expect(metrics.DCA).toBeCloseTo(-3 / 4, 15));
  it('DCR = 5/6 − 6/4', () => expect(metrics.DCR).toBeCloseTo(-2 / 3, 15));
  it('RD = recall 5/6 − 1/3', () => expect(metrics.RD).toBeCloseTo(1 / 2, 15));
  it('SD = specificity 4/5 − 3/6', () => expect(metrics.SD).toBeCloseTo(3 / 10, 15));
  it('DAR = precision 5/8 − 1/2', () => expect(metrics.DAR).toBeCloseTo(1 / 8, 15));
  it('DRR = 4/6 − 3/4', () => expect(metrics.DRR).toBeCloseTo(-1 / 12, 15));
  it('AD = accuracy 8/12 − 5/8', () => expect(metrics.AD).toBeCloseTo(1 / 24, 15));
  it('TE = 2/1 − 1/3', () => expect(metrics.TE).toBeCloseTo(5 / 3, 15));

  // g1: 5 predicted positives (1 in d), 5 predicted negatives (3 in d): D − A = 3/5 − 1/5. g2 the same.
  it('CDDPL = 2/5', () => expect(metrics.CDDPL).toBeCloseTo(2 / 5, 15));

  // Benefits: 3 false negatives b = 0, 13 right b = 1, 4 false positives b = 2; n = 20, μ = 21/20.
  // Σ((b/μ)² − 1) = 3·(−1) + 13·(400/441 − 1) + 4·(1600/441 − 1) = 2780/441; GE = 2780/441/40 = 139/882.
  it('GE = 139/882', () => expect(metrics.GE).toBeCloseTo(139 / 882, 15));

  // Accuracies M 7/8, X 1/4, F 5/8: the gap spans M and X although AD (a against d) is only 1/24.
  it('AccuracyGap = 7/8 − 1/4 over every facet-column value', () => expect(metrics.AccuracyGap).toBeCloseTo(5 / 8, 15));

  it('keeps the contract key order', () => {
    expect(Object.keys(metrics)).toEqual([
      'DPPL',
      'DI',
      'DCA',
      'DCR',
      'RD',
      'SD',
      'DAR',
      'DRR',
      'AD',
      'TE',
      'CDDPL',
      'GE',
      'AccuracyGap',
    ]);
    expect(Object.keys(pretrainingMetrics(worked))).toEqual(['CI', 'DPL', 'KL', 'JS', 'LP', 'TVD', 'KS', 'CDDL']);
  });
});

describe('metrics without a group column', () => {
  it('omits CDDL and CDDPL', () => {
    const plain = table(a, d);
    expect(pretrainingMetrics(plain)).not.toHaveProperty('CDDL');
    expect(posttrainingMetrics(plain)).not.toHaveProperty('CDDPL');
  });
});

describe('label distributions restricted to the label values of both facets', () => {
  // Facet d is all positive: only the positive class is shared. P_a(p) = 1/2, P_d(p) = 1, not renormalised.
  const allPositiveD = pretrainingMetrics(table({ tn: 2, tp: 2 }, { tp: 2, fn: 1 }));

  it('KL = ½ ln(½ ÷ 1), negative because nothing is renormalised', () =>
    expect(allPositiveD.KL).toBeCloseTo(-0.5 * Math.LN2, 15));
  // P = 3/4: JS = ½[½ ln(½ ÷ ¾) + 1·ln(1 ÷ ¾)].
  it('JS = ½[½ ln(2/3) + ln(4/3)]', () =>
    expect(allPositiveD.JS).toBeCloseTo(0.5 * (0.5 * Math.log(2 / 3) + Math.log(4 / 3)), 15));
  it('LP = |½ − 1|, TVD = ½|½ − 1|, KS = |½ − 1|', () => {
    expect(allPositiveD.LP).toBeCloseTo(0.5, 15);
    expect(allPositiveD.TVD).toBeCloseTo(0.25, 15);
    expect(allPositiveD.KS).toBeCloseTo(0.5, 15);
  });
  it('DPL = 2/4 − 3/3', () => expect(allPositiveD.DPL).toBeCloseTo(-0.5, 15));

  it('are NaN when the facets share no label value (Clarify raises)', () => {
    const disjoint = pretrainingMetrics(table({ tp: 2 }, { tn: 3 }));
    for (const name of ['KL', 'JS', 'LP', 'TVD', 'KS'] as const) expect(disjoint[name]).toBeNaN();
    expect(disjoint.DPL).toBe(1);
  });

  it('are 0 when the distributions are equal', () => {
    const equal = pretrainingMetrics(table({ tn: 2, fn: 2 }, { tn: 1, fn: 1 }));
    for (const name of ['KL', 'JS', 'LP', 'TVD', 'KS', 'DPL'] as const) expect(equal[name]).toBe(0);
    expect(equal.CI).toBeCloseTo(1 / 3, 15);
  });
});

describe('conditional demographic disparity when a group has one class only', () => {
  // g1 has no label negatives: D = 0, A = 1/3 (one of three positives is in d), weight 3 → −1.
  // g2 has no label positives: A = 0, D = 2/3, weight 3 → 2. CDDL = (−1 + 2)/6.
  it('takes the missing share as 0', () => {
    const groups: [string, GroupOutcomes][] = [
      ['g1', { a: outcomes({ tp: 2 }), d: outcomes({ fn: 1 }) }],
      ['g2', { a: outcomes({ tn: 1 }), d: outcomes({ tn: 2 }) }],
    ];
    const metrics = pretrainingMetrics(table({ tp: 2, tn: 1 }, { fn: 1, tn: 2 }, { groups }));
    expect(metrics.CDDL).toBeCloseTo(1 / 6, 15);
  });
});

describe('post-training metrics at the edges of div', () => {
  it('DI is Infinity when only facet d is ever predicted positive, 0 when nobody is', () => {
    // n̂_a^(1) = 0, n̂_d^(1)/n_d = 1/2: (1/2)/0.
    expect(posttrainingMetrics(table({ tn: 2, fn: 1 }, { tp: 1, tn: 1 })).DI).toBe(Infinity);
    // 0/0 = 0.
    expect(posttrainingMetrics(table({ tn: 2, fn: 1 }, { tn: 1, fn: 1 })).DI).toBe(0);
  });

  it('DCA is Infinity when facet a has positives but no positive predictions, 0 when both facets do', () => {
    // div(1, 0) − div(1, 1) = Infinity − 1.
    expect(posttrainingMetrics(table({ fn: 1, tn: 1 }, { tp: 1, tn: 1 })).DCA).toBe(Infinity);
    // Infinity − Infinity of the same sign = 0.
    expect(posttrainingMetrics(table({ fn: 1, tn: 1 }, { fn: 1, tn: 1 })).DCA).toBe(0);
    // Nobody positive, nobody predicted positive: 0/0 − 0/0.
    expect(posttrainingMetrics(table({ tn: 2 }, { tn: 1 })).DCA).toBe(0);
  });

  it('DCR is −Infinity when facet a has negatives but no negative predictions', () => {
    // div(n_d^(0) = 1, n̂_d^(0) = 1) − div(n_a^(0) = 1, n̂_a^(0) = 0) = 1 − Infinity.
    expect(posttrainingMetrics(table({ fp: 1, tp: 1 }, { tn: 1, tp: 1 })).DCR).toBe(-Infinity);
    expect(posttrainingMetrics(table({ fp: 1, tp: 1 }, { fp: 1, tp: 1 })).DCR).toBe(0);
  });

  it('TE is Infinity for false negatives without false positives, 0 when both facets have them', () => {
    // div(FN_d = 2, FP_d = 0) − div(FN_a = 1, FP_a = 1) = Infinity − 1.
    expect(posttrainingMetrics(table({ fn: 1, fp: 1 }, { fn: 2, tp: 1 })).TE).toBe(Infinity);
    // −div(FN_a, 0) = −Infinity.
    expect(posttrainingMetrics(table({ fn: 1, tp: 1 }, { fp: 1, tn: 1 })).TE).toBe(-Infinity);
    expect(posttrainingMetrics(table({ fn: 1, tp: 1 }, { fn: 3, tp: 1 })).TE).toBe(0);
    expect(posttrainingMetrics(table({ tp: 1 }, { tn: 1 })).TE).toBe(0);
  });

  it('RD, SD, DAR and DRR take 0/0 as 0', () => {
    // Facet d has no label positives and no predicted positives: recall_d = precision_d = 0/0 = 0.
    // Facet a has no label negatives and no predicted negatives: specificity_a = rejection rate_a = 0/0 = 0.
    const metrics = posttrainingMetrics(table({ tp: 2 }, { tn: 3 }));
    expect(metrics.RD).toBe(1);
    expect(metrics.DAR).toBe(1);
    expect(metrics.SD).toBe(1);
    expect(metrics.DRR).toBe(1);
    expect(metrics.AD).toBe(0);
  });

  it('GE is 0 when every prediction is right and NaN when every one is a false negative', () => {
    expect(posttrainingMetrics(table({ tp: 2, tn: 1 }, { tp: 1, tn: 4 })).GE).toBe(0);
    // μ = 0: Clarify raises ("all predicted labels are false negatives").
    expect(posttrainingMetrics(table({ fn: 2 }, { fn: 1 })).GE).toBeNaN();
  });

  it('GE of benefits (0, 2): μ = 1, Σ((b/μ)² − 1) = −1 + 3, over 2n = 4', () => {
    expect(posttrainingMetrics(table({ fn: 1 }, { fp: 1 })).GE).toBeCloseTo(0.5, 15);
  });

  it('AccuracyGap is 0 when every facet value is equally accurate', () => {
    expect(posttrainingMetrics(table({ tp: 1, fp: 1 }, { tn: 2, fn: 2 })).AccuracyGap).toBe(0);
  });
});
