/**
 * The local runtime's source of truth: the reference app synthesized in-process, its CloudFormation templates read back
 * and every intrinsic function resolved to the names a deployment would give. Tables, rules, alarms, schedules, state
 * machines and function environments all come from here, never from a second hand-written definition.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LOCAL_ACCOUNT = '123456789012';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  readonly Parameters?: Record<string, { Default?: unknown }>;
}

export interface StackTemplate {
  readonly stackName: string;
  readonly region: string;
  readonly template: CfnTemplate;
  /** Where the stack's file assets (Lambda bundles) were staged. */
  readonly assemblyDirectory: string;
}

/** A resource of one stack with its properties resolved. */
export interface ResolvedResource {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

export interface Assembly {
  readonly account: string;
  readonly primaryRegion: string;
  readonly servingRegions: readonly string[];
  readonly stacks: readonly StackTemplate[];
  /** Resources of `type` in every stack, properties resolved. */
  resources(type: string): ResolvedResource[];
  /** Removes the staged assembly. */
  dispose(): void;
}

export interface SynthesisOptions {
  readonly primaryRegion: string;
  readonly servingRegions: readonly string[];
  readonly account?: string;
}

/** Synthesizes the reference app (the example credit-risk family) into a temporary cloud assembly. */
export async function synthesizeReferenceApp(options: SynthesisOptions): Promise<Assembly> {
  const account = options.account ?? LOCAL_ACCOUNT;
  // Loaded here, not at the top: the construct library is only needed when a run starts.
  const [{ App }, { WardenStacks }, { creditRiskFamily }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../lib'),
    import('../../examples/credit-risk/family'),
  ]);
  const outdir = mkdtempSync(join(tmpdir(), 'warden-assembly-'));
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  new WardenStacks(app, {
    primaryRegion: options.primaryRegion,
    servingRegions: [...options.servingRegions],
    account,
    families: [creditRiskFamily(account, options.primaryRegion)],
  });
  const cloudAssembly = app.synth();
  const stacks = cloudAssembly.stacks.map((stack) => ({
    stackName: stack.stackName,
    region: stack.environment.region,
    template: stack.template as CfnTemplate,
    assemblyDirectory: cloudAssembly.directory,
  }));
  return assemblyOf(stacks, account, options, () => rmSync(outdir, { recursive: true, force: true }));
}

export function assemblyOf(
  stacks: StackTemplate[],
  account: string,
  options: SynthesisOptions,
  dispose: () => void = () => undefined,
): Assembly {
  const resolver = new IntrinsicResolver(stacks, account);
  return {
    account,
    primaryRegion: options.primaryRegion,
    servingRegions: options.servingRegions,
    stacks,
    resources(type) {
      const found: ResolvedResource[] = [];
      for (const stack of stacks) {
        for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
          if (resource.Type !== type) continue;
          found.push({
            stack,
            logicalId,
            type,
            properties: resolver.resolve(stack, resource.Properties ?? {}) as Record<string, unknown>,
            metadata: resource.Metadata ?? {},
          });
        }
      }
      return found;
    },
    dispose,
  };
}

/** Fails a run on a template construct the local runtime does not know how to resolve. */
export class UnsupportedTemplateError extends Error {
  override readonly name = 'Warden.UnsupportedTemplate';
}

/**
 * Resolves CloudFormation intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`,
 * `Fn::ImportValue`) and pseudo parameters to the physical names and ARNs a deployment would produce. A resource with
 * an explicit name property keeps it; others get `<stack>-<logical id>`, as CloudFormation's generated names start.
 */
export class IntrinsicResolver {
  private readonly exports = new Map<string, { stack: StackTemplate; value: unknown }>();

  constructor(
    stacks: readonly StackTemplate[],
    private readonly account: string,
  ) {
    for (const stack of stacks) {
      for (const output of Object.values(stack.template.Outputs ?? {})) {
        if (output.Export === undefined) continue;
        const name = this.resolve(stack, output.Export.Name);
        if (typeof name === 'string') this.exports.set(name, { stack, value: output.Value });
      }
    }
  }

  resolve(stack: StackTemplate, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(stack, item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [[key, argument]] = entries;
      if (key === 'Ref') return this.ref(stack, String(argument));
      if (key.startsWith('Fn::')) return this.intrinsic(stack, key, argument);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(stack, item)]));
  }

  private intrinsic(stack: StackTemplate, name: string, argument: unknown): unknown {
    switch (name) {
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
        return this.getAtt(stack, String(logicalId), String(attribute));
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(stack, parts) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (this.resolve(stack, list) as unknown[])[Number(this.resolve(stack, index))];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(this.resolve(stack, text)).split(separator);
      }
      case 'Fn::Sub':
        return this.sub(stack, argument);
      case 'Fn::ImportValue': {
        const exportName = String(this.resolve(stack, argument));
        const exported = this.exports.get(exportName);
        if (exported === undefined) throw new UnsupportedTemplateError(`No stack exports ${exportName}.`);
        return this.resolve(exported.stack, exported.value);
      }
      default:
        throw new UnsupportedTemplateError(`The local runtime does not resolve ${name} (stack ${stack.stackName}).`);
    }
  }

  private sub(stack: StackTemplate, argument: unknown): string {
    const [text, variables] = Array.isArray(argument)
      ? (argument as [string, Record<string, unknown>])
      : [String(argument), {}];
    return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return whole.replace('${!', '${');
      if (name in variables) return String(this.resolve(stack, variables[name]));
      const [logicalId, attribute] = name.split('.');
      return String(attribute === undefined ? this.ref(stack, logicalId) : this.getAtt(stack, logicalId, attribute));
    });
  }

  private ref(stack: StackTemplate, name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return stack.region;
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::NoValue':
        return undefined;
    }
    const parameter = stack.template.Parameters?.[name];
    if (parameter !== undefined) return parameter.Default;
    const resource = this.resource(stack, name);
    const properties = resource.Properties ?? {};
    const named = (property: string): string =>
      typeof properties[property] === 'string' ? (properties[property] as string) : this.generatedName(stack, name);
    const region = stack.region;
    switch (resource.Type) {
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${this.account}:stateMachine:${named('StateMachineName')}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${this.account}:${named('TopicName')}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${this.account}/${named('QueueName')}`;
      case 'AWS::Lambda::Function':
        return named('FunctionName');
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table':
        return named('TableName');
      case 'AWS::S3::Bucket':
        return named('BucketName').toLowerCase();
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm':
        return named('AlarmName');
      case 'AWS::IAM::Role':
        return named('RoleName');
      case 'AWS::Events::Rule':
        return named('Name');
      case 'AWS::SageMaker::ModelPackageGroup':
        return `arn:aws:sagemaker:${region}:${this.account}:model-package-group/${named('ModelPackageGroupName')}`;
      default:
        return this.generatedName(stack, name);
    }
  }

  private getAtt(stack: StackTemplate, logicalId: string, attribute: string): unknown {
    const resource = this.resource(stack, logicalId);
    const region = stack.region;
    const account = this.account;
    const name = (): string => String(this.ref(stack, logicalId));
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${region}:${account}:function:${name()}`;
      case 'AWS::StepFunctions::StateMachine.Arn':
        return name();
      case 'AWS::StepFunctions::StateMachine.Name':
        return name().split(':').at(-1);
      case 'AWS::DynamoDB::GlobalTable.Arn':
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${region}:${account}:table/${name()}`;
      case 'AWS::DynamoDB::GlobalTable.StreamArn':
      case 'AWS::DynamoDB::Table.StreamArn':
        return `arn:aws:dynamodb:${region}:${account}:table/${name()}/stream/local`;
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${name()}`;
      case 'AWS::S3::Bucket.DomainName':
        return `${name()}.s3.amazonaws.com`;
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${name()}.s3.${region}.amazonaws.com`;
      case 'AWS::SQS::Queue.Arn':
        return `arn:aws:sqs:${region}:${account}:${name().split('/').at(-1)}`;
      case 'AWS::SQS::Queue.QueueName':
        return name().split('/').at(-1);
      case 'AWS::SNS::Topic.TopicArn':
        return name();
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${account}:role/${name()}`;
      case 'AWS::KMS::Key.Arn':
        return `arn:aws:kms:${region}:${account}:key/${name()}`;
      case 'AWS::KMS::Key.KeyId':
        return name();
      case 'AWS::CloudWatch::Alarm.Arn':
      case 'AWS::CloudWatch::CompositeAlarm.Arn':
        return `arn:aws:cloudwatch:${region}:${account}:alarm:${name()}`;
      case 'AWS::Events::Rule.Arn':
        return `arn:aws:events:${region}:${account}:rule/${name()}`;
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:aws:logs:${region}:${account}:log-group:${name()}:*`;
      case 'AWS::SageMaker::ModelPackageGroup.ModelPackageGroupArn':
        return name();
      case 'AWS::Scheduler::Schedule.Arn':
        return `arn:aws:scheduler:${region}:${account}:schedule/default/${name()}`;
      default:
        throw new UnsupportedTemplateError(
          `The local runtime does not resolve Fn::GetAtt ${logicalId}.${attribute} (${resource.Type}).`,
        );
    }
  }

  private resource(stack: StackTemplate, logicalId: string): CfnResource {
    const resource = stack.template.Resources[logicalId];
    if (resource === undefined) {
      throw new UnsupportedTemplateError(`${stack.stackName} has no resource or parameter ${logicalId}.`);
    }
    return resource;
  }

  private generatedName(stack: StackTemplate, logicalId: string): string {
    return `${stack.stackName}-${logicalId}`.slice(0, 64);
  }
}

/** `arn:aws:<service>:<region>:<account>:<resource>` split into its parts. */
export function parseArn(arn: string): { service: string; region: string; account: string; resource: string } {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') throw new UnsupportedTemplateError(`Not an ARN: ${arn}.`);
  return { service: parts[2], region: parts[3], account: parts[4], resource: parts.slice(5).join(':') };
}
