import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { hasInstanceStorage, requestedInstanceTypes } from '../instance-storage';
import { checkRequests, field, isCustomerManagedKey } from '../sagemaker-requests';

/**
 * Training jobs (`createTrainingJob` Tasks, pipeline Training steps) on EBS-backed instance types encrypt the volume
 * with a customer-managed KMS key (`ResourceConfig.VolumeKmsKeyId`). Not applicable when an instance type (of any
 * instance group) has NVMe instance storage, since SageMaker then refuses a key for the whole job, or when the type is
 * only chosen at run time, since synthesis cannot tell which of the two it is.
 */
export function trainingVolumeEncrypted(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, ['CreateTrainingJob'], (request, operation) => {
    if (isCustomerManagedKey(field(request, 'ResourceConfig', 'VolumeKmsKeyId'))) return true;
    const types = requestedInstanceTypes(request, operation);
    return types.unknown || types.known.some(hasInstanceStorage) ? undefined : false;
  });
}
