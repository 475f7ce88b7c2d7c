/**
 * Every example app under examples/, synthesized for real the way its README deploys it: the family's settings reach
 * the state machines, roles and alarms, and the cdk-nag packs find nothing left unacknowledged.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addFraudDetection, optionsFromContext } from '../../examples/byo-training-image/app';
import { fraudDetectionFamily } from '../../examples/byo-training-image/family';
import { creditRiskFamily } from '../../examples/credit-risk/family';
import { WardenStacks, addWardenNagPacks, names, wardenNagPacks, type ModelFamily } from '../../lib';
import { hasInstanceStorage } from '../../lib/nag/instance-storage';

const ACCOUNT = '123456789012';

interface ExampleApp {
  readonly app: App;
  readonly stacks: WardenStacks;
  readonly family: ModelFamily;
  readonly servingRegions: string[];
  /** The training image URI the example's user chose. */
  readonly trainingImage: string;
}

/** The reference app of bin/warden.ts with the context of cdk.json. */
function creditRiskApp(): ExampleApp {
  const app = new App();
  const family = creditRiskFamily(ACCOUNT, 'us-east-1');
  const servingRegions = ['us-east-1', 'eu-west-1'];
  const stacks = new WardenStacks(app, {
    primaryRegion: 'us-east-1',
    servingRegions,
    account: ACCOUNT,
    families: [family],
  });
  addWardenNagPacks(app);
  return {
    app,
    stacks,
    family,
    servingRegions,
    trainingImage: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/warden-credit-risk-train:1`,
  };
}

const BYO_REGION = 'eu-central-1';
const BYO_TRAINING_IMAGE = `${ACCOUNT}.dkr.ecr.${BYO_REGION}.amazonaws.com/fraud/gbt-train:2.3.1`;
const BYO_INFERENCE_IMAGE = `${ACCOUNT}.dkr.ecr.${BYO_REGION}.amazonaws.com/fraud/gbt-serve:2.3.1`;

/** The user's own app of examples/byo-training-image, with its region and images given as context (`-c`). */
function byoTrainingImageApp(): ExampleApp {
  const app = new App({
    context: {
      'fraud:region': BYO_REGION,
      'fraud:account': ACCOUNT,
      'fraud:trainingImage': BYO_TRAINING_IMAGE,
      'fraud:inferenceImage': BYO_INFERENCE_IMAGE,
    },
  });
  const stacks = addFraudDetection(app, optionsFromContext(app));
  const family = fraudDetectionFamily({ trainingImage: BYO_TRAINING_IMAGE, inferenceImage: BYO_INFERENCE_IMAGE });
  return { app, stacks, family, servingRegions: [BYO_REGION], trainingImage: BYO_TRAINING_IMAGE };
}

/**
 * A CloudFormation string as deployed: `Fn::Join` parts concatenated, pseudo parameters filled in, other references
 * as `<Id>`, `<Id.Attr>` and `<import:Name>`.
 */
function render(node: unknown, region: string): string {
  if (typeof node === 'string') return node;
  const value = node as {
    'Fn::Join'?: [string, unknown[]];
    Ref?: string;
    'Fn::GetAtt'?: [string, string];
    'Fn::ImportValue'?: string;
  };
  if (value['Fn::Join'] !== undefined) {
    const [delimiter, parts] = value['Fn::Join'];
    return parts.map((part) => render(part, region)).join(delimiter);
  }
  if (value.Ref === 'AWS::Region') return region;
  if (value.Ref === 'AWS::Partition') return 'aws';
  if (value.Ref === 'AWS::AccountId') return ACCOUNT;
  if (value.Ref !== undefined) return `<${value.Ref}>`;
  if (value['Fn::GetAtt'] !== undefined) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value['Fn::ImportValue'] !== undefined) return `<import:${value['Fn::ImportValue']}>`;
  throw new Error(`Unexpected intrinsic: ${JSON.stringify(node)}`);
}

type Definition = { States: Record<string, { Parameters?: Record<string, unknown> }> };

function stateMachineDefinition(stack: Stack, name: string): Definition {
  const machines = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
  const machine = machines.find((candidate) => candidate.Properties.StateMachineName === name);
  if (machine === undefined) throw new Error(`No state machine ${name} in ${stack.stackName}`);
  return JSON.parse(render(machine.Properties.DefinitionString, stack.region)) as Definition;
}

/** Values of `key` anywhere in a JSON document. */
function valuesOf(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((item) => valuesOf(item, key));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([name, value]) => [...(name === key ? [value] : []), ...valuesOf(value, key)]);
}

describe.each([
  ['credit-risk', creditRiskApp],
  ['byo-training-image', byoTrainingImageApp],
])('example %s', (_name, build) => {
  const example = build();
  const { stacks, family } = example;
  const controlPlane = stacks.controlPlaneStacks[0];
  const training = stateMachineDefinition(controlPlane, names.trainingStateMachine(family.modelName));

  it('trains on the family’s image and instance types, with its runtime limits', () => {
    const train = training.States.Train.Parameters as {
      AlgorithmSpecification: { TrainingImage: string };
      HyperParameters: Record<string, string>;
      StoppingCondition: { MaxRuntimeInSeconds: number; MaxWaitTimeInSeconds: number };
    };
    expect(train.AlgorithmSpecification.TrainingImage).toBe(example.trainingImage);
    expect(train.HyperParameters).toEqual(family.training.hyperParameters ?? {});
    expect(valuesOf(training, 'trainingInstanceTypes')).toEqual([family.training.instanceTypes]);
    const maxRuntime = family.training.maxRuntime ?? Duration.hours(2);
    expect(train.StoppingCondition).toEqual({
      MaxRuntimeInSeconds: maxRuntime.toSeconds(),
      MaxWaitTimeInSeconds: (family.training.maxWait ?? Duration.seconds(2 * maxRuntime.toSeconds())).toSeconds(),
    });
    expect(valuesOf(training, 'InstanceType')).toContain(family.training.transformInstanceType ?? 'ml.m5.xlarge');
    // Each type's ResourceConfig keys its volume exactly when the type is EBS-backed (SageMaker refuses a key otherwise).
    const [resources] = valuesOf(training, 'trainingResources') as Array<Array<Record<string, unknown>>>;
    expect(resources.map((config) => config.InstanceType)).toEqual(family.training.instanceTypes);
    for (const config of resources) {
      expect({ type: config.InstanceType, keyed: 'VolumeKmsKeyId' in config }).toEqual({
        type: config.InstanceType,
        keyed: !hasInstanceStorage(String(config.InstanceType)),
      });
    }
    expect(valuesOf(training, 'approvalMode')).toEqual([family.deployment.autoApprove === false ? 'Manual' : 'Auto']);
  });

  it('lets SageMaker pull the training and serving images from their repositories', () => {
    const repositories = [family.training.image, family.inferenceImage].map((image) => {
      const [, account, region, repository] = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:]+):/.exec(
        image,
      ) as RegExpExecArray;
      return `arn:aws:ecr:${region}:${account}:repository/${repository}`;
    });
    const statements = Object.values(Template.fromStack(controlPlane).findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const pull = statements.find((statement) =>
      ([] as string[]).concat(statement.Action).includes('ecr:BatchGetImage'),
    );
    expect(
      ([] as unknown[])
        .concat(pull?.Resource)
        .map((resource) => render(resource, controlPlane.region))
        .sort(),
    ).toEqual(repositories.sort());
  });

  it('runs each serving region’s own replica of the inference image, and lets that region’s SageMaker role pull it', () => {
    for (const stack of stacks.servingStacks) {
      const deploy = stateMachineDefinition(stack, names.deployStateMachine(family.modelName));
      const [account, , repository] = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:]+):/
        .exec(family.inferenceImage)
        ?.slice(1) as string[];
      expect(valuesOf(deploy, 'Image')).toEqual([
        family.inferenceImage.replace(/\.ecr\.[a-z0-9-]+\./, `.ecr.${stack.region}.`),
      ]);
      const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
        (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      );
      const pulled = statements
        .filter((statement) => ([] as string[]).concat(statement.Action).includes('ecr:BatchGetImage'))
        .flatMap((statement) => ([] as unknown[]).concat(statement.Resource).map((r) => render(r, stack.region)));
      expect(pulled).toEqual([`arn:aws:ecr:${stack.region}:${account}:repository/${repository}`]);
    }
  });

  it('serves in every serving region with the family’s deployment settings, alarms and dashboard', () => {
    expect(stacks.servingStacks.map((stack) => stack.region)).toEqual(example.servingRegions);
    for (const stack of stacks.servingStacks) {
      const deploy = stateMachineDefinition(stack, names.deployStateMachine(family.modelName));
      expect(valuesOf(deploy, 'servingInstanceTypes')).toEqual([family.deployment.instanceTypes]);
      expect(new Set(valuesOf(deploy, 'VariantName'))).toEqual(new Set([family.deployment.variantName ?? 'live']));
      expect(new Set(valuesOf(deploy, 'InitialInstanceCount'))).toEqual(
        new Set([family.deployment.instanceCount ?? 2]),
      );
      expect(valuesOf(deploy, 'bakeSeconds')).toEqual([
        (family.deployment.bakeTime ?? Duration.minutes(10)).toSeconds(),
      ]);
      const template = Template.fromStack(stack);
      const psiAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
        (alarm) => alarm.Properties.MetricName === 'Psi',
      );
      const features = psiAlarms.map((alarm) =>
        (alarm.Properties.Dimensions as { Name: string; Value: string }[]).find((d) => d.Name === 'Feature'),
      );
      const expectedFeatures =
        family.drift?.features ??
        family.contract.columns
          .filter((column) => column.pii !== true && column.name !== family.bias.label)
          .map((column) => column.name);
      expect(features.map((feature) => feature?.Value).sort()).toEqual([...expectedFeatures].sort());
      for (const alarm of psiAlarms) expect(alarm.Properties.Threshold).toBe(family.drift?.psiThreshold ?? 0.2);
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
        DashboardName: `warden-${family.modelName}-${stack.region}`,
      });
    }
  });

  it.each(wardenNagPacks(example.app).map((pack) => [pack.name, pack] as const))(
    '%s reports no unacknowledged finding',
    (_pack, pack) => {
      const findings = pack
        .validateScope(example.app)
        .violations.map(
          (violation) =>
            `${violation.ruleName}: ${violation.violatingResources.map((resource) => resource.resourceLogicalId).join(', ')}`,
        );
      expect(findings).toEqual([]);
    },
  );

  it('synthesizes with every nag pack registered on the app', () => {
    expect(() => example.app.synth({ force: true })).not.toThrow();
  });
});

describe('family settings SageMaker would refuse', () => {
  it('refuses hyperparameters beyond CreateTrainingJob’s limits at synth time, naming each', () => {
    const family = fraudDetectionFamily({ trainingImage: BYO_TRAINING_IMAGE, inferenceImage: BYO_INFERENCE_IMAGE });
    const tooMany = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, '1']));
    for (const [hyperParameters, problem] of [
      [{ '': '1' }, 'name "" must have 1-256 characters'],
      [{ ['n'.repeat(257)]: '1' }, 'must have 1-256 characters'],
      [{ eta: '0'.repeat(2501) }, 'training.hyperParameters.eta must be at most 2500 characters'],
      [tooMany, 'at most 100 entries'],
    ] as const) {
      const app = new App();
      expect(
        () =>
          new WardenStacks(app, {
            primaryRegion: BYO_REGION,
            servingRegions: [BYO_REGION],
            families: [{ ...family, training: { ...family.training, hyperParameters } }],
          }),
      ).toThrow(problem);
    }
  });
});
