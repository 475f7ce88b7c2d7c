import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { hasInstanceStorage, requestedInstanceTypes } from '../instance-storage';
import { checkRequests, field } from '../sagemaker-requests';

/** Where each request names the key of its instances' storage volumes. */
const VOLUME_KEYS: Record<string, string[]> = {
  CreateTrainingJob: ['ResourceConfig', 'VolumeKmsKeyId'],
  CreateTransformJob: ['TransformResources', 'VolumeKmsKeyId'],
  CreateEndpointConfig: ['KmsKeyId'],
};

/**
 * No storage-volume KMS key on instance types with NVMe instance storage (GPU families such as ml.g4dn, ml.g5,
 * ml.p4d, and the `d` families): SageMaker rejects the request, so the job or deployment fails at run time. Checks
 * training and transform jobs and endpoint configs (`AWS::SageMaker::EndpointConfig`, state machine Tasks, pipeline
 * steps) that set a key; instance types chosen at run time cannot be checked.
 */
export function noKmsKeyOnInstanceStorage(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, Object.keys(VOLUME_KEYS), (request, operation) => {
    if (field(request, ...VOLUME_KEYS[operation]).kind === 'absent') return undefined;
    return !requestedInstanceTypes(request, operation).known.some(hasInstanceStorage);
  });
}
