import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { checkRequests, field, isTrue } from '../sagemaker-requests';

/**
 * SageMaker models (`AWS::SageMaker::Model`, `createModel` Tasks, pipeline Model steps) run their inference
 * containers with `EnableNetworkIsolation: true`, so a model cannot send the requests it serves anywhere.
 */
export function modelNetworkIsolation(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, ['CreateModel'], (request) => isTrue(field(request, 'EnableNetworkIsolation')));
}
