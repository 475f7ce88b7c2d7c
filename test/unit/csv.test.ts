/**
 * The streaming CSV reader: every RFC 4180 feature by hand, every error with the row it names, and a round-trip
 * property over random tables, random quoting, line ends, BOM and random chunk splits (inside multibyte characters
 * and inside CRLF included).
 */
import fc from 'fast-check';
import { InputError } from '../../lambdas/shared/errors';
import { CsvParser, parseCsv, parseCsvToArrays, readCsv } from '../../lambdas/stats/csv';

interface Parsed {
  header: string[];
  rows: string[][];
  numbers: number[];
}
/** Parses `data` pushed in the given chunks. */
function parseChunks(chunks: readonly Uint8Array[], source?: string): Parsed {
  const names: string[][] = [];
  const rows: string[][] = [];
  const numbers: number[] = [];
  const parser = new CsvParser(
    {
      header: (h) => names.push([...h]),
      row: (row) => {
        const values: string[] = [];
        for (let i = 0; i < row.length; i++) {
          const text = row.text(i);
          values.push(text);
          if (row.isEmpty(i) !== (text === '')) throw new Error(`isEmpty(${i}) disagrees with ${JSON.stringify(text)}`);
          if (row.bytes(i).toString('utf8') !== text) throw new Error(`bytes(${i}) disagrees with text(${i})`);
        }
        rows.push(values);
        numbers.push(row.number);
      },
    },
    source === undefined ? {} : { source },
  );
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  if (names.length !== 1) throw new Error(`header delivered ${names.length} times`);
  expect(parser.rows).toBe(rows.length);
  return { header: names[0], rows, numbers };
}

function parse(data: string | Buffer): { header: string[]; rows: string[][] } {
  return parseCsvToArrays(data);
}

function bytesOf(...parts: (string | number[])[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));
}

/** The InputError thrown by `run`, failing the test when there is none or it is of another kind. */
function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).name).toBe('Warden.InputError');
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

function everyByte(data: Buffer): Buffer[] {
  return [...data].map((byte) => Buffer.from([byte]));
}

describe('CsvParser: features', () => {
  it.each([
    ['LF', 'a,b\n1,2\n3,4\n'],
    ['CRLF', 'a,b\r\n1,2\r\n3,4\r\n'],
    ['CR', 'a,b\r1,2\r3,4\r'],
    ['mixed', 'a,b\r\n1,2\r3,4\n'],
    ['no final line end', 'a,b\n1,2\n3,4'],
    ['BOM', '\uFEFFa,b\n1,2\n3,4\n'],
    ['BOM and CRLF without final line end', '\uFEFFa,b\r\n1,2\r\n3,4'],
  ])('reads the header and rows with %s', (_name, text) => {
    expect(parse(text)).toEqual({
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
    });
  });

  it('numbers data rows from 1, header excluded, and counts them', () => {
    const parsed = parseChunks([Buffer.from('h\nx\ny\nz\n')]);
    expect(parsed.numbers).toEqual([1, 2, 3]);
    expect(parseCsv('a,b\n1,2\n\n3,4\n', { header: () => undefined, row: () => undefined })).toBe(2);
  });

  it('reads quoted fields with commas, escaped quotes and line breaks of every kind', () => {
    const text = 'name,note\r\n"Smith, J","He said ""hi"""\r\n"multi\nline","cr\ronly"\r\n"crlf\r\ninside",""""\r\n';
    expect(parse(text)).toEqual({
      header: ['name', 'note'],
      rows: [
        ['Smith, J', 'He said "hi"'],
        ['multi\nline', 'cr\ronly'],
        ['crlf\r\ninside', '"'],
      ],
    });
  });

  it('treats a,,b and "" as empty (missing) fields and keeps spaces', () => {
    const missing: boolean[][] = [];
    parseCsv('a,b,c\n1,,3\n"",""," "\n,,\n', {
      header: () => undefined,
      row: (row) => missing.push([0, 1, 2].map((i) => row.isEmpty(i))),
    });
    expect(missing).toEqual([
      [false, true, false],
      [true, true, false],
      [true, true, true],
    ]);
    expect(parse('a,b\n x , y \n').rows).toEqual([[' x ', ' y ']]);
  });

  it('skips blank lines (LF, CRLF, CR, before the header and at the end) when there are several columns', () => {
    expect(parse('\n\r\na,b\n\n1,2\r\n\r\n\r3,4\n\n\n')).toEqual({
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
    });
  });

  it('reads blank lines as empty values when the file has a single column', () => {
    expect(parse('x\n1\n\n2\r\n\r\n""\n')).toEqual({ header: ['x'], rows: [['1'], [''], ['2'], [''], ['']] });
    expect(parse('x\n1\n')).toEqual({ header: ['x'], rows: [['1']] });
    expect(parse('x\n1\n\n')).toEqual({ header: ['x'], rows: [['1'], ['']] });
    expect(parse('\n\nx\n1')).toEqual({ header: ['x'], rows: [['1']] });
  });

  it('reads a header-only file as zero rows', () => {
    expect(parse('a,b,c\n')).toEqual({ header: ['a', 'b', 'c'], rows: [] });
    expect(parse('a,b,c')).toEqual({ header: ['a', 'b', 'c'], rows: [] });
  });

  it('keeps empty last fields (trailing comma) and quoted header names', () => {
    expect(parse('"a,1",b\n1,\n,\n')).toEqual({
      header: ['a,1', 'b'],
      rows: [
        ['1', ''],
        ['', ''],
      ],
    });
  });

  it('decodes UTF-8 (2-, 3- and 4-byte characters) and strips only one leading BOM', () => {
    expect(parse('\uFEFFnom,ville\nRené,東京\n🦊,€\n')).toEqual({
      header: ['nom', 'ville'],
      rows: [
        ['René', '東京'],
        ['🦊', '€'],
      ],
    });
    expect(parse('\uFEFF\uFEFFa\n1\n').header).toEqual(['\uFEFFa']);
    expect(parse('a,\uFEFFb\n1,2\n').header).toEqual(['a', '\uFEFFb']);
  });

  it('parses numbers straight from the field bytes (quoted plain numbers too, escaped fields never)', () => {
    const seen: [number, number, number, number][] = [];
    parseCsv('a,b,c,d\n1.5,"2e3",-7,"1""2"\n1.0,x,"",+3\n', {
      header: () => undefined,
      row: (row) => seen.push([row.decimal(0), row.decimal(1), row.integer(2), row.integer(3)]),
    });
    expect(seen[0]).toEqual([1.5, 2000, -7, NaN]);
    expect(seen[1][0]).toBe(1);
    expect(seen[1][1]).toBeNaN();
    expect(seen[1][2]).toBeNaN();
    expect(seen[1][3]).toBe(3);
  });

  it('handles rows with many fields (the row view grows)', () => {
    const header = Array.from({ length: 100 }, (_, i) => `c${i}`);
    const row = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? `"q,${i}"` : String(i)));
    const parsed = parse(`${header.join(',')}\n${row.join(',')}\n${row.join(',')}\n`);
    expect(parsed.header).toEqual(header);
    expect(parsed.rows[1]).toEqual(row.map((field) => field.replace(/^"(.*)"$/, '$1')));
  });

  it('reads a byte stream with readCsv and resolves to the row count', async () => {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('\xEF', 'latin1');
      yield Buffer.from('\xBB\xBFa,b\r', 'latin1');
      yield new Uint8Array(Buffer.from('\n"x\r'));
      yield Buffer.from('\ny",2\r\n3,4');
    }
    const header: string[] = [];
    const seen: string[][] = [];
    await expect(
      readCsv(chunks(), {
        header: (names) => header.push(...names),
        row: (row) => seen.push([row.text(0), row.text(1)]),
      }),
    ).resolves.toBe(2);
    expect(header).toEqual(['a', 'b']);
    expect(seen).toEqual([
      ['x\r\ny', '2'],
      ['3', '4'],
    ]);
  });

  it('gives the same result for every split of a tricky document into three chunks', () => {
    const data = bytesOf('\uFEFFé,"q""uo,te"\r\n"a\r\nb",€\r\n🦊,\r\n\r\n,"x"\r1,2');
    const expected = {
      header: ['é', 'q"uo,te'],
      rows: [
        ['a\r\nb', '€'],
        ['🦊', ''],
        ['', 'x'],
        ['1', '2'],
      ],
    };
    expect(parse(data)).toEqual(expected);
    for (let i = 0; i <= data.length; i++) {
      for (let j = i; j <= data.length; j++) {
        const parsed = parseChunks([data.subarray(0, i), data.subarray(i, j), data.subarray(j)]);
        expect({ header: parsed.header, rows: parsed.rows }).toEqual(expected);
      }
    }
    const oneByte = parseChunks(everyByte(data));
    expect({ header: oneByte.header, rows: oneByte.rows }).toEqual(expected);
  });
});

describe('CsvParser: work', () => {
  /** Pushes `data` in chunks of `size` bytes; returns the fields of the rows read and the parser's work. */
  function readInChunks(data: Buffer, size: number): { rows: string[][]; touched: number } {
    const rows: string[][] = [];
    const parser = new CsvParser({
      header: () => undefined,
      row: (row) => rows.push(Array.from({ length: row.length }, (_, i) => row.text(i))),
    });
    for (let offset = 0; offset < data.length; offset += size) parser.push(data.subarray(offset, offset + size));
    parser.end();
    return { rows, touched: parser.bytesTouched };
  }

  // Scanning each byte once, copying each into the carry once, and the doubling of the carry: at most 4 times the row.
  it.each([
    ['an unquoted cell of 4 MiB', `a,b\n1,${'G'.repeat(4 * 1024 * 1024)}\n2,3\n`],
    [
      'a quoted cell of 4 MiB with line breaks and escaped quotes',
      `a,b\n1,"${'say ""hi""\r\n'.repeat(300_000)}"\n2,3\n`,
    ],
    ['a row of 200 000 fields', `${'h,'.repeat(199_999)}h\n${'12,'.repeat(199_999)}12\n`],
  ])('reads %s arriving in 4 KiB chunks in work linear in its bytes', (_what, text) => {
    const data = Buffer.from(text);
    const { rows, touched } = readInChunks(data, 4096);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(parseCsvToArrays(data).rows);
    // Re-reading the pending row with every chunk would take about (chunks / 2) times the row: some 500 times here.
    expect(touched).toBeLessThanOrEqual(5 * data.length);
  });

  it.each([
    [1, 4],
    [7, 4],
    [4096, 2],
    [Infinity, 1],
  ])('touches each byte of short rows a few times at most in chunks of %d bytes (at most %d)', (size, times) => {
    const data = Buffer.from(`a,b,c\n${'1,"x,y",2.5\n'.repeat(50_000)}`);
    const { rows, touched } = readInChunks(data, size);
    expect(rows).toHaveLength(50_000);
    expect(touched).toBeLessThanOrEqual(times * data.length);
  });
});

describe('CsvParser: errors', () => {
  it.each([
    ['more fields', 'a,b\n1,2\n3,4,5\n', /^Row 2 of the file has 3 fields but the header has 2\.$/],
    ['fewer fields', 'a,b,c\n1,2,3\n4,5,6\n7,8\n', /^Row 3 of the file has 2 fields but the header has 3\.$/],
    ['one field', 'a,b\n1,2\n"x"\n', /^Row 2 of the file has 1 field but the header has 2\.$/],
    ['after blank lines', 'a,b\n\n1,2\n\n\n3\n', /^Row 2 of the file has 1 field/],
    ['in the last line without line end', 'a,b\n1,2\n3,4,', /^Row 2 of the file has 3 fields/],
  ])('rejects a ragged row (%s) naming the data row', (_name, text, message) => {
    expect(inputError(() => parse(text)).message).toMatch(message);
  });

  it('names the same row when the data arrives one byte at a time', () => {
    const error = inputError(() => parseChunks(everyByte(Buffer.from('a,b\r\n1,2\r\n3,4\r\n5\r\n6,7\r\n'))));
    expect(error.message).toBe('Row 3 of the file has 1 field but the header has 2.');
  });

  it.each([
    ['at the end of the file', 'a,b\n1,2\n3,"open\n4,5\n', 2],
    ['in the first data row', 'a,b\n"x,y\n', 1],
    ['right after the opening quote', 'a,b\n1,2\n3,"', 2],
  ])('rejects a quote that is never closed (%s) naming the row', (_name, text, row) => {
    expect(inputError(() => parse(text)).message).toBe(
      `Row ${row} of the file has a quoted field that is never closed.`,
    );
    expect(inputError(() => parseChunks(everyByte(Buffer.from(text)))).message).toContain(`Row ${row} `);
  });

  it.each([
    ['letters', 'a,b\n1,2\n"x"y,3\n', 2],
    ['a space', 'a,b\n"x" ,3\n', 1],
    ['a second quoted part', 'a,b\n1,2\n3,4\n5,"x""y"z"\n', 3],
  ])('rejects text after a closing quote (%s) naming the row', (_name, text, row) => {
    expect(inputError(() => parse(text)).message).toBe(
      `Row ${row} of the file has text after a closing quote; quote the whole field.`,
    );
  });

  it.each([
    ['a lone 0xFF', bytesOf('a,b\n1,', [0xff], '\n'), 6],
    ['in the header', bytesOf('a', [0xfe], ',b\n1,2\n'), 1],
    ['after a BOM (offsets count the BOM)', bytesOf([0xef, 0xbb, 0xbf], 'a\n', [0xc3], '\n'), 5],
    ['an overlong encoding', bytesOf('a\nx', [0xc0, 0x80], '\n'), 3],
    ['a UTF-16 surrogate', bytesOf('a\n', [0xed, 0xa0, 0x80], '\n'), 2],
    ['a truncated character at the end', bytesOf('a\nok\n', [0xe2, 0x82]), 5],
    ['a Latin-1 file', Buffer.from('name\nRené\n', 'latin1'), 8],
    ['inside a quoted field', bytesOf('a,b\n"x\n', [0x80], '",1\n'), 7],
    ['in a CR-terminated row', bytesOf('a\r1\r', [0xff], '\rb\r'), 4],
    ['in a CR-terminated row of several columns', bytesOf('a,b\r1,2\r3,', [0x9f], '\r5,6\r7,8\r'), 10],
  ])('rejects bytes that are not UTF-8 (%s) naming the offset', (_name, data, offset) => {
    const expected = `The bytes of the file are not valid UTF-8 (invalid byte at offset ${offset}).`;
    expect(inputError(() => parse(data)).message).toBe(expected);
    expect(inputError(() => parseChunks(everyByte(data))).message).toBe(expected);
    expect(inputError(() => parseChunks([data.subarray(0, 4), data.subarray(4)])).message).toBe(expected);
  });

  it.each([
    ['no bytes', Buffer.alloc(0)],
    ['only a BOM', Buffer.from([0xef, 0xbb, 0xbf])],
    ['only blank lines', Buffer.from('\n\r\n\r\n')],
  ])('rejects an empty file (%s)', (_name, data) => {
    expect(inputError(() => parse(data)).message).toBe('No header row in the file: it is empty.');
    expect(inputError(() => parseChunks([])).message).toBe('No header row in the file: it is empty.');
  });

  it('names the source exactly as given, whatever its case', () => {
    const run = (data: string | Buffer) =>
      inputError(() => parseCsv(data, { header: () => undefined, row: () => undefined }, { source: 'data/raw.csv' }));
    expect(run('').message).toBe('No header row in data/raw.csv: it is empty.');
    expect(run('a,b\n1\n').message).toBe('Row 1 of data/raw.csv has 1 field but the header has 2.');
    expect(run(bytesOf('a\n', [0xff])).message).toBe(
      'The bytes of data/raw.csv are not valid UTF-8 (invalid byte at offset 2).',
    );
  });

  it('stops a runaway quote at maxRowBytes instead of buffering the whole stream', () => {
    const parser = new CsvParser({ header: () => undefined, row: () => undefined }, { maxRowBytes: 1000 });
    parser.push(Buffer.from('a,b\n1,"never closed'));
    const chunk = Buffer.alloc(100, 'x');
    const error = inputError(() => {
      for (let i = 0; i < 20; i++) parser.push(chunk);
    });
    expect(error.message).toBe('Row 1 of the file is longer than 1000 bytes; is a quote left open?');
  });
});

/** Characters that stress the reader: separators, quotes, line ends, multibyte UTF-8 and lookalikes. */
const fieldUnit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'z', '0', '9', ' ', '.', '-') },
  { weight: 4, arbitrary: fc.constantFrom(',', '"', '\r', '\n', '\r\n', '""') },
  { weight: 3, arbitrary: fc.constantFrom('é', 'ß', '€', '東', '🦊', '𝄞', '\uFEFF', '\u2028', '\t', '\u0000') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const field = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 4, arbitrary: fc.string({ unit: fieldUnit, maxLength: 8 }) },
);

const table = fc.integer({ min: 1, max: 5 }).chain((columns) =>
  fc.record({
    header: fc.array(field, { minLength: columns, maxLength: columns }),
    rows: fc.array(fc.array(field, { minLength: columns, maxLength: columns }), { maxLength: 8 }),
  }),
);

const layout = fc.record({
  lineEnd: fc.constantFrom('\n', '\r\n', '\r'),
  bom: fc.boolean(),
  finalLineEnd: fc.boolean(),
  quoteSeed: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
});

interface Layout {
  readonly lineEnd: string;
  readonly bom: boolean;
  readonly finalLineEnd: boolean;
  readonly quoteSeed: readonly boolean[];
}

/** Serializes with random quoting, quoting every field that needs it. */
function serialize(lines: readonly (readonly string[])[], options: Layout): Buffer {
  let choice = 0;
  const singleColumn = lines[0].length === 1;
  const text = lines
    .map((line, lineIndex) =>
      line
        .map((value, column) => {
          const atFileStart = lineIndex === 0 && column === 0 && !options.bom;
          const isLast = lineIndex === lines.length - 1;
          const needsQuotes =
            /[",\r\n]/.test(value) ||
            (atFileStart && value.startsWith('\uFEFF')) ||
            // A single empty unquoted field is a blank line: skipped before the header, lost at the very end.
            (singleColumn && value === '' && (lineIndex === 0 || (isLast && !options.finalLineEnd)));
          const quote = needsQuotes || options.quoteSeed[choice++ % options.quoteSeed.length];
          return quote ? `"${value.replace(/"/g, '""')}"` : value;
        })
        .join(','),
    )
    .join(options.lineEnd);
  return Buffer.concat([
    Buffer.from(options.bom ? [0xef, 0xbb, 0xbf] : []),
    Buffer.from(options.finalLineEnd ? `${text}${options.lineEnd}` : text, 'utf8'),
  ]);
}

/** Chunkings: whole, single bytes, or random cut points (which land inside characters and CRLF pairs). */
const chunking = fc.oneof(
  fc.constant<'whole' | 'bytes'>('whole'),
  fc.constant<'whole' | 'bytes'>('bytes'),
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
);

function split(data: Buffer, how: 'whole' | 'bytes' | number[]): Buffer[] {
  if (how === 'whole') return [data];
  if (how === 'bytes') return everyByte(data);
  const cuts = how.map((f) => Math.floor(f * data.length)).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, data.length]) {
    chunks.push(data.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

describe('CsvParser: round trip', () => {
  it('parses any serialized table back to itself, however the bytes are chunked', () => {
    fc.assert(
      fc.property(table, layout, chunking, ({ header, rows }, options, how) => {
        const data = serialize([header, ...rows], options);
        const parsed = parseChunks(split(data, how));
        expect(parsed.header).toEqual(header);
        expect(parsed.rows).toEqual(rows);
        expect(parsed.numbers).toEqual(rows.map((_, i) => i + 1));
      }),
      { numRuns: 1500 },
    );
  });

  it('reports the offset of a byte that is not UTF-8 wherever it is and however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        table,
        layout,
        chunking,
        fc.double({ min: 0, max: 1, noNaN: true }),
        ({ header, rows }, options, how, where) => {
          const data = serialize([header, ...rows], options);
          // Insert at a character boundary, away from quotes (text after a closing quote is its own error) and not in
          // front of the BOM (which would turn the BOM into text of the first field).
          const candidates: number[] = [];
          for (let i = options.bom ? 3 : 0; i <= data.length; i++) {
            const atBoundary = i === data.length || (data[i] & 0xc0) !== 0x80;
            if (atBoundary && data[i - 1] !== 0x22 && data[i] !== 0x22) candidates.push(i);
          }
          fc.pre(candidates.length > 0);
          const offset = candidates[Math.min(candidates.length - 1, Math.floor(where * candidates.length))];
          const corrupt = Buffer.concat([data.subarray(0, offset), Buffer.from([0xff]), data.subarray(offset)]);
          const error = inputError(() => parseChunks(split(corrupt, how)));
          expect(error.message).toBe(`The bytes of the file are not valid UTF-8 (invalid byte at offset ${offset}).`);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('parts of a split file', () => {
  it('takes the header from the options and numbers rows from firstRow', () => {
    const seen: { header: readonly string[]; rows: [number, string][] } = { header: [], rows: [] };
    parseCsv(
      'x,1\ny,2\n',
      {
        header: (names) => {
          seen.header = names;
        },
        row: (row) => {
          seen.rows.push([row.number, row.text(0)]);
        },
      },
      { header: ['name', 'value'], firstRow: 41 },
    );
    expect(seen).toEqual({
      header: ['name', 'value'],
      rows: [
        [41, 'x'],
        [42, 'y'],
      ],
    });
  });

  it('names the row in the whole file when a part has a ragged row', () => {
    expect(() =>
      parseCsv('x,1\ny\n', { header: () => undefined, row: () => undefined }, { header: ['a', 'b'], firstRow: 100 }),
    ).toThrow('Row 101 of the file has 1 field but the header has 2.');
  });
});
