/**
 * The `warden` events on EventBridge (CONTRACTS.md "Events", plus `Warden Approval Requested` of manual approval): one
 * zod schema per detail-type. Every detail carries
 * `modelName`, `modelVersion` (when known), `region` and `correlationId`. Schemas accept extra fields, so consumers
 * keep working when a later release adds one; JSON Schemas generated from these live in docs/events/.
 *
 * This module has no AWS SDK dependency, so the construct library can export the schemas; the publisher is in
 * `events.ts`.
 */
import * as z from 'zod';

/** The `source` of every Warden event. */
export const EVENT_SOURCE = 'warden';

const text = z.string().min(1);
const count = z.number().int().min(0);
const s3Object = z.object({
  /** Bucket name. */
  bucket: text,
  /** Object key. */
  key: text,
});

/** Fields of every `warden` event detail. */
export const WardenDetailBase = z.object({
  /** The model family (`modelName` of its settings). */
  modelName: text,
  /** The model version the event is about, once one is allocated. */
  modelVersion: z.number().int().positive().optional(),
  /** Region where it happened. */
  region: text,
  /** Ties together the events, logs, lineage and audit entries of one workflow run. */
  correlationId: text,
});

/** A dataset was checked against the family's data contract. */
export const DatasetValidatedDetail = WardenDetailBase.extend({
  /** The dataset, with the SHA-256 of its bytes. */
  dataset: s3Object.extend({
    /** Hex SHA-256 of the object's bytes. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  /** Whether it met the contract (no violation of an `error` rule). */
  passed: z.boolean(),
  /** Data rows read (the header not counted). */
  rows: count,
  /** Number of violated rules (one per rule and column). */
  violations: count,
  /** Key of the validation report in the artifacts bucket. */
  reportKey: text,
  /** Only for a dataset that passed: the drift baseline profile. */
  baselineKey: text.optional(),
});

/** The bias gate stopped a dataset (`pre`, before training) or a candidate model (`post`, on the holdout split). */
export const BiasGateFailedDetail = WardenDetailBase.extend({
  /** `pre`: pre-training metrics of the dataset; `post`: post-training metrics of the candidate's predictions. */
  stage: z.literal(['pre', 'post']),
  /** Metrics over their threshold. */
  failed: z.array(text).min(1),
  /** Key of the bias report in the artifacts bucket. */
  reportKey: text,
  /** The dataset the gate judged. */
  dataset: s3Object,
});

/** A candidate passed evaluation and both bias gates and was registered as a new model version. */
export const ModelRegisteredDetail = WardenDetailBase.extend({
  /** The version registered. */
  modelVersion: z.number().int().positive(),
  /** Its SageMaker model package. */
  modelPackageArn: text.optional(),
});

/** A model version serves all traffic of a region's endpoint, its canary passed. */
export const DeploymentSucceededDetail = WardenDetailBase.extend({
  /** The version now live in the region. */
  modelVersion: z.number().int().positive(),
  /** The family's stable endpoint name. */
  endpointName: text,
  /** The endpoint config now in service. */
  endpointConfigName: text,
});

/** A region's endpoint returned to an earlier model version (its canary tripped an alarm, or remediation decided so). */
export const DeploymentRolledBackDetail = WardenDetailBase.extend({
  /** The family's stable endpoint name. */
  endpointName: text,
  /** The endpoint config serving after the rollback. */
  endpointConfigName: text,
  /** Why: `canary-alarm` (deployment guardrails), `remediation` (a decided rollback). */
  reason: text,
});

/** Captured traffic of a window drifted from the training baseline on at least one feature. */
export const DriftDetectedDetail = WardenDetailBase.extend({
  /** The endpoint whose captured traffic was compared. */
  endpointName: text,
  /** Features whose drift crossed a threshold, in feature order. */
  drifted: z.array(text).min(1),
  /** Key of the drift report in the artifacts bucket. */
  reportKey: text,
  /** The capture window compared, ISO 8601. */
  window: z.object({
    /** Start of the window (inclusive). */
    start: z.iso.datetime(),
    /** End of the window (exclusive). */
    end: z.iso.datetime(),
  }),
});

/** Someone (remediation, or a person) asks for the family to be trained again; training starts on it. */
export const RetrainRequestedDetail = WardenDetailBase.extend({
  /** Why, for people and the audit trail. */
  reason: text,
  /** The alarm that led to it, when remediation asked. */
  alarmName: text.optional(),
  /** The data to train on; when absent, the newest object under `incoming/<model>/` of the data bucket. */
  dataset: s3Object.optional(),
});

/** An alarm asked for remediation and a brake, or the situation, held it back. */
export const RemediationSuppressedDetail = WardenDetailBase.extend({
  /** The alarm whose state change was not acted on. */
  alarmName: text,
  /** A brake (`locked`, `cooldown`, `daily-cap`, `suggest-only`) or why nothing could be done. */
  reason: text,
});

/**
 * A registered version waits for a person (`deployment.autoApprove: false`): whoever decides answers the task token
 * with Step Functions SendTaskSuccess `{ approvedBy, comment }` to approve, or SendTaskFailure to reject.
 */
export const ApprovalRequestedDetail = WardenDetailBase.extend({
  /** The model package waiting for approval. */
  modelPackageArn: text,
  /** The training job that produced it. */
  trainingJobName: text,
  /** The candidate's evaluation on the holdout split, as `evaluate-model` returned it. */
  evaluation: z.record(z.string(), z.unknown()),
  /** The token to answer. */
  taskToken: text,
});

/** The detail schema of every `warden` detail-type. */
export const WARDEN_EVENT_SCHEMAS = {
  /** {@link DatasetValidatedDetail} */
  'Warden Dataset Validated': DatasetValidatedDetail,
  /** {@link BiasGateFailedDetail} */
  'Warden Bias Gate Failed': BiasGateFailedDetail,
  /** {@link ModelRegisteredDetail} */
  'Warden Model Registered': ModelRegisteredDetail,
  /** {@link DeploymentSucceededDetail} */
  'Warden Deployment Succeeded': DeploymentSucceededDetail,
  /** {@link DeploymentRolledBackDetail} */
  'Warden Deployment Rolled Back': DeploymentRolledBackDetail,
  /** {@link DriftDetectedDetail} */
  'Warden Drift Detected': DriftDetectedDetail,
  /** {@link RetrainRequestedDetail} */
  'Warden Retrain Requested': RetrainRequestedDetail,
  /** {@link RemediationSuppressedDetail} */
  'Warden Remediation Suppressed': RemediationSuppressedDetail,
  /** {@link ApprovalRequestedDetail} */
  'Warden Approval Requested': ApprovalRequestedDetail,
} as const;

/** A `warden` detail-type. */
export type WardenDetailType = keyof typeof WARDEN_EVENT_SCHEMAS;
/** The detail of a `warden` event of detail-type `T`. */
export type WardenEventDetail<T extends WardenDetailType> = z.infer<(typeof WARDEN_EVENT_SCHEMAS)[T]>;

/** Detail of `Warden Dataset Validated`. */
export type DatasetValidated = WardenEventDetail<'Warden Dataset Validated'>;
/** Detail of `Warden Bias Gate Failed`. */
export type BiasGateFailed = WardenEventDetail<'Warden Bias Gate Failed'>;
/** Detail of `Warden Model Registered`. */
export type ModelRegistered = WardenEventDetail<'Warden Model Registered'>;
/** Detail of `Warden Deployment Succeeded`. */
export type DeploymentSucceeded = WardenEventDetail<'Warden Deployment Succeeded'>;
/** Detail of `Warden Deployment Rolled Back`. */
export type DeploymentRolledBack = WardenEventDetail<'Warden Deployment Rolled Back'>;
/** Detail of `Warden Drift Detected`. */
export type DriftDetected = WardenEventDetail<'Warden Drift Detected'>;
/** Detail of `Warden Retrain Requested`. */
export type RetrainRequested = WardenEventDetail<'Warden Retrain Requested'>;
/** Detail of `Warden Remediation Suppressed`. */
export type RemediationSuppressed = WardenEventDetail<'Warden Remediation Suppressed'>;
/** Detail of `Warden Approval Requested`. */
export type ApprovalRequested = WardenEventDetail<'Warden Approval Requested'>;

/** A whole EventBridge event of source `warden` whose detail matches its detail-type's schema. */
export const WardenEventSchema = z
  .object({
    /** Always `warden`. */
    source: z.literal(EVENT_SOURCE),
    /** One of {@link WARDEN_EVENT_SCHEMAS}' keys. */
    'detail-type': z.literal(Object.keys(WARDEN_EVENT_SCHEMAS) as WardenDetailType[]),
    /** Checked against the detail-type's schema. */
    detail: z.unknown(),
  })
  .superRefine((event, context) => {
    const result = WARDEN_EVENT_SCHEMAS[event['detail-type']].safeParse(event.detail);
    for (const issue of result.error?.issues ?? []) {
      context.addIssue({ code: 'custom', path: ['detail', ...issue.path], message: issue.message });
    }
  });
