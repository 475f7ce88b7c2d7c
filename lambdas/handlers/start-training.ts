/**
 * `start-training`: turns a trigger into one execution of the training state machine (docs/wiring.md).
 *
 * - S3 `Object Created` under `incoming/<model>/` (EventBridge notifications of the data bucket): trains on that
 *   object, except under `incoming/<model>/fresh/`: labelled data staged there waits for the next retrain (a drift
 *   remediation) instead of starting one per upload.
 * - `Warden Retrain Requested`: trains on the event's dataset, or else on the newest object under `incoming/<model>/`
 *   of `WARDEN_DATA_BUCKET`.
 *
 * The execution name is a hash of bucket, key and ETag (plus the request, for a retrain), so a duplicate delivery of
 * the same event cannot start a second run; it is answered as a duplicate instead.
 */
import { createHash } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { awsClient } from '../shared/aws-clients';
import { config, ConfigurationError, type WardenConfig } from '../shared/config';
import { InputError } from '../shared/errors';
import { RetrainRequestedDetail } from '../shared/event-schemas';
import { AlarmName, boundedText, CorrelationId } from '../shared/fields';
import { wardenHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { BucketName, headObject, listObjects, ObjectKey, s3Client, type ObjectLocation } from '../shared/object-store';

/** A retrain request's reason becomes part of the training execution's input: a sentence, not a document. */
const REASON_BYTES = 1024;

/** The event id becomes the run's correlation id. */
const ObjectCreated = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  id: CorrelationId,
  detail: z.object({
    bucket: z.object({ name: BucketName }),
    object: z.object({
      key: ObjectKey,
      // Bytes; -0 is read as 0, which is what the training request becomes as JSON anyway.
      size: z
        .number()
        .int()
        .min(0)
        .transform((size) => size + 0)
        .optional(),
      etag: z.string().optional(),
    }),
  }),
});

/** The published detail schema, with the fields that go into the training request bounded as it needs them. */
const RetrainRequested = z.object({
  source: z.literal('warden'),
  'detail-type': z.literal('Warden Retrain Requested'),
  id: z.string().min(1),
  detail: RetrainRequestedDetail.extend({
    correlationId: CorrelationId,
    reason: boundedText(REASON_BYTES),
    alarmName: AlarmName.optional(),
    dataset: z.object({ bucket: BucketName, key: ObjectKey }).optional(),
  }),
});

export const StartTrainingInput = z.union([ObjectCreated, RetrainRequested]);
export type StartTrainingInput = z.infer<typeof StartTrainingInput>;

/** The training execution's input (`$.input` of training.asl.json). */
export interface TrainingRequest {
  readonly bucket: string;
  readonly key: string;
  readonly sizeBytes: number;
  readonly correlationId: string;
  readonly retrain?: { readonly reason: string; readonly alarmName?: string };
}

export const handler = wardenHandler(
  'start-training',
  StartTrainingInput,
  async (event) => {
    const cfg = config();
    const s3 = s3Client(cfg.region);
    let request: TrainingRequest;
    let etag: string;
    if (event.source === 'aws.s3') {
      const location = { bucket: event.detail.bucket.name, key: event.detail.object.key };
      requireIncoming(cfg, location);
      if (location.key.startsWith(freshPrefix(cfg))) {
        logger.info('staged for the next retrain', { key: location.key });
        return { started: false, reason: 'staged for the next retrain', request: undefined };
      }
      const info = await headObject(s3, location);
      etag = event.detail.object.etag ?? info.etag;
      request = { ...location, sizeBytes: event.detail.object.size ?? info.size, correlationId: event.id };
    } else {
      if (event.detail.modelName !== cfg.modelName) {
        throw new InputError(`The retrain request is for model ${event.detail.modelName}, not ${cfg.modelName}.`);
      }
      const location = event.detail.dataset ?? (await newestDataset(cfg));
      requireIncoming(cfg, location);
      const info = await headObject(s3, location);
      etag = info.etag;
      request = {
        ...location,
        sizeBytes: info.size,
        correlationId: event.detail.correlationId,
        retrain: { reason: event.detail.reason, alarmName: event.detail.alarmName },
      };
    }
    const identity = [request.bucket, request.key, etag, request.retrain ? request.correlationId : ''].join('\n');
    const name = `train-${createHash('sha256').update(identity).digest('hex').slice(0, 40)}`;
    const sfn = awsClient('SFN', cfg.region, (region) => new SFNClient({ region }));
    try {
      const started = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: cfg.trainingStateMachineArn,
          name,
          input: JSON.stringify(request),
        }),
      );
      logger.info('training started', { name, key: request.key });
      return { started: true, name, executionArn: started.executionArn, request };
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ExecutionAlreadyExists')) throw error;
      logger.info('training already started for this object', { name, key: request.key });
      return { started: false, name, reason: 'duplicate', request };
    }
  },
  (event) => (event.source === 'warden' ? event.detail.correlationId : event.id),
);

/** Where labelled data waits for the next retrain: `incoming/<model>/fresh/`. */
function freshPrefix(cfg: WardenConfig): string {
  return `incoming/${cfg.modelName}/fresh/`;
}

function requireIncoming(cfg: WardenConfig, location: ObjectLocation): void {
  if (!location.key.startsWith(`incoming/${cfg.modelName}/`)) {
    throw new InputError(`${location.key} is not under incoming/${cfg.modelName}/: not a dataset of this model.`);
  }
}

/** The most recently written object under `incoming/<model>/` of the data bucket. */
async function newestDataset(cfg: WardenConfig): Promise<ObjectLocation> {
  const bucket = cfg.dataBucket;
  if (bucket === undefined) {
    throw new ConfigurationError(
      'A retrain request without a dataset needs WARDEN_DATA_BUCKET to find the latest data.',
    );
  }
  let newest: { key: string; lastModified: Date } | undefined;
  for await (const object of listObjects(s3Client(cfg.region), bucket, `incoming/${cfg.modelName}/`)) {
    if (object.size === 0 || object.key.endsWith('/')) continue;
    if (newest === undefined || object.lastModified >= newest.lastModified) newest = object;
  }
  if (newest === undefined)
    throw new InputError(`There is no dataset under s3://${bucket}/incoming/${cfg.modelName}/.`);
  return { bucket, key: newest.key };
}
