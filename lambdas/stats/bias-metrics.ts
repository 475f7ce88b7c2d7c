/**
 * Bias metrics of `warden bias` as pure functions of the count table. Definitions are CONTRACTS.md's (SageMaker
 * Clarify's). Where Clarify gives no value (it raises), the metric is NaN: KL, JS, LP, TVD and KS when the facets share
 * no label value, GE when every prediction is a false negative.
 */
import { difference, div } from './arithmetic';
import type { BiasTable, GroupOutcomes, Outcomes } from './bias-counts';

export interface PretrainingMetrics {
  readonly CI: number;
  readonly DPL: number;
  readonly KL: number;
  readonly JS: number;
  readonly LP: number;
  readonly TVD: number;
  readonly KS: number;
  /** Only with a group column. */
  readonly CDDL?: number;
}

export interface PosttrainingMetrics {
  readonly DPPL: number;
  readonly DI: number;
  readonly DCA: number;
  readonly DCR: number;
  readonly RD: number;
  readonly SD: number;
  readonly DAR: number;
  readonly DRR: number;
  readonly AD: number;
  readonly TE: number;
  /** Only with a group column. */
  readonly CDDPL?: number;
  readonly GE: number;
  readonly AccuracyGap: number;
}

export function pretrainingMetrics(table: BiasTable): PretrainingMetrics {
  const { a, d } = table;
  const na = rows(a);
  const nd = rows(d);
  const shared = sharedLabelDistributions(a, d);
  return {
    // CI = (n_a − n_d)/(n_a + n_d)
    CI: (na - nd) / (na + nd),
    // DPL = n_a^(1)/n_a − n_d^(1)/n_d
    DPL: labelPositives(a) / na - labelPositives(d) / nd,
    // KL = Σ P_a ln(P_a/P_d)
    KL: sumShared(shared, (pa, pd) => pa * Math.log(pa / pd)),
    // JS = ½[KL(P_a‖P) + KL(P_d‖P)], P = ½(P_a + P_d)
    JS: 0.5 * sumShared(shared, (pa, pd) => pa * Math.log((2 * pa) / (pa + pd)) + pd * Math.log((2 * pd) / (pa + pd))),
    // LP = ‖P_a − P_d‖₂
    LP: Math.sqrt(sumShared(shared, (pa, pd) => (pa - pd) ** 2)),
    // TVD = ½‖P_a − P_d‖₁
    TVD: 0.5 * sumShared(shared, (pa, pd) => Math.abs(pa - pd)),
    // KS = max|P_a − P_d|
    KS: maxShared(shared, (pa, pd) => Math.abs(pa - pd)),
    ...(table.groups && {
      // CDDL = Σ_g n_g·(D_g − A_g) / Σ_g n_g on labels
      CDDL: conditionalDemographicDisparity(table.groups, labelPositives),
    }),
  };
}

export function posttrainingMetrics(table: BiasTable): PosttrainingMetrics {
  const { a, d } = table;
  const na = rows(a);
  const nd = rows(d);
  const acceptedA = predictedPositives(a) / na;
  const acceptedD = predictedPositives(d) / nd;
  return {
    // DPPL = n̂_a^(1)/n_a − n̂_d^(1)/n_d
    DPPL: acceptedA - acceptedD,
    // DI = div(n̂_d^(1)/n_d, n̂_a^(1)/n_a)
    DI: div(acceptedD, acceptedA),
    // DCA = div(n_a^(1), n̂_a^(1)) − div(n_d^(1), n̂_d^(1))
    DCA: difference(div(labelPositives(a), predictedPositives(a)), div(labelPositives(d), predictedPositives(d))),
    // DCR = div(n_d^(0), n̂_d^(0)) − div(n_a^(0), n̂_a^(0))
    DCR: difference(div(labelNegatives(d), predictedNegatives(d)), div(labelNegatives(a), predictedNegatives(a))),
    // RD = recall_a − recall_d, recall = TP/n^(1)
    RD: difference(div(a.tp, labelPositives(a)), div(d.tp, labelPositives(d))),
    // SD = specificity_d − specificity_a, specificity = TN/n^(0)
    SD: difference(div(d.tn, labelNegatives(d)), div(a.tn, labelNegatives(a))),
    // DAR = precision_a − precision_d, precision = TP/n̂^(1)
    DAR: difference(div(a.tp, predictedPositives(a)), div(d.tp, predictedPositives(d))),
    // DRR = TN_d/n̂_d^(0) − TN_a/n̂_a^(0)
    DRR: difference(div(d.tn, predictedNegatives(d)), div(a.tn, predictedNegatives(a))),
    // AD = accuracy_a − accuracy_d
    AD: accuracy(a) - accuracy(d),
    // TE = div(FN_d, FP_d) − div(FN_a, FP_a)
    TE: difference(div(d.fn, d.fp), div(a.fn, a.fp)),
    ...(table.groups && {
      // CDDPL = CDDL computed on predictions
      CDDPL: conditionalDemographicDisparity(table.groups, predictedPositives),
    }),
    // GE = Σ((b/μ)² − 1) / (2n), b = ŷ − y + 1, over every row
    GE: generalizedEntropy(table.facetValues.values()),
    // AccuracyGap = max − min of accuracy over every value of the facet column
    AccuracyGap: accuracyGap(table.facetValues.values()),
  };
}

/** P_a, P_d over the label classes present in both facets, not renormalised (Clarify's `pdfs_aligned_nonzero`). */
function sharedLabelDistributions(a: Outcomes, d: Outcomes): [number, number][] {
  const na = rows(a);
  const nd = rows(d);
  const shared: [number, number][] = [];
  for (const classCount of [labelNegatives, labelPositives]) {
    const countA = classCount(a);
    const countD = classCount(d);
    if (countA > 0 && countD > 0) shared.push([countA / na, countD / nd]);
  }
  return shared;
}

function sumShared(shared: readonly [number, number][], term: (pa: number, pd: number) => number): number {
  if (shared.length === 0) return NaN;
  let sum = 0;
  for (const [pa, pd] of shared) sum += term(pa, pd);
  return sum;
}

function maxShared(shared: readonly [number, number][], term: (pa: number, pd: number) => number): number {
  if (shared.length === 0) return NaN;
  let max = 0;
  for (const [pa, pd] of shared) max = Math.max(max, term(pa, pd));
  return max;
}

/**
 * CDD = Σ_g n_g·(D_g − A_g) / Σ_g n_g, D_g = negatives of d in g / negatives in g, A_g = positives of d in g / positives
 * in g, each 0 when its denominator is 0 (CONTRACTS.md). `positives` picks labels (CDDL) or predictions (CDDPL).
 */
function conditionalDemographicDisparity(
  groups: ReadonlyMap<string, GroupOutcomes>,
  positives: (outcomes: Outcomes) => number,
): number {
  let weighted = 0;
  let total = 0;
  for (const { a, d } of groups.values()) {
    const groupRows = rows(a) + rows(d);
    const groupPositives = positives(a) + positives(d);
    const groupNegatives = groupRows - groupPositives;
    const rejectedShareD = groupNegatives === 0 ? 0 : (rows(d) - positives(d)) / groupNegatives;
    const acceptedShareD = groupPositives === 0 ? 0 : positives(d) / groupPositives;
    weighted += groupRows * (rejectedShareD - acceptedShareD);
    total += groupRows;
  }
  return div(weighted, total);
}

/** Generalized entropy index with α = 2; the benefit b is 0 for a false negative, 1 when right, 2 for a false positive. */
function generalizedEntropy(slices: Iterable<Outcomes>): number {
  let falseNegatives = 0;
  let right = 0;
  let falsePositives = 0;
  for (const slice of slices) {
    falseNegatives += slice.fn;
    right += slice.tp + slice.tn;
    falsePositives += slice.fp;
  }
  const n = falseNegatives + right + falsePositives;
  const mean = (right + 2 * falsePositives) / n;
  if (mean === 0) return NaN;
  const rightRatio = 1 / mean;
  const falsePositiveRatio = 2 / mean;
  return (
    (-falseNegatives +
      right * (rightRatio * rightRatio - 1) +
      falsePositives * (falsePositiveRatio * falsePositiveRatio - 1)) /
    (2 * n)
  );
}

function accuracyGap(slices: Iterable<Outcomes>): number {
  let lowest = Infinity;
  let highest = -Infinity;
  for (const slice of slices) {
    const value = accuracy(slice);
    lowest = Math.min(lowest, value);
    highest = Math.max(highest, value);
  }
  return highest - lowest;
}

function rows(o: Outcomes): number {
  return o.tn + o.fp + o.fn + o.tp;
}

function labelPositives(o: Outcomes): number {
  return o.fn + o.tp;
}

function labelNegatives(o: Outcomes): number {
  return o.tn + o.fp;
}

function predictedPositives(o: Outcomes): number {
  return o.fp + o.tp;
}

function predictedNegatives(o: Outcomes): number {
  return o.tn + o.fn;
}

function accuracy(o: Outcomes): number {
  return (o.tp + o.tn) / rows(o);
}
