/** Warden's rule pack as a whole: its layout, how users register it, and how rules read CloudFormation values. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnResource, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { NagRuleCompliance } from 'cdk-nag';
import { WARDEN_RULES, WardenChecks } from '../../lib';
import { renderJsonDocument, renderText } from '../../lib/nag/intrinsics';

const RULES_DIRECTORY = join(__dirname, '..', '..', 'lib', 'nag', 'rules');

/** A stack with one state machine whose only state trains without network isolation. */
function nonCompliantApp(): { app: App; machine: sfn.StateMachine } {
  const app = new App();
  const stack = new Stack(app, 'Training', { env: { account: '123456789012', region: 'us-east-1' } });
  const machine = new sfn.StateMachine(stack, 'Pipeline', {
    definitionBody: sfn.DefinitionBody.fromString(
      JSON.stringify({
        StartAt: 'Train',
        States: {
          Train: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
            Parameters: {
              OutputDataConfig: { S3OutputPath: 's3://artifacts/models/', KmsKeyId: 'alias/models' },
              ResourceConfig: { InstanceType: 'ml.g5.xlarge', InstanceCount: 1 },
              EnableInterContainerTrafficEncryption: true,
            },
            End: true,
          },
        },
      }),
    ),
    tracingEnabled: true,
    logs: { destination: new logs.LogGroup(stack, 'Logs'), level: sfn.LogLevel.ALL },
  });
  return { app, machine };
}

describe('Warden rule pack', () => {
  it('numbers its rules Warden-ML1… in order, each id once', () => {
    expect(WARDEN_RULES.map((rule) => rule.id)).toEqual(WARDEN_RULES.map((_rule, index) => `ML${index + 1}`));
    for (const rule of WARDEN_RULES) {
      expect(rule.info.length).toBeGreaterThan(20);
      expect(rule.explanation.length).toBeGreaterThan(20);
    }
  });

  it('keeps one rule per file under lib/nag/rules, named after the rule function', () => {
    const kebab = (name: string) =>
      name.replace(/([sS])ageMaker/g, '$1agemaker').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    const files = readdirSync(RULES_DIRECTORY)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(files).toEqual(WARDEN_RULES.map((rule) => kebab(rule.check.name)).sort());
  });

  it('does not apply to resources outside the ML lifecycle', () => {
    const stack = new Stack(new App(), 'Other');
    const bucket = new s3.Bucket(stack, 'Bucket').node.defaultChild as CfnResource;
    const fn = new lambda.Function(stack, 'Function', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
    }).node.defaultChild as CfnResource;
    for (const { id, check } of WARDEN_RULES) {
      expect({ id, bucket: check(bucket), fn: check(fn) }).toEqual({
        id,
        bucket: NagRuleCompliance.NOT_APPLICABLE,
        fn: NagRuleCompliance.NOT_APPLICABLE,
      });
    }
  });

  it("fails a user's synthesis through Validations plugins, and an acknowledgement with a reason lifts the finding", () => {
    const failing = nonCompliantApp();
    Validations.of(failing.app).addPlugins(new WardenChecks(failing.app));
    expect(() => failing.app.synth()).toThrow(/Warden-ML6/);

    const acknowledged = nonCompliantApp();
    Validations.of(acknowledged.machine).acknowledge({
      id: 'Warden-ML6',
      reason: 'The training image is a vetted in-house container that needs the package mirror.',
    });
    Validations.of(acknowledged.app).addPlugins(new WardenChecks(acknowledged.app));
    expect(() => acknowledged.app.synth()).not.toThrow();
  });
});

describe('reading CloudFormation values', () => {
  const stack = new Stack(new App(), 'Values');
  const resolve = (value: unknown) => stack.resolve(value);

  it('renders references the same way wherever they occur', () => {
    expect(renderText(resolve(Fn.join('-', ['warden', stack.account, 'artifacts'])))).toBe(
      'warden-${Ref:AWS::AccountId}-artifacts',
    );
    expect(renderText({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket}/${Key.Arn}/${!Literal}' })).toBe(
      'arn:${Ref:AWS::Partition}:s3:::${Ref:Bucket}/${GetAtt:Key.Arn}/${Literal}',
    );
    expect(renderText({ 'Fn::GetAtt': ['Key', 'Arn'] })).toBe(renderText({ 'Fn::GetAtt': 'Key.Arn' }));
  });

  it('turns a deploy-time JSON document into parseable JSON, quoting references in value positions', () => {
    const count = Token.asNumber({ Ref: 'InstanceCount' });
    const text = renderJsonDocument(resolve(stack.toJsonString({ Count: count, Uri: `s3://${stack.account}/x` })));
    expect(JSON.parse(text)).toEqual({ Count: '${Ref:InstanceCount}', Uri: 's3://${Ref:AWS::AccountId}/x' });
  });
});
