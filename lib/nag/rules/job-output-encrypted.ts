import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { checkRequests, field, isCustomerManagedKey } from '../sagemaker-requests';

/** Where each kind of job names the key for what it writes to S3. */
const OUTPUT_KEYS: Record<string, string[]> = {
  CreateTrainingJob: ['OutputDataConfig', 'KmsKeyId'],
  CreateTransformJob: ['TransformOutput', 'KmsKeyId'],
  CreateProcessingJob: ['ProcessingOutputConfig', 'KmsKeyId'],
};

/**
 * Training, transform and processing jobs (`createTrainingJob`, `createTransformJob` and `createProcessingJob` Tasks of
 * state machines; Training, Transform and Processing steps of `AWS::SageMaker::Pipeline`) encrypt their S3 output —
 * model artifacts, predictions, reports — with a customer-managed KMS key. A processing job without outputs is not
 * applicable.
 */
export function jobOutputEncrypted(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, Object.keys(OUTPUT_KEYS), (request, operation) => {
    const [output, key] = OUTPUT_KEYS[operation];
    if (operation === 'CreateProcessingJob' && field(request, output).kind === 'absent') return undefined;
    return isCustomerManagedKey(field(request, output, key));
  });
}
