import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { checkRequests, field, isTrue } from '../sagemaker-requests';

/**
 * Training jobs (`createTrainingJob` Tasks, pipeline Training steps) encrypt traffic between their instances
 * (`EnableInterContainerTrafficEncryption: true`); distributed training exchanges gradients and data shards.
 */
export function trainingInterContainerEncryption(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, ['CreateTrainingJob'], (request) =>
    isTrue(field(request, 'EnableInterContainerTrafficEncryption')),
  );
}
