import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnModelPackageGroup } from 'aws-cdk-lib/aws-sagemaker';
import type { NagRuleCompliance } from 'cdk-nag';
import { renderText } from '../intrinsics';
import { checkRequests, field } from '../sagemaker-requests';

/**
 * Model packages (`createModelPackage` Tasks, pipeline RegisterModel steps, `AWS::SageMaker::ModelPackage`) are
 * versions in a model package group that the app itself declares (`AWS::SageMaker::ModelPackageGroup`), named at
 * synth time: an unversioned package, or one registered into a group chosen at run time or kept elsewhere, escapes
 * the registry's versioning, approval and lineage.
 */
export function registeredModelPackageGroup(node: CfnResource): NagRuleCompliance {
  let declared: Set<string> | undefined;
  return checkRequests(node, ['CreateModelPackage'], (request) => {
    const group = field(request, 'ModelPackageGroupName');
    if (group.kind !== 'literal' || typeof group.value !== 'string') return false;
    declared ??= declaredGroups(node);
    return declared.has(group.value) || declared.has(group.value.replace(/^arn:.*:model-package-group\//, ''));
  });
}

/** Names, and references within the stack of `node`, of every model package group in the app. */
function declaredGroups(node: CfnResource): Set<string> {
  const stack = Stack.of(node);
  const groups = node.node.root.node
    .findAll()
    .filter((candidate): candidate is CfnModelPackageGroup => candidate instanceof CfnModelPackageGroup);
  return new Set(
    groups.flatMap((group) => {
      const groupStack = Stack.of(group);
      const logicalId = String(groupStack.resolve(group.logicalId));
      return [
        renderText(groupStack.resolve(group.modelPackageGroupName)),
        ...(groupStack === stack ? [`\${Ref:${logicalId}}`, `\${GetAtt:${logicalId}.ModelPackageGroupArn}`] : []),
      ];
    }),
  );
}
