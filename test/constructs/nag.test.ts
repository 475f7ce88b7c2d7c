/** Real synthesis of the reference layout, checked by the five cdk-nag packs and Warden's own rules. */
import { CfnResource } from 'aws-cdk-lib';
import { CfnGlobalTable } from 'aws-cdk-lib/aws-dynamodb';
import { NagRuleCompliance } from 'cdk-nag';
import { WARDEN_RULES, acknowledgedRules, addWardenNagPacks, wardenNagPacks } from '../../lib';
import { synthesizeReferenceApp } from '../support/reference-app';

describe('cdk-nag on the reference app', () => {
  const reference = synthesizeReferenceApp();
  const packs = wardenNagPacks(reference.app);
  const reports = packs.map((pack) => ({ pack: pack.name, report: pack.validateScope(reference.app) }));

  it.each(reports.map((entry) => [entry.pack, entry]))('%s reports no unacknowledged finding', (_name, entry) => {
    const findings = entry.report.violations.map(
      (violation) =>
        `${violation.ruleName}: ${violation.description} @ ${violation.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('synthesizes the whole app with every pack registered (cross-stack references resolved) and no finding left', () => {
    const app = synthesizeReferenceApp().app;
    addWardenNagPacks(app);
    expect(() => app.synth()).not.toThrow();
  });

  it('keeps at most 30 distinct acknowledged findings, each with a specific reason', () => {
    const acknowledged = acknowledgedRules(reference.app);
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(acknowledged.size).toBeLessThanOrEqual(30);
    for (const [id, reasons] of acknowledged) {
      for (const reason of reasons) expect({ id, specific: reason.length > 40 }).toEqual({ id, specific: true });
    }
  });

  it('has no acknowledgement for a finding that is not there to acknowledge', () => {
    // Every acknowledged id must name a rule some pack actually evaluates, so a typo cannot hide nothing silently.
    const ruleIds = /^(AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321|Serverless|Warden)-/;
    for (const id of acknowledgedRules(reference.app).keys()) expect(id).toMatch(ruleIds);
  });

  it('finds global tables, which the standard packs do not inspect, with Warden rules', () => {
    const tables = reference.stacks.controlPlaneStacks[0].node
      .findAll()
      .filter((node): node is CfnGlobalTable => node instanceof CfnGlobalTable);
    expect(tables).toHaveLength(2);
    for (const rule of WARDEN_RULES.filter((r) => ['ML9', 'ML10', 'ML11'].includes(r.id))) {
      for (const table of tables) expect(rule.check(table as CfnResource)).toBe(NagRuleCompliance.COMPLIANT);
    }
  });

  it('checks the SageMaker work of the state machines with every ML rule, not just passes over it', () => {
    const resources = reference.app.node.findAll().filter((node): node is CfnResource => node instanceof CfnResource);
    const judged = WARDEN_RULES.filter((rule) =>
      resources.some((resource) => rule.check(resource) === NagRuleCompliance.COMPLIANT),
    ).map((rule) => rule.id);
    // ML4 cannot judge the training job: its ResourceConfig (type and volume key) is picked at run time from a list.
    expect(judged).toEqual(WARDEN_RULES.map((rule) => rule.id).filter((id) => id !== 'ML4'));
  });
});
