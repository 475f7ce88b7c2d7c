/**
 * The split planner of the Distributed Map: for random CSV (quoted commas, escaped quotes, CR / LF / CRLF inside and
 * between records, blank lines, a byte-order mark, single-column files), any part size and any chunking, parsing every
 * planned range with `CsvParser` (`header`, `firstRow`) yields exactly the rows, and row numbers, of one parse of the
 * whole file; and the bias counts of the ranges, stored and merged in file order, are exactly those of one pass.
 */
import fc from 'fast-check';
import { SplitPlanner } from '../../lambdas/core/split-plan';
import { biasReport, resolveBiasThresholds } from '../../lambdas/stats/bias';
import { BiasCounts, type BiasSpec } from '../../lambdas/stats/bias-counts';
import { CsvParser, parseCsv } from '../../lambdas/stats/csv';
import { deserializeBiasCounts, serializeBiasCounts } from '../../lambdas/stats/serialization';
import { InputError } from '../../lambdas/shared/errors';

interface ParsedRow {
  readonly number: number;
  readonly values: string[];
}

function parseWhole(data: Buffer): { header: readonly string[]; rows: ParsedRow[] } {
  let header: readonly string[] = [];
  const rows: ParsedRow[] = [];
  parseCsv(data, {
    header: (names) => (header = names),
    row: (row) => rows.push({ number: row.number, values: Array.from({ length: row.length }, (_, i) => row.text(i)) }),
  });
  return { header, rows };
}

function plan(data: Buffer, partBytes: number, chunkSizes: readonly number[]) {
  const planner = new SplitPlanner({ partBytes });
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = Math.max(1, chunkSizes[i % chunkSizes.length]);
    planner.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return planner.end();
}

function parseParts(data: Buffer, planned: ReturnType<typeof plan>): ParsedRow[] {
  const rows: ParsedRow[] = [];
  planned.parts.forEach((part, index) => {
    const parser = new CsvParser(
      {
        header: () => undefined,
        row: (row) =>
          rows.push({ number: row.number, values: Array.from({ length: row.length }, (_, i) => row.text(i)) }),
      },
      index === 0 ? {} : { header: planned.header, firstRow: part.firstRow },
    );
    parser.push(data.subarray(part.start, part.end));
    parser.end();
  });
  return rows;
}

const field = fc.oneof(
  fc.constantFrom('', 'a', 'b c', '1.5', '-0', '""', '\uFEFF', 'é'),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('x,y', 'say "hi"', 'two\nlines', 'cr\ronly', 'crlf\r\nend', '\n', '\r\n'),
);

const table = fc
  .record({
    columns: fc.integer({ min: 1, max: 4 }),
    rows: fc.integer({ min: 0, max: 25 }),
    lineEnd: fc.constantFrom('\n', '\r\n', '\r'),
    bom: fc.boolean(),
    blankLines: fc.boolean(),
    trailingLineEnd: fc.boolean(),
    seed: fc.array(field, { minLength: 120, maxLength: 120 }),
    quoteAll: fc.boolean(),
  })
  .map((t) => {
    const quote = (value: string) =>
      t.quoteAll || /[",\r\n]/.test(value) || value === '' ? `"${value.replace(/"/g, '""')}"` : value;
    const lines = [Array.from({ length: t.columns }, (_, c) => quote(`col${c}`)).join(',')];
    for (let r = 0; r < t.rows; r++) {
      lines.push(Array.from({ length: t.columns }, (_, c) => quote(t.seed[(r * t.columns + c) % 120])).join(','));
      if (t.blankLines && r % 5 === 2) lines.push('');
    }
    const body = lines.join(t.lineEnd) + (t.trailingLineEnd ? t.lineEnd : '');
    return Buffer.from((t.bom ? '\uFEFF' : '') + body, 'utf8');
  });

describe('SplitPlanner', () => {
  it('plans ranges whose parts parse to exactly the rows of the whole file (fast-check, 500 runs)', () => {
    fc.assert(
      fc.property(
        table,
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }),
        (data, partBytes, chunks) => {
          const whole = parseWhole(data);
          const planned = plan(data, partBytes, chunks);
          expect(planned.header).toEqual(whole.header);
          expect(planned.rows).toBe(whole.rows.length);
          expect(planned.bytes).toBe(data.length);
          expect(planned.parts[0].start).toBe(0);
          expect(planned.parts.at(-1)?.end).toBe(data.length);
          for (let i = 1; i < planned.parts.length; i++) {
            expect(planned.parts[i].start).toBe(planned.parts[i - 1].end);
            expect(data[planned.parts[i].start]).not.toBe(0xef);
          }
          expect(planned.parts.reduce((sum, part) => sum + part.rows, 0)).toBe(whole.rows.length);
          expect(parseParts(data, planned)).toEqual(whole.rows);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('cuts a large file into many parts near the requested size', () => {
    const lines = ['a,b'];
    for (let i = 0; i < 10_000; i++) lines.push(`${i},"row ${i}\nwith a break"`);
    const data = Buffer.from(lines.join('\r\n'));
    const planned = plan(data, 4096, [65536]);
    expect(planned.parts.length).toBeGreaterThan(data.length / 4096 - 5);
    for (const part of planned.parts.slice(0, -1)) expect(part.end - part.start).toBeGreaterThanOrEqual(4096);
    expect(parseParts(data, planned)).toEqual(parseWhole(data).rows);
  });

  it('rejects an empty file and an unterminated quote like the parser does', () => {
    expect(() => plan(Buffer.alloc(0), 10, [1])).toThrow(InputError);
    expect(() => plan(Buffer.from('a,b\n1,"open\n'), 10, [3])).toThrow(/never closed/);
  });
});

/** A labelled, predicted table whose free-text column carries every line-break and quoting case between its rows. */
const labelledTable = fc
  .record({
    rows: fc.array(
      fc.record({
        label: fc.constantFrom('0', '1', '1', ''),
        facet: fc.constantFrom('F', 'M', 'X', 'F', ''),
        group: fc.constantFrom('a', 'b', 'c d'),
        prediction: fc.constantFrom('0', '1'),
        note: fc.constantFrom('plain', 'x,y', 'say "hi"', 'two\nlines', 'cr\ronly', 'crlf\r\nend', '\n', ''),
      }),
      { minLength: 0, maxLength: 40 },
    ),
    lineEnd: fc.constantFrom('\n', '\r\n', '\r'),
    bom: fc.boolean(),
    blankLines: fc.boolean(),
    quoteAll: fc.boolean(),
  })
  .map((t) => {
    const quote = (value: string) =>
      t.quoteAll || /[",\r\n]/.test(value) || value === '' ? `"${value.replace(/"/g, '""')}"` : value;
    const lines = [['label', 'note', 'facet', 'group', 'prediction'].map(quote).join(',')];
    t.rows.forEach((row, index) => {
      lines.push([row.label, row.note, row.facet, row.group, row.prediction].map(quote).join(','));
      if (t.blankLines && index % 7 === 3) lines.push('');
    });
    return Buffer.from((t.bom ? '\uFEFF' : '') + lines.join(t.lineEnd) + t.lineEnd, 'utf8');
  });

/** The report, or the input error that stops it (too few facets, a non-binary column). */
function reportOrError(counts: BiasCounts, spec: BiasSpec): unknown {
  try {
    return biasReport(counts, { thresholds: resolveBiasThresholds(spec) });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { error: error.message };
  }
}

describe('BiasCounts over planned ranges', () => {
  it('stored per range and merged in file order, equal one pass exactly: counts, metrics and verdict (fast-check, 300 runs)', () => {
    fc.assert(
      fc.property(
        labelledTable,
        fc.integer({ min: 1, max: 160 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom<BiasSpec>(
          { label: 'label', facet: 'facet', facetValue: 'F' },
          { label: 'label', facet: 'facet', facetValue: 'F', group: 'group', prediction: 'prediction' },
        ),
        (data, partBytes, chunks, spec) => {
          const whole = new BiasCounts(spec, 'the file');
          parseCsv(data, whole);
          const planned = plan(data, partBytes, chunks);
          let merged: BiasCounts | undefined;
          planned.parts.forEach((part, index) => {
            const counts = new BiasCounts(spec, 'the file');
            parseCsv(data.subarray(part.start, part.end), counts, {
              ...(index === 0 ? {} : { header: planned.header }),
              firstRow: part.firstRow,
            });
            const stored = deserializeBiasCounts(serializeBiasCounts(counts), spec, 'part', 'the file');
            if (merged === undefined) merged = stored;
            else merged.merge(stored);
          });
          const result = merged as BiasCounts;
          expect(serializeBiasCounts(result)).toBe(serializeBiasCounts(whole));
          expect(reportOrError(result, spec)).toEqual(reportOrError(whole, spec));
        },
      ),
      { numRuns: 300 },
    );
  });
});
