/**
 * A CSV table to read once: one object, or every object under a prefix (a batch transform writes one `.out` file per
 * input file) read in key order as one stream. A header-less table (transform output never has a header) is read with
 * the column names given; otherwise its first row is the header.
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { type CsvHandler, readCsv } from '../../stats/csv';
import { InputError } from '../../shared/errors';
import { listObjects, readObject, s3Uri, type ObjectLocation } from '../../shared/object-store';

export interface TableRead {
  /** Data rows read. */
  readonly rows: number;
  /** SHA-256 of the bytes read, which names the reports computed from them. */
  readonly sha256: string;
  /** The objects read, in order. */
  readonly keys: readonly string[];
}

/** Streams the table at `location` (a key, or a prefix ending in `/`) through `handler`. */
export async function readTable(
  s3: S3Client,
  location: ObjectLocation,
  handler: CsvHandler,
  header?: readonly string[],
): Promise<TableRead> {
  const keys = location.key.endsWith('/') ? await objectsUnder(s3, location) : [location.key];
  const hash = createHash('sha256');
  async function* bytes(): AsyncGenerator<Uint8Array> {
    for (const key of keys) {
      let last = 0x0a;
      for await (const chunk of readObject(s3, { bucket: location.bucket, key })) {
        hash.update(chunk);
        if (chunk.length > 0) last = chunk[chunk.length - 1];
        yield chunk;
      }
      // Files are joined line by line: a file whose last row has no line end must not run into the next one's first.
      if (last !== 0x0a && last !== 0x0d) yield NEWLINE;
    }
  }
  const rows = await readCsv(bytes(), handler, { source: s3Uri(location), header });
  return { rows, sha256: hash.digest('hex'), keys };
}

const NEWLINE = Buffer.from('\n');

async function objectsUnder(s3: S3Client, location: ObjectLocation): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of listObjects(s3, location.bucket, location.key)) {
    // Folder markers and empty files hold no rows.
    if (object.size > 0 && !object.key.endsWith('/')) keys.push(object.key);
  }
  if (keys.length === 0) throw new InputError(`There are no files under ${s3Uri(location)}.`);
  return keys;
}
