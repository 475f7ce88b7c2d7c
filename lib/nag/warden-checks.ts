import type { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, type NagPackProps, type NagRuleCompliance } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { blueGreenAutoRollback } from './rules/blue-green-auto-rollback';
import { endpointDataCapture } from './rules/endpoint-data-capture';
import { endpointDataCaptureEncrypted } from './rules/endpoint-data-capture-encrypted';
import { globalTableCustomerManagedKey } from './rules/global-table-customer-managed-key';
import { globalTableDeletionProtection } from './rules/global-table-deletion-protection';
import { globalTablePointInTimeRecovery } from './rules/global-table-point-in-time-recovery';
import { jobOutputEncrypted } from './rules/job-output-encrypted';
import { modelNetworkIsolation } from './rules/model-network-isolation';
import { noKmsKeyOnInstanceStorage } from './rules/no-kms-key-on-instance-storage';
import { noSageMakerWildcardActions } from './rules/no-sagemaker-wildcard-actions';
import { registeredModelPackageGroup } from './rules/registered-model-package-group';
import { sageMakerOutputBucket } from './rules/sagemaker-output-bucket';
import { spotTrainingCheckpoints } from './rules/spot-training-checkpoints';
import { stateMachineObservability } from './rules/state-machine-observability';
import { trainingInterContainerEncryption } from './rules/training-inter-container-encryption';
import { trainingNetworkIsolation } from './rules/training-network-isolation';
import { trainingVolumeEncrypted } from './rules/training-volume-encrypted';

/**
 * One rule of the Warden pack. The rule table ({@link WARDEN_RULES}) holds TypeScript functions and is for TypeScript
 * users only; other languages run the rules through {@link WardenChecks}.
 *
 * @jsii ignore
 */
export interface WardenRule {
  /** Suffix of the finding id: `Warden-<id>`. */
  readonly id: string;
  /** What is wrong when the rule fails. */
  readonly info: string;
  /** Why the rule exists. */
  readonly explanation: string;
  /** Compliant, non-compliant or not applicable, for one resource. */
  readonly check: (node: CfnResource) => NagRuleCompliance;
}

/**
 * Warden's own rules for a governed ML lifecycle, one per file under `rules/`. Training jobs and endpoint configs are
 * mostly created at run time, so besides SageMaker's CloudFormation resources the rules read the SageMaker Task states
 * of Step Functions state machines and the steps of SageMaker Pipelines.
 */
export const WARDEN_RULES: readonly WardenRule[] = [
  {
    id: 'ML1',
    info: 'The SageMaker endpoint config does not capture the requests it serves (DataCaptureConfig with Input capture).',
    explanation:
      'Drift and model-quality monitoring, audits of what a model decided, and retraining on served traffic all need captured inference data.',
    check: endpointDataCapture,
  },
  {
    id: 'ML2',
    info: 'The data capture of the SageMaker endpoint config is not encrypted with a customer-managed KMS key.',
    explanation:
      'Captured requests and responses are raw production data, often personal; the data owner must control the key.',
    check: endpointDataCaptureEncrypted,
  },
  {
    id: 'ML3',
    info: 'The SageMaker training, transform or processing job does not encrypt its S3 output with a customer-managed KMS key.',
    explanation:
      'Model artifacts and predictions encode the training data; a customer-managed key keeps who may read them under the owner of the data.',
    check: jobOutputEncrypted,
  },
  {
    id: 'ML4',
    info: 'The SageMaker training job runs on an EBS-backed instance type without a customer-managed volume KMS key.',
    explanation:
      'Training data and intermediate artifacts sit on the volume; jobs on instance types with NVMe instance storage are exempt because SageMaker refuses a key there.',
    check: trainingVolumeEncrypted,
  },
  {
    id: 'ML5',
    info: 'A storage-volume KMS key is set for an instance type with NVMe instance storage (e.g. ml.g5, ml.g4dn, ml.p4d).',
    explanation:
      'SageMaker rejects a volume key for instance storage, which the instance hardware encrypts; the training job or deployment would fail at run time.',
    check: noKmsKeyOnInstanceStorage,
  },
  {
    id: 'ML6',
    info: 'The SageMaker training job does not run with network isolation (EnableNetworkIsolation: true).',
    explanation:
      'Without isolation, training code, including third-party dependencies, can send the training data out.',
    check: trainingNetworkIsolation,
  },
  {
    id: 'ML7',
    info: 'The SageMaker training job does not encrypt traffic between its instances (EnableInterContainerTrafficEncryption: true).',
    explanation: 'Distributed training exchanges data shards, gradients and parameters between instances.',
    check: trainingInterContainerEncryption,
  },
  {
    id: 'ML8',
    info: 'An S3 bucket that SageMaker writes to (artifacts, checkpoints, transform output, data capture) is not versioned and TLS-only.',
    explanation:
      'Lineage points at artifact objects; versioning keeps them from being silently replaced and TLS-only access keeps them from being read in transit.',
    check: sageMakerOutputBucket,
  },
  {
    id: 'ML9',
    info: 'The DynamoDB global table (TableV2) has a replica without point-in-time recovery.',
    explanation:
      'Lineage and audit history must survive an accidental or malicious overwrite; the standard packs do not inspect TableV2.',
    check: globalTablePointInTimeRecovery,
  },
  {
    id: 'ML10',
    info: 'The DynamoDB global table (TableV2) has a replica without deletion protection.',
    explanation: 'Deleting a lineage or audit table destroys the evidence governance rests on.',
    check: globalTableDeletionProtection,
  },
  {
    id: 'ML11',
    info: 'The DynamoDB global table (TableV2) is not encrypted with a customer-managed KMS key in every replica.',
    explanation: 'A customer-managed key keeps key policy, rotation and revocation under the owner of the data.',
    check: globalTableCustomerManagedKey,
  },
  {
    id: 'ML12',
    info: 'The state machine drives SageMaker but does not log ALL events to a destination and trace with X-Ray.',
    explanation:
      'Which job, model and endpoint config a run created, from which input, is lineage; the execution history alone expires after 90 days.',
    check: stateMachineObservability,
  },
  {
    id: 'ML13',
    info: 'The IAM policy allows SageMaker actions by wildcard (*, sagemaker:*, sagemaker:Create*, NotAction, or a full-access managed policy).',
    explanation:
      'A wildcard lets a pipeline role delete or replace models, packages and endpoints outside its job; name the actions.',
    check: noSageMakerWildcardActions,
  },
  {
    id: 'ML14',
    info: 'The managed spot training job has no CheckpointConfig or a MaxWaitTimeInSeconds below MaxRuntimeInSeconds.',
    explanation:
      'Without checkpoints an interrupted spot job starts over; SageMaker requires the wait to cover the run time.',
    check: spotTrainingCheckpoints,
  },
  {
    id: 'ML15',
    info: 'The endpoint update shifts traffic gradually or bakes, but names no AutoRollbackConfiguration alarms.',
    explanation:
      'A canary or linear deployment only protects the endpoint when SageMaker has alarms to roll back on during the bake.',
    check: blueGreenAutoRollback,
  },
  {
    id: 'ML16',
    info: 'The SageMaker model does not run with network isolation (EnableNetworkIsolation: true).',
    explanation: 'A serving container without isolation can send the requests it receives, and their data, anywhere.',
    check: modelNetworkIsolation,
  },
  {
    id: 'ML17',
    info: 'The model package is not registered in a model package group declared in this app.',
    explanation:
      'Versions, approval status and lineage live in the registry group; an unversioned package or an unknown group escapes them.',
    check: registeredModelPackageGroup,
  },
];

/** Warden's cdk-nag pack: `Validations.of(app).addPlugins(new WardenChecks(app))`. Finding ids are `Warden-ML<n>`. */
export class WardenChecks extends NagPack {
  /** Name of the pack as CDK validation reports it. */
  readonly name = 'Warden';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'Warden';
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of WARDEN_RULES) {
      this.applyRule({
        ruleSuffixOverride: rule.id,
        info: rule.info,
        explanation: rule.explanation,
        level: NagMessageLevel.ERROR,
        rule: rule.check,
        node,
      });
    }
  }
}
