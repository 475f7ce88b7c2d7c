/** Warden's own cdk-nag rules: one compliant and one non-compliant fixture each. */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance } from 'cdk-nag';
import { WARDEN_RULES, WardenChecks } from '../../lib';

function globalTable(props: Partial<dynamodb.TablePropsV2>): CfnResource {
  const stack = new Stack(new App(), 'Fixture', { env: { account: '123456789012', region: 'us-east-1' } });
  const table = new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    ...props,
  });
  return table.node.defaultChild as CfnResource;
}

function compliantTable(): CfnResource {
  const stack = new Stack(new App(), 'Fixture', { env: { account: '123456789012', region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key');
  const table = new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    deletionProtection: true,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryptionV2.customerManagedKey(key, {
      'eu-west-1': 'arn:aws:kms:eu-west-1:123456789012:alias/warden',
    }),
    replicas: [{ region: 'eu-west-1' }],
  });
  return table.node.defaultChild as CfnResource;
}

const rule = (id: string) => {
  const found = WARDEN_RULES.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found.check;
};

describe('Warden nag rules', () => {
  it('GlobalTablePITR', () => {
    expect(rule('GlobalTablePITR')(compliantTable())).toBe(NagRuleCompliance.COMPLIANT);
    expect(rule('GlobalTablePITR')(globalTable({ deletionProtection: true }))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('GlobalTableDeletionProtection', () => {
    expect(rule('GlobalTableDeletionProtection')(compliantTable())).toBe(NagRuleCompliance.COMPLIANT);
    expect(
      rule('GlobalTableDeletionProtection')(
        globalTable({ pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true } }),
      ),
    ).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('GlobalTableCMK', () => {
    expect(rule('GlobalTableCMK')(compliantTable())).toBe(NagRuleCompliance.COMPLIANT);
    expect(rule('GlobalTableCMK')(globalTable({ encryption: dynamodb.TableEncryptionV2.awsManagedKey() }))).toBe(
      NagRuleCompliance.NON_COMPLIANT,
    );
    expect(rule('GlobalTableCMK')(globalTable({}))).toBe(NagRuleCompliance.NON_COMPLIANT);
  });

  it('does not apply to other resources', () => {
    const stack = new Stack(new App(), 'Other');
    const bucket = new s3.Bucket(stack, 'Bucket').node.defaultChild as CfnResource;
    for (const { check } of WARDEN_RULES) expect(check(bucket)).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });

  it('reports a non-compliant table through the pack', () => {
    const table = globalTable({});
    const report = new WardenChecks().validateScope(Stack.of(table));
    expect(report.violations.map((violation) => violation.ruleName).sort()).toEqual([
      'Warden-GlobalTableCMK',
      'Warden-GlobalTableDeletionProtection',
      'Warden-GlobalTablePITR',
    ]);
  });
});
