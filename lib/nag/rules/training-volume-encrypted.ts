import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { hasInstanceStorage, requestedInstanceTypes } from '../instance-storage';
import { checkRequests, field, isCustomerManagedKey } from '../sagemaker-requests';

/**
 * Training jobs (`createTrainingJob` Tasks, pipeline Training steps) on EBS-backed instance types encrypt the volume
 * with a customer-managed KMS key (`ResourceConfig.VolumeKmsKeyId`). Not applicable when an instance type (of any
 * instance group) has NVMe instance storage, since SageMaker then refuses a key for the whole job, or when the type is
 * only chosen at run time (or the key, or the whole `ResourceConfig`), since synthesis cannot tell which it is.
 */
export function trainingVolumeEncrypted(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, ['CreateTrainingJob'], (request, operation) => {
    const key = field(request, 'ResourceConfig', 'VolumeKmsKeyId');
    // A key (or a whole ResourceConfig) picked at run time may or may not be there: synthesis cannot tell.
    if (key.kind === 'dynamic') return undefined;
    if (isCustomerManagedKey(key)) return true;
    const types = requestedInstanceTypes(request, operation);
    return types.unknown || types.known.some(hasInstanceStorage) ? undefined : false;
  });
}
