/**
 * `lambdas/stats/serialization.ts`: validator and bias-count states survive JSON with every number's bits, restored
 * states keep counting and merging exactly like the originals, and the merge of serialized parts of a file (one shared
 * PII salt) is exactly the single pass — the guarantee the Distributed Map's merge step stands on.
 */
import fc from 'fast-check';
import { BiasCounts, type BiasSpec } from '../../lambdas/stats/bias-counts';
import { biasReport } from '../../lambdas/stats/bias';
import { parseContract, type DataContract } from '../../lambdas/stats/contract';
import { parseCsv } from '../../lambdas/stats/csv';
import {
  deserializeBiasCounts,
  deserializeValidator,
  serializeBiasCounts,
  serializeValidator,
} from '../../lambdas/stats/serialization';
import { DatasetValidator } from '../../lambdas/stats/validate';
import { InputError } from '../../lambdas/shared/errors';
import { seededRandom } from './harness/datasets';

const CONTRACT: DataContract = parseContract({
  name: 'serialization',
  minRows: 5,
  columns: [
    { name: 'n', type: 'number', min: -1e6, max: 1e6 },
    { name: 'i', type: 'integer', nullable: false },
    { name: 'c', type: 'categorical', allowed: ['a', 'b', 'c'] },
    { name: 'b', type: 'boolean' },
    { name: 's', type: 'string' },
    { name: 'p', type: 'string', pii: true },
    { name: 't', type: 'timestamp' },
  ],
});
const HEADER = ['n', 'i', 'c', 'b', 's', 'p', 't'];

/**
 * Rows with awkward numbers (-0, huge, tiny). With `distinct` unset the numbers are nearly all distinct, so the quantile
 * sketch leaves its exact mode; with a small `distinct` it stays exact.
 */
function rows(count: number, seed: number, distinct?: number): string[] {
  const random = seededRandom(seed);
  const draw = () => (distinct === undefined ? random() : Math.floor(random() * distinct) / distinct);
  const out: string[] = [];
  for (let r = 0; r < count; r++) {
    const pick = random();
    const n =
      pick < 0.05 ? '-0' : pick < 0.1 ? '' : pick < 0.15 ? '1e-300' : pick < 0.2 ? 'x' : String((draw() - 0.5) * 1e7);
    out.push(
      [
        n,
        random() < 0.02 ? '' : String(Math.floor(draw() * 1e6) - 5e5),
        ['a', 'b', 'c', 'd', ''][Math.floor(random() * 5)],
        ['true', 'false', '1', 'maybe'][Math.floor(random() * 4)],
        `s${Math.floor(random() * 1e5)}`,
        `p${Math.floor(random() * 1e5)}`,
        random() < 0.1 ? 'not a date' : new Date(1.7e12 + Math.floor(random() * 1e10)).toISOString(),
      ].join(','),
    );
  }
  return out;
}

function validatorOf(lines: readonly string[], salt: string, firstRow = 1, withHeader = true): DatasetValidator {
  const validator = new DatasetValidator(CONTRACT, { piiSalt: salt });
  const text = withHeader ? [HEADER.join(','), ...lines].join('\n') : lines.join('\n');
  parseCsv(text, validator, withHeader ? {} : { header: HEADER, firstRow });
  return validator;
}

describe('serialization: DatasetValidator', () => {
  it('round-trips every field with the same bits, and the restored validator serializes to the same text', () => {
    for (const count of [0, 1, 50, 5000]) {
      const original = validatorOf(rows(count, count + 1), 'salt');
      const text = serializeValidator(original);
      const restored = deserializeValidator(text, CONTRACT);
      expect(serializeValidator(restored)).toBe(text);
      expect(restored.report()).toEqual(original.report());
    }
  });

  it('continues a restored sketch past its exact mode exactly like the original', () => {
    const original = validatorOf(rows(3000, 5), 's');
    const restored = deserializeValidator(serializeValidator(original), CONTRACT);
    const more = rows(3000, 6);
    parseCsv(more.join('\n'), original, { header: HEADER, firstRow: 3001 });
    parseCsv(more.join('\n'), restored, { header: HEADER, firstRow: 3001 });
    expect(serializeValidator(restored)).toBe(serializeValidator(original));
  });

  it('merges parts read back from JSON into exactly the single pass, PII distinct counts included', () => {
    // At most 2048 distinct values per numeric column: quantiles are exact, and so is their merge. Past that a KLL
    // sketch merges within its rank-error bound, not to the same bits (see the validator's own merge tests).
    const all = rows(6000, 42, 1500);
    const single = validatorOf(all, 'shared-salt').report();
    for (const cuts of [[3000], [1, 2999, 5998], [1000, 2000, 3000, 4000, 5000]]) {
      const bounds = [0, ...cuts, all.length];
      const parts = bounds.slice(0, -1).map((start, p) => {
        const part = validatorOf(all.slice(start, bounds[p + 1]), 'shared-salt', start + 1, p === 0);
        return deserializeValidator(serializeValidator(part), CONTRACT);
      });
      const [merged, ...rest] = parts;
      for (const part of rest) merged.merge(part);
      const report = merged.report();
      // Chan's merge of M2 rounds differently from the one-pass update (within the contract's 1e-12); means are exact sums.
      for (const [name, column] of Object.entries(single.columns)) {
        if (column.type !== 'number' && column.type !== 'integer') continue;
        const other = report.columns[name] as typeof column;
        expect(Math.abs((other.std as number) - (column.std as number))).toBeLessThanOrEqual(
          1e-12 * Math.abs(column.std as number),
        );
        expect(other.mean).toBe(column.mean);
      }
      const withoutStd = (value: unknown) =>
        JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'std' ? undefined : v)));
      expect(withoutStd(report)).toEqual(withoutStd(single));
    }
  });

  it('keeps -0, ±Infinity and NaN through JSON (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 40 }), (values) => {
        const contract = parseContract({ name: 'd', columns: [{ name: 'x', type: 'number' }] });
        const validator = new DatasetValidator(contract, { piiSalt: 's' });
        parseCsv(['x', ...values.map((value) => (Number.isFinite(value) ? String(value) : ''))].join('\n'), validator);
        const text = serializeValidator(validator);
        expect(serializeValidator(deserializeValidator(text, contract))).toBe(text);
        const state = JSON.parse(text).checks[0].profile.moments;
        for (const key of ['min', 'max'])
          expect(typeof state[key] === 'number' || typeof state[key] === 'string').toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a state under another contract, and corrupt documents, with Warden.InputError', () => {
    const text = serializeValidator(validatorOf(rows(20, 3), 's'));
    const other = parseContract({ name: 'other', columns: [{ name: 'n', type: 'number' }] });
    expect(() => deserializeValidator(text, other)).toThrow(/different data contract/);
    expect(() => deserializeValidator('{', CONTRACT)).toThrow(InputError);
    expect(() => deserializeValidator('{}', CONTRACT)).toThrow(InputError);
    const document = JSON.parse(text);
    document.checks[0].profile.sketch.exact.slots = Buffer.from([255, 255, 255, 255]).toString('base64');
    expect(() => deserializeValidator(JSON.stringify(document), CONTRACT)).toThrow(InputError);
    document.checks = document.checks.slice(1);
    expect(() => deserializeValidator(JSON.stringify(document), CONTRACT)).toThrow(/column checks/);
  });
});

describe('serialization: BiasCounts', () => {
  const spec: BiasSpec = { label: 'y', facet: 'f', facetValue: 'F', prediction: 'p', group: 'g', positive: 'yes' };

  function countsOf(lines: readonly string[], withHeader = true): BiasCounts {
    const counts = new BiasCounts(spec);
    parseCsv(
      withHeader ? ['y,f,p,g', ...lines].join('\n') : lines.join('\n'),
      counts,
      withHeader ? {} : { header: ['y', 'f', 'p', 'g'] },
    );
    return counts;
  }

  function lines(count: number, seed: number): string[] {
    const random = seededRandom(seed);
    return Array.from({ length: count }, () =>
      [
        random() < 0.5 ? 'yes' : 'no',
        ['F', 'M', 'X', ''][Math.floor(random() * 4)],
        random() < 0.4 ? 'yes' : 'no',
        `g${Math.floor(random() * 7)}`,
      ].join(','),
    );
  }

  it('round-trips and merges serialized parts into exactly the counts and metrics of the whole', () => {
    const all = lines(3000, 9);
    const whole = biasReport(countsOf(all), { thresholds: {} });
    const parts = [all.slice(0, 10), all.slice(10, 1700), all.slice(1700)].map((part, i) =>
      deserializeBiasCounts(serializeBiasCounts(countsOf(part, i === 0)), spec),
    );
    const [merged, ...rest] = parts;
    for (const part of rest) merged.merge(part);
    expect(biasReport(merged, { thresholds: {} })).toEqual(whole);
    expect(serializeBiasCounts(deserializeBiasCounts(serializeBiasCounts(merged), spec))).toBe(
      serializeBiasCounts(merged),
    );
  });

  it('refuses a state counted under another spec', () => {
    const text = serializeBiasCounts(countsOf(lines(20, 1)));
    expect(() => deserializeBiasCounts(text, { ...spec, facetValue: 'M' })).toThrow(/different bias spec/);
    expect(() => deserializeBiasCounts(text, { ...spec, positive: undefined })).toThrow(/different bias spec/);
    const document = JSON.parse(text);
    document.facetCells = Buffer.alloc(8).toString('base64');
    expect(() => deserializeBiasCounts(JSON.stringify(document), spec)).toThrow(InputError);
  });
});
