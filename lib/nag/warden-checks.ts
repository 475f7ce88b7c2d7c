import type { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, type NagPackProps, type NagRuleCompliance } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { globalTableCustomerManagedKey } from './rules/global-table-customer-managed-key';
import { globalTableDeletionProtection } from './rules/global-table-deletion-protection';
import { globalTablePointInTimeRecovery } from './rules/global-table-point-in-time-recovery';

interface WardenRule {
  readonly id: string;
  readonly info: string;
  readonly explanation: string;
  readonly check: (node: CfnResource) => NagRuleCompliance;
}

/** Warden's own rules, one per file under `rules/`; exported so users can run them on their apps too. */
export const WARDEN_RULES: readonly WardenRule[] = [
  {
    id: 'GlobalTablePITR',
    info: 'The DynamoDB global table (TableV2) has a replica without point-in-time recovery.',
    explanation:
      'Lineage and audit history must survive an accidental or malicious overwrite; the standard packs do not inspect TableV2.',
    check: globalTablePointInTimeRecovery,
  },
  {
    id: 'GlobalTableDeletionProtection',
    info: 'The DynamoDB global table (TableV2) has a replica without deletion protection.',
    explanation: 'Deleting a lineage or audit table destroys the evidence governance rests on.',
    check: globalTableDeletionProtection,
  },
  {
    id: 'GlobalTableCMK',
    info: 'The DynamoDB global table (TableV2) is not encrypted with a customer-managed KMS key in every replica.',
    explanation: 'A customer-managed key keeps key policy, rotation and revocation under the owner of the data.',
    check: globalTableCustomerManagedKey,
  },
];

/** Warden's cdk-nag pack: `Validations.of(app).addPlugins(new WardenChecks(app))`. */
export class WardenChecks extends NagPack {
  readonly name = 'Warden';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'Warden';
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of WARDEN_RULES) {
      this.applyRule({
        ruleSuffixOverride: rule.id,
        info: rule.info,
        explanation: rule.explanation,
        level: NagMessageLevel.ERROR,
        rule: rule.check,
        node,
      });
    }
  }
}
