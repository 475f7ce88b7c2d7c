/**
 * Streaming RFC 4180 CSV reader that works on bytes.
 *
 * Rows are handed out as a reusable {@link CsvRow} view of field offsets into the current buffer, so numeric fields are
 * parsed straight from bytes and no string is built unless a caller asks for one. Memory is bounded by the chunk size
 * plus the longest row. Handles a UTF-8 BOM, CRLF / LF / CR line ends, quoted fields with commas, escaped quotes (`""`)
 * and line breaks, and rejects ragged rows, unterminated quotes and bytes that are not UTF-8 with the row or byte
 * where it happened.
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

/** Push-based parser: feed chunks in order with {@link push}, then call {@link end}. */
export class CsvParser {
  private readonly row = new CsvRow();
  private readonly maxRowBytes: number;
  private readonly source: string;
  private carry: Buffer = EMPTY;
  /** Leading bytes of `carry` already checked to be UTF-8. */
  private carryChecked = 0;
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

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const incoming = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let buffer = this.carry.length === 0 ? incoming : Buffer.concat([this.carry, incoming]);
    if (!this.started) {
      if (buffer.length < 3 && buffer[0] === 0xef) {
        this.carry = buffer;
        return;
      }
      this.started = true;
      if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) {
        buffer = buffer.subarray(3);
        this.consumed += 3;
      }
    }
    // UTF-8 sequences never contain CR or LF bytes, so checking up to the last one never splits a character, and every
    // row that parse() can complete ends at or before it.
    let checked = this.carry.length === 0 ? 0 : this.carryChecked;
    const lineEnd = Math.max(buffer.lastIndexOf(LF), buffer.lastIndexOf(CR)) + 1;
    if (lineEnd > checked) {
      this.checkUtf8(buffer, checked, lineEnd);
      checked = lineEnd;
    }
    const used = this.parse(buffer, false);
    this.consumed += used;
    this.carry = used === buffer.length ? EMPTY : Buffer.from(buffer.subarray(used));
    this.carryChecked = Math.max(0, checked - used);
    if (this.carry.length > this.maxRowBytes) {
      throw new InputError(
        `Row ${this.rowBase + this.dataRows + 1} of ${this.source} is longer than ${this.maxRowBytes} bytes; is a quote left open?`,
      );
    }
  }

  end(): void {
    const buffer = this.carry;
    this.carry = EMPTY;
    if (buffer.length > 0) {
      this.checkUtf8(buffer, this.carryChecked, buffer.length);
      this.parse(buffer, true);
    }
    if (this.columns < 0) throw new InputError(`No header row in ${this.source}: it is empty.`);
  }

  private checkUtf8(buffer: Buffer, from: number, to: number): void {
    if (isUtf8(buffer.subarray(from, to))) return;
    const offset = this.consumed + from + firstInvalidUtf8(buffer.subarray(from, to));
    throw new InputError(`The bytes of ${this.source} are not valid UTF-8 (invalid byte at offset ${offset}).`);
  }

  /** Parses complete rows from `buffer`; returns the number of bytes consumed. */
  private parse(buffer: Buffer, final: boolean): number {
    const row = this.row;
    const length = buffer.length;
    let rowStart = 0;
    let i = 0;
    row.buffer = buffer;
    for (;;) {
      if (i >= length) return rowStart;
      let fields = 0;
      let complete = false;
      for (;;) {
        if (fields === row.starts.length) row.reserve(fields + 1);
        let start: number;
        let fieldEnd: number;
        let flags = 0;
        if (i < length && buffer[i] === QUOTE) {
          start = i + 1;
          let j = start;
          flags = FIELD_QUOTED;
          for (;;) {
            j = buffer.indexOf(QUOTE, j);
            if (j < 0 || (j + 1 >= length && !final)) {
              if (final) throw this.unterminated();
              return rowStart;
            }
            if (buffer[j + 1] === QUOTE) {
              flags |= FIELD_ESCAPED;
              j += 2;
              continue;
            }
            break;
          }
          fieldEnd = j;
          i = j + 1;
          if (i < length) {
            const next = buffer[i];
            if (next !== COMMA && next !== CR && next !== LF) {
              throw new InputError(
                `Row ${this.rowBase + this.dataRows + 1} of ${this.source} has text after a closing quote; quote the whole field.`,
              );
            }
          }
        } else {
          start = i;
          while (i < length) {
            const c = buffer[i];
            if (c === COMMA || c === LF || c === CR) break;
            i++;
          }
          fieldEnd = i;
        }
        row.starts[fields] = start;
        row.ends[fields] = fieldEnd;
        row.flags[fields] = flags;
        fields++;
        if (i >= length) {
          if (!final) return rowStart;
          complete = true;
          break;
        }
        const c = buffer[i];
        if (c === COMMA) {
          i++;
          continue;
        }
        if (c === CR) {
          if (i + 1 >= length && !final) return rowStart;
          i += buffer[i + 1] === LF ? 2 : 1;
        } else {
          i++;
        }
        complete = true;
        break;
      }
      if (complete) {
        const blank = fields === 1 && row.ends[0] === row.starts[0] && row.flags[0] === 0;
        if (!(blank && this.columns !== 1)) this.deliver(fields);
        rowStart = i;
      }
    }
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
