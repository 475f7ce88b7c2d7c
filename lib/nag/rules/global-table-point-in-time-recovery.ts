import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnGlobalTable } from 'aws-cdk-lib/aws-dynamodb';
import { NagRuleCompliance } from 'cdk-nag';
import { everyReplica } from '../global-table-replicas';

/** DynamoDB TableV2 (global table): every replica has point-in-time recovery enabled. */
export function globalTablePointInTimeRecovery(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof CfnGlobalTable)) return NagRuleCompliance.NOT_APPLICABLE;
  return everyReplica(node, (replica) => {
    const spec = Stack.of(node).resolve(replica.pointInTimeRecoverySpecification) as
      { pointInTimeRecoveryEnabled?: boolean } | undefined;
    return spec?.pointInTimeRecoveryEnabled === true;
  });
}
