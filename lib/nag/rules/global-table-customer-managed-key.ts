import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnGlobalTable } from 'aws-cdk-lib/aws-dynamodb';
import { NagRuleCompliance } from 'cdk-nag';
import { everyReplica } from '../global-table-replicas';

/** DynamoDB TableV2 (global table): encrypted with a customer-managed KMS key in every replica. */
export function globalTableCustomerManagedKey(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof CfnGlobalTable)) return NagRuleCompliance.NOT_APPLICABLE;
  const sse = Stack.of(node).resolve(node.sseSpecification) as { sseEnabled?: boolean; sseType?: string } | undefined;
  if (sse?.sseEnabled !== true || sse.sseType !== 'KMS') return NagRuleCompliance.NON_COMPLIANT;
  return everyReplica(node, (replica) => {
    const replicaSse = Stack.of(node).resolve(replica.sseSpecification) as { kmsMasterKeyId?: unknown } | undefined;
    return replicaSse?.kmsMasterKeyId !== undefined && replicaSse.kmsMasterKeyId !== 'alias/aws/dynamodb';
  });
}
