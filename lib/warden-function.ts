import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag/acknowledge';

/** The handlers shipped in `dist/lambdas/<name>/index.mjs`. */
export type WardenHandlerName =
  | 'validate-data'
  | 'check-bias'
  | 'evaluate-model'
  | 'detect-drift'
  | 'decide-remediation'
  | 'record-lineage'
  | 'append-audit'
  | 'anchor-audit'
  | 'start-training'
  | 'start-regional-deployment'
  | 'report-deployment';

/**
 * Settings of a Warden function that do not depend on which handler it runs, so one value can serve every function of
 * a construct (the `functionDefaults` prop of Warden's constructs).
 */
export interface WardenFunctionOptions {
  /** Memory in MiB. The gates and the drift check always get 2048. @default 1024 */
  readonly memorySize?: number;
  /** The gates (15 minutes) and the drift check (10 minutes) always keep their own. @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** Upper bound of concurrent executions, so a storm of events cannot exhaust the account's pool. @default 10 */
  readonly reservedConcurrentExecutions?: number;
  /** VPC to run in (private subnets); the function then reaches AWS services through VPC endpoints. @default no VPC */
  readonly vpc?: ec2.IVpc;
  /** Security group in the VPC; ignored without `vpc`. @default a new one with no ingress */
  readonly securityGroup?: ec2.ISecurityGroup;
  /** How long logs are kept. @default one year */
  readonly logRetention?: logs.RetentionDays;
}

/** What {@link WardenFunction} runs: one bundled handler, its key and environment, and the shared options. */
export interface WardenFunctionProps extends WardenFunctionOptions {
  /** Which bundled handler to run. */
  readonly handler: WardenHandlerName;
  /** Key for the log group, the environment and the dead-letter queue. */
  readonly encryptionKey: kms.IKey;
  /** Environment variables besides the Powertools ones. @default none */
  readonly environment?: Record<string, string>;
}

/**
 * A Warden handler as a Lambda function with the defaults every one of them needs: Node.js 22 on arm64, X-Ray
 * tracing, a KMS-encrypted log group and environment, bounded concurrency, a dead-letter queue for asynchronous
 * invocations, and, when given, a VPC.
 */
export class WardenFunction extends Construct {
  /** The Lambda function. */
  readonly function: lambda.Function;
  /** Where failed asynchronous invocations land. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WardenFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // An explicit role: the default one carries the AWS managed basic-execution policy, broader than one log group.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Warden ${props.handler}`,
    });
    logGroup.grantWrite(role);
    if (props.vpc) {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    acknowledge(
      role,
      ['AwsSolutions-IAM5[Resource::*]'],
      'X-Ray trace segments (and, in a VPC, network interfaces) cannot be scoped to a resource by IAM.',
    );
    this.function = new lambda.Function(this, 'Resource', {
      role,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(handlerBundleDirectory(props.handler)),
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(1),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? 10,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      environmentEncryption: props.encryptionKey,
      deadLetterQueue: this.deadLetterQueue,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } : undefined,
      securityGroups: props.vpc
        ? [
            props.securityGroup ??
              new ec2.SecurityGroup(this, 'SecurityGroup', {
                vpc: props.vpc,
                description: `Warden ${props.handler}: outbound to AWS endpoints only`,
              }),
          ]
        : undefined,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'warden',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'Warden',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      description: `Warden ${props.handler} (${Stack.of(scope).stackName})`,
    });
    acknowledge(
      this,
      ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion'],
      'Handlers are bundled for and tested on Node.js 22 (the AWS SDK v3 floor from 2027); a runtime move is a tested upgrade, not a drift.',
    );
    acknowledge(
      this.deadLetterQueue,
      ['Serverless-SQSRedrivePolicy', 'AwsSolutions-SQS3'],
      'This queue is itself the dead-letter queue of the function; messages are inspected and redriven by operators.',
    );
    if (!props.vpc) {
      acknowledge(
        this,
        ['HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC'],
        'The function reaches only AWS APIs over TLS with IAM authorization and holds no network listener; pass functionDefaults.vpc to run it in private subnets where policy requires.',
      );
    }
  }

  /** The function's execution role. */
  get role(): iam.IRole {
    if (this.function.role === undefined) throw new Error('A Warden function always has a role.');
    return this.function.role;
  }
}

/**
 * `dist/lambdas/<name>` next to the compiled library, or — when the library runs from its TypeScript sources — the
 * one the build wrote at the repository root.
 */
export function handlerBundleDirectory(name: WardenHandlerName): string {
  const candidates = [join(__dirname, '..', 'lambdas', name), join(__dirname, '..', 'dist', 'lambdas', name)];
  const found = candidates.find((directory) => existsSync(join(directory, 'index.mjs')));
  if (found === undefined) {
    throw new Error(`The ${name} handler bundle is missing: run \`npm run build\` before synthesizing.`);
  }
  return found;
}
