/**
 * Streaming RFC 4180 CSV reader that works on bytes.
 *
 * Rows are handed out as a reusable {@link CsvRow} view of field offsets into the current buffer, so numeric fields are
 * parsed straight from bytes and no string is built unless a caller asks for one. Memory is bounded by the chunk size
 * plus twice the longest row. Handles a UTF-8 BOM, CRLF / LF / CR line ends, quoted fields with commas, escaped quotes
 * (`""`) and line breaks, and rejects ragged rows, unterminated quotes and bytes that are not UTF-8 with the row or
 * byte where it happened. Work is linear in the input however it is chunked: a row that spans chunks is scanned on
 * from where the last chunk left it, and kept in a buffer that grows by doubling.
 */
import { isUtf8 } from 'node:buffer';
import { InputError } from '../shared/errors';
import { parseDecimal, parseInteger } from './number';

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;
const FIELD_QUOTED = 1;
const FIELD_ESCAPED = 2;
/** Where the scanner is in a row: before a field, inside one (unquoted or quoted), or right after one. */
const AT_FIELD = 0;
const IN_UNQUOTED = 1;
const IN_QUOTED = 2;
const AFTER_FIELD = 3;
const EMPTY = Buffer.alloc(0);
const QUOTE_PAIR = /""/g;

/** A reusable view of one parsed row; valid only during the callback that receives it. */
export class CsvRow {
  /** 1-based data row number (the header is not counted). */
  number = 0;
  /** Number of fields in this row. */
  length = 0;
  buffer: Buffer = EMPTY;
  starts = new Int32Array(16);
  ends = new Int32Array(16);
  flags = new Uint8Array(16);

  /** True when field `i` is empty (`a,,b` or `a,"",b`): a missing value. */
  isEmpty(i: number): boolean {
    return this.ends[i] === this.starts[i];
  }

  /** Field `i` decoded as UTF-8 text with escaped quotes resolved. */
  text(i: number): string {
    const raw = this.buffer.toString('utf8', this.starts[i], this.ends[i]);
    return this.flags[i] & FIELD_ESCAPED ? raw.replace(QUOTE_PAIR, '"') : raw;
  }

  /** True when field `i` contained escaped quotes: its bytes in `buffer` are not its value. */
  hasEscapes(i: number): boolean {
    return (this.flags[i] & FIELD_ESCAPED) !== 0;
  }

  /** Field `i` as raw bytes with escaped quotes resolved (a copy only when there were escapes). */
  bytes(i: number): Buffer {
    const view = this.buffer.subarray(this.starts[i], this.ends[i]);
    return this.flags[i] & FIELD_ESCAPED ? Buffer.from(this.text(i), 'utf8') : view;
  }

  /** Field `i` as a finite decimal number, `NaN` when it is not one. */
  decimal(i: number): number {
    return this.flags[i] & FIELD_ESCAPED ? NaN : parseDecimal(this.buffer, this.starts[i], this.ends[i]);
  }

  /** Field `i` as an integer literal, `NaN` when it is not one. */
  integer(i: number): number {
    return this.flags[i] & FIELD_ESCAPED ? NaN : parseInteger(this.buffer, this.starts[i], this.ends[i]);
  }

  /** @internal */
  reserve(count: number): void {
    if (count <= this.starts.length) return;
    const size = Math.max(count, this.starts.length * 2);
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const flags = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    flags.set(this.flags);
    this.starts = starts;
    this.ends = ends;
    this.flags = flags;
  }
}

/** Receives the header once, then every data row in order. */
export interface CsvHandler {
  header(names: readonly string[]): void;
  row(row: CsvRow): void;
}

export interface CsvParserOptions {
  /** Largest row accepted, in bytes, so one runaway quote cannot exhaust memory. @default 64 MiB */
  readonly maxRowBytes?: number;
  /** Name used in error messages. @default 'the file' */
  readonly source?: string;
  /**
   * Column names of a part that carries no header row (a byte range after the first one of a split file); the
   * handler receives them before the first row. @default the first row is the header
   */
  readonly header?: readonly string[];
  /** Row number of this part's first data row within the whole file. @default 1 */
  readonly firstRow?: number;
}

/**
 * Where the scanner stopped in a row the bytes so far do not complete, so that the next chunk goes on from there; its
 * offsets count from the row's first byte, which is the first byte of the carry.
 */
interface PendingRow {
  phase: number;
  /** Fields of the row already delimited (their offsets are in the row view). */
  fields: number;
  /** First byte of the field being scanned, and its flags. */
  start: number;
  flags: number;
  /** Next byte to scan. */
  position: number;
}

/** Push-based parser: feed chunks in order with {@link push}, then call {@link end}. */
export class CsvParser {
  private readonly row = new CsvRow();
  private readonly maxRowBytes: number;
  private readonly source: string;
  /** Holds the carry (the bytes of the row the chunks so far do not complete) at its front, with room to grow. */
  private store: Buffer = EMPTY;
  private carryLength = 0;
  /** Leading bytes of the carry already checked to be UTF-8. */
  private carryChecked = 0;
  private readonly pending: PendingRow = { phase: AT_FIELD, fields: 0, start: 0, flags: 0, position: 0 };
  private touched = 0;
  private consumed = 0;
  private started = false;
  private columns = -1;
  private dataRows = 0;
  /** Data rows of the whole file that precede this part. */
  private readonly rowBase: number;

  constructor(
    private readonly handler: CsvHandler,
    options: CsvParserOptions = {},
  ) {
    this.maxRowBytes = options.maxRowBytes ?? 64 * 1024 * 1024;
    this.source = options.source ?? 'the file';
    this.rowBase = (options.firstRow ?? 1) - 1;
    if (options.header !== undefined) {
      this.columns = options.header.length;
      handler.header(options.header);
    }
  }

  /** Data rows delivered so far. */
  get rows(): number {
    return this.dataRows;
  }

  /**
   * Bytes scanned for field and row ends plus bytes copied to keep rows that span chunks: the parser's work, linear in
   * the input however it is chunked (tests and benchmarks measure it).
   */
  get bytesTouched(): number {
    return this.touched;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const incoming = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let buffer = this.carryLength === 0 ? incoming : this.appendToCarry(incoming);
    const first = !this.started;
    if (first) {
      if (buffer.length < 3 && buffer[0] === 0xef) {
        this.carryOver(buffer);
        return;
      }
      this.started = true;
      if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) {
        buffer = buffer.subarray(3);
        this.consumed += 3;
      }
    }
    // UTF-8 sequences never contain CR or LF bytes, so checking up to the last one never splits a character, and every
    // row that parse() can complete ends at or before it. A carry was checked up to its last one already (but for the
    // bytes held back before the first parse): only the incoming bytes are searched, as searching the whole buffer
    // would scan a long row again with every chunk.
    let checked = this.carryLength === 0 ? 0 : this.carryChecked;
    const lineEnd = lineEndFrom(buffer, first ? 0 : buffer.length - incoming.length);
    if (lineEnd > checked) {
      this.checkUtf8(buffer, checked, lineEnd);
      checked = lineEnd;
    }
    const used = this.parse(buffer, false);
    this.consumed += used;
    this.carryOver(buffer.subarray(used));
    this.carryChecked = Math.max(0, checked - used);
    if (this.carryLength > this.maxRowBytes) {
      throw new InputError(
        `Row ${this.rowBase + this.dataRows + 1} of ${this.source} is longer than ${this.maxRowBytes} bytes; is a quote left open?`,
      );
    }
  }

  end(): void {
    const buffer = this.store.subarray(0, this.carryLength);
    this.carryOver(EMPTY);
    if (buffer.length > 0) {
      this.checkUtf8(buffer, this.carryChecked, buffer.length);
      this.parse(buffer, true);
    }
    if (this.columns < 0) throw new InputError(`No header row in ${this.source}: it is empty.`);
  }

  /** The carry followed by `incoming`, in the store; a full store is replaced by one twice as large. */
  private appendToCarry(incoming: Buffer): Buffer {
    const length = this.carryLength + incoming.length;
    if (length > this.store.length) {
      const grown = Buffer.allocUnsafe(Math.max(length, 2 * this.store.length));
      this.store.copy(grown, 0, 0, this.carryLength);
      this.touched += this.carryLength;
      this.store = grown;
    }
    incoming.copy(this.store, this.carryLength);
    this.touched += incoming.length;
    return this.store.subarray(0, length);
  }

  /** Keeps `rest`, the start of a row the bytes so far do not complete, as the carry. */
  private carryOver(rest: Buffer): void {
    this.carryLength = rest.length;
    if (rest.length === 0) {
      this.store = EMPTY;
    } else if (rest.buffer !== this.store.buffer || rest.byteOffset !== this.store.byteOffset) {
      // A copy: `rest` is the end of the caller's chunk, or sits after rows that are done with.
      this.store = Buffer.from(rest);
      this.touched += rest.length;
    }
  }

  private checkUtf8(buffer: Buffer, from: number, to: number): void {
    if (isUtf8(buffer.subarray(from, to))) return;
    const offset = this.consumed + from + firstInvalidUtf8(buffer.subarray(from, to));
    throw new InputError(`The bytes of ${this.source} are not valid UTF-8 (invalid byte at offset ${offset}).`);
  }

  /**
   * Parses the complete rows of `buffer`, going on from where the last call stopped in its first row; returns the
   * number of bytes consumed. Unless `final`, a row the bytes do not complete is left pending (see {@link suspend}).
   */
  private parse(buffer: Buffer, final: boolean): number {
    const row = this.row;
    const length = buffer.length;
    let { phase, fields, start, flags, position: i } = this.pending;
    const from = i;
    let rowStart = 0;
    row.buffer = buffer;
    for (;;) {
      if (phase === AT_FIELD) {
        // Done, or a field whose first byte (a quote or not) is yet to come: the row waits for the next chunk.
        if (i >= length && (fields === 0 || !final)) {
          return this.suspend(rowStart, { phase, fields, start: i, flags, position: i }, from);
        }
        if (fields === row.starts.length) row.reserve(fields + 1);
        if (buffer[i] === QUOTE) {
          flags = FIELD_QUOTED;
          start = ++i;
          phase = IN_QUOTED;
        } else {
          flags = 0;
          start = i;
          phase = IN_UNQUOTED;
        }
      }
      if (phase === IN_UNQUOTED) {
        while (i < length) {
          const c = buffer[i];
          if (c === COMMA || c === LF || c === CR) break;
          i++;
        }
        if (i >= length && !final) return this.suspend(rowStart, { phase, fields, start, flags, position: i }, from);
        row.starts[fields] = start;
        row.ends[fields] = i;
        row.flags[fields] = flags;
        fields++;
        phase = AFTER_FIELD;
      } else if (phase === IN_QUOTED) {
        for (;;) {
          const j = buffer.indexOf(QUOTE, i);
          if (j < 0 || (j + 1 >= length && !final)) {
            if (final) throw this.unterminated();
            const position = j < 0 ? length : j;
            return this.suspend(rowStart, { phase, fields, start, flags, position }, from);
          }
          i = j + 1;
          if (buffer[i] !== QUOTE) break;
          flags |= FIELD_ESCAPED;
          i++;
        }
        row.starts[fields] = start;
        row.ends[fields] = i - 1;
        row.flags[fields] = flags;
        fields++;
        phase = AFTER_FIELD;
      }
      if (i < length) {
        const c = buffer[i];
        if (c === COMMA) {
          i++;
          phase = AT_FIELD;
          continue;
        }
        if (c === CR) {
          if (i + 1 >= length && !final) {
            return this.suspend(rowStart, { phase, fields, start, flags, position: i }, from);
          }
          i += buffer[i + 1] === LF ? 2 : 1;
        } else if (c === LF) {
          i++;
        } else {
          throw new InputError(
            `Row ${this.rowBase + this.dataRows + 1} of ${this.source} has text after a closing quote; quote the whole field.`,
          );
        }
      }
      const blank = fields === 1 && row.ends[0] === row.starts[0] && row.flags[0] === 0;
      if (!(blank && this.columns !== 1)) this.deliver(fields);
      rowStart = i;
      fields = 0;
      phase = AT_FIELD;
    }
  }

  /**
   * Leaves the row that starts at `rowStart` pending at `at`, with its offsets counted from the row's first byte (the
   * carry's first byte from the next call on); returns the bytes consumed.
   */
  private suspend(rowStart: number, at: PendingRow, from: number): number {
    const row = this.row;
    for (let f = 0; f < at.fields; f++) {
      row.starts[f] -= rowStart;
      row.ends[f] -= rowStart;
    }
    Object.assign(this.pending, at, { start: at.start - rowStart, position: at.position - rowStart });
    this.touched += at.position - from;
    return rowStart;
  }

  private deliver(fields: number): void {
    const row = this.row;
    row.length = fields;
    if (this.columns < 0) {
      const names: string[] = [];
      for (let f = 0; f < fields; f++) names.push(row.text(f));
      this.columns = fields;
      this.handler.header(names);
      return;
    }
    this.dataRows++;
    if (fields !== this.columns) {
      throw new InputError(
        `Row ${this.rowBase + this.dataRows} of ${this.source} has ${fields} field${fields === 1 ? '' : 's'} but the header has ${this.columns}.`,
      );
    }
    row.number = this.rowBase + this.dataRows;
    this.handler.row(row);
  }

  private unterminated(): InputError {
    return new InputError(
      `Row ${this.rowBase + this.dataRows + 1} of ${this.source} has a quoted field that is never closed.`,
    );
  }
}

/** Reads a whole byte stream (e.g. `fs.createReadStream`) through a handler; resolves to the data row count. */
export async function readCsv(
  source: AsyncIterable<Uint8Array>,
  handler: CsvHandler,
  options?: CsvParserOptions,
): Promise<number> {
  const parser = new CsvParser(handler, options);
  for await (const chunk of source) parser.push(chunk);
  parser.end();
  return parser.rows;
}

/** Parses CSV held in memory (tests, small payloads). */
export function parseCsv(data: Uint8Array | string, handler: CsvHandler, options?: CsvParserOptions): number {
  const parser = new CsvParser(handler, options);
  parser.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  parser.end();
  return parser.rows;
}

/** Header and rows as strings: for tests and small files only. */
export function parseCsvToArrays(data: Uint8Array | string): { header: string[]; rows: string[][] } {
  let header: string[] = [];
  const rows: string[][] = [];
  parseCsv(data, {
    header: (names) => {
      header = [...names];
    },
    row: (row) => {
      const values: string[] = [];
      for (let i = 0; i < row.length; i++) values.push(row.text(i));
      rows.push(values);
    },
  });
  return { header, rows };
}

/** One past the last CR or LF of `buffer` at or after `from`; 0 when there is none there. */
function lineEndFrom(buffer: Buffer, from: number): number {
  const tail = buffer.subarray(from);
  const last = Math.max(tail.lastIndexOf(LF), tail.lastIndexOf(CR));
  return last < 0 ? 0 : from + last + 1;
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (error path only). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    const size =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead <= 0xdf
          ? 2
          : lead >= 0xe0 && lead <= 0xef
            ? 3
            : lead >= 0xf0 && lead <= 0xf4
              ? 4
              : 0;
    if (size === 0 || i + size > bytes.length || !isUtf8(bytes.subarray(i, i + size))) return i;
    i += size;
  }
  return i;
}
