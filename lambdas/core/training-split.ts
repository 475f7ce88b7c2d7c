/**
 * The train and holdout splits SageMaker trains and evaluates on, written in the same pass that validates the dataset.
 *
 * Layout (SageMaker's CSV convention for training data): no header, the label first, then the features — the
 * contract's non-PII columns other than the label, in contract order, which is also the order a request to the
 * endpoint carries them in. A row goes to the holdout split when a hash of its bytes falls under the holdout
 * fraction: the split is reproducible, does not depend on how the file was cut into parts, and puts duplicate rows on
 * the same side so that none leaks from training into evaluation.
 */
import type { DataContract } from '../stats/contract';
import type { CsvHandler, CsvRow } from '../stats/csv';

/** Share of rows held out for evaluation when no fraction is configured. */
export const DEFAULT_HOLDOUT_FRACTION = 0.2;
const BUCKETS = 1 << 16;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const QUOTE = 0x22;
/** Field separator mixed into the row hash, so that `ab,c` and `a,bc` differ. */
const FIELD_SEPARATOR = 0x1f;

/** The columns of the split files, label first. */
export function splitColumns(contract: DataContract, label: string | undefined): string[] {
  const features = contract.columns
    .filter((column) => column.pii !== true && column.name !== label)
    .map((column) => column.name);
  return label === undefined ? features : [label, ...features];
}

/** Bytes appended in memory, handed out in pieces by whoever uploads them. */
export class ByteBuffer {
  private buffer = Buffer.alloc(64 * 1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  append(bytes: Uint8Array, start = 0, end = bytes.length): void {
    this.reserve(end - start);
    this.buffer.set(bytes.subarray(start, end), this.length);
    this.length += end - start;
  }

  appendByte(byte: number): void {
    this.reserve(1);
    this.buffer[this.length++] = byte;
  }

  /** Everything appended since the last take. */
  take(): Buffer {
    const taken = Buffer.from(this.buffer.subarray(0, this.length));
    this.length = 0;
    return taken;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.length + extra, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** A {@link CsvHandler} writing each row's split columns, as CSV lines, to the train or the holdout buffer. */
export class TrainingSplitter implements CsvHandler {
  readonly train = new ByteBuffer();
  readonly holdout = new ByteBuffer();
  private fields: number[] = [];
  private readonly threshold: number;
  trainRows = 0;
  holdoutRows = 0;

  constructor(
    readonly columns: readonly string[],
    holdoutFraction: number = DEFAULT_HOLDOUT_FRACTION,
  ) {
    this.threshold = Math.round(holdoutFraction * BUCKETS);
  }

  header(names: readonly string[]): void {
    // A contract column missing from the file fails validation; the splits of such a file are never used.
    this.fields = this.columns.map((name) => names.indexOf(name)).filter((field) => field >= 0);
  }

  row(row: CsvRow): void {
    const holdout = bucketOf(row) < this.threshold;
    const out = holdout ? this.holdout : this.train;
    if (holdout) this.holdoutRows++;
    else this.trainRows++;
    const fields = this.fields;
    for (let f = 0; f < fields.length; f++) {
      if (f > 0) out.appendByte(COMMA);
      writeField(out, row, fields[f]);
    }
    out.appendByte(NEWLINE);
  }
}

/** Quotes a field only when its value holds a comma, quote or line break. */
function writeField(out: ByteBuffer, row: CsvRow, field: number): void {
  const bytes = row.bytes(field);
  let special = false;
  for (let i = 0; i < bytes.length && !special; i++) {
    const c = bytes[i];
    special = c === COMMA || c === QUOTE || c === NEWLINE || c === 0x0d;
  }
  if (!special) {
    out.append(bytes);
    return;
  }
  out.appendByte(QUOTE);
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== QUOTE) continue;
    out.append(bytes, start, i + 1);
    out.appendByte(QUOTE);
    start = i + 1;
  }
  out.append(bytes, start);
  out.appendByte(QUOTE);
}

/** FNV-1a over every field's value bytes, finished with murmur3's mixer, reduced to 16 bits. */
function bucketOf(row: CsvRow): number {
  let hash = 0x811c9dc5;
  for (let f = 0; f < row.length; f++) {
    const bytes = row.bytes(f);
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
    hash = Math.imul(hash ^ FIELD_SEPARATOR, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) & (BUCKETS - 1);
}

/** Hands every header and row to each handler in turn. */
export class CsvTee implements CsvHandler {
  private readonly handlers: readonly CsvHandler[];

  constructor(...handlers: CsvHandler[]) {
    this.handlers = handlers;
  }

  header(names: readonly string[]): void {
    for (const handler of this.handlers) handler.header(names);
  }

  row(row: CsvRow): void {
    for (const handler of this.handlers) handler.row(row);
  }
}
