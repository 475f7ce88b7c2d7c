import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * Physical names that several stacks in several regions must agree on without cross-region references. Every
 * SageMaker resource and alarm of a model family starts with `warden-<model>`, which is also what IAM policies and
 * the remediation rule are scoped to.
 */
export const names = {
  prefix: (model: string) => `warden-${model}`,
  endpoint: (model: string) => `warden-${model}`,
  deployStateMachine: (model: string) => `warden-${model}-deploy`,
  trainingStateMachine: (model: string) => `warden-${model}-training`,
  remediationStateMachine: (model: string) => `warden-${model}-remediate`,
  modelPackageGroup: (model: string) => `warden-${model}`,
  /** Alarms whose ALARM state starts a remediation: drift (retrain) and serving health (rollback). */
  remediationAlarmPrefix: (model: string) => `warden-${model}-`,
  servingAlarm: (model: string, region: string, kind: string) => `warden-${model}-${region}-${kind}`,
  /** Every region has one Warden key (its foundation stack), shared by the model families there. */
  keyAlias: 'alias/warden',
  artifactsBucket: (scope: Construct, region: string) => `warden-artifacts-${Stack.of(scope).account}-${region}`,
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
