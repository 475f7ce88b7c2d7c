import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { LINEAGE_INDEXES, auditTableName, lineageTableName } from './lineage-store';
import { acknowledgeWildcardResource } from './nag/acknowledge';
import { names } from './naming';

export interface LedgerAccess {
  readonly modelName: string;
  /** Region of the control plane: every ledger write goes there, so chains and version counters never fork. */
  readonly primaryRegion: string;
  readonly table: 'lineage' | 'audit';
  /** `append` is PutItem only (the audit table); `write` adds UpdateItem (lineage versions, pointers, brakes). */
  readonly access: 'read' | 'append' | 'write';
}

/**
 * Lets a serving-region function use the control plane's lineage or audit table, which lives in another stack and
 * region and is therefore addressed by its fixed name, and the key behind the primary region's `alias/warden`.
 */
export function grantLedgerAccess(fn: lambda.IFunction, access: LedgerAccess): void {
  const stack = Stack.of(fn);
  const name = access.table === 'lineage' ? lineageTableName(access.modelName) : auditTableName(access.modelName);
  const table = stack.formatArn({
    service: 'dynamodb',
    region: access.primaryRegion,
    resource: 'table',
    resourceName: name,
  });
  const actions = ['dynamodb:GetItem', 'dynamodb:Query'];
  if (access.access !== 'read') actions.push('dynamodb:PutItem');
  if (access.access === 'write') actions.push('dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem');
  const indexes = access.table === 'lineage' ? LINEAGE_INDEXES.map((index) => `${table}/index/${index}`) : [];
  fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [table, ...indexes] }));
  const primaryKeys = stack.formatArn({
    service: 'kms',
    region: access.primaryRegion,
    resource: 'key',
    resourceName: '*',
  });
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: access.access === 'read' ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [primaryKeys],
      conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': names.keyAlias } },
    }),
  );
  if (fn.role) {
    acknowledgeWildcardResource(
      fn.role,
      primaryKeys,
      'The control-plane key lives in another stack and region; the grant is limited by condition to the key behind alias/warden.',
    );
  }
}
