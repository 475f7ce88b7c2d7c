/** The local runtime's template resolution: intrinsic functions by hand, then the synthesized reference app. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  IntrinsicResolver,
  UnsupportedTemplateError,
  synthesizeReferenceApp,
  type Assembly,
  type StackTemplate,
} from '../../local/runtime/template';

const ACCOUNT = '111122223333';

function stack(name: string, region: string, template: StackTemplate['template']): StackTemplate {
  return { stackName: name, region, template, assemblyDirectory: '.' };
}

describe('IntrinsicResolver', () => {
  const producer = stack('Producer', 'eu-west-1', {
    Resources: {
      Key: { Type: 'AWS::KMS::Key' },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'named-fn' } },
    },
    Outputs: { KeyArn: { Value: { 'Fn::GetAtt': ['Key', 'Arn'] }, Export: { Name: 'Producer:KeyArn' } } },
  });
  const consumer = stack('Consumer', 'us-east-1', {
    Parameters: { Stage: { Default: 'prod' } },
    Resources: {
      Table: { Type: 'AWS::DynamoDB::GlobalTable', Properties: { TableName: 'lineage' } },
      Bucket: { Type: 'AWS::S3::Bucket' },
      Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'train' } },
      Anonymous: { Type: 'AWS::Lambda::Function' },
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmName: 'drift' } },
    },
  });
  const resolver = new IntrinsicResolver([producer, consumer], ACCOUNT);

  it('resolves Ref and Fn::GetAtt to the names and ARNs a deployment gives', () => {
    expect(resolver.resolve(consumer, { Ref: 'Table' })).toBe('lineage');
    expect(resolver.resolve(consumer, { 'Fn::GetAtt': ['Table', 'StreamArn'] })).toBe(
      `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/lineage/stream/local`,
    );
    expect(resolver.resolve(consumer, { Ref: 'Machine' })).toBe(
      `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:train`,
    );
    expect(resolver.resolve(consumer, { Ref: 'Anonymous' })).toBe('Consumer-Anonymous');
    expect(resolver.resolve(consumer, { 'Fn::GetAtt': ['Anonymous', 'Arn'] })).toBe(
      `arn:aws:lambda:us-east-1:${ACCOUNT}:function:Consumer-Anonymous`,
    );
    expect(resolver.resolve(consumer, { Ref: 'Bucket' })).toBe('consumer-bucket');
    expect(resolver.resolve(consumer, { 'Fn::GetAtt': ['Alarm', 'Arn'] })).toBe(
      `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:drift`,
    );
    expect(resolver.resolve(consumer, { Ref: 'Stage' })).toBe('prod');
  });

  it('resolves Join, Sub, Select, Split, pseudo parameters and cross-stack imports', () => {
    expect(
      resolver.resolve(consumer, {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Bucket' }, '/', { Ref: 'AWS::Region' }]],
      }),
    ).toBe('arn:aws:s3:::consumer-bucket/us-east-1');
    expect(resolver.resolve(consumer, { 'Fn::Sub': '${AWS::AccountId}/${Table}/${Machine.Name}/${!Literal}' })).toBe(
      `${ACCOUNT}/lineage/train/\${Literal}`,
    );
    expect(resolver.resolve(consumer, { 'Fn::Sub': ['${X}-${Table}', { X: { Ref: 'Stage' } }] })).toBe('prod-lineage');
    expect(resolver.resolve(consumer, { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] })).toBe('b');
    expect(resolver.resolve(consumer, { 'Fn::ImportValue': 'Producer:KeyArn' })).toBe(
      `arn:aws:kms:eu-west-1:${ACCOUNT}:key/Producer-Key`,
    );
    expect(resolver.resolve(consumer, { nested: [{ Ref: 'Table' }, 3, null] })).toEqual({
      nested: ['lineage', 3, null],
    });
  });

  it('refuses what it cannot resolve with a named error', () => {
    expect(() => resolver.resolve(consumer, { Ref: 'Nothing' })).toThrow(UnsupportedTemplateError);
    expect(() => resolver.resolve(consumer, { 'Fn::ImportValue': 'Nobody:Exports' })).toThrow(/No stack exports/);
    expect(() => resolver.resolve(consumer, { 'Fn::If': ['c', 1, 2] })).toThrow(/does not resolve Fn::If/);
    expect(() => resolver.resolve(consumer, { 'Fn::GetAtt': ['Table', 'Nope'] })).toThrow(/Fn::GetAtt Table.Nope/);
  });
});

describe('the synthesized reference app, resolved', () => {
  let assembly: Assembly;
  beforeAll(async () => {
    assembly = await synthesizeReferenceApp({ primaryRegion: 'us-east-1', servingRegions: ['us-east-1', 'eu-west-1'] });
  }, 120_000);
  afterAll(() => assembly.dispose());

  it('gives every state machine a complete definition: no placeholder or token left, every Task resource an ARN', () => {
    const machines = assembly.resources('AWS::StepFunctions::StateMachine');
    expect(machines.map((machine) => [machine.stack.region, machine.properties.StateMachineName]).sort()).toEqual([
      ['eu-west-1', 'warden-credit-risk-deploy'],
      ['us-east-1', 'warden-credit-risk-deploy'],
      ['us-east-1', 'warden-credit-risk-remediate'],
      ['us-east-1', 'warden-credit-risk-training'],
    ]);
    for (const machine of machines) {
      const text = String(machine.properties.DefinitionString);
      expect(text).not.toMatch(/\$\{[A-Za-z]+\}/);
      expect(text).not.toContain('Fn::');
      const definition = JSON.parse(text) as { States: Record<string, unknown> };
      expect(Object.keys(definition.States).length).toBeGreaterThan(5);
    }
  });

  it('gives every function its staged bundle and a resolved environment', () => {
    const functions = assembly.resources('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(9);
    for (const fn of functions) {
      const asset = fn.metadata['aws:asset:path'];
      expect(typeof asset).toBe('string');
      expect(existsSync(join(fn.stack.assemblyDirectory, String(asset), 'index.mjs'))).toBe(true);
      const variables = (fn.properties.Environment as { Variables: Record<string, unknown> }).Variables;
      for (const value of Object.values(variables)) expect(typeof value).toBe('string');
    }
  });

  it('resolves alarms, composite rules and cross-region rule targets to plain names and ARNs', () => {
    const composite = assembly
      .resources('AWS::CloudWatch::CompositeAlarm')
      .find((alarm) => alarm.stack.region === 'eu-west-1');
    expect(String(composite?.properties.AlarmRule)).toContain(
      'ALARM("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:warden-credit-risk-drift-income")',
    );
    const forward = assembly
      .resources('AWS::Events::Rule')
      .filter((rule) => rule.stack.region === 'eu-west-1')
      .flatMap((rule) => rule.properties.Targets as Array<{ Arn: string }>);
    expect(forward.map((target) => target.Arn)).toContain('arn:aws:events:us-east-1:123456789012:event-bus/default');
  });
});
