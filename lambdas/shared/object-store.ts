/**
 * S3 reads and writes as the handlers need them: objects streamed in bounded ranges (never held whole), pinned to the
 * ETag seen first so that an object replaced mid-read fails instead of mixing two versions, and resumed where a
 * dropped connection left off; small JSON and binary documents; key listings across pages.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import * as z from 'zod';
import { toContractJson } from '../stats/json';
import { awsClient } from './aws-clients';
import { describeIssues } from './config';
import { InputError } from './errors';
import { boundedText } from './fields';
import { S3_KEY_BYTES } from './limits';

/** Bytes asked for per GetObject: big enough to stream at full speed, small enough that a retry repeats little. */
const RANGE_BYTES = 64 * 1024 * 1024;
/** Attempts to resume one range after its connection broke mid-body. */
const RESUME_ATTEMPTS = 3;

/** S3's bucket naming rules (3–63 characters: lowercase letters, digits, dots, hyphens). */
export const BucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not an S3 bucket name');

/** An S3 key: 1 to 1024 bytes of UTF-8 (so no lone surrogate, which the SDK cannot put in a request path). */
export const ObjectKey = boundedText(S3_KEY_BYTES);

export function s3Client(region: string): S3Client {
  return awsClient('S3', region, (clientRegion) => new S3Client({ region: clientRegion }));
}

export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

export interface ObjectInfo {
  readonly size: number;
  readonly etag: string;
}

export function s3Uri(location: ObjectLocation): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** Size and ETag of an object; a missing object is an input error. */
export async function headObject(s3: S3Client, location: ObjectLocation): Promise<ObjectInfo> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return { size: head.ContentLength ?? 0, etag: head.ETag ?? '' };
  } catch (error) {
    throw asInputError(error, location);
  }
}

export interface ReadRange {
  /** First byte. @default 0 */
  readonly start?: number;
  /** Byte after the last one. @default the object's size */
  readonly end?: number;
  /** Fail unless the object still has this ETag. */
  readonly etag?: string;
}

/**
 * The bytes `[start, end)` of an object as a stream of chunks. Requests go out one range at a time, each pinned to the
 * ETag (the one given, or the one the object has when the read starts).
 */
export async function* readObject(
  s3: S3Client,
  location: ObjectLocation,
  range: ReadRange = {},
): AsyncGenerator<Uint8Array> {
  let { etag, end } = range;
  if (etag === undefined || end === undefined) {
    const info = await headObject(s3, location);
    etag ??= info.etag;
    end ??= info.size;
  }
  let position = range.start ?? 0;
  while (position < end) {
    const rangeEnd = Math.min(end, position + RANGE_BYTES);
    for (let attempt = 1; position < rangeEnd; attempt++) {
      try {
        for await (const chunk of getRange(s3, location, position, rangeEnd, etag)) {
          position += chunk.length;
          yield chunk;
        }
      } catch (error) {
        // A reply that arrived (an S3 error, after the SDK's own retries) is final; a body cut short is resumed.
        if (error instanceof S3ServiceException || attempt >= RESUME_ATTEMPTS) throw asInputError(error, location);
        continue;
      }
      if (position < rangeEnd && attempt >= RESUME_ATTEMPTS) {
        throw new InputError(
          `${s3Uri(location)} ended at byte ${position}, before byte ${rangeEnd} it was said to have.`,
        );
      }
    }
  }
}

async function* getRange(
  s3: S3Client,
  location: ObjectLocation,
  start: number,
  end: number,
  etag: string,
): AsyncGenerator<Uint8Array> {
  const response = await s3.send(
    new GetObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      Range: `bytes=${start}-${end - 1}`,
      IfMatch: etag,
    }),
  );
  const body = response.Body as AsyncIterable<Uint8Array> | undefined;
  if (body !== undefined && Symbol.asyncIterator in body) yield* body;
}

/** A whole (small) object. */
export async function readObjectBytes(s3: S3Client, location: ObjectLocation): Promise<Buffer> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array(0));
  } catch (error) {
    throw asInputError(error, location);
  }
}

export async function readObjectText(s3: S3Client, location: ObjectLocation): Promise<string> {
  return (await readObjectBytes(s3, location)).toString('utf8');
}

export async function writeObject(
  s3: S3Client,
  location: ObjectLocation,
  body: Uint8Array | string,
  contentType: string,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: body, ContentType: contentType }),
  );
}

/** Writes `value` as JSON with CONTRACTS.md's non-finite numbers (`"Infinity"`, `"NaN"`). */
export async function writeJson(s3: S3Client, location: ObjectLocation, value: unknown): Promise<void> {
  await writeObject(s3, location, toContractJson(value, 2), 'application/json');
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

/** Every object under `prefix`, across pages, in key order. */
export async function* listObjects(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    const page = await s3
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
      .catch((error: unknown) => {
        throw asInputError(error, { bucket, key: prefix });
      });
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** The "folders" right below `prefix` (common prefixes with delimiter `/`). */
export async function listFolders(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const folders: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }))
      .catch((error: unknown) => {
        throw asInputError(error, { bucket, key: prefix });
      });
    for (const common of page.CommonPrefixes ?? []) if (common.Prefix !== undefined) folders.push(common.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return folders;
}

/** A missing object, or one that changed under a pinned ETag, is the caller's to fix; other errors pass through. */
function asInputError(error: unknown, location: ObjectLocation): unknown {
  if (!(error instanceof Error)) return error;
  switch (error.name) {
    case 'NoSuchKey':
    case 'NotFound':
      return new InputError(`${s3Uri(location)} does not exist.`);
    case 'NoSuchBucket':
      return new InputError(`The bucket of ${s3Uri(location)} does not exist.`);
    case 'PreconditionFailed':
      return new InputError(`${s3Uri(location)} was replaced while it was being read; run again on the new object.`);
    default:
      return error;
  }
}

/** A small JSON document checked against `schema`; a missing, unparsable or mismatched document is an input error. */
export async function readJson<T>(
  s3: S3Client,
  location: ObjectLocation,
  schema: z.ZodType<T>,
  what: string,
): Promise<T> {
  const text = await readObjectText(s3, location);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${s3Uri(location)} is not ${what}: it is not JSON (${(error as Error).message}).`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InputError(`${s3Uri(location)} is not ${what}: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

/** Deletes the given keys (absent ones are not an error). */
export async function deleteObjects(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))));
}
