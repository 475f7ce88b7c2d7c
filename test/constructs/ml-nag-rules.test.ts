/**
 * Warden's ML rule pack: every rule with a compliant and a non-compliant fixture, checked through the pack so that the
 * exact finding ids are asserted (and that no other rule fires on the fixture).
 */
import { App, CfnResource, Size, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { NagRuleCompliance } from 'cdk-nag';
import { WARDEN_RULES, WardenChecks } from '../../lib';

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = 'arn:aws:iam::123456789012:role/sagemaker';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1';

function fixtureStack(): Stack {
  return new Stack(new App(), 'Fixture', { env: { account: '123456789012', region: 'us-east-1' } });
}

/** Finding ids of the Warden pack on the whole stack, sorted. */
function findings(stack: Stack): string[] {
  return new WardenChecks()
    .validateScope(stack)
    .violations.map((violation) => violation.ruleName)
    .sort();
}

function check(id: string, node: CfnResource): NagRuleCompliance {
  const rule = WARDEN_RULES.find((candidate) => candidate.id === id);
  if (rule === undefined) throw new Error(`no rule ${id}`);
  return rule.check(node);
}

type Json = Record<string, unknown>;

function task(action: string, parameters: Json): Json {
  return { Type: 'Task', Resource: `arn:aws:states:::${action}`, Parameters: parameters };
}

/** A state machine running `states` in order, logging ALL events and tracing (unless told otherwise). */
function stateMachine(
  stack: Stack,
  states: Record<string, Json>,
  options: { level?: sfn.LogLevel; tracing?: boolean } = {},
): sfn.StateMachine {
  const names = Object.keys(states);
  const definition = {
    StartAt: names[0],
    States: Object.fromEntries(
      names.map((name, index) => [
        name,
        { ...states[name], ...(index + 1 < names.length ? { Next: names[index + 1] } : { End: true }) },
      ]),
    ),
  };
  return new sfn.StateMachine(stack, 'Pipeline', {
    definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(definition)),
    logs: { destination: new logs.LogGroup(stack, 'Logs'), level: options.level ?? sfn.LogLevel.ALL },
    tracingEnabled: options.tracing ?? true,
  });
}

function cfnOf(construct: { node: { defaultChild?: unknown } }): CfnResource {
  return construct.node.defaultChild as CfnResource;
}

/** A CreateTrainingJob request that every training rule accepts. */
function trainingJob(overrides: Json = {}): Json {
  return {
    'TrainingJobName.$': '$.jobName',
    AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
    RoleArn: ROLE,
    OutputDataConfig: { S3OutputPath: 's3://model-artifacts/models/', KmsKeyId: KEY },
    ResourceConfig: { InstanceCount: 2, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 50, VolumeKmsKeyId: KEY },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    EnableNetworkIsolation: true,
    EnableInterContainerTrafficEncryption: true,
    ...overrides,
  };
}

const train = (overrides: Json = {}) => task('sagemaker:createTrainingJob.sync', trainingJob(overrides));

/** A CreateEndpointConfig request that every endpoint rule accepts. */
function endpointConfig(overrides: Json = {}): Json {
  return {
    'EndpointConfigName.$': '$.configName',
    ProductionVariants: [
      { VariantName: 'live', 'ModelName.$': '$.model', InstanceType: 'ml.c5.xlarge', InitialInstanceCount: 2 },
    ],
    DataCaptureConfig: {
      EnableCapture: true,
      InitialSamplingPercentage: 100,
      DestinationS3Uri: 's3://model-artifacts/capture/',
      KmsKeyId: KEY,
      CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
    },
    KmsKeyId: KEY,
    ...overrides,
  };
}

const createEndpointConfig = (overrides: Json = {}) =>
  task('aws-sdk:sagemaker:createEndpointConfig', endpointConfig(overrides));

function cfnEndpointConfig(stack: Stack, overrides: Partial<sagemaker.CfnEndpointConfigProps> = {}) {
  return new sagemaker.CfnEndpointConfig(stack, 'EndpointConfig', {
    productionVariants: [
      { variantName: 'live', modelName: 'model', instanceType: 'ml.c5.xlarge', initialInstanceCount: 2 },
    ],
    dataCaptureConfig: {
      initialSamplingPercentage: 20,
      destinationS3Uri: 's3://model-artifacts/capture/',
      kmsKeyId: KEY,
      captureOptions: [{ captureMode: 'Input' }],
    },
    kmsKeyId: KEY,
    ...overrides,
  });
}

describe('Warden-ML1: endpoint data capture', () => {
  it('passes endpoint configs that capture their input, in CloudFormation and in state machines', () => {
    const cfn = fixtureStack();
    expect(check('ML1', cfnEndpointConfig(cfn))).toBe(NagRuleCompliance.COMPLIANT);
    expect(findings(cfn)).toEqual([]);
    const tasksStack = fixtureStack();
    const machine = stateMachine(tasksStack, { CreateEndpointConfig: createEndpointConfig() });
    expect(check('ML1', cfnOf(machine))).toBe(NagRuleCompliance.COMPLIANT);
    expect(findings(tasksStack)).toEqual([]);
  });

  it('flags endpoint configs without capture, with capture turned off, or capturing only output', () => {
    const cfn = fixtureStack();
    cfnEndpointConfig(cfn, { dataCaptureConfig: undefined });
    expect(findings(cfn)).toEqual(['Warden-ML1']);
    for (const capture of [
      { ...(endpointConfig().DataCaptureConfig as Json), EnableCapture: false },
      { ...(endpointConfig().DataCaptureConfig as Json), 'EnableCapture.$': '$.capture' },
      { ...(endpointConfig().DataCaptureConfig as Json), CaptureOptions: [{ CaptureMode: 'Output' }] },
      { ...(endpointConfig().DataCaptureConfig as Json), InitialSamplingPercentage: 0 },
    ]) {
      const stack = fixtureStack();
      stateMachine(stack, { CreateEndpointConfig: createEndpointConfig({ DataCaptureConfig: capture }) });
      expect(findings(stack)).toEqual(['Warden-ML1']);
    }
    const without = fixtureStack();
    stateMachine(without, { CreateEndpointConfig: createEndpointConfig({ DataCaptureConfig: undefined }) });
    expect(findings(without)).toEqual(['Warden-ML1']);
  });

  it('does not apply to serverless endpoint configs, which have no data capture', () => {
    const stack = fixtureStack();
    const config = cfnEndpointConfig(stack, {
      productionVariants: [
        { variantName: 'live', modelName: 'model', serverlessConfig: { maxConcurrency: 5, memorySizeInMb: 2048 } },
      ],
      dataCaptureConfig: undefined,
      kmsKeyId: undefined,
    });
    expect(check('ML1', config)).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});

describe('Warden-ML2: data capture encrypted', () => {
  it('passes capture with a customer-managed key', () => {
    const stack = fixtureStack();
    expect(check('ML2', cfnEndpointConfig(stack))).toBe(NagRuleCompliance.COMPLIANT);
    expect(findings(stack)).toEqual([]);
  });

  it('flags capture without a key or with the AWS managed S3 key', () => {
    const capture = endpointConfig().DataCaptureConfig as Json;
    for (const KmsKeyId of [undefined, 'alias/aws/s3']) {
      const stack = fixtureStack();
      stateMachine(stack, {
        CreateEndpointConfig: createEndpointConfig({ DataCaptureConfig: { ...capture, KmsKeyId } }),
      });
      expect(findings(stack)).toEqual(['Warden-ML2']);
    }
  });
});

describe('Warden-ML3: job output encrypted', () => {
  it('passes training and transform jobs that encrypt their output', () => {
    const stack = fixtureStack();
    stateMachine(stack, {
      Train: train(),
      Transform: task('sagemaker:createTransformJob.sync', {
        'TransformJobName.$': '$.jobName',
        'ModelName.$': '$.model',
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/holdout/' } } },
        TransformOutput: { S3OutputPath: 's3://model-artifacts/evaluation/', KmsKeyId: KEY },
        TransformResources: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeKmsKeyId: KEY },
      }),
    });
    expect(findings(stack)).toEqual([]);
  });

  it('flags a training job without an output key', () => {
    const stack = fixtureStack();
    stateMachine(stack, { Train: train({ OutputDataConfig: { S3OutputPath: 's3://model-artifacts/models/' } }) });
    expect(findings(stack)).toEqual(['Warden-ML3']);
  });

  it('flags a transform job whose output uses the AWS managed S3 key', () => {
    const stack = fixtureStack();
    stateMachine(stack, {
      Transform: task('sagemaker:createTransformJob.sync', {
        TransformOutput: { S3OutputPath: 's3://model-artifacts/evaluation/', KmsKeyId: 'alias/aws/s3' },
        TransformResources: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1 },
      }),
    });
    expect(findings(stack)).toEqual(['Warden-ML3']);
  });
});

describe('Warden-ML4: training volume encrypted', () => {
  it('passes an EBS-backed training job with a volume key, and an NVMe-only one without', () => {
    const stack = fixtureStack();
    stateMachine(stack, { Train: train() });
    expect(findings(stack)).toEqual([]);
    const gpu = fixtureStack();
    const machine = stateMachine(gpu, {
      Train: train({ ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.g5.xlarge', VolumeSizeInGB: 50 } }),
    });
    expect(check('ML4', cfnOf(machine))).toBe(NagRuleCompliance.NOT_APPLICABLE);
    expect(findings(gpu)).toEqual([]);
  });

  it('flags an EBS-backed training job without a volume key', () => {
    const stack = fixtureStack();
    stateMachine(stack, {
      Train: train({ ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.p3.2xlarge', VolumeSizeInGB: 50 } }),
    });
    expect(findings(stack)).toEqual(['Warden-ML4']);
  });

  it('cannot judge an instance type chosen at run time', () => {
    const stack = fixtureStack();
    const machine = stateMachine(stack, {
      Train: train({ ResourceConfig: { InstanceCount: 1, 'InstanceType.$': '$.instanceType', VolumeSizeInGB: 50 } }),
    });
    expect(check('ML4', cfnOf(machine))).toBe(NagRuleCompliance.NOT_APPLICABLE);
    expect(check('ML5', cfnOf(machine))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });

  it('cannot judge a whole ResourceConfig chosen at run time, key or not', () => {
    const stack = fixtureStack();
    const machine = stateMachine(stack, {
      Train: train({ ResourceConfig: undefined, 'ResourceConfig.$': 'States.ArrayGetItem($.resources, $.attempt)' }),
    });
    expect(check('ML4', cfnOf(machine))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});

describe('Warden-ML5: no KMS key on NVMe instance storage', () => {
  it('passes keys on EBS-backed types and GPU types without a key', () => {
    const stack = fixtureStack();
    stateMachine(stack, {
      Train: train(),
      CreateEndpointConfig: createEndpointConfig({
        ProductionVariants: [
          { VariantName: 'live', ModelName: 'm', InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 2 },
        ],
        KmsKeyId: undefined,
      }),
    });
    expect(findings(stack)).toEqual([]);
  });

  it('flags a volume key on a GPU training job', () => {
    const stack = fixtureStack();
    stateMachine(stack, {
      Train: train({
        ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.g5.2xlarge', VolumeSizeInGB: 50, VolumeKmsKeyId: KEY },
      }),
    });
    expect(findings(stack)).toEqual(['Warden-ML5']);
  });

  it('flags a KMS key on a GPU endpoint config', () => {
    const stack = fixtureStack();
    cfnEndpointConfig(stack, {
      productionVariants: [
        { variantName: 'live', modelName: 'model', instanceType: 'ml.g4dn.xlarge', initialInstanceCount: 2 },
      ],
    });
    expect(findings(stack)).toEqual(['Warden-ML5']);
  });
});

describe('Warden-ML6: training network isolation', () => {
  it('passes an isolated training job', () => {
    const stack = fixtureStack();
    const machine = stateMachine(stack, { Train: train() });
    expect(check('ML6', cfnOf(machine))).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('flags a training job without isolation or with isolation chosen at run time', () => {
    for (const overrides of [{ EnableNetworkIsolation: undefined }, { 'EnableNetworkIsolation.$': '$.isolated' }]) {
      const stack = fixtureStack();
      stateMachine(stack, { Train: train(overrides) });
      expect(findings(stack)).toEqual(['Warden-ML6']);
    }
  });
});

describe('Warden-ML7: inter-container traffic encryption', () => {
  it('passes a training job that encrypts traffic between its instances', () => {
    const stack = fixtureStack();
    const machine = stateMachine(stack, { Train: train() });
    expect(check('ML7', cfnOf(machine))).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('flags a training job that does not', () => {
    const stack = fixtureStack();
    stateMachine(stack, { Train: train({ EnableInterContainerTrafficEncryption: false }) });
    expect(findings(stack)).toEqual(['Warden-ML7']);
  });
});

describe('Warden-ML8: SageMaker output buckets versioned and TLS-only', () => {
  it('passes a versioned, TLS-only bucket that training writes to by name', () => {
    const stack = fixtureStack();
    const bucket = new s3.Bucket(stack, 'Artifacts', {
      bucketName: 'model-artifacts',
      versioned: true,
      enforceSSL: true,
    });
    stateMachine(stack, { Train: train() });
    expect(check('ML8', cfnOf(bucket))).toBe(NagRuleCompliance.COMPLIANT);
    expect(findings(stack)).toEqual([]);
  });

  it('flags an unversioned bucket that training writes model artifacts to by reference', () => {
    const stack = fixtureStack();
    const bucket = new s3.Bucket(stack, 'Artifacts', { enforceSSL: true });
    stateMachine(stack, {
      Train: train({ OutputDataConfig: { S3OutputPath: bucket.s3UrlForObject('models'), KmsKeyId: KEY } }),
    });
    expect(findings(stack)).toEqual(['Warden-ML8']);
  });

  it('flags a bucket without a TLS-only policy that data capture writes to', () => {
    const stack = fixtureStack();
    new s3.Bucket(stack, 'Artifacts', { bucketName: 'model-artifacts', versioned: true });
    cfnEndpointConfig(stack);
    expect(findings(stack)).toEqual(['Warden-ML8']);
  });

  it('finds writers in run-time expressions and leaves other buckets alone', () => {
    const stack = fixtureStack();
    const written = new s3.Bucket(stack, 'Artifacts', { bucketName: 'model-artifacts' });
    const other = new s3.Bucket(stack, 'Other', { bucketName: 'other' });
    stateMachine(stack, {
      Train: train({
        OutputDataConfig: { S3OutputPath: 's3://elsewhere/models/', KmsKeyId: KEY },
        CheckpointConfig: { 'S3Uri.$': "States.Format('s3://model-artifacts/checkpoints/{}/', $.jobName)" },
      }),
    });
    expect(check('ML8', cfnOf(written))).toBe(NagRuleCompliance.NON_COMPLIANT);
    expect(check('ML8', cfnOf(other))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});

describe('Warden-ML9..ML11: lineage tables (TableV2)', () => {
  /** A stack with one global table, compliant unless `change` says otherwise. */
  const lineageTable = (change: Partial<dynamodb.TablePropsV2> = {}) => {
    const stack = fixtureStack();
    new dynamodb.TableV2(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      deletionProtection: true,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(
        new kms.Key(stack, 'Key', { enableKeyRotation: true }),
        {
          'eu-west-1': 'arn:aws:kms:eu-west-1:123456789012:alias/warden',
        },
      ),
      replicas: [{ region: 'eu-west-1' }],
      ...change,
    });
    return stack;
  };

  it('passes a table with PITR, deletion protection and a customer-managed key in every replica', () => {
    expect(findings(lineageTable())).toEqual([]);
  });

  it('flags each missing protection with its own id', () => {
    expect(findings(lineageTable({ pointInTimeRecoverySpecification: undefined }))).toEqual(['Warden-ML9']);
    expect(findings(lineageTable({ deletionProtection: false }))).toEqual(['Warden-ML10']);
    expect(findings(lineageTable({ encryption: dynamodb.TableEncryptionV2.awsManagedKey() }))).toEqual(['Warden-ML11']);
  });
});

describe('Warden-ML12: state machines driving SageMaker log ALL and trace', () => {
  it('passes logging of ALL events with X-Ray tracing', () => {
    const stack = fixtureStack();
    const machine = stateMachine(stack, { Train: train() });
    expect(check('ML12', cfnOf(machine))).toBe(NagRuleCompliance.COMPLIANT);
  });

  it('flags logging below ALL and a state machine without tracing', () => {
    const errorsOnly = fixtureStack();
    stateMachine(errorsOnly, { Train: train() }, { level: sfn.LogLevel.ERROR });
    expect(findings(errorsOnly)).toEqual(['Warden-ML12']);
    const untraced = fixtureStack();
    stateMachine(untraced, { Train: train() }, { tracing: false });
    expect(findings(untraced)).toEqual(['Warden-ML12']);
  });

  it('does not apply to state machines without SageMaker Tasks', () => {
    const stack = fixtureStack();
    const machine = stateMachine(stack, { Wait: { Type: 'Wait', Seconds: 1 } }, { tracing: false });
    expect(check('ML12', cfnOf(machine))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});

describe('Warden-ML13: no wildcard SageMaker actions', () => {
  const role = (stack: Stack) =>
    new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });

  it('passes exact SageMaker actions and wildcards of other services', () => {
    const stack = fixtureStack();
    const grantee = role(stack);
    grantee.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:CreateTrainingJob'], resources: ['*'] }));
    grantee.addToPolicy(new iam.PolicyStatement({ actions: ['logs:*'], resources: ['*'] }));
    grantee.addToPolicy(
      new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['sagemaker:*'], resources: ['*'] }),
    );
    expect(findings(stack)).toEqual([]);
  });

  it.each([
    ['sagemaker:*', ['sagemaker:*']],
    ['a prefix pattern', ['sagemaker:Delete*']],
    ['an infix pattern', ['SageMaker:*Endpoint*']],
    ['every action', ['*']],
  ])('flags %s', (_name, actions) => {
    const stack = fixtureStack();
    role(stack).addToPolicy(new iam.PolicyStatement({ actions, resources: ['*'] }));
    expect(findings(stack)).toEqual(['Warden-ML13']);
  });

  it('flags Allow with NotAction and the SageMaker full-access managed policy', () => {
    const notAction = fixtureStack();
    new iam.ManagedPolicy(notAction, 'Policy', {
      statements: [new iam.PolicyStatement({ notActions: ['iam:*'], resources: ['*'] })],
    });
    expect(findings(notAction)).toEqual(['Warden-ML13']);
    const managed = fixtureStack();
    role(managed).addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSageMakerFullAccess'));
    expect(findings(managed)).toEqual(['Warden-ML13']);
  });
});

describe('Warden-ML14: spot training checkpoints and waits', () => {
  const spot = (overrides: Json = {}) =>
    train({
      EnableManagedSpotTraining: true,
      CheckpointConfig: { S3Uri: 's3://model-artifacts/checkpoints/' },
      StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
      ...overrides,
    });

  it('passes spot training with checkpoints and a wait covering the run time', () => {
    const stack = fixtureStack();
    const machine = stateMachine(stack, { Train: spot() });
    expect(check('ML14', cfnOf(machine))).toBe(NagRuleCompliance.COMPLIANT);
    expect(findings(stack)).toEqual([]);
  });

  it('flags spot training without checkpoints, or waiting less than it may run', () => {
    for (const overrides of [
      { CheckpointConfig: undefined },
      { StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 1800 } },
      { StoppingCondition: { MaxRuntimeInSeconds: 3600 } },
    ]) {
      const stack = fixtureStack();
      stateMachine(stack, { Train: spot(overrides) });
      expect(findings(stack)).toEqual(['Warden-ML14']);
    }
  });

  it('does not apply to on-demand training', () => {
    const stack = fixtureStack();
    const machine = stateMachine(stack, { Train: train() });
    expect(check('ML14', cfnOf(machine))).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });
});

describe('Warden-ML15: blue/green updates roll back on alarms', () => {
  const update = (deploymentConfig: Json) =>
    task('aws-sdk:sagemaker:updateEndpoint', {
      EndpointName: 'stable',
      'EndpointConfigName.$': '$.configName',
      DeploymentConfig: deploymentConfig,
    });
  const canary = {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: {
        Type: 'CANARY',
        CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 },
        WaitIntervalInSeconds: 600,
      },
    },
  };

  it('passes a canary with rollback alarms and an all-at-once switch without a bake', () => {
    const stack = fixtureStack();
    const machine = stateMachine(stack, {
      Deploy: update({ ...canary, AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'errors' }] } }),
      RollBack: update({
        BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 } },
      }),
    });
    expect(check('ML15', cfnOf(machine))).toBe(NagRuleCompliance.COMPLIANT);
    expect(findings(stack)).toEqual([]);
  });

  it('flags a canary without alarms, in a state machine and on an endpoint resource', () => {
    const tasksStack = fixtureStack();
    stateMachine(tasksStack, { Deploy: update({ ...canary, AutoRollbackConfiguration: { Alarms: [] } }) });
    expect(findings(tasksStack)).toEqual(['Warden-ML15']);
    const cfn = fixtureStack();
    new sagemaker.CfnEndpoint(cfn, 'Endpoint', {
      endpointConfigName: 'config',
      deploymentConfig: {
        blueGreenUpdatePolicy: {
          trafficRoutingConfiguration: { type: 'LINEAR', linearStepSize: { type: 'CAPACITY_PERCENT', value: 20 } },
        },
      },
    });
    expect(findings(cfn)).toEqual(['Warden-ML15']);
  });
});

describe('Warden-ML16: model network isolation', () => {
  it('passes isolated models', () => {
    const stack = fixtureStack();
    const model = new sagemaker.CfnModel(stack, 'Model', {
      executionRoleArn: ROLE,
      primaryContainer: { image: IMAGE },
      enableNetworkIsolation: true,
    });
    expect(check('ML16', model)).toBe(NagRuleCompliance.COMPLIANT);
    expect(findings(stack)).toEqual([]);
  });

  it('flags a model without isolation, as a resource and as a createModel Task', () => {
    const cfn = fixtureStack();
    new sagemaker.CfnModel(cfn, 'Model', { executionRoleArn: ROLE, primaryContainer: { image: IMAGE } });
    expect(findings(cfn)).toEqual(['Warden-ML16']);
    const tasksStack = fixtureStack();
    stateMachine(tasksStack, {
      CreateModel: task('sagemaker:createModel', { 'ModelName.$': '$.name', ExecutionRoleArn: ROLE }),
    });
    expect(findings(tasksStack)).toEqual(['Warden-ML16']);
  });
});

describe('Warden-ML17: model packages in a declared group', () => {
  const register = (parameters: Json) => task('aws-sdk:sagemaker:createModelPackage', parameters);

  it('passes a package registered in a group declared in the app, by name or by reference', () => {
    const stack = fixtureStack();
    const group = new sagemaker.CfnModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'credit-risk' });
    stateMachine(stack, {
      ByName: register({ ModelPackageGroupName: 'credit-risk', ModelApprovalStatus: 'PendingManualApproval' }),
      ByArn: register({ ModelPackageGroupName: group.attrModelPackageGroupArn }),
    });
    expect(findings(stack)).toEqual([]);
  });

  it('flags an unversioned package and a group the app does not declare', () => {
    for (const parameters of [
      { ModelPackageName: 'loose' },
      { ModelPackageGroupName: 'elsewhere' },
      { 'ModelPackageGroupName.$': '$.group' },
    ]) {
      const stack = fixtureStack();
      new sagemaker.CfnModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'credit-risk' });
      stateMachine(stack, { Register: register(parameters) });
      expect(findings(stack)).toEqual(['Warden-ML17']);
    }
  });
});

describe('where the rules find SageMaker requests', () => {
  it('reads the definition CDK renders for SageMakerCreateTrainingJob (partition references in the Resource)', () => {
    const stack = fixtureStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const job = new tasks.SageMakerCreateTrainingJob(stack, 'Train', {
      trainingJobName: sfn.JsonPath.stringAt('$.jobName'),
      algorithmSpecification: { trainingImage: tasks.DockerImage.fromRegistry(IMAGE) },
      outputDataConfig: { s3OutputLocation: tasks.S3Location.fromJsonExpression('$.output'), encryptionKey: key },
      resourceConfig: {
        instanceCount: 1,
        instanceType: new ec2.InstanceType('m5.xlarge'),
        volumeSize: Size.gibibytes(50),
        volumeEncryptionKey: key,
      },
      enableNetworkIsolation: true,
    });
    new sfn.StateMachine(stack, 'Pipeline', {
      definitionBody: sfn.DefinitionBody.fromChainable(job),
      logs: { destination: new logs.LogGroup(stack, 'Logs'), level: sfn.LogLevel.ALL },
      tracingEnabled: true,
    });
    // The L2 task has no property for inter-container traffic encryption.
    expect(findings(stack)).toEqual(['Warden-ML7']);
  });

  it('reads JSONata Arguments, DefinitionSubstitutions and Parallel/Map nesting', () => {
    // `${Encrypt}` stands where a JSON value goes: the text is JSON only once Step Functions substitutes it.
    const stack = fixtureStack();
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Branches',
            States: {
              Branches: {
                Type: 'Parallel',
                End: true,
                Branches: [
                  {
                    StartAt: 'Train',
                    States: {
                      Train: {
                        Type: 'Task',
                        Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
                        Arguments: trainingJob({ EnableNetworkIsolation: '{% $states.input.isolated %}' }),
                        End: true,
                      },
                    },
                  },
                ],
              },
            },
          },
          End: true,
        },
      },
    };
    new sfn.StateMachine(stack, 'Pipeline', {
      definitionBody: sfn.DefinitionBody.fromString(
        JSON.stringify(definition)
          .split(KEY)
          .join('${OutputKey}')
          .replace(
            '"EnableInterContainerTrafficEncryption":true',
            '"EnableInterContainerTrafficEncryption":${Encrypt}',
          ),
      ),
      definitionSubstitutions: {
        OutputKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }).keyArn,
        Encrypt: 'true',
      },
      logs: { destination: new logs.LogGroup(stack, 'Logs'), level: sfn.LogLevel.ALL },
      tracingEnabled: true,
    });
    expect(findings(stack)).toEqual(['Warden-ML6']);
  });

  it('reads the Training steps of SageMaker Pipelines, including those under Condition steps', () => {
    const pipeline = (argumentsOfTraining: Json) => {
      const stack = fixtureStack();
      new sagemaker.CfnPipeline(stack, 'Pipeline', {
        pipelineName: 'training',
        roleArn: ROLE,
        pipelineDefinition: {
          PipelineDefinitionBody: JSON.stringify({
            Version: '2020-12-01',
            Parameters: [{ Name: 'InstanceType', Type: 'String', DefaultValue: 'ml.m5.xlarge' }],
            Steps: [
              {
                Name: 'CheckData',
                Type: 'Condition',
                Arguments: {
                  Conditions: [],
                  IfSteps: [{ Name: 'Train', Type: 'Training', Arguments: argumentsOfTraining }],
                  ElseSteps: [],
                },
              },
            ],
          }),
        },
      });
      return stack;
    };
    const compliant = trainingJob();
    delete compliant['TrainingJobName.$'];
    expect(findings(pipeline(compliant))).toEqual([]);
    expect(
      findings(
        pipeline({
          ...compliant,
          ResourceConfig: { InstanceCount: 1, InstanceType: { Get: 'Parameters.InstanceType' }, VolumeSizeInGB: 30 },
          EnableNetworkIsolation: false,
        }),
      ),
    ).toEqual(['Warden-ML6']);
  });

  it('reports a definition that is not JSON as an error of the rule instead of passing it', () => {
    const stack = fixtureStack();
    new sfn.CfnStateMachine(stack, 'Broken', { roleArn: ROLE, definitionString: '{ not json' });
    expect(findings(stack)).toEqual(
      ['ML1', 'ML12', 'ML14', 'ML15', 'ML16', 'ML17', 'ML2', 'ML3', 'ML4', 'ML5', 'ML6', 'ML7'].map(
        (id) => `Warden-${id}`,
      ),
    );
  });
});
