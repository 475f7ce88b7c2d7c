/**
 * Writes an object of unknown length to S3 without holding it in memory: bytes are buffered up to one part, then sent
 * as a multipart upload; an object that never fills a part goes out as one PutObject. A failed write aborts the
 * upload, so no invisible parts are left behind to be billed.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectLocation } from './object-store';

/** S3 needs parts of at least 5 MiB (except the last); 8 MiB keeps the number of requests low. */
export const PART_BYTES = 8 * 1024 * 1024;

export class ObjectWriter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];
  private written = 0;

  constructor(
    private readonly s3: S3Client,
    readonly location: ObjectLocation,
    private readonly contentType: string,
  ) {}

  /** Bytes accepted so far. */
  get bytes(): number {
    return this.written;
  }

  /** Buffers `bytes`, uploading every full part. */
  async write(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    this.chunks.push(Buffer.from(bytes));
    this.buffered += bytes.length;
    this.written += bytes.length;
    while (this.buffered >= PART_BYTES) await this.uploadPart(this.take(PART_BYTES));
  }

  /** Completes the object (an empty one when nothing was written). */
  async close(): Promise<void> {
    const rest = this.take(this.buffered);
    try {
      if (this.uploadId === undefined) {
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.location.bucket,
            Key: this.location.key,
            Body: rest,
            ContentType: this.contentType,
          }),
        );
        return;
      }
      if (rest.length > 0) await this.uploadPart(rest);
      await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.location.bucket,
          Key: this.location.key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: this.parts },
        }),
      );
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** Drops what was written; nothing appears at the key. */
  async abort(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    if (uploadId === undefined) return;
    await this.s3.send(
      new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: this.location.key, UploadId: uploadId }),
    );
  }

  private async uploadPart(body: Buffer): Promise<void> {
    try {
      if (this.uploadId === undefined) {
        const created = await this.s3.send(
          new CreateMultipartUploadCommand({
            Bucket: this.location.bucket,
            Key: this.location.key,
            ContentType: this.contentType,
          }),
        );
        this.uploadId = created.UploadId;
      }
      const partNumber = this.parts.length + 1;
      const uploaded = await this.s3.send(
        new UploadPartCommand({
          Bucket: this.location.bucket,
          Key: this.location.key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: body,
        }),
      );
      this.parts.push({ PartNumber: partNumber, ETag: uploaded.ETag });
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** The first `size` buffered bytes as one buffer. */
  private take(size: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const taken = all.subarray(0, size);
    const rest = all.subarray(size);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return taken;
  }
}
