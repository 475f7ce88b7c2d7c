import { CfnResource } from 'aws-cdk-lib';
import { CfnGlobalTable } from 'aws-cdk-lib/aws-dynamodb';
import { NagRuleCompliance } from 'cdk-nag';
import { everyReplica } from '../global-table-replicas';

/** DynamoDB TableV2 (global table): every replica has deletion protection on. */
export function globalTableDeletionProtection(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof CfnGlobalTable)) return NagRuleCompliance.NOT_APPLICABLE;
  return everyReplica(node, (replica) => replica.deletionProtectionEnabled === true);
}
