import { Stack } from 'aws-cdk-lib';
import type { CfnGlobalTable } from 'aws-cdk-lib/aws-dynamodb';
import { NagRuleCompliance } from 'cdk-nag';

/** Compliant when the table has replicas and each one passes `check`. */
export function everyReplica(
  node: CfnGlobalTable,
  check: (replica: CfnGlobalTable.ReplicaSpecificationProperty) => boolean,
): NagRuleCompliance {
  const replicas = Stack.of(node).resolve(node.replicas) as CfnGlobalTable.ReplicaSpecificationProperty[] | undefined;
  if (replicas === undefined || replicas.length === 0) return NagRuleCompliance.NON_COMPLIANT;
  return replicas.every(check) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
