import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { checkRequests, field, isTrue } from '../sagemaker-requests';

/**
 * Training jobs (`createTrainingJob` Tasks, pipeline Training steps) run with `EnableNetworkIsolation: true`, so the
 * training container cannot send training data anywhere. A value chosen at run time cannot be verified and fails.
 */
export function trainingNetworkIsolation(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, ['CreateTrainingJob'], (request) => isTrue(field(request, 'EnableNetworkIsolation')));
}
