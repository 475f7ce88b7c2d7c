import type { CfnResource } from 'aws-cdk-lib';
import { CfnGroup, CfnManagedPolicy, CfnPolicy, CfnRole, CfnUser } from 'aws-cdk-lib/aws-iam';
import { NagRuleCompliance } from 'cdk-nag';
import { renderText, resolveValue } from '../intrinsics';
import { asList, statementsOf } from '../policy-statements';

/** AWS managed policies that allow every SageMaker action. */
const FULL_ACCESS_POLICIES = /:policy\/(AdministratorAccess|PowerUserAccess|AmazonSageMakerFullAccess)$/;

/**
 * IAM identity policies (`AWS::IAM::Policy`, `ManagedPolicy`, and the inline policies and managed policy ARNs of
 * `Role`, `User` and `Group`) allow SageMaker actions by exact name: no `*`, `sagemaker:*` or other pattern matching
 * SageMaker actions, no `Allow` with `NotAction` that leaves SageMaker in, and no AWS managed policy that grants all of
 * SageMaker. One wildcard lets a pipeline role delete model packages or endpoints it was never meant to touch.
 */
export function noSageMakerWildcardActions(node: CfnResource): NagRuleCompliance {
  let documents: unknown[];
  let managedPolicyArns: unknown[] = [];
  if (node instanceof CfnPolicy || node instanceof CfnManagedPolicy) {
    documents = [resolveValue(node, node.policyDocument)];
  } else if (node instanceof CfnRole || node instanceof CfnUser || node instanceof CfnGroup) {
    const policies = asList(resolveValue(node, node.policies)) as Record<string, unknown>[];
    documents = policies.map((policy) => policy.policyDocument ?? policy.PolicyDocument);
    managedPolicyArns = asList(resolveValue(node, node.managedPolicyArns));
  } else {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const fullAccess = managedPolicyArns.some((arn) => FULL_ACCESS_POLICIES.test(renderText(arn)));
  return fullAccess || documents.some(allowsSageMakerWildcard)
    ? NagRuleCompliance.NON_COMPLIANT
    : NagRuleCompliance.COMPLIANT;
}

function allowsSageMakerWildcard(document: unknown): boolean {
  return statementsOf(document).some(({ Effect, Action, NotAction }) => {
    if (Effect !== 'Allow') return false;
    if (NotAction !== undefined) return !asList(NotAction).some((action) => coversAllOfSageMaker(String(action)));
    return asList(Action).some((action) => matchesSageMakerByPattern(String(action)));
  });
}

/** `*`, `sagemaker:*`, `sagemaker:Create*`, `sagemaker:*Endpoint?`, in any letter case. */
function matchesSageMakerByPattern(action: string): boolean {
  const lower = action.toLowerCase();
  return lower === '*' || (lower.startsWith('sagemaker:') && /[*?]/.test(lower));
}

function coversAllOfSageMaker(action: string): boolean {
  return ['*', 'sagemaker:*'].includes(action.toLowerCase());
}
