/**
 * The `warden` events on EventBridge (CONTRACTS.md "Events"): one zod schema per detail-type. Every detail carries
 * `modelName`, `modelVersion` (when known), `region` and `correlationId`. Schemas accept extra fields, so consumers
 * keep working when a later release adds one; JSON Schemas generated from these live in docs/events/.
 *
 * This module has no AWS SDK dependency, so the construct library can export the schemas; the publisher is in
 * `events.ts`.
 */
import * as z from 'zod';

export const EVENT_SOURCE = 'warden';

const text = z.string().min(1);
const count = z.number().int().min(0);
const s3Object = z.object({ bucket: text, key: text });

/** Fields of every `warden` event detail. */
export const WardenDetailBase = z.object({
  modelName: text,
  /** The model version the event is about, once one is allocated. */
  modelVersion: z.number().int().positive().optional(),
  /** Region where it happened. */
  region: text,
  /** Ties together the events, logs, lineage and audit entries of one workflow run. */
  correlationId: text,
});

export const DatasetValidatedDetail = WardenDetailBase.extend({
  dataset: s3Object.extend({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  passed: z.boolean(),
  rows: count,
  /** Number of violated rules (one per rule and column). */
  violations: count,
  reportKey: text,
  /** Only for a dataset that passed: the drift baseline profile. */
  baselineKey: text.optional(),
});

export const BiasGateFailedDetail = WardenDetailBase.extend({
  stage: z.enum(['pre', 'post']),
  /** Metrics over their threshold. */
  failed: z.array(text).min(1),
  reportKey: text,
  dataset: s3Object,
});

export const ModelRegisteredDetail = WardenDetailBase.extend({
  modelVersion: z.number().int().positive(),
  modelPackageArn: text.optional(),
});

export const DeploymentSucceededDetail = WardenDetailBase.extend({
  modelVersion: z.number().int().positive(),
  endpointName: text,
  endpointConfigName: text,
});

export const DeploymentRolledBackDetail = WardenDetailBase.extend({
  endpointName: text,
  /** The endpoint config serving after the rollback. */
  endpointConfigName: text,
  /** Why: `canary-alarm` (deployment guardrails), `remediation` (a decided rollback). */
  reason: text,
});

export const DriftDetectedDetail = WardenDetailBase.extend({
  endpointName: text,
  /** Features whose drift crossed a threshold, in feature order. */
  drifted: z.array(text).min(1),
  reportKey: text,
  window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
});

export const RetrainRequestedDetail = WardenDetailBase.extend({
  reason: text,
  alarmName: text.optional(),
  /** The data to train on; when absent, the newest object under `incoming/<model>/` of the data bucket. */
  dataset: s3Object.optional(),
});

export const RemediationSuppressedDetail = WardenDetailBase.extend({
  alarmName: text,
  /** A brake (`locked`, `cooldown`, `daily-cap`, `suggest-only`) or why nothing could be done. */
  reason: text,
});

export const WARDEN_EVENT_SCHEMAS = {
  'Warden Dataset Validated': DatasetValidatedDetail,
  'Warden Bias Gate Failed': BiasGateFailedDetail,
  'Warden Model Registered': ModelRegisteredDetail,
  'Warden Deployment Succeeded': DeploymentSucceededDetail,
  'Warden Deployment Rolled Back': DeploymentRolledBackDetail,
  'Warden Drift Detected': DriftDetectedDetail,
  'Warden Retrain Requested': RetrainRequestedDetail,
  'Warden Remediation Suppressed': RemediationSuppressedDetail,
} as const;

export type WardenDetailType = keyof typeof WARDEN_EVENT_SCHEMAS;
export type WardenEventDetail<T extends WardenDetailType> = z.infer<(typeof WARDEN_EVENT_SCHEMAS)[T]>;

export type DatasetValidated = WardenEventDetail<'Warden Dataset Validated'>;
export type BiasGateFailed = WardenEventDetail<'Warden Bias Gate Failed'>;
export type ModelRegistered = WardenEventDetail<'Warden Model Registered'>;
export type DeploymentSucceeded = WardenEventDetail<'Warden Deployment Succeeded'>;
export type DeploymentRolledBack = WardenEventDetail<'Warden Deployment Rolled Back'>;
export type DriftDetected = WardenEventDetail<'Warden Drift Detected'>;
export type RetrainRequested = WardenEventDetail<'Warden Retrain Requested'>;
export type RemediationSuppressed = WardenEventDetail<'Warden Remediation Suppressed'>;

/** A whole EventBridge event of source `warden` whose detail matches its detail-type's schema. */
export const WardenEventSchema = z
  .object({
    source: z.literal(EVENT_SOURCE),
    'detail-type': z.enum(Object.keys(WARDEN_EVENT_SCHEMAS) as [WardenDetailType, ...WardenDetailType[]]),
    detail: z.unknown(),
  })
  .superRefine((event, context) => {
    const result = WARDEN_EVENT_SCHEMAS[event['detail-type']].safeParse(event.detail);
    for (const issue of result.error?.issues ?? []) {
      context.addIssue({ code: 'custom', path: ['detail', ...issue.path], message: issue.message });
    }
  });
