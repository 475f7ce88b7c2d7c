/**
 * One streaming pass of `validate-data` over a dataset or one byte range of it: the contract check, the drift baseline
 * profile and the train/holdout splits, with the split files uploaded as the bytes go by. Shared by the single pass
 * and the parts of the scaled-out run, which is what makes their outputs agree.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DatasetScan } from '../../core/dataset-scan';
import { CsvTee, TrainingSplitter } from '../../core/training-split';
import type { DataContract } from '../../stats/contract';
import { CsvParser } from '../../stats/csv';
import { DatasetValidator } from '../../stats/validate';
import { ObjectWriter } from '../../shared/object-writer';
import type { ObjectLocation } from '../../shared/object-store';

export interface ValidationPassOptions {
  readonly contract: DataContract;
  readonly piiSalt?: string;
  /** Name of the dataset in messages and in the baseline profile. */
  readonly source: string;
  /** For a byte range after the first: the file's column names. */
  readonly header?: readonly string[];
  /** Number of the range's first data row in the whole file. @default 1 */
  readonly firstRow?: number;
  readonly splitColumns: readonly string[];
  readonly holdoutFraction?: number;
  readonly train: ObjectLocation;
  readonly holdout: ObjectLocation;
}

export class ValidationPass {
  readonly scan: DatasetScan;
  readonly splitter: TrainingSplitter;
  private readonly parser: CsvParser;
  private readonly train: ObjectWriter;
  private readonly holdout: ObjectWriter;

  constructor(s3: S3Client, options: ValidationPassOptions) {
    const validator = new DatasetValidator(options.contract, { piiSalt: options.piiSalt });
    this.scan = new DatasetScan(validator, options.source);
    this.splitter = new TrainingSplitter(options.splitColumns, options.holdoutFraction);
    this.parser = new CsvParser(new CsvTee(this.scan, this.splitter), {
      source: options.source,
      header: options.header,
      firstRow: options.firstRow,
    });
    this.train = new ObjectWriter(s3, options.train, 'text/csv');
    this.holdout = new ObjectWriter(s3, options.holdout, 'text/csv');
  }

  get validator(): DatasetValidator {
    return this.scan.validator;
  }

  /** Reads the bytes to the end; on any error the split uploads are aborted. */
  async run(chunks: AsyncIterable<Uint8Array>, onChunk?: (chunk: Uint8Array) => void): Promise<void> {
    try {
      for await (const chunk of chunks) {
        onChunk?.(chunk);
        this.parser.push(chunk);
        await this.drain();
      }
      this.parser.end();
      await this.drain();
      await Promise.all([this.train.close(), this.holdout.close()]);
    } catch (error) {
      await Promise.allSettled([this.train.abort(), this.holdout.abort()]);
      throw error;
    }
  }

  /** Uploads the split bytes produced so far (whole parts only; the rest stays buffered). */
  private async drain(): Promise<void> {
    await this.train.write(this.splitter.train.take());
    await this.holdout.write(this.splitter.holdout.take());
  }
}
