/**
 * A small S3-compatible HTTP server backed by a temporary directory, so that handler tests run the real AWS SDK code
 * path (signing, streaming bodies, ranged reads, XML errors) offline. It implements what Warden uses, path-style:
 * CreateBucket, PutObject (plain and `aws-chunked` bodies with trailing checksums, as SDK v3 sends streams),
 * GetObject (`Range`, `If-Match`, `If-None-Match`), HeadObject, DeleteObject, ListObjectsV2 (prefix, delimiter,
 * start-after, continuation, max-keys) and multipart uploads (create, upload part, complete, abort). Signatures are
 * not checked.
 *
 * s3rver was tried first: it stores `aws-chunked` uploads verbatim (chunk headers and checksum trailer included) and
 * ignores `If-Match`, both of which the handlers depend on.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { readBody } from './http';

export interface LocalS3 {
  readonly endpoint: string;
  /** A client configured for this server. */
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  /** Keys of a bucket, sorted. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  read(bucket: string, key: string): Promise<Buffer>;
  write(bucket: string, key: string, body: string | Buffer): Promise<void>;
  /** Requests served, for assertions on how objects were read. */
  readonly requests: { method: string; path: string; range?: string }[];
  /** Multipart uploads started and neither completed nor aborted. */
  openUploads(): number;
  close(): Promise<void>;
}

/** Parts of open multipart uploads by upload id. */
type Uploads = Map<string, { bucket: string; key: string; contentType: string; parts: Map<number, Buffer> }>;

interface StoredMeta {
  readonly etag: string;
  readonly contentType: string;
  readonly lastModified: string;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** What happened to an object, as S3 reports it to notifications. */
export interface ObjectCreated {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly reason: 'PutObject' | 'CompleteMultipartUpload';
}

export interface LocalS3Options {
  /** Called after every object written through the API or `write` (S3 event notifications, replication). */
  readonly onObjectCreated?: (event: ObjectCreated) => void;
}

type Store = (
  bucket: string,
  key: string,
  body: Buffer,
  contentType: string,
  reason: ObjectCreated['reason'],
) => Promise<StoredMeta>;

export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const root = mkdtempSync(join(tmpdir(), 'warden-s3-'));
  const store: Store = async (bucket, key, body, contentType, reason) => {
    const meta = await storeObject(root, bucket, key, body, contentType);
    options.onObjectCreated?.({ bucket, key, size: body.length, etag: meta.etag, reason });
    return meta;
  };
  const requests: LocalS3['requests'] = [];
  const uploads: Uploads = new Map();
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', path: request.url ?? '', range: request.headers.range });
    handle(root, store, uploads, request, response).catch((error: Error) => {
      sendError(response, 500, 'InternalError', error.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: S3Client[] = [];
  return {
    endpoint,
    requests,
    openUploads: () => uploads.size,
    client() {
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: LOCAL_CREDENTIALS,
      });
      clients.push(client);
      return client;
    },
    createBucket: (name) => mkdir(join(root, name), { recursive: true }).then(() => undefined),
    async keys(bucket, prefix = '') {
      return (await listKeys(join(root, bucket))).filter((key) => key.startsWith(prefix));
    },
    read: (bucket, key) => readFile(objectPath(root, bucket, key)),
    async write(bucket, key, body) {
      await store(bucket, key, Buffer.from(body), 'application/octet-stream', 'PutObject');
    },
    async close() {
      for (const client of clients) client.destroy();
      await closeServer(server);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Objects live at `<root>/<bucket>/<key>` with metadata beside them in `<root>/.meta/<bucket>/<key>.json`. */
function objectPath(root: string, bucket: string, key: string): string {
  return join(root, bucket, ...key.split('/').map(encodeSegment));
}

function metaPath(root: string, bucket: string, key: string): string {
  return `${join(root, '.meta', bucket, ...key.split('/').map(encodeSegment))}.json`;
}

/** Keys may hold segments the file system cannot (`..`, empty); encoding keeps every key a distinct path. */
function encodeSegment(segment: string): string {
  return `_${encodeURIComponent(segment)}`;
}

function decodeSegment(segment: string): string {
  return decodeURIComponent(segment.slice(1));
}

async function listKeys(bucketDir: string): Promise<string[]> {
  const keys: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else keys.push(relative(bucketDir, path).split(sep).map(decodeSegment).join('/'));
    }
  };
  await walk(bucketDir);
  return keys.sort();
}

async function storeObject(root: string, bucket: string, key: string, body: Buffer, contentType: string) {
  const path = objectPath(root, bucket, key);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, body);
  const meta: StoredMeta = {
    etag: `"${createHash('md5').update(body).digest('hex')}"`,
    contentType,
    lastModified: new Date().toUTCString(),
  };
  await mkdir(dirname(metaPath(root, bucket, key)), { recursive: true });
  await writeFile(metaPath(root, bucket, key), JSON.stringify(meta));
  return meta;
}

async function readMeta(root: string, bucket: string, key: string): Promise<StoredMeta | undefined> {
  try {
    return JSON.parse(await readFile(metaPath(root, bucket, key), 'utf8')) as StoredMeta;
  } catch {
    return undefined;
  }
}

async function bucketExists(root: string, bucket: string): Promise<boolean> {
  try {
    return (await stat(join(root, bucket))).isDirectory();
  } catch {
    return false;
  }
}

async function handle(
  root: string,
  store: Store,
  uploads: Uploads,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  // The path is split by hand: URL parsing would resolve `.` and `..` segments, which are valid parts of S3 keys.
  const raw = request.url ?? '/';
  const queryStart = raw.indexOf('?');
  const url = new URL(queryStart < 0 ? '/' : `/${raw.slice(queryStart)}`, 'http://localhost');
  const [, bucket = '', ...rest] = (queryStart < 0 ? raw : raw.slice(0, queryStart)).split('/');
  const key = rest.map((part) => decodeURIComponent(part)).join('/');
  const method = request.method ?? 'GET';
  if (bucket === '') return sendError(response, 400, 'InvalidRequest', 'Path-style requests only.');
  if (key === '') {
    if (method === 'PUT') {
      await mkdir(join(root, bucket), { recursive: true });
      response.writeHead(200, { Location: `/${bucket}` }).end();
      return;
    }
    if (!(await bucketExists(root, bucket))) return sendError(response, 404, 'NoSuchBucket', 'No such bucket.');
    if (method === 'GET' && url.searchParams.get('list-type') === '2') return listObjects(root, bucket, url, response);
    if (method === 'HEAD') return void response.writeHead(200).end();
    return sendError(response, 405, 'MethodNotAllowed', `${method} on a bucket is not supported.`);
  }
  if (!(await bucketExists(root, bucket))) return sendError(response, 404, 'NoSuchBucket', 'No such bucket.');
  if (url.searchParams.has('uploads') || url.searchParams.has('uploadId')) {
    return multipart(store, uploads, bucket, key, url, request, response);
  }
  switch (method) {
    case 'PUT': {
      const raw = await readBody(request);
      const body = isAwsChunked(request) ? decodeAwsChunked(raw) : raw;
      const meta = await store(
        bucket,
        key,
        body,
        request.headers['content-type'] ?? 'application/octet-stream',
        'PutObject',
      );
      response.writeHead(200, { ETag: meta.etag }).end();
      return;
    }
    case 'GET':
    case 'HEAD':
      return getObject(root, bucket, key, method, request, response);
    case 'DELETE':
      await rm(objectPath(root, bucket, key), { force: true });
      await rm(metaPath(root, bucket, key), { force: true });
      response.writeHead(204).end();
      return;
    default:
      return sendError(response, 405, 'MethodNotAllowed', `${method} is not supported.`);
  }
}

async function getObject(
  root: string,
  bucket: string,
  key: string,
  method: 'GET' | 'HEAD',
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const meta = await readMeta(root, bucket, key);
  if (meta === undefined) {
    if (method === 'HEAD') return void response.writeHead(404).end();
    return sendError(response, 404, 'NoSuchKey', 'The specified key does not exist.', key);
  }
  const ifMatch = request.headers['if-match'];
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== meta.etag) {
    if (method === 'HEAD') return void response.writeHead(412).end();
    return sendError(response, 412, 'PreconditionFailed', 'At least one of the preconditions did not hold.');
  }
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined && (ifNoneMatch === '*' || ifNoneMatch === meta.etag)) {
    return void response.writeHead(304, { ETag: meta.etag }).end();
  }
  const body = await readFile(objectPath(root, bucket, key));
  const headers: Record<string, string | number> = {
    ETag: meta.etag,
    'Content-Type': meta.contentType,
    'Last-Modified': meta.lastModified,
    'Accept-Ranges': 'bytes',
  };
  const range = request.headers.range;
  if (range !== undefined) {
    const match = /^bytes=(\d*)-(\d*)$/.exec(range);
    let start = match?.[1] === '' || match === null ? NaN : Number(match[1]);
    let end = match?.[2] === '' || match === null ? body.length - 1 : Number(match[2]);
    if (match !== null && match[1] === '' && match[2] !== '') {
      start = Math.max(0, body.length - Number(match[2]));
      end = body.length - 1;
    }
    if (!(start <= end) || start >= body.length) {
      return sendError(response, 416, 'InvalidRange', 'The requested range is not satisfiable.');
    }
    end = Math.min(end, body.length - 1);
    const part = body.subarray(start, end + 1);
    headers['Content-Range'] = `bytes ${start}-${end}/${body.length}`;
    headers['Content-Length'] = part.length;
    response.writeHead(206, headers);
    response.end(method === 'HEAD' ? undefined : part);
    return;
  }
  headers['Content-Length'] = body.length;
  response.writeHead(200, headers);
  response.end(method === 'HEAD' ? undefined : body);
}

async function multipart(
  store: Store,
  uploads: Uploads,
  bucket: string,
  key: string,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? 'GET';
  if (method === 'POST' && url.searchParams.has('uploads')) {
    const uploadId = randomUUID();
    const contentType = request.headers['content-type'] ?? 'application/octet-stream';
    uploads.set(uploadId, { bucket, key, contentType, parts: new Map() });
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult>' +
      `<Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><UploadId>${uploadId}</UploadId>` +
      '</InitiateMultipartUploadResult>';
    return void response.writeHead(200, { 'Content-Type': 'application/xml' }).end(body);
  }
  const upload = uploads.get(url.searchParams.get('uploadId') ?? '');
  if (upload === undefined || upload.bucket !== bucket || upload.key !== key) {
    return sendError(response, 404, 'NoSuchUpload', 'The specified upload does not exist.');
  }
  const uploadId = url.searchParams.get('uploadId') ?? '';
  if (method === 'PUT') {
    const raw = await readBody(request);
    const part = isAwsChunked(request) ? decodeAwsChunked(raw) : raw;
    upload.parts.set(Number(url.searchParams.get('partNumber')), part);
    const etag = `"${createHash('md5').update(part).digest('hex')}"`;
    return void response.writeHead(200, { ETag: etag }).end();
  }
  if (method === 'DELETE') {
    uploads.delete(uploadId);
    return void response.writeHead(204).end();
  }
  if (method === 'POST') {
    const listed = [...(await readBody(request)).toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map(
      (match) => Number(match[1]),
    );
    const parts = listed.map((number) => upload.parts.get(number));
    if (parts.some((part) => part === undefined)) return sendError(response, 400, 'InvalidPart', 'A part is missing.');
    const small = parts.slice(0, -1).some((part) => (part as Buffer).length < 5 * 1024 * 1024);
    if (small) return sendError(response, 400, 'EntityTooSmall', 'A part other than the last is under 5 MiB.');
    uploads.delete(uploadId);
    const meta = await store(
      bucket,
      key,
      Buffer.concat(parts as Buffer[]),
      upload.contentType,
      'CompleteMultipartUpload',
    );
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult>' +
      `<Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><ETag>${xml(meta.etag)}</ETag>` +
      '</CompleteMultipartUploadResult>';
    return void response.writeHead(200, { 'Content-Type': 'application/xml' }).end(body);
  }
  return sendError(response, 405, 'MethodNotAllowed', `${method} on an upload is not supported.`);
}

async function listObjects(root: string, bucket: string, url: URL, response: ServerResponse): Promise<void> {
  const prefix = url.searchParams.get('prefix') ?? '';
  const delimiter = url.searchParams.get('delimiter') ?? '';
  const maxKeys = Number(url.searchParams.get('max-keys') ?? 1000);
  const token = url.searchParams.get('continuation-token');
  const after = token === null ? (url.searchParams.get('start-after') ?? '') : Buffer.from(token, 'base64').toString();
  const contents: string[] = [];
  const prefixes = new Set<string>();
  let truncated = false;
  let last = '';
  for (const key of await listKeys(join(root, bucket))) {
    if (!key.startsWith(prefix) || key <= after) continue;
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    const entry = cut < 0 ? key : key.slice(0, cut + delimiter.length);
    if (cut >= 0 && prefixes.has(entry)) continue;
    if (contents.length + prefixes.size >= maxKeys) {
      truncated = true;
      break;
    }
    if (cut >= 0) prefixes.add(entry);
    else contents.push(key);
    last = cut >= 0 ? `${entry}\uffff` : key;
  }
  const objects = await Promise.all(
    contents.map(async (key) => {
      const meta = await readMeta(root, bucket, key);
      const size = (await stat(objectPath(root, bucket, key))).size;
      return (
        `<Contents><Key>${xml(key)}</Key><LastModified>${new Date(meta?.lastModified ?? 0).toISOString()}</LastModified>` +
        `<ETag>${xml(meta?.etag ?? '')}</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass></Contents>`
      );
    }),
  );
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${contents.length + prefixes.size}</KeyCount>` +
    `<MaxKeys>${maxKeys}</MaxKeys>${delimiter === '' ? '' : `<Delimiter>${xml(delimiter)}</Delimiter>`}` +
    `<IsTruncated>${truncated}</IsTruncated>` +
    (truncated ? `<NextContinuationToken>${Buffer.from(last).toString('base64')}</NextContinuationToken>` : '') +
    objects.join('') +
    [...prefixes].map((entry) => `<CommonPrefixes><Prefix>${xml(entry)}</Prefix></CommonPrefixes>`).join('') +
    '</ListBucketResult>';
  response.writeHead(200, { 'Content-Type': 'application/xml' }).end(body);
}

function isAwsChunked(request: IncomingMessage): boolean {
  const encoding = request.headers['content-encoding'] ?? '';
  return (
    encoding.split(',').some((part) => part.trim() === 'aws-chunked') ||
    'x-amz-decoded-content-length' in request.headers
  );
}

/** `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` … `0\r\n` followed by trailer headers. */
function decodeAwsChunked(raw: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0) throw new Error('Malformed aws-chunked body.');
    const size = parseInt(raw.toString('latin1', offset, lineEnd).split(';')[0], 16);
    if (Number.isNaN(size)) throw new Error('Malformed aws-chunked chunk size.');
    offset = lineEnd + 2;
    if (size === 0) return Buffer.concat(chunks);
    chunks.push(raw.subarray(offset, offset + size));
    offset += size + 2;
  }
}

function sendError(response: ServerResponse, status: number, code: string, message: string, key?: string): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message>` +
    `${key === undefined ? '' : `<Key>${xml(key)}</Key>`}<RequestId>local</RequestId></Error>`;
  response.writeHead(status, { 'Content-Type': 'application/xml' }).end(body);
}

function xml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
