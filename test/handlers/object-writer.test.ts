/**
 * ObjectWriter against the local S3 server: split files larger than a part go out as multipart uploads, smaller ones
 * as one PutObject, and a write that fails or is abandoned leaves neither an object nor an open upload behind.
 */
import './harness/quiet';
import { ObjectWriter, PART_BYTES } from '../../lambdas/shared/object-writer';
import { ARTIFACTS, startLocalAws, type LocalAws } from './harness/local-aws';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws.stop();
});

/** `size` bytes that differ from part to part, so that parts in the wrong order would show. */
function bytes(size: number): Buffer {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) buffer.writeUInt32BE(i, i);
  return buffer;
}

async function writeInChunks(writer: ObjectWriter, content: Buffer, chunk: number): Promise<void> {
  for (let i = 0; i < content.length; i += chunk) await writer.write(content.subarray(i, i + chunk));
}

describe('ObjectWriter', () => {
  it('uploads an object of two and a half parts as a multipart upload, in order', async () => {
    const content = bytes(PART_BYTES * 2 + PART_BYTES / 2);
    const writer = new ObjectWriter(aws.s3.client(), { bucket: ARTIFACTS, key: 'writer/large.csv' }, 'text/csv');
    const from = aws.s3.requests.length;
    await writeInChunks(writer, content, 1024 * 1024 + 7);
    await writer.close();
    expect(writer.bytes).toBe(content.length);
    expect((await aws.s3.read(ARTIFACTS, 'writer/large.csv')).equals(content)).toBe(true);
    const parts = aws.s3.requests.slice(from).filter((request) => /partNumber=/.test(request.path));
    expect(parts).toHaveLength(3);
    expect(aws.s3.openUploads()).toBe(0);
  });

  it('puts a small object in one request, and an empty one when nothing was written', async () => {
    const small = new ObjectWriter(aws.s3.client(), { bucket: ARTIFACTS, key: 'writer/small.csv' }, 'text/csv');
    await small.write(Buffer.from('a,b\n'));
    await small.write(new Uint8Array(0));
    await small.close();
    expect((await aws.s3.read(ARTIFACTS, 'writer/small.csv')).toString()).toBe('a,b\n');
    const empty = new ObjectWriter(aws.s3.client(), { bucket: ARTIFACTS, key: 'writer/empty.csv' }, 'text/csv');
    await empty.close();
    expect((await aws.s3.read(ARTIFACTS, 'writer/empty.csv')).length).toBe(0);
  });

  it('leaves nothing behind when aborted after a part was uploaded', async () => {
    const writer = new ObjectWriter(aws.s3.client(), { bucket: ARTIFACTS, key: 'writer/aborted.csv' }, 'text/csv');
    await writer.write(bytes(PART_BYTES + 10));
    expect(aws.s3.openUploads()).toBe(1);
    await writer.abort();
    await writer.abort();
    expect(aws.s3.openUploads()).toBe(0);
    await expect(aws.s3.read(ARTIFACTS, 'writer/aborted.csv')).rejects.toThrow();
  });

  it('fails, and aborts its upload, when a part or the object cannot be written', async () => {
    const parts = new ObjectWriter(aws.s3.client(), { bucket: 'no-such-bucket', key: 'x.csv' }, 'text/csv');
    await expect(parts.write(bytes(PART_BYTES))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    const single = new ObjectWriter(aws.s3.client(), { bucket: 'no-such-bucket', key: 'y.csv' }, 'text/csv');
    await single.write(Buffer.from('a\n'));
    await expect(single.close()).rejects.toMatchObject({ name: 'NoSuchBucket' });
    expect(aws.s3.openUploads()).toBe(0);
  });
});
