/** Counting CSV rows into bias tables, the input errors, and the threshold gate. */
import { BiasCounts, type BiasSpec } from '../../lambdas/stats/bias-counts';
import { biasReport, resolveBiasThresholds } from '../../lambdas/stats/bias';
import { parseCsv } from '../../lambdas/stats/csv';
import { InputError } from '../../lambdas/shared/errors';

const spec: BiasSpec = { label: 'y', facet: 's', facetValue: 'F', prediction: 'p', group: 'g' };

function count(csv: string, countSpec: BiasSpec = spec): BiasCounts {
  const counts = new BiasCounts(countSpec, 'data.csv');
  parseCsv(csv, counts);
  return counts;
}

function inputError(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('BiasCounts', () => {
  it('counts rows by facet value, group, label and prediction', () => {
    const table = count(
      ['s,g,y,p', 'F,a,1,1', 'F,a,0,1', 'M,a,1,0', 'M,b,0,0', 'X,b,1,1', '"F",b,"0",0'].join('\n'),
    ).table();
    expect(table.rows).toBe(6);
    expect(table.skippedRows).toBe(0);
    expect(table.d).toEqual({ tn: 1, fp: 1, fn: 0, tp: 1 });
    expect(table.a).toEqual({ tn: 1, fp: 0, fn: 1, tp: 1 });
    expect(table.facetValues).toEqual(
      new Map([
        ['F', { tn: 1, fp: 1, fn: 0, tp: 1 }],
        ['M', { tn: 1, fp: 0, fn: 1, tp: 0 }],
        ['X', { tn: 0, fp: 0, fn: 0, tp: 1 }],
      ]),
    );
    expect(table.groups).toEqual(
      new Map([
        ['a', { a: { tn: 0, fp: 0, fn: 1, tp: 0 }, d: { tn: 0, fp: 1, fn: 0, tp: 1 } }],
        ['b', { a: { tn: 1, fp: 0, fn: 0, tp: 1 }, d: { tn: 1, fp: 0, fn: 0, tp: 0 } }],
      ]),
    );
  });

  it('skips rows with an empty label, facet, prediction or group value', () => {
    const table = count(['s,g,y,p', 'F,a,1,1', ',a,1,1', 'M,,1,1', 'M,a,,1', 'M,a,1,', 'M,a,0,0'].join('\n')).table();
    expect(table.rows).toBe(6);
    expect(table.skippedRows).toBe(4);
    expect(table.a).toEqual({ tn: 1, fp: 0, fn: 0, tp: 0 });
  });

  it('ignores empty values of columns it does not use', () => {
    const table = count('s,y,other\nF,1,\nM,0,\n', { label: 'y', facet: 's', facetValue: 'F' }).table();
    expect(table.skippedRows).toBe(0);
    expect(table.predicted).toBe(false);
    expect(table.groups).toBeUndefined();
    expect(table.d).toEqual({ tn: 0, fp: 0, fn: 1, tp: 0 });
  });

  it('compares facet and positive values as text, quotes and escapes resolved', () => {
    const csv = 's,y\n"say ""hi""",yes\nsay,no\n"a,b",yes\n';
    const table = count(csv, { label: 'y', facet: 's', facetValue: 'say "hi"', positive: 'yes' }).table();
    expect(table.d).toEqual({ tn: 0, fp: 0, fn: 1, tp: 0 });
    expect([...table.facetValues.keys()]).toEqual(['say "hi"', 'say', 'a,b']);
  });

  it('treats a constant label that is not the positive value as all negative', () => {
    const table = count('s,y\nF,0\nM,0\n', { label: 'y', facet: 's', facetValue: 'F' }).table();
    expect(table.a).toEqual({ tn: 1, fp: 0, fn: 0, tp: 0 });
  });
});

describe('input errors', () => {
  const pre: BiasSpec = { label: 'y', facet: 's', facetValue: 'F' };

  it('names unknown columns and lists the available ones', () => {
    expect(inputError(() => count('s,y\nF,1\n', { ...pre, label: 'label' }))).toBe(
      'Label column "label" is not in data.csv; available columns: s, y.',
    );
    expect(inputError(() => count('s,y\nF,1\n', { ...spec, group: 'g' }))).toBe(
      'Prediction column "p" and group column "g" are not in data.csv; available columns: s, y.',
    );
  });

  it('reports a facet value that never occurs, with the values that do', () => {
    expect(inputError(() => count('s,y\nM,1\nX,0\n', pre).table())).toBe(
      'Facet value "F" does not occur in column "s" of data.csv; its values are M, X.',
    );
  });

  it('reports an empty facet a', () => {
    expect(inputError(() => count('s,y\nF,1\nF,0\n', pre).table())).toMatch(
      /^Every row of data.csv has "F" in column "s", so facet a \(all other values\) is empty/,
    );
  });

  it('rejects a label with more than two values, listing them', () => {
    expect(inputError(() => count('s,y\nF,a\nM,b\nM,c\n', pre).table())).toBe(
      'Label column "y" has 3 distinct values (a, b, c); bias metrics need a binary label.',
    );
  });

  it('rejects a prediction with more than two values', () => {
    expect(inputError(() => count('s,y,p\nF,1,0.2\nM,0,0.7\nM,0,0.9\n', { ...pre, prediction: 'p' }).table())).toBe(
      'Prediction column "p" has 3 distinct values (0.2, 0.7, 0.9); bias metrics need a binary prediction.',
    );
  });

  it('stops early on a continuous label instead of remembering every value', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${i % 2 ? 'F' : 'M'},${i / 7}`);
    const message = inputError(() => count(['s,y', ...rows].join('\n'), pre));
    expect(message).toMatch(
      /^Label column "y" has more than 20 distinct values \(.*, …\); bias metrics need a binary label\.$/,
    );
  });

  it('rejects two label values of which neither is the positive value', () => {
    expect(inputError(() => count('s,y\nF,yes\nM,no\n', pre).table())).toBe(
      'Label column "y" has the values no and yes, neither of which is the positive value "1"; ' +
        'name the positive value (--positive).',
    );
  });

  it('rejects a file without data rows, or with every row skipped', () => {
    expect(inputError(() => count('s,y\n', pre).table())).toBe(
      'There are no data rows in data.csv; bias metrics need rows of both facets.',
    );
    expect(inputError(() => count('s,y\nF,\n,1\n', pre).table())).toBe(
      'Every row of data.csv has an empty value in one of the columns "y", "s".',
    );
  });
});

describe('thresholds', () => {
  it('default to DPL, DPPL and AccuracyGap where those are computed', () => {
    expect(resolveBiasThresholds({})).toEqual({ DPL: 0.2 });
    expect(resolveBiasThresholds({ prediction: 'p' })).toEqual({ DPL: 0.2, DPPL: 0.2, AccuracyGap: 0.1 });
  });

  it('are overridden and extended, in metric order', () => {
    const thresholds = resolveBiasThresholds(
      { prediction: 'p', group: 'g' },
      { AccuracyGap: 0.05, CDDL: 0.1, DI: 0.8 },
    );
    expect(thresholds).toEqual({ DPL: 0.2, CDDL: 0.1, DPPL: 0.2, DI: 0.8, AccuracyGap: 0.05 });
    expect(Object.keys(thresholds)).toEqual(['DPL', 'CDDL', 'DPPL', 'DI', 'AccuracyGap']);
  });

  it('reject unknown metrics, metrics that are not computed and negative values', () => {
    expect(inputError(() => resolveBiasThresholds({}, { dpl: 0.1 }))).toMatch(
      /^Unknown bias metric "dpl" in a threshold; the metrics are CI, DPL/,
    );
    expect(inputError(() => resolveBiasThresholds({}, { GE: 0.1 }))).toBe(
      'A threshold for GE needs a prediction column (--prediction), which was not given.',
    );
    expect(inputError(() => resolveBiasThresholds({ prediction: 'p' }, { CDDPL: 0.1 }))).toBe(
      'A threshold for CDDPL needs a group column (--group), which was not given.',
    );
    expect(inputError(() => resolveBiasThresholds({}, { DPL: -0.1 }))).toBe(
      'The threshold for DPL must be 0 or more, got -0.1.',
    );
    expect(inputError(() => resolveBiasThresholds({ prediction: 'p' }, { DI: 0 }))).toBe(
      'The threshold for DI must be above 0, got 0.',
    );
  });
});

describe('the gate', () => {
  // Facet d: 1 of 4 positive (labels and predictions); facet a: 3 of 4. DPL = DPPL = 0.5, DI = 1/3, AccuracyGap 0.
  const csv = ['s,y,p', 'F,1,1', 'F,0,0', 'F,0,0', 'F,0,0', 'M,1,1', 'M,1,1', 'M,1,1', 'M,0,0'].join('\n');
  const withPrediction: BiasSpec = { label: 'y', facet: 's', facetValue: 'F', prediction: 'p' };

  it('fails metrics over their threshold in fail mode', () => {
    const report = biasReport(count(csv, withPrediction), { thresholds: resolveBiasThresholds(withPrediction) });
    expect(report.failed).toEqual(['DPL', 'DPPL']);
    expect(report.verdict).toBe('fail');
    expect(report.thresholds).toEqual({ DPL: 0.2, DPPL: 0.2, AccuracyGap: 0.1 });
  });

  it('only warns in warn mode', () => {
    const report = biasReport(count(csv, withPrediction), {
      thresholds: resolveBiasThresholds(withPrediction),
      mode: 'warn',
    });
    expect(report.verdict).toBe('warn');
    expect(report.failed).toEqual(['DPL', 'DPPL']);
  });

  it('passes when nothing crosses, a threshold equal to the value included', () => {
    const thresholds = resolveBiasThresholds(withPrediction, { DPL: 0.5, DPPL: 0.5 });
    const report = biasReport(count(csv, withPrediction), { thresholds });
    expect(report.verdict).toBe('pass');
    expect(report.failed).toEqual([]);
  });

  it('applies the four-fifths rule to DI on both sides', () => {
    const judge = (rows: string[], threshold: number) =>
      biasReport(count(['s,y,p', ...rows].join('\n'), withPrediction), {
        thresholds: resolveBiasThresholds(withPrediction, { DPL: 1, DPPL: 1, DI: threshold }),
      }).failed;
    // DI = 1/3: below 0.8.
    expect(judge(csv.split('\n').slice(1), 0.8)).toEqual(['DI']);
    // DI = (3/4)/(1/4) = 3: above 1/0.8, and the same band when written as 1.25.
    const reversed = ['F,1,1', 'F,1,1', 'F,1,1', 'F,0,0', 'M,1,1', 'M,0,0', 'M,0,0', 'M,0,0'];
    expect(judge(reversed, 0.8)).toEqual(['DI']);
    expect(judge(reversed, 1.25)).toEqual(['DI']);
    expect(judge(reversed, 0.3)).toEqual([]);
  });

  it('never fails a NaN metric and fails an infinite one', () => {
    // Facet a all positive, facet d all negative: KL is NaN (no shared label value); only d is predicted positive,
    // so DI = (1/2)/0 = Infinity.
    const rows = ['s,y,p', 'F,0,1', 'F,0,0', 'M,1,0', 'M,1,0'].join('\n');
    const report = biasReport(count(rows, withPrediction), {
      thresholds: resolveBiasThresholds(withPrediction, { KL: 0, DI: 0.8, DPL: 1, DPPL: 1, AccuracyGap: 1 }),
    });
    expect(report.pretraining.KL).toBeNaN();
    expect(report.posttraining?.DI).toBe(Infinity);
    expect(report.failed).toEqual(['DI']);
  });

  it('reports the counts behind the metrics', () => {
    const report = biasReport(count(`${csv}\nX,,1`, withPrediction), { thresholds: {} });
    expect(report.facet).toEqual({ column: 's', value: 'F' });
    expect(report.counts).toEqual({
      rows: 9,
      skippedRows: 1,
      facetA: 4,
      facetD: 4,
      labelPositiveA: 3,
      labelPositiveD: 1,
      predictedPositiveA: 3,
      predictedPositiveD: 1,
      facetValues: 2,
    });
    expect(report).not.toHaveProperty('counts.groups');
  });

  it('has no post-training section without predictions', () => {
    const labelsOnly: BiasSpec = { label: 'y', facet: 's', facetValue: 'F' };
    const report = biasReport(count(csv, labelsOnly), { thresholds: resolveBiasThresholds(labelsOnly) });
    expect(report).not.toHaveProperty('posttraining');
    expect(report.counts).not.toHaveProperty('predictedPositiveA');
    expect(Object.keys(report)).toEqual(['facet', 'counts', 'pretraining', 'thresholds', 'verdict', 'failed']);
  });
});
