/**
 * Splits a CSV object into byte ranges that start and end on record boundaries, in one streaming pass, so that the
 * children of a Distributed Map can each parse one range with `CsvParser` (`header`, `firstRow`) and their merged
 * results equal a single pass over the whole file.
 *
 * The scanner follows the same grammar as `CsvParser`: a quote opens a quoted field only at the start of a field, `""`
 * inside one is an escaped quote, and CR, LF and CRLF end a record only outside quotes. It also counts data rows the way
 * the parser does (blank records are skipped unless the file has a single column) so that every range knows the number
 * of its first row. A range never starts with the bytes EF BB BF: the parser would take them for a byte-order mark.
 */
import { InputError } from '../shared/errors';
import { parseCsvToArrays } from '../stats/csv';

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;
const BOM_FIRST_BYTE = 0xef;
const EMPTY = Buffer.alloc(0);

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote inside a quoted field: an escaped quote when another follows, else the closing quote. */
const QUOTE_IN_QUOTED = 3;
/** A CR outside quotes: the record ended, and an LF right after it belongs to the same line end. */
const AFTER_CR = 4;

/** One byte range of the object and where its rows sit in the whole file. */
export interface SplitPart {
  /** First byte (inclusive). */
  readonly start: number;
  /** Byte after the last one (exclusive). */
  readonly end: number;
  /** 1-based number of the first data row in this range (the header excluded), as `CsvParser`'s `firstRow`. */
  readonly firstRow: number;
  /** Data rows in this range. */
  readonly rows: number;
}

export interface SplitPlan {
  /** The header row's column names. */
  readonly header: readonly string[];
  /** Total bytes scanned. */
  readonly bytes: number;
  /** Data rows of the whole file. */
  readonly rows: number;
  /** Ranges in file order; the first starts at 0 and holds the header, the last ends at `bytes`. */
  readonly parts: readonly SplitPart[];
}

export interface SplitOptions {
  /** A new range starts at the first record boundary at or after this many bytes into the current one. */
  readonly partBytes: number;
  /** Largest header row accepted, in bytes. @default 64 MiB (the parser's row limit) */
  readonly maxHeaderBytes?: number;
  /** Name used in error messages. @default 'the file' */
  readonly source?: string;
}

/** Push-based: feed the object's bytes in order with {@link push}, then {@link end} returns the plan. */
export class SplitPlanner {
  private readonly partBytes: number;
  private readonly maxHeaderBytes: number;
  private readonly source: string;
  private started = false;
  /** The first bytes of the object while fewer than three are known and they could start a byte-order mark. */
  private prefix: Buffer = EMPTY;
  private state = FIELD_START;
  private offset = 0;
  /** Whether the record being scanned has any byte before its line end (an empty record is a blank line). */
  private recordHasBytes = false;
  private headerSeen = false;
  private headerBytes: Buffer[] = [];
  private headerLength = 0;
  private header: readonly string[] = [];
  private singleColumn = false;
  private rows = 0;
  private readonly parts: SplitPart[] = [];
  private partStart = 0;
  private partFirstRow = 1;
  /** A boundary that qualifies by size but waits for the next byte to rule out a range starting with EF. */
  private pendingBoundary = -1;

  constructor(options: SplitOptions) {
    if (!(options.partBytes >= 1)) throw new InputError('The part size must be at least one byte.');
    this.partBytes = options.partBytes;
    this.maxHeaderBytes = options.maxHeaderBytes ?? 64 * 1024 * 1024;
    this.source = options.source ?? 'the file';
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (!this.headerSeen) this.keepHeaderBytes(chunk);
    if (this.started) {
      this.scan(chunk, 0);
      return;
    }
    // Like the parser, decide on a byte-order mark only once three bytes are known: it is skipped, not scanned, since
    // a quote right after it opens a quoted field.
    const prefix = this.prefix.length === 0 ? chunk : Buffer.concat([this.prefix, chunk]);
    if (prefix.length < 3 && prefix[0] === BOM_FIRST_BYTE) {
      this.prefix = Buffer.from(prefix);
      return;
    }
    this.started = true;
    this.prefix = EMPTY;
    const bom = prefix[0] === 0xef && prefix[1] === 0xbb && prefix[2] === 0xbf;
    this.scan(prefix, bom ? 3 : 0);
  }

  /** Scans `chunk[from..]`; `chunk[0]` is at byte {@link offset} of the object. */
  private scan(chunk: Uint8Array, from: number): void {
    let state = this.state;
    const base = this.offset;
    const length = chunk.length;
    for (let i = from; i < length; i++) {
      const byte = chunk[i];
      if (this.pendingBoundary >= 0) this.decideBoundary(byte);
      switch (state) {
        case QUOTED: {
          const next = chunk.indexOf(QUOTE, i);
          if (next < 0) {
            i = length;
            continue;
          }
          i = next;
          state = QUOTE_IN_QUOTED;
          continue;
        }
        case AFTER_CR:
          if (byte === LF) {
            state = this.endRecord(base + i + 1);
            continue;
          }
          state = this.endRecord(base + i);
          if (this.pendingBoundary >= 0) this.decideBoundary(byte);
          break;
        case QUOTE_IN_QUOTED:
          if (byte === QUOTE) {
            state = QUOTED;
            continue;
          }
          // Anything else closes the field; text after the closing quote is the parser's error to report.
          state = UNQUOTED;
          break;
      }
      // At the start of a field or inside an unquoted one.
      if (byte === COMMA) {
        this.recordHasBytes = true;
        state = FIELD_START;
      } else if (byte === LF) {
        state = this.endRecord(base + i + 1);
      } else if (byte === CR) {
        state = AFTER_CR;
      } else {
        this.recordHasBytes = true;
        if (state === FIELD_START) state = byte === QUOTE ? QUOTED : UNQUOTED;
      }
    }
    this.state = state;
    this.offset = base + length;
  }

  end(): SplitPlan {
    if (!this.started && this.prefix.length > 0) {
      this.started = true;
      this.scan(this.prefix, 0);
    }
    if (this.state === QUOTED) {
      throw new InputError(`Row ${this.rows + 1} of ${this.source} has a quoted field that is never closed.`);
    }
    if (this.state === AFTER_CR || this.recordHasBytes) this.endRecord(this.offset);
    if (!this.headerSeen) throw new InputError(`No header row in ${this.source}: it is empty.`);
    this.parts.push({
      start: this.partStart,
      end: this.offset,
      firstRow: this.partFirstRow,
      rows: this.rows - this.partFirstRow + 1,
    });
    return { header: this.header, bytes: this.offset, rows: this.rows, parts: this.parts };
  }

  /** Closes the record whose line end finishes at `end`; returns the state for the next record. */
  private endRecord(end: number): number {
    const blank = !this.recordHasBytes;
    this.recordHasBytes = false;
    if (!this.headerSeen) {
      if (!blank) this.readHeader(end);
      return FIELD_START;
    }
    if (!blank || this.singleColumn) this.rows++;
    if (end - this.partStart >= this.partBytes && this.pendingBoundary < 0) this.pendingBoundary = end;
    return FIELD_START;
  }

  /** `byte` is the first byte after a pending boundary: split there unless it could pass for a byte-order mark. */
  private decideBoundary(byte: number): void {
    const boundary = this.pendingBoundary;
    this.pendingBoundary = -1;
    if (byte === BOM_FIRST_BYTE) return;
    this.parts.push({
      start: this.partStart,
      end: boundary,
      firstRow: this.partFirstRow,
      rows: this.rows - this.partFirstRow + 1,
    });
    this.partStart = boundary;
    this.partFirstRow = this.rows + 1;
  }

  private keepHeaderBytes(chunk: Uint8Array): void {
    this.headerLength += chunk.length;
    if (this.headerLength > this.maxHeaderBytes + chunk.length) {
      throw new InputError(`The header row of ${this.source} is longer than ${this.maxHeaderBytes} bytes.`);
    }
    this.headerBytes.push(Buffer.from(chunk));
  }

  /** The header record ends at `end`: parse everything up to there with the real parser (BOM, quotes, escapes). */
  private readHeader(end: number): void {
    const bytes = Buffer.concat(this.headerBytes).subarray(0, end);
    this.headerBytes = [];
    this.header = parseCsvToArrays(bytes).header;
    this.singleColumn = this.header.length === 1;
    this.headerSeen = true;
  }
}
