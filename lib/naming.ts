import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * Physical names that several stacks in several regions must agree on without cross-region references. Every
 * SageMaker resource and alarm of a model family starts with `warden-<model>`, which is also what IAM policies and
 * the remediation rule are scoped to.
 */
export const names = {
  /** What every physical name of a model family starts with, and what its IAM policies are scoped to. */
  prefix: (model: string) => `warden-${model}`,
  /** The family's endpoint, under one name in every serving region and across versions. */
  endpoint: (model: string) => `warden-${model}`,
  /** The deploy state machine of each serving region. */
  deployStateMachine: (model: string) => `warden-${model}-deploy`,
  /** The training state machine of the control-plane region. */
  trainingStateMachine: (model: string) => `warden-${model}-training`,
  /** The remediation state machine of the control-plane region. */
  remediationStateMachine: (model: string) => `warden-${model}-remediate`,
  /** The model registry group the family's versions are registered in. */
  modelPackageGroup: (model: string) => `warden-${model}`,
  /** Alarms whose ALARM state starts a remediation: drift (retrain) and serving health (rollback). */
  remediationAlarmPrefix: (model: string) => `warden-${model}-`,
  /** A serving alarm of one region (`kind` is `5xx` or `latency`); it carries the remediation alarm prefix. */
  servingAlarm: (model: string, region: string, kind: string) => `warden-${model}-${region}-${kind}`,
  /** Every region has one Warden key (its foundation stack), shared by the model families there. */
  keyAlias: 'alias/warden',
  /** A region's artifacts bucket; bucket names are global, hence the account and region. */
  artifactsBucket: (scope: Construct, region: string) => `warden-artifacts-${Stack.of(scope).account}-${region}`,
  /** The data bucket datasets are uploaded to, in the control-plane region. */
  dataBucket: (scope: Construct, region: string) => `warden-data-${Stack.of(scope).account}-${region}`,
};

/** ARN of a state machine with a known name in another (or this) region. */
export function stateMachineArn(scope: Construct, region: string, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    region,
    resource: 'stateMachine',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** ARN of a region's Warden key alias, accepted wherever KMS takes a key ARN for encryption. */
export function keyAliasArn(scope: Construct, region: string): string {
  return Stack.of(scope).formatArn({
    service: 'kms',
    region,
    resource: names.keyAlias,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
}

/** The default event bus of a region. */
export function defaultBusArn(scope: Construct, region: string): string {
  return Stack.of(scope).formatArn({
    service: 'events',
    region,
    resource: 'event-bus',
    resourceName: 'default',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
