/**
 * The scaled-out run over one version of a dataset (docs/wiring.md "validate-data modes"): `validate-data` plans it
 * once — byte ranges on record boundaries, the header, the row count, the PII salt — and writes the manifest the
 * Distributed Map reads. Both gates' `part` modes receive one manifest item and check it against the plan; their
 * merges find every part's result through the plan. Everything a run writes sits under {@link scaleOutPrefix}.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { InputError } from '../../shared/errors';
import { ObjectKey, readJson, type ObjectLocation } from '../../shared/object-store';
import { scaleOutPrefix } from './keys';

const text = z.string().min(1);

/** One entry of the manifest the Distributed Map's ItemReader reads; the Map passes it on as `part`. */
export const PlanItem = z
  .object({
    partIndex: z.number().int().min(0),
    start: z.number().int().min(0),
    end: z.number().int().min(0),
    firstRow: z.number().int().min(1),
    planKey: ObjectKey,
  })
  .refine((item) => item.end >= item.start, { message: 'end must not be before start', path: ['end'] });
export type PlanItem = z.infer<typeof PlanItem>;

/** The plan document: everything the parts and the merges share besides the manifest. */
export const PlanDocument = z.object({
  format: z.literal('warden.validation-plan'),
  version: z.literal(1),
  runId: text,
  dataset: z.object({ bucket: text, key: text, etag: text, bytes: z.number(), sha256: text }),
  header: z.array(z.string()),
  rows: z.number(),
  piiSalt: text,
  parts: z.array(z.object({ partIndex: z.number(), start: z.number(), end: z.number(), firstRow: z.number() })),
});
export type PlanDocument = z.infer<typeof PlanDocument>;

/** Where a merge finds the run: the manifest the Map read. */
export interface ManifestLocation {
  readonly manifestBucket: string;
  readonly manifestKey: string;
}

export function readPlan(s3: S3Client, artifactsBucket: string, planKey: string): Promise<PlanDocument> {
  return readJson(s3, { bucket: artifactsBucket, key: planKey }, PlanDocument, 'a validation plan');
}

/** The plan of `dataset` as a part receives it; a part the plan does not list exactly is an input error. */
export async function planOfPart(
  s3: S3Client,
  artifactsBucket: string,
  dataset: ObjectLocation,
  part: PlanItem,
): Promise<PlanDocument> {
  const document = await readPlan(s3, artifactsBucket, part.planKey);
  const planned = document.parts[part.partIndex];
  if (
    planned === undefined ||
    planned.start !== part.start ||
    planned.end !== part.end ||
    planned.firstRow !== part.firstRow ||
    document.dataset.bucket !== dataset.bucket ||
    document.dataset.key !== dataset.key
  ) {
    throw new InputError(`Part ${part.partIndex} does not match the plan ${part.planKey}.`);
  }
  return document;
}

/** The plan of `dataset` as a merge finds it, through the manifest the Map read. */
export async function planOfManifest(
  s3: S3Client,
  artifactsBucket: string,
  dataset: ObjectLocation,
  manifest: ManifestLocation,
): Promise<PlanDocument> {
  const items = await readJson(
    s3,
    { bucket: manifest.manifestBucket, key: manifest.manifestKey },
    z.array(PlanItem).min(1),
    'a validation manifest',
  );
  const document = await readPlan(s3, artifactsBucket, items[0].planKey);
  if (document.dataset.bucket !== dataset.bucket || document.dataset.key !== dataset.key) {
    throw new InputError(`The manifest ${manifest.manifestKey} plans ${document.dataset.key}, not ${dataset.key}.`);
  }
  return document;
}

/** Key of what one part of a run writes, e.g. `partResultKey(model, runId, 3, 'bias.json')`. */
export function partResultKey(model: string, runId: string, partIndex: number, suffix: string): string {
  return `${scaleOutPrefix(model, runId)}parts/${String(partIndex).padStart(5, '0')}.${suffix}`;
}
