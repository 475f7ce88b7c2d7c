import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { checkRequests, field, isCustomerManagedKey } from '../sagemaker-requests';

/**
 * Captured inference traffic (`DataCaptureConfig` of `AWS::SageMaker::EndpointConfig` and of `createEndpointConfig`
 * Tasks) is encrypted with a customer-managed KMS key. Endpoint configs without data capture are not applicable.
 */
export function endpointDataCaptureEncrypted(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, ['CreateEndpointConfig'], (request) =>
    field(request, 'DataCaptureConfig').kind === 'absent'
      ? undefined
      : isCustomerManagedKey(field(request, 'DataCaptureConfig', 'KmsKeyId')),
  );
}
