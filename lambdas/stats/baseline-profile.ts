/**
 * A baseline profile as bytes, so drift checks can run against a stored artifact (e.g. in S3) instead of the baseline
 * CSV and still produce exactly the same numbers: the sorted values are stored as raw float64, the categories as raw
 * bytes with their counts.
 *
 * Format, little-endian: magic `WDBP`, u32 version, then the body, then the SHA-256 of everything before it.
 * Body: string source, f64 rows, u32 columns; per column: string name, u8 flags (1 numeric, 2 has categories),
 * f64 count, [numeric] u32 n + n × f64 sorted values, [categories] u32 k + k × (u32 length, bytes, f64 count).
 * A string is a u32 byte length and UTF-8 bytes.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { InputError } from '../shared/errors';
import { ByteDictionary } from './byte-dictionary';
import type { ColumnProfile, DatasetProfile } from './drift-profile';

const MAGIC = Buffer.from('WDBP', 'latin1');
const VERSION = 1;
const DIGEST_BYTES = 32;
const NUMERIC = 1;
const HAS_CATEGORIES = 2;

export function serializeBaselineProfile(profile: DatasetProfile): Buffer {
  const writer = new Writer();
  writer.bytes(MAGIC);
  writer.u32(VERSION);
  writer.string(profile.source);
  writer.f64(profile.rows);
  writer.u32(profile.columns.length);
  for (const column of profile.columns) {
    writer.string(column.name);
    writer.u8((column.numeric ? NUMERIC : 0) | (column.categories ? HAS_CATEGORIES : 0));
    writer.f64(column.count);
    if (column.numeric) {
      writer.u32(column.sortedValues.length);
      for (let i = 0; i < column.sortedValues.length; i++) writer.f64(column.sortedValues[i]);
    }
    if (column.categories) {
      writer.u32(column.categories.size);
      for (let id = 0; id < column.categories.size; id++) {
        const key = column.categories.keyBytes(id);
        writer.u32(key.length);
        writer.bytes(key);
        writer.f64(column.categories.count(id));
      }
    }
  }
  const body = writer.finish();
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Reads a profile written by {@link serializeBaselineProfile}; anything else, truncated or altered is an input error. */
export function deserializeBaselineProfile(data: Uint8Array): DatasetProfile {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buffer.length < MAGIC.length + 4 + DIGEST_BYTES || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw corrupt('it is not a Warden baseline profile');
  }
  const version = buffer.readUInt32LE(MAGIC.length);
  if (version !== VERSION) throw corrupt(`its format version ${version} is not supported (expected ${VERSION})`);
  const body = buffer.subarray(0, buffer.length - DIGEST_BYTES);
  if (!createHash('sha256').update(body).digest().equals(buffer.subarray(body.length))) {
    throw corrupt('its checksum does not match, so it was truncated or altered');
  }
  const reader = new Reader(body, MAGIC.length + 4);
  const source = reader.string();
  const rows = reader.count();
  const columnCount = reader.u32();
  const columns: ColumnProfile[] = [];
  for (let c = 0; c < columnCount; c++) columns.push(readColumn(reader));
  if (!reader.atEnd()) throw corrupt('it has bytes after its last column');
  return { source, rows, columns };
}

function readColumn(reader: Reader): ColumnProfile {
  const name = reader.string();
  const flags = reader.u8();
  const count = reader.count();
  const numeric = (flags & NUMERIC) !== 0;
  let sortedValues = new Float64Array(0);
  if (numeric) {
    sortedValues = new Float64Array(reader.arrayLength(8));
    for (let i = 0; i < sortedValues.length; i++) {
      const value = reader.f64();
      if (!Number.isFinite(value) || (i > 0 && value < sortedValues[i - 1])) {
        throw corrupt(`the values of column "${name}" are not finite and sorted`);
      }
      sortedValues[i] = value;
    }
    if (sortedValues.length !== count)
      throw corrupt(`column "${name}" has ${sortedValues.length} values for a count of ${count}`);
  }
  let categories: ByteDictionary | undefined;
  if ((flags & HAS_CATEGORIES) !== 0) {
    categories = new ByteDictionary();
    const distinct = reader.u32();
    let total = 0;
    for (let k = 0; k < distinct; k++) {
      const key = reader.bytes(reader.u32());
      const occurrences = reader.count();
      if (occurrences === 0 || !isUtf8(key)) throw corrupt(`column "${name}" has an invalid category`);
      categories.add(key, 0, key.length, occurrences);
      total += occurrences;
    }
    if (categories.size !== distinct || total !== count) {
      throw corrupt(`the categories of column "${name}" do not add up to its count`);
    }
  } else if (!numeric) {
    throw corrupt(`categorical column "${name}" has no category counts`);
  }
  return { name, count, numeric, sortedValues, categories };
}

function corrupt(reason: string): InputError {
  return new InputError(`The baseline profile is unusable: ${reason}.`);
}

class Writer {
  private buffer = Buffer.alloc(1024);
  private offset = 0;

  u8(value: number): void {
    this.reserve(1).writeUInt8(value, this.offset);
    this.offset += 1;
  }

  u32(value: number): void {
    this.reserve(4).writeUInt32LE(value, this.offset);
    this.offset += 4;
  }

  f64(value: number): void {
    this.reserve(8).writeDoubleLE(value, this.offset);
    this.offset += 8;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length).set(value, this.offset);
    this.offset += value.length;
  }

  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u32(bytes.length);
    this.bytes(bytes);
  }

  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  private reserve(size: number): Buffer {
    if (this.offset + size > this.buffer.length) {
      const grown = Buffer.alloc(Math.max(this.offset + size, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.offset);
      this.buffer = grown;
    }
    return this.buffer;
  }
}

/** Bounds-checked reads: a length that runs past the end is corruption, not a RangeError. */
class Reader {
  constructor(
    private readonly buffer: Buffer,
    private offset: number,
  ) {}

  u8(): number {
    return this.buffer.readUInt8(this.advance(1));
  }

  u32(): number {
    return this.buffer.readUInt32LE(this.advance(4));
  }

  f64(): number {
    return this.buffer.readDoubleLE(this.advance(8));
  }

  /** A non-negative whole number stored as f64 (row and value counts). */
  count(): number {
    const value = this.f64();
    if (!Number.isSafeInteger(value) || value < 0) throw corrupt(`it holds an invalid count (${value})`);
    return value;
  }

  /** A u32 element count whose elements of `elementBytes` each must still fit, checked before anything is allocated. */
  arrayLength(elementBytes: number): number {
    const length = this.u32();
    if (this.offset + length * elementBytes > this.buffer.length) throw corrupt('it ends early');
    return length;
  }

  bytes(length: number): Buffer {
    const start = this.advance(length);
    return this.buffer.subarray(start, start + length);
  }

  string(): string {
    const bytes = this.bytes(this.u32());
    if (!isUtf8(bytes)) throw corrupt('it holds a name that is not UTF-8');
    return bytes.toString('utf8');
  }

  atEnd(): boolean {
    return this.offset === this.buffer.length;
  }

  private advance(size: number): number {
    if (this.offset + size > this.buffer.length) throw corrupt('it ends early');
    const start = this.offset;
    this.offset += size;
    return start;
  }
}
