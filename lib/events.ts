/**
 * The `warden` events Warden puts on EventBridge, for rules and consumers in users' own apps: one zod schema per
 * detail-type (`WARDEN_EVENT_SCHEMAS`), the whole event (`WardenEventSchema`) and their TypeScript types. The same
 * schemas as JSON Schema are in docs/events/.
 */
export {
  EVENT_SOURCE,
  WARDEN_EVENT_SCHEMAS,
  WardenEventSchema,
  WardenDetailBase,
  DatasetValidatedDetail,
  BiasGateFailedDetail,
  ModelRegisteredDetail,
  DeploymentSucceededDetail,
  DeploymentRolledBackDetail,
  DriftDetectedDetail,
  RetrainRequestedDetail,
  RemediationSuppressedDetail,
  ApprovalRequestedDetail,
} from '../lambdas/shared/event-schemas';
export type {
  WardenDetailType,
  WardenEventDetail,
  DatasetValidated,
  BiasGateFailed,
  ModelRegistered,
  DeploymentSucceeded,
  DeploymentRolledBack,
  DriftDetected,
  RetrainRequested,
  RemediationSuppressed,
  ApprovalRequested,
} from '../lambdas/shared/event-schemas';
