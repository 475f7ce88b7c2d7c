/**
 * The `.tar.gz` archives SageMaker moves models in (`model.tar.gz`, `output.tar.gz`): a minimal POSIX ustar writer and
 * reader over node:zlib, so that the local runtime needs no archive dependency. Only regular files are written;
 * the reader also understands directories (skipped), pax `path` records and GNU long names, which archives made by
 * `tar` on a developer's machine contain.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

export interface TarEntry {
  /** Relative path inside the archive, `/`-separated. */
  readonly path: string;
  readonly body: Uint8Array;
}

const BLOCK = 512;
const NAME_LENGTH = 100;
const PREFIX_LENGTH = 155;

/** An uncompressed ustar archive of `entries`, in the order given; timestamps are zero so equal input packs equally. */
export function packTar(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const path = checkedPath(entry.path);
    blocks.push(header(path, entry.body.length));
    blocks.push(Buffer.from(entry.body));
    const padding = (BLOCK - (entry.body.length % BLOCK)) % BLOCK;
    if (padding > 0) blocks.push(Buffer.alloc(padding));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

/** The regular files of a tar archive, in archive order. */
export function unpackTar(archive: Uint8Array): TarEntry[] {
  const bytes = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= bytes.length) {
    const block = bytes.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    if (checksum(block) !== octal(block, 148, 8)) throw new Error(`Corrupt tar header at byte ${offset}.`);
    const size = octal(block, 124, 12);
    const type = String.fromCharCode(block[156] || 0x30);
    const bodyStart = offset + BLOCK;
    if (bodyStart + size > bytes.length) throw new Error(`Truncated tar entry at byte ${offset}.`);
    const body = bytes.subarray(bodyStart, bodyStart + size);
    offset = bodyStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      longName = paxPath(body) ?? longName;
      continue;
    }
    if (type === 'L') {
      longName = text(body, 0, body.length);
      continue;
    }
    const prefix = text(block, 345, PREFIX_LENGTH);
    const name = longName ?? (prefix === '' ? text(block, 0, NAME_LENGTH) : `${prefix}/${text(block, 0, NAME_LENGTH)}`);
    longName = undefined;
    if (type !== '0' && type !== '7') continue;
    entries.push({ path: checkedPath(name.replace(/^\.\//, '')), body: Buffer.from(body) });
  }
  return entries;
}

/** A gzip-compressed {@link packTar}. */
export function packTarGz(entries: readonly TarEntry[]): Buffer {
  return gzipSync(packTar(entries));
}

/** The regular files of a `.tar.gz`. */
export function unpackTarGz(archive: Uint8Array): TarEntry[] {
  return unpackTar(gunzipSync(archive));
}

/** Archive paths stay inside the directory they are unpacked into. */
function checkedPath(path: string): string {
  const parts = path.split('/');
  if (path === '' || path.startsWith('/') || parts.some((part) => part === '..')) {
    throw new Error(`Unsafe path in tar archive: ${JSON.stringify(path)}.`);
  }
  return path;
}

function header(path: string, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const [prefix, name] = splitName(path);
  block.write(name, 0, NAME_LENGTH, 'utf8');
  writeOctal(block, 100, 8, 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0);
  block[156] = 0x30;
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.write(prefix, 345, PREFIX_LENGTH, 'utf8');
  // The checksum is computed with its own field read as spaces.
  block.fill(0x20, 148, 156);
  const sum = checksum(block);
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return block;
}

/** ustar keeps names over 100 bytes as a prefix (≤ 155 bytes, cut at a `/`) and a name. */
function splitName(path: string): [string, string] {
  if (Buffer.byteLength(path) <= NAME_LENGTH) return ['', path];
  for (let cut = path.indexOf('/'); cut > 0; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= PREFIX_LENGTH && Buffer.byteLength(name) <= NAME_LENGTH) return [prefix, name];
  }
  throw new Error(`Path too long for a ustar archive: ${path}.`);
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1');
}

function octal(block: Buffer, offset: number, length: number): number {
  const digits = text(block, offset, length).trim();
  return digits === '' ? 0 : parseInt(digits, 8);
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return sum;
}

function text(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? field.length : end);
}

/** The `path` record of a pax extended header (`<length> path=<value>\n` records). */
function paxPath(body: Buffer): string | undefined {
  let offset = 0;
  while (offset < body.length) {
    const space = body.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number(body.toString('latin1', offset, space));
    if (!(length > 0)) break;
    const record = body.toString('utf8', space + 1, offset + length - 1);
    if (record.startsWith('path=')) return record.slice('path='.length);
    offset += length;
  }
  return undefined;
}
