import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledgements live next to the code that causes the finding, scoped to that construct, each with its reason, so
 * a user's own nag run over Warden's constructs sees the same justifications and nothing beyond that scope is hidden.
 */
export function acknowledge(scope: IConstruct, ids: string[], reason: string): void {
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
}

/** Acknowledges `AwsSolutions-IAM5` for one wildcard resource, named exactly as cdk-nag names the finding. */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  acknowledge(scope, [`AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`], reason);
}

/** CloudFormation reference → the flat form cdk-nag uses in finding ids (`<LogicalId.Arn>/prefix/*`). */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const value = node as Record<string, unknown>;
  if (Array.isArray(value['Fn::Join'])) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (value['Fn::Sub'] !== undefined) return flatten(value['Fn::Sub']);
  if (Array.isArray(value['Fn::GetAtt'])) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value['Fn::ImportValue'] !== undefined) return flatten(value['Fn::ImportValue']);
  if (value.Ref !== undefined) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}

/** Every acknowledged rule id in the tree under `scope`, with its reasons (for audits and the reference-app test). */
export function acknowledgedRules(scope: IConstruct): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const node of scope.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        const rule = id.replace(/^annotation::/i, '');
        if (!found.has(rule)) found.set(rule, new Set());
        found.get(rule)?.add(typeof reason === 'string' ? reason : JSON.stringify(reason));
      }
    }
  }
  return found;
}
