import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { WardenChecks } from './warden-checks';

export { WARDEN_RULES, WardenChecks, type WardenRule } from './warden-checks';
export { acknowledge, acknowledgeWildcardResource, acknowledgedRules } from './acknowledge';

/** The packs Warden is checked against: the five cdk-nag packs plus Warden's own rules. */
export function wardenNagPacks(scope: Construct) {
  return [
    new AwsSolutionsChecks(scope),
    new HIPAASecurityChecks(scope),
    new NIST80053R5Checks(scope),
    new PCIDSS321Checks(scope),
    new ServerlessChecks(scope),
    new WardenChecks(scope),
  ];
}

/**
 * Registers every pack on the app. Warden's constructs acknowledge their own deliberate findings, each with its
 * reason, so nothing else needs suppressing for them.
 */
export function addWardenNagPacks(app: Construct): void {
  Validations.of(app).addPlugins(...wardenNagPacks(app));
}
