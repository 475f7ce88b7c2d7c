/** Column collection, the exact second pass for late categorical columns, and the stored baseline profile. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { deserializeBaselineProfile, serializeBaselineProfile } from '../../lambdas/stats/baseline-profile';
import { InputError } from '../../lambdas/shared/errors';
import { profileCsv } from '../../lambdas/stats/drift-collector';
import { driftAgainstProfile, driftBetweenCsv, profileBaseline, type CsvSource } from '../../lambdas/stats/drift-csv';
import { findColumn } from '../../lambdas/stats/drift-profile';
import { DEFAULT_DRIFT_THRESHOLDS } from '../../lambdas/stats/drift-thresholds';
import { SHARED_FIXTURES } from '../support/cli';

const options = { thresholds: DEFAULT_DRIFT_THRESHOLDS };

function memory(name: string, text: string): CsvSource {
  return {
    name,
    async *open() {
      yield Buffer.from(text, 'utf8');
    },
  };
}

function fixture(file: string): CsvSource {
  const path = join(SHARED_FIXTURES, file);
  return { name: file, open: () => createReadStream(path) };
}

/** A one-column CSV of `distinct` different numbers, then `tail` rows. */
function manyNumbers(distinct: number, ...tail: string[]): string {
  const rows = ['v'];
  for (let i = 0; i < distinct; i++) rows.push(String(i / 8));
  return [...rows, ...tail].join('\n') + '\n';
}

describe('profileCsv', () => {
  it('collects sorted numbers, raw categories and counts, dropping empty values', async () => {
    const csv = 'n,c\n3,b\n,a\n1.5,"b"\n-0.5,"say ""hi"""\n';
    const profile = await profileCsv(memory('f.csv', csv).open(), { source: 'f.csv' });
    expect(profile.rows).toBe(4);
    const n = findColumn(profile, 'n');
    expect(n?.numeric).toBe(true);
    expect(n?.count).toBe(3);
    expect(Array.from(n?.sortedValues ?? [])).toEqual([-0.5, 1.5, 3]);
    expect(n?.categories?.entries()).toEqual([
      ['3', 1],
      ['1.5', 1],
      ['-0.5', 1],
    ]);
    const c = findColumn(profile, 'c');
    expect(c?.numeric).toBe(false);
    expect(c?.sortedValues.length).toBe(0);
    expect(c?.categories?.entries()).toEqual([
      ['b', 2],
      ['a', 1],
      ['say "hi"', 1],
    ]);
  });

  it('stops keeping the categories of a numeric-looking column past the limit, and all of a categorical one', async () => {
    const profile = await profileCsv(memory('f.csv', 'n,t\n1,a\n2,b\n3,c\n').open(), {
      source: 'f.csv',
      categoryLimit: 2,
    });
    expect(findColumn(profile, 'n')?.categories).toBeUndefined();
    expect(findColumn(profile, 't')?.categories?.size).toBe(3);
    const hinted = await profileCsv(memory('f.csv', 'n\n1\n2\n3\n').open(), {
      source: 'f.csv',
      categoryLimit: 2,
      categorical: new Set(['n']),
    });
    expect(findColumn(hinted, 'n')).toMatchObject({ numeric: false, count: 3 });
    expect(findColumn(hinted, 'n')?.categories?.size).toBe(3);
  });

  it('sorts the same numbers whether they stay as categories or pass the limit on the way', async () => {
    const numeral = fc.oneof(
      fc.integer({ min: -4, max: 4 }).map(String),
      fc.constantFrom('1.0', '-0', '0.50', '+2', '1e0', '.5'),
      fc.double({ min: -100, max: 100, noNaN: true }).map(String),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(numeral, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        async (values, limit) => {
          const csv = `v\n${values.join('\n')}\n`;
          const profile = await profileCsv(memory('f.csv', csv).open(), { source: 'f.csv', categoryLimit: limit });
          const column = findColumn(profile, 'v');
          const expected = values.map(Number).sort((a, b) => a - b);
          expect(Array.from(column?.sortedValues ?? []).map((x) => x + 0)).toEqual(expected.map((x) => x + 0));
          expect(column?.categories === undefined).toBe(new Set(values).size > limit);
        },
      ),
    );
  });

  it('profiles only the requested columns, in the requested order', async () => {
    const profile = await profileCsv(memory('f.csv', 'a,b,c\n1,2,3\n').open(), {
      source: 'f.csv',
      columns: ['c', 'a'],
    });
    expect(profile.columns.map((column) => column.name)).toEqual(['c', 'a']);
  });

  it('rejects a requested column that is missing or ambiguous', async () => {
    await expect(profileCsv(memory('f.csv', 'a\n1\n').open(), { source: 'f.csv', columns: ['b'] })).rejects.toThrow(
      new InputError('Column "b" is not in f.csv.'),
    );
    await expect(profileCsv(memory('f.csv', 'a,a\n1,2\n').open(), { source: 'f.csv' })).rejects.toThrow(
      'f.csv has more than one column named "a".',
    );
  });
});

describe('columns that turn categorical after their categories were dropped', () => {
  const distinct = 10_050;

  function expectedCategoricalDrift(
    baseValues: string[],
    currentValues: string[],
  ): { psi: number; jsDistance: number } {
    const counts = (values: string[]): Map<string, number> => {
      const map = new Map<string, number>();
      for (const value of values) map.set(value, (map.get(value) ?? 0) + 1);
      return map;
    };
    const p = counts(baseValues);
    const q = counts(currentValues);
    let psi = 0;
    let js = 0;
    for (const key of new Set([...p.keys(), ...q.keys()])) {
      const pi = (p.get(key) ?? 0) / baseValues.length;
      const qi = (q.get(key) ?? 0) / currentValues.length;
      psi += ((qi || 1e-4) - (pi || 1e-4)) * Math.log((qi || 1e-4) / (pi || 1e-4));
      const mi = (pi + qi) / 2;
      js += (pi > 0 ? pi * Math.log(pi / mi) : 0) + (qi > 0 ? qi * Math.log(qi / mi) : 0);
    }
    return { psi, jsDistance: Math.sqrt(js / 2) };
  }

  const baseValues = Array.from({ length: distinct }, (_, i) => String(i / 8));

  it('recounts the baseline when the current file makes the column categorical', async () => {
    const currentValues = ['1', '2.5', 'unknown', '2.5'];
    const report = await driftBetweenCsv(
      memory('base.csv', manyNumbers(distinct)),
      memory('cur.csv', `v\n${currentValues.join('\n')}\n`),
      options,
    );
    expect(report.columns.v.type).toBe('categorical');
    const expected = expectedCategoricalDrift(baseValues, currentValues);
    expect(report.columns.v).toMatchObject({ count: { baseline: distinct, current: 4 } });
    expect(report.columns.v.psi).toBeCloseTo(expected.psi, 10);
    expect(report.columns.v.type === 'categorical' && report.columns.v.jsDistance).toBeCloseTo(expected.jsDistance, 12);
  });

  it('recounts a file whose own late value makes the column categorical', async () => {
    const report = await driftBetweenCsv(
      memory('base.csv', manyNumbers(distinct, 'n/a')),
      memory('cur.csv', 'v\n0\nn/a\n'),
      options,
    );
    const expected = expectedCategoricalDrift([...baseValues, 'n/a'], ['0', 'n/a']);
    expect(report.columns.v.type).toBe('categorical');
    expect(report.columns.v.psi).toBeCloseTo(expected.psi, 10);
    const baseline = await profileBaseline(memory('base.csv', manyNumbers(distinct, 'n/a')));
    expect(findColumn(baseline, 'v')?.categories?.size).toBe(distinct + 1);
  });
});

describe('baseline profile', () => {
  it('round-trips every field, including -0 and non-ASCII categories', async () => {
    const profile = await profileBaseline(memory('b.csv', 'x,c\n-0,é\n2.5,"a,b"\n,é\n'));
    const copy = deserializeBaselineProfile(serializeBaselineProfile(profile));
    expect(copy.source).toBe('b.csv');
    expect(copy.rows).toBe(3);
    expect(Object.is(findColumn(copy, 'x')?.sortedValues[0], -0)).toBe(true);
    expect(copy.columns.map(({ categories, ...rest }) => ({ ...rest, categories: categories?.entries() }))).toEqual(
      profile.columns.map(({ categories, ...rest }) => ({ ...rest, categories: categories?.entries() })),
    );
  });

  it('gives bit-for-bit the same drift as the baseline CSV', async () => {
    const baseline = fixture('drift_base_small.csv');
    const current = fixture('drift_cur_small.csv');
    const stored = serializeBaselineProfile(await profileBaseline(baseline));
    const fromProfile = await driftAgainstProfile(deserializeBaselineProfile(stored), current, options);
    expect(fromProfile).toStrictEqual(await driftBetweenCsv(baseline, current, options));
  });

  it('gives the same drift when the current file makes a numeric column categorical', async () => {
    const baseline = memory('b.csv', 'x\n1\n2\n3\n');
    const current = memory('c.csv', 'x\n1\nmissing\n');
    const stored = serializeBaselineProfile(await profileBaseline(baseline));
    const fromProfile = await driftAgainstProfile(deserializeBaselineProfile(stored), current, options);
    expect(fromProfile.columns.x.type).toBe('categorical');
    expect(fromProfile).toStrictEqual(await driftBetweenCsv(baseline, current, options));
  });

  it('refuses, naming the column, when it dropped categories the current file needs', async () => {
    const stored = serializeBaselineProfile(await profileBaseline(memory('b.csv', manyNumbers(10_050))));
    await expect(
      driftAgainstProfile(deserializeBaselineProfile(stored), memory('c.csv', 'v\nn/a\n'), options),
    ).rejects.toThrow(/Column "v" is categorical, but the profile of b\.csv kept no category counts/);
  });

  describe('rejects corrupt input with an InputError', () => {
    let stored: Buffer;
    beforeAll(async () => {
      stored = serializeBaselineProfile(await profileBaseline(memory('b.csv', 'x,c\n1,a\n2,b\n')));
    });

    /** Applies `edit` to the body and writes a valid checksum, so only the structural checks can catch it. */
    function resealed(edit: (body: Buffer) => Buffer): Buffer {
      const body = edit(Buffer.from(stored.subarray(0, stored.length - 32)));
      return Buffer.concat([body, createHash('sha256').update(body).digest()]);
    }

    const valuesOffset = (): number => stored.indexOf(Buffer.from('x')) + 1 + 1 + 8 + 4;

    it.each<[string, () => Buffer, RegExp]>([
      ['empty input', () => Buffer.alloc(0), /not a Warden baseline profile/],
      ['another format', () => Buffer.from('x,c\n1,a\n'.repeat(10)), /not a Warden baseline profile/],
      ['a newer version', () => resealed((body) => (body.writeUInt32LE(2, 4), body)), /format version 2/],
      ['a flipped bit', () => Buffer.from(stored.map((byte, i) => (i === 20 ? byte ^ 1 : byte))), /checksum/],
      ['truncation', () => stored.subarray(0, stored.length - 5), /checksum/],
      [
        'unsorted values',
        () => resealed((body) => (body.writeDoubleLE(9, valuesOffset()), body)),
        /not finite and sorted/,
      ],
      [
        'a length past the end',
        () => resealed((body) => (body.writeUInt32LE(1e9, valuesOffset() - 4), body)),
        /ends early/,
      ],
      [
        'trailing bytes',
        () => resealed((body) => Buffer.concat([body, Buffer.from([0])])),
        /bytes after its last column/,
      ],
    ])('%s', (_what, make, message) => {
      expect(() => deserializeBaselineProfile(make())).toThrow(InputError);
      expect(() => deserializeBaselineProfile(make())).toThrow(message);
    });
  });
});
