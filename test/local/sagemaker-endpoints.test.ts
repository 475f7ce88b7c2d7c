/**
 * The local SageMaker endpoints: lifecycle on the virtual clock, deployment guardrails (canary, linear, all at once,
 * auto-rollback, the variant-name and canary-size rules, the Inf1/Marketplace fallback), capacity and quota faults,
 * weighted routing, invocation metrics and data capture read back with detect-drift's capture reader. Where the deploy
 * state machine interprets DescribeEndpoint, its own CheckEndpointStatus Choice state decides (run on
 * aws-local-stepfunctions).
 */
import '../../local/emulators/promise-polyfill';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeEndpointCommand, type DescribeEndpointOutput } from '@aws-sdk/client-sagemaker';
import { StateMachine } from 'aws-local-stepfunctions';
import { captureCsv, captureHours, type CaptureTally } from '../../lambdas/core/capture';
import { VirtualClock } from '../../local/runtime/clock';
import { commandSender } from '../../local/emulators/service';
import {
  LocalEndpoints,
  type AlarmState,
  type EndpointModel,
  type MetricDimension,
} from '../../local/emulators/sagemaker/endpoints';
import { EvenSpread, WeightedRoundRobin } from '../../local/emulators/sagemaker/endpoint-routing';
import type { Predictor } from '../../local/emulators/sagemaker/model-artifact';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ENDPOINT = 'warden-credit';
const START = Date.UTC(2024, 5, 1);
const SECOND = 1000;
const CAPTURE_URI = 's3://warden-artifacts/capture/credit';
const ALARM = 'warden-credit-us-east-1-5xx';
/** SageMaker's capture file name after the `mm-ss-SSS-` of its first record. */
const UUID_FILE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.jsonl';

interface PublishedMetric {
  readonly at: number;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: MetricDimension[];
  readonly value: number;
  readonly unit?: string;
}

/** A model whose every prediction is labelled with the model's version, so responses tell which fleet answered. */
function versionedPredictor(label: string): Predictor {
  return { features: ['x', 'c'], predict: (record) => ({ score: Number(record.x) > 0 ? 0.9 : 0.1, label }) };
}

class Harness {
  readonly clock = new VirtualClock(START);
  readonly files = new Map<string, string>();
  readonly metrics: PublishedMetric[] = [];
  readonly alarms = new Map<string, AlarmState>();
  readonly alarmChecks: { readonly at: number; readonly name: string }[] = [];
  readonly models = new Map<string, EndpointModel>();
  /** When set, decides alarm states instead of `alarms`. */
  alarmRule?: (name: string) => AlarmState;
  readonly endpoints: LocalEndpoints;

  constructor(options: { provisioningSeconds?: number } = {}) {
    this.endpoints = new LocalEndpoints({
      account: ACCOUNT,
      region: REGION,
      clock: this.clock,
      models: (name) => this.models.get(name),
      loadModel: async (url) => versionedPredictor(/\/(v\d+)\//.exec(url)?.[1] ?? 'unknown'),
      s3: {
        write: async (bucket, key, body) => {
          this.files.set(`${bucket}/${key}`, body);
        },
      },
      alarmState: (name) => {
        this.alarmChecks.push({ at: this.clock.now(), name });
        return this.alarmRule?.(name) ?? this.alarms.get(name) ?? 'OK';
      },
      publishMetric: (namespace, metricName, dimensions, value, unit) =>
        this.metrics.push({ at: this.clock.now(), namespace, metricName, dimensions, value, unit }),
      ...options,
    });
  }

  /** Registers model `credit-v<version>-0a1b2c3d` as CreateModel would. */
  model(version: number, image = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/warden-serving:1.0`): string {
    const name = `credit-v${version}-0a1b2c3d`;
    this.models.set(name, { modelDataUrl: `s3://warden-artifacts/models/v${version}/model.tar.gz`, image });
    return name;
  }

  /** An endpoint config like the deploy state machine's: one variant `primary`, capture on. */
  async config(
    version: number,
    overrides: { instanceType?: string; instanceCount?: number; variantName?: string; image?: string } = {},
  ): Promise<string> {
    const name = `${ENDPOINT}-v${version}-0a1b2c3d-0`;
    await this.endpoints.CreateEndpointConfig({
      EndpointConfigName: name,
      ProductionVariants: [
        {
          VariantName: overrides.variantName ?? 'primary',
          ModelName: this.model(version, overrides.image),
          InstanceType: (overrides.instanceType ?? 'ml.g5.xlarge') as 'ml.g5.xlarge',
          InitialInstanceCount: overrides.instanceCount ?? 2,
          InitialVariantWeight: 1,
        },
      ],
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 100,
        DestinationS3Uri: CAPTURE_URI,
        KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'], JsonContentTypes: ['application/json'] },
      },
    });
    return name;
  }

  /** Creates the endpoint on config v1 and lets it come into service. */
  async inService(overrides: Parameters<Harness['config']>[1] = {}): Promise<string> {
    const config = await this.config(1, overrides);
    await this.endpoints.CreateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: config });
    await this.clock.advance(240 * SECOND);
    expect((await this.describe()).EndpointStatus).toBe('InService');
    return config;
  }

  describe(): Promise<DescribeEndpointOutput> {
    return this.endpoints.DescribeEndpoint({ EndpointName: ENDPOINT });
  }

  /** Labels (model versions) answering `count` requests, counted. */
  async traffic(count: number): Promise<Record<string, number>> {
    const answered: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
      const { body } = await this.endpoints.invoke(ENDPOINT, `${i % 7},a`, 'text/csv');
      answered[body.trim()] = (answered[body.trim()] ?? 0) + 1;
    }
    return answered;
  }
}

function canary(percent: number, options: { bakeSeconds?: number; terminationSeconds?: number } = {}) {
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: {
        Type: 'CANARY' as const,
        CanarySize: { Type: 'CAPACITY_PERCENT' as const, Value: percent },
        WaitIntervalInSeconds: options.bakeSeconds ?? 600,
      },
      TerminationWaitInSeconds: options.terminationSeconds ?? 0,
      MaximumExecutionTimeoutInSeconds: 14400,
    },
    AutoRollbackConfiguration: { Alarms: [{ AlarmName: ALARM }] },
  };
}

/** Where the deploy state machine's CheckEndpointStatus sends a DescribeEndpoint result (its Choice state, run). */
async function deployChoice(endpoint: DescribeEndpointOutput, newConfigName: string): Promise<string> {
  const asl = JSON.parse(readFileSync(join(__dirname, '../../statemachines/deploy.asl.json'), 'utf8')) as {
    States: Record<string, { Type: string; Choices: { Next: string }[]; Default: string }>;
  };
  const choice = asl.States.CheckEndpointStatus;
  const targets = new Set([...choice.Choices.map((rule) => rule.Next), choice.Default]);
  const definition = {
    StartAt: 'CheckEndpointStatus',
    States: {
      CheckEndpointStatus: choice,
      ...Object.fromEntries([...targets].map((name) => [name, { Type: 'Pass', Result: name, End: true }])),
    },
  };
  const input = {
    endpoint: JSON.parse(JSON.stringify(endpoint)) as unknown,
    serving: { endpointConfigName: newConfigName },
    poll: { attempt: 0 },
  };
  return (await new StateMachine(definition as never).run(input as never).result) as string;
}

let harness: Harness;
beforeEach(() => {
  harness = new Harness();
});
afterEach(() => harness.endpoints.close());

describe('endpoint lifecycle', () => {
  it('is Creating until the fleet is provisioned on the virtual clock, then InService and serving', async () => {
    const config = await harness.config(1);
    const { EndpointArn } = await harness.endpoints.CreateEndpoint({
      EndpointName: ENDPOINT,
      EndpointConfigName: config,
    });
    expect(EndpointArn).toBe(`arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/${ENDPOINT}`);
    expect(await harness.describe()).toMatchObject({ EndpointStatus: 'Creating', EndpointConfigName: config });
    await expect(harness.endpoints.invoke(ENDPOINT, '1,a')).rejects.toMatchObject({
      name: 'ValidationError',
      message: `Endpoint ${ENDPOINT} of account ${ACCOUNT} not found.`,
    });

    await harness.clock.advance(239 * SECOND);
    expect((await harness.describe()).EndpointStatus).toBe('Creating');
    await harness.clock.advance(SECOND);
    const described = await harness.describe();
    expect(described).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: config,
      ProductionVariants: [
        {
          VariantName: 'primary',
          CurrentWeight: 1,
          DesiredWeight: 1,
          CurrentInstanceCount: 2,
          DesiredInstanceCount: 2,
        },
      ],
      DataCaptureConfig: { EnableCapture: true, CaptureStatus: 'Started', CurrentSamplingPercentage: 100 },
    });
    expect(described.PendingDeploymentSummary).toBeUndefined();
    expect(described.FailureReason).toBeUndefined();
    expect(described.CreationTime).toEqual(new Date(START));
    expect(described.LastModifiedTime).toEqual(new Date(START + 240 * SECOND));
    expect(await deployChoice(described, config)).toBe('RecordDeploymentSucceeded');

    expect(await harness.endpoints.invoke(ENDPOINT, '1.5,a', 'text/csv')).toEqual({
      status: 200,
      body: 'v1\n',
      contentType: 'text/csv',
      variant: 'primary',
      modelName: 'credit-v1-0a1b2c3d',
      endpointConfigName: config,
      modelVersion: 1,
    });
  });

  it('answers through an SDK client with the errors SageMaker gives', async () => {
    const sagemaker = commandSender('SageMaker', harness.endpoints);
    await expect(sagemaker.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Could not find endpoint "arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/${ENDPOINT}".`,
    });
    const config = await harness.inService();
    expect(await sagemaker.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }))).toMatchObject({
      EndpointName: ENDPOINT,
      EndpointStatus: 'InService',
      EndpointConfigName: config,
    });
    await expect(harness.config(1)).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Cannot create already existing endpoint configuration "arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint-config/${config}".`,
    });
    await expect(
      harness.endpoints.CreateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: config }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^Cannot create already existing endpoint "/),
    });
    await expect(
      harness.endpoints.UpdateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: config }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('already using endpoint configuration'),
    });
    await expect(
      harness.endpoints.CreateEndpointConfig({
        EndpointConfigName: 'no-such-model',
        ProductionVariants: [
          { VariantName: 'primary', ModelName: 'missing', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
      }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Could not find model "arn:aws:sagemaker:${REGION}:${ACCOUNT}:model/missing".`,
    });
    expect((await harness.endpoints.DescribeEndpointConfig({ EndpointConfigName: config })).ProductionVariants).toEqual(
      [
        {
          VariantName: 'primary',
          ModelName: 'credit-v1-0a1b2c3d',
          InstanceType: 'ml.g5.xlarge',
          InitialInstanceCount: 2,
          InitialVariantWeight: 1,
        },
      ],
    );
    expect(await harness.endpoints.ListEndpoints({ NameContains: 'credit' })).toEqual({
      Endpoints: [
        {
          EndpointName: ENDPOINT,
          EndpointArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/${ENDPOINT}`,
          CreationTime: new Date(START),
          LastModifiedTime: new Date(START + 240 * SECOND),
          EndpointStatus: 'InService',
        },
      ],
    });
  });

  it('refuses a second update while one is in progress, and deletes only a settled endpoint', async () => {
    await harness.inService();
    const v2 = await harness.config(2);
    const v3 = await harness.config(3);
    await harness.endpoints.UpdateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: v2 });
    await expect(
      harness.endpoints.UpdateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: v3 }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^Cannot update in-progress endpoint/),
    });
    await expect(harness.endpoints.DeleteEndpoint({ EndpointName: ENDPOINT })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await harness.clock.advance(240 * SECOND);
    expect(await harness.describe()).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: v2 });
    await harness.endpoints.DeleteEndpoint({ EndpointName: ENDPOINT });
    expect((await harness.endpoints.ListEndpoints()).Endpoints).toEqual([]);
    await expect(harness.endpoints.invoke(ENDPOINT, '1,a')).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('blue/green canary with auto-rollback', () => {
  it('bakes the canary with the alarm OK, reports the fleet split, then shifts everything to the new config', async () => {
    const v1 = await harness.inService();
    const v2 = await harness.config(2);
    const updatedAt = harness.clock.now();
    await harness.endpoints.UpdateEndpoint({
      EndpointName: ENDPOINT,
      EndpointConfigName: v2,
      RetainAllVariantProperties: false,
      DeploymentConfig: canary(10),
    });
    const provisioning = await harness.describe();
    expect(provisioning).toMatchObject({
      EndpointStatus: 'Updating',
      EndpointConfigName: v1,
      PendingDeploymentSummary: {
        EndpointConfigName: v2,
        StartTime: new Date(updatedAt),
        ProductionVariants: [{ VariantName: 'primary', CurrentWeight: 0, VariantStatus: [{ Status: 'Creating' }] }],
      },
    });
    expect(await deployChoice(provisioning, v2)).toBe('ScheduleNextEndpointPoll');

    await harness.clock.advance(240 * SECOND);
    const baking = await harness.describe();
    expect(baking).toMatchObject({
      EndpointStatus: 'Updating',
      EndpointConfigName: v1,
      ProductionVariants: [{ VariantName: 'primary', CurrentWeight: 0.9, DesiredWeight: 1, CurrentInstanceCount: 2 }],
      PendingDeploymentSummary: {
        EndpointConfigName: v2,
        ProductionVariants: [
          {
            VariantName: 'primary',
            CurrentWeight: 0.1,
            DesiredWeight: 1,
            CurrentInstanceCount: 1,
            DesiredInstanceCount: 2,
            InstanceType: 'ml.g5.xlarge',
            VariantStatus: [{ Status: 'Baking', StartTime: new Date(updatedAt + 240 * SECOND) }],
          },
        ],
      },
    });
    expect(await harness.traffic(100)).toEqual({ v1: 90, v2: 10 });
    expect(harness.endpoints.endpointsSummary()).toEqual([
      {
        name: ENDPOINT,
        status: 'Updating',
        configName: v1,
        pendingConfigName: v2,
        variants: [
          { variantName: 'primary', modelName: 'credit-v1-0a1b2c3d', configName: v1, weight: 0.9 },
          { variantName: 'primary', modelName: 'credit-v2-0a1b2c3d', configName: v2, weight: 0.1 },
        ],
      },
    ]);

    await harness.clock.advance(599 * SECOND);
    expect((await harness.describe()).EndpointStatus).toBe('Updating');
    await harness.clock.advance(SECOND);
    const done = await harness.describe();
    expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: v2 });
    expect(done.PendingDeploymentSummary).toBeUndefined();
    expect(done.FailureReason).toBeUndefined();
    expect(done.LastDeploymentConfig).toEqual(canary(10));
    expect(await deployChoice(done, v2)).toBe('RecordDeploymentSucceeded');
    expect(await harness.traffic(20)).toEqual({ v2: 20 });
    const checks = harness.alarmChecks.filter((check) => check.name === ALARM).map((check) => check.at - updatedAt);
    // Checked every minute from the canary shift, and again when the canary bake and the (zero) termination wait end.
    expect(checks).toEqual([300, 360, 420, 480, 540, 600, 660, 720, 780, 840, 840, 840].map((s) => s * SECOND));
  });

  it('rolls back to the old config when the canary trips the alarm: InService on the old config with a FailureReason', async () => {
    const v1 = await harness.inService();
    const v2 = await harness.config(2);
    // The 5xx alarm as the CloudWatch emulator would judge it: any 5xx of the endpoint in the last minute.
    harness.alarmRule = () =>
      harness.metrics.some(
        (metric) =>
          metric.metricName === 'Invocation5XXErrors' &&
          metric.value > 0 &&
          metric.at >= harness.clock.now() - 60 * SECOND,
      )
        ? 'ALARM'
        : 'OK';
    harness.endpoints.injectFault('credit-v2-0a1b2c3d', { errorRate: 1 });
    await harness.endpoints.UpdateEndpoint({
      EndpointName: ENDPOINT,
      EndpointConfigName: v2,
      DeploymentConfig: canary(10),
    });
    await harness.clock.advance(240 * SECOND);

    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(
        await harness.endpoints.invoke(ENDPOINT, '1,a').then(
          (answer) => answer.body.trim(),
          (error: Error) => error.name,
        ),
      );
    }
    expect(outcomes.filter((outcome) => outcome === 'ModelError')).toHaveLength(2);
    expect(outcomes.filter((outcome) => outcome === 'v1')).toHaveLength(18);

    await harness.clock.advance(60 * SECOND);
    const rolledBack = await harness.describe();
    expect(rolledBack).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: v1,
      FailureReason: `Deployment was rolled back because alarm ${ALARM} went into ALARM state.`,
      LastModifiedTime: new Date(START + (240 + 240 + 60) * SECOND),
    });
    expect(rolledBack.PendingDeploymentSummary).toBeUndefined();
    expect(rolledBack.ProductionVariants).toMatchObject([{ VariantName: 'primary', CurrentWeight: 1 }]);
    expect(await deployChoice(rolledBack, v2)).toBe('RecordDeploymentRolledBack');
    expect(await harness.traffic(30)).toEqual({ v1: 30 });
    // Nothing is left scheduled for the abandoned deployment.
    const checks = harness.alarmChecks.length;
    await harness.clock.advance(3600 * SECOND);
    expect(harness.alarmChecks).toHaveLength(checks);
  });

  it('keeps watching the alarms through the termination wait after the full shift', async () => {
    const v1 = await harness.inService();
    const v2 = await harness.config(2);
    await harness.endpoints.UpdateEndpoint({
      EndpointName: ENDPOINT,
      EndpointConfigName: v2,
      DeploymentConfig: canary(20, { bakeSeconds: 300, terminationSeconds: 600 }),
    });
    await harness.clock.advance((240 + 300) * SECOND);
    const shifted = await harness.describe();
    expect(shifted).toMatchObject({
      EndpointStatus: 'Updating',
      ProductionVariants: [{ CurrentWeight: 0 }],
      PendingDeploymentSummary: { ProductionVariants: [{ CurrentWeight: 1, CurrentInstanceCount: 2 }] },
    });
    expect(await harness.traffic(10)).toEqual({ v2: 10 });
    harness.alarms.set(ALARM, 'ALARM');
    await harness.clock.advance(60 * SECOND);
    expect(await harness.describe()).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: v1,
      FailureReason: expect.stringContaining(ALARM),
    });
    expect(await harness.traffic(10)).toEqual({ v1: 10 });
  });

  it('shifts LINEAR steps with a bake after each', async () => {
    await harness.inService({ instanceCount: 4 });
    const v2 = await harness.config(2, { instanceCount: 4 });
    await harness.endpoints.UpdateEndpoint({
      EndpointName: ENDPOINT,
      EndpointConfigName: v2,
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: 'LINEAR',
            LinearStepSize: { Type: 'INSTANCE_COUNT', Value: 1 },
            WaitIntervalInSeconds: 300,
          },
        },
      },
    });
    await harness.clock.advance(240 * SECOND);
    const seen: { weight?: number; instances?: number }[] = [];
    for (let step = 0; step < 4; step++) {
      const pending = (await harness.describe()).PendingDeploymentSummary?.ProductionVariants?.[0];
      seen.push({ weight: pending?.CurrentWeight, instances: pending?.CurrentInstanceCount });
      await harness.clock.advance(300 * SECOND);
    }
    expect(seen).toEqual([
      { weight: 0.25, instances: 1 },
      { weight: 0.5, instances: 2 },
      { weight: 0.75, instances: 3 },
      { weight: undefined, instances: undefined },
    ]);
    expect(await harness.describe()).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: v2 });
  });

  it('rolls back a deployment that outlasts MaximumExecutionTimeoutInSeconds', async () => {
    harness = new Harness({ provisioningSeconds: 500 });
    const v1 = await harness.config(1);
    await harness.endpoints.CreateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: v1 });
    await harness.clock.advance(500 * SECOND);
    const v2 = await harness.config(2);
    const deploymentConfig = canary(10, { bakeSeconds: 300 });
    deploymentConfig.BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds = 600;
    await harness.endpoints.UpdateEndpoint({
      EndpointName: ENDPOINT,
      EndpointConfigName: v2,
      DeploymentConfig: deploymentConfig,
    });
    await harness.clock.advance(600 * SECOND);
    const described = await harness.describe();
    expect(described).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: v1 });
    expect(described.FailureReason).toContain('MaximumExecutionTimeoutInSeconds');
  });
});

describe('deployment guardrail rules', () => {
  it('rejects a new config that renames the production variant; a plain update may rename it', async () => {
    const v1 = await harness.inService();
    const renamed = await harness.config(2, { variantName: 'AllTraffic' });
    await expect(
      harness.endpoints.UpdateEndpoint({
        EndpointName: ENDPOINT,
        EndpointConfigName: renamed,
        DeploymentConfig: canary(10),
      }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('production variant names of the new endpoint configuration [AllTraffic]'),
    });
    expect(await harness.describe()).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: v1 });
    expect((await harness.describe()).PendingDeploymentSummary).toBeUndefined();

    await harness.endpoints.UpdateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: renamed });
    await harness.clock.advance(240 * SECOND);
    expect(await harness.describe()).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: renamed,
      ProductionVariants: [{ VariantName: 'AllTraffic' }],
    });
  });

  it('rejects a canary above 50% of the green fleet, by capacity percent or instance count', async () => {
    await harness.inService({ instanceCount: 3 });
    const v2 = await harness.config(2, { instanceCount: 3 });
    const update = (size: { Type: 'CAPACITY_PERCENT' | 'INSTANCE_COUNT'; Value: number }) =>
      harness.endpoints.UpdateEndpoint({
        EndpointName: ENDPOINT,
        EndpointConfigName: v2,
        DeploymentConfig: {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: size, WaitIntervalInSeconds: 600 },
          },
        },
      });
    await expect(update({ Type: 'CAPACITY_PERCENT', Value: 51 })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('less than or equal to 50%'),
    });
    await expect(update({ Type: 'INSTANCE_COUNT', Value: 2 })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('(3 instances)'),
    });
    expect((await harness.describe()).EndpointStatus).toBe('InService');
    await update({ Type: 'INSTANCE_COUNT', Value: 1 });
    await harness.clock.advance(240 * SECOND);
    expect((await harness.describe()).PendingDeploymentSummary?.ProductionVariants?.[0]).toMatchObject({
      CurrentWeight: 1 / 3,
      CurrentInstanceCount: 1,
    });
  });

  it('rejects a MaximumExecutionTimeoutInSeconds no longer than the waits it must cover', async () => {
    await harness.inService();
    const v2 = await harness.config(2);
    const deploymentConfig = canary(10, { bakeSeconds: 3600 });
    deploymentConfig.BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds = 3600;
    await expect(
      harness.endpoints.UpdateEndpoint({
        EndpointName: ENDPOINT,
        EndpointConfigName: v2,
        DeploymentConfig: deploymentConfig,
      }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('MaximumExecutionTimeoutInSeconds'),
    });
  });

  it.each([
    ['Inf1 instances', { instanceType: 'ml.inf1.xlarge' }],
    ['a Marketplace container', { image: '709825985650.dkr.ecr.us-east-1.amazonaws.com/vendor/model:1' }],
  ])('falls back silently to all at once with no bake for %s', async (_feature, overrides) => {
    await harness.inService(overrides);
    const v2 = await harness.config(2, overrides);
    harness.alarms.set(ALARM, 'ALARM');
    await harness.endpoints.UpdateEndpoint({
      EndpointName: ENDPOINT,
      EndpointConfigName: v2,
      DeploymentConfig: canary(10),
    });
    expect((await harness.describe()).EndpointStatus).toBe('Updating');
    await harness.clock.advance(240 * SECOND);
    const described = await harness.describe();
    expect(described).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: v2 });
    expect(described.FailureReason).toBeUndefined();
    expect(harness.alarmChecks).toEqual([]);
    expect(await harness.traffic(10)).toEqual({ v2: 10 });
  });
});

describe('capacity and quotas', () => {
  /** Whether a FailureReason takes the deploy state machine's capacity branch (its own StringMatches pattern). */
  function capacityPattern(): RegExp {
    const asl = JSON.parse(readFileSync(join(__dirname, '../../statemachines/deploy.asl.json'), 'utf8')) as {
      States: { CheckEndpointStatus: { Choices: { Next: string; And?: { StringMatches?: string }[] }[] } };
    };
    const rule = asl.States.CheckEndpointStatus.Choices.find((choice) => choice.Next === 'DescribeCapacityShortage');
    const glob = rule?.And?.find((condition) => condition.StringMatches !== undefined)?.StringMatches;
    expect(glob).toBe('*apacity*');
    const source = (glob ?? '').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
    return new RegExp(`^${source}$`, 's');
  }

  it('ends a create Failed for insufficient capacity of the instance type', async () => {
    harness.endpoints.injectFault('ml.g5.xlarge', { capacity: 0 });
    const config = await harness.config(1);
    await harness.endpoints.CreateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: config });
    await harness.clock.advance(240 * SECOND);
    const described = await harness.describe();
    expect(described).toMatchObject({ EndpointStatus: 'Failed', EndpointConfigName: config });
    expect(described.FailureReason).toMatch(capacityPattern());
    expect(described.FailureReason).toContain('InsufficientInstanceCapacity');
    await expect(harness.endpoints.invoke(ENDPOINT, '1,a')).rejects.toMatchObject({ name: 'ValidationError' });
    await harness.endpoints.DeleteEndpoint({ EndpointName: ENDPOINT });
  });

  it('rolls an update back to the old config when the new instance type has no capacity, as the deploy ASL expects', async () => {
    const v1 = await harness.inService();
    harness.endpoints.injectFault('ml.g5.2xlarge', { capacity: 1 });
    const v2 = await harness.config(2, { instanceType: 'ml.g5.2xlarge', instanceCount: 2 });
    await harness.endpoints.UpdateEndpoint({
      EndpointName: ENDPOINT,
      EndpointConfigName: v2,
      DeploymentConfig: canary(10),
    });
    await harness.clock.advance(240 * SECOND);
    const described = await harness.describe();
    expect(described).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: v1 });
    expect(described.FailureReason).toMatch(capacityPattern());
    expect(await deployChoice(described, v2)).toBe('DescribeCapacityShortage');
    expect(await harness.traffic(5)).toEqual({ v1: 5 });
  });

  it('refuses the call with ResourceLimitExceeded when the instance quota would be exceeded (blue and green both count)', async () => {
    harness.endpoints.injectFault('ml.g5.xlarge', { quota: 3 });
    await harness.inService();
    const v2 = await harness.config(2);
    await expect(
      harness.endpoints.UpdateEndpoint({
        EndpointName: ENDPOINT,
        EndpointConfigName: v2,
        DeploymentConfig: canary(10),
      }),
    ).rejects.toMatchObject({
      name: 'ResourceLimitExceeded',
      message: expect.stringContaining(
        "The account-level service limit 'ml.g5.xlarge for endpoint usage' is 3 Instances, with current utilization of 2 Instances and a request delta of 2 Instances.",
      ),
    });
    expect((await harness.describe()).EndpointStatus).toBe('InService');
  });
});

describe('routing', () => {
  it('splits traffic across production variants exactly by weight, and honours TargetVariant', async () => {
    await harness.endpoints.CreateEndpointConfig({
      EndpointConfigName: 'weighted',
      ProductionVariants: [
        {
          VariantName: 'heavy',
          ModelName: harness.model(1),
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
          InitialVariantWeight: 3,
        },
        {
          VariantName: 'light',
          ModelName: harness.model(2),
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        },
      ],
    });
    await harness.endpoints.CreateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: 'weighted' });
    await harness.clock.advance(240 * SECOND);
    expect(await harness.traffic(400)).toEqual({ v1: 300, v2: 100 });
    // Evenly interleaved, not bunched: every window of 4 requests holds exactly one for the light variant.
    const variants: string[] = [];
    for (let i = 0; i < 8; i++) variants.push((await harness.endpoints.invoke(ENDPOINT, '1,a')).variant);
    expect(variants.filter((variant) => variant === 'light')).toHaveLength(2);
    expect(variants.slice(0, 4).filter((variant) => variant === 'light')).toHaveLength(1);
    const targeted = await harness.endpoints.invoke(ENDPOINT, '1,a', 'text/csv', { targetVariant: 'light' });
    expect(targeted).toMatchObject({ variant: 'light', body: 'v2\n' });
    expect((await harness.describe()).ProductionVariants).toMatchObject([
      { VariantName: 'heavy', CurrentWeight: 3 },
      { VariantName: 'light', CurrentWeight: 1 },
    ]);
  });
});

describe('deterministic choices', () => {
  it('keeps exact proportions of a weighted rotation and restarts it when the weights change', () => {
    const rotation = new WeightedRoundRobin<string>();
    const pick = (blue: number, green: number) =>
      rotation.pick([
        { key: 'blue', weight: blue, value: 'blue' },
        { key: 'green', weight: green, value: 'green' },
      ]);
    const picks = Array.from({ length: 10 }, () => pick(0.8, 0.2));
    expect(picks.filter((choice) => choice === 'green')).toHaveLength(2);
    expect(Array.from({ length: 4 }, () => pick(0, 1))).toEqual(['green', 'green', 'green', 'green']);
    expect(rotation.pick([{ key: 'none', weight: 0, value: 'none' }])).toBeUndefined();
  });

  it('spreads a rate evenly and counts afresh when the rate changes', () => {
    const spread = new EvenSpread();
    const hits = (rate: number, calls: number) =>
      Array.from({ length: calls }, (_, call) => (spread.next(rate) ? call + 1 : 0)).filter((call) => call > 0);
    expect(hits(0.25, 8)).toEqual([4, 8]);
    expect(hits(1, 3)).toEqual([1, 2, 3]);
    expect(hits(0.1, 20)).toEqual([10, 20]);
    expect(hits(0, 5)).toEqual([]);
  });
});

describe('invocation metrics and model errors', () => {
  it('publishes Invocations, 4XX/5XX errors and latencies in microseconds per EndpointName and VariantName', async () => {
    await harness.inService();
    harness.endpoints.injectFault('credit-v1-0a1b2c3d', { errorRate: 0.25, latencyMs: 250 });
    const failures: Error[] = [];
    for (let i = 0; i < 8; i++)
      await harness.endpoints.invoke(ENDPOINT, '1,a').catch((error: Error) => failures.push(error));
    await harness.endpoints.invoke(ENDPOINT, 'not,a,record').catch((error: Error) => failures.push(error));
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatchObject({
      name: 'ModelError',
      OriginalStatusCode: 500,
      message: expect.stringMatching(
        new RegExp(
          `^Received server error \\(500\\) from primary with message ".*"\\. See https://${REGION}\\.console\\.aws\\.amazon\\.com/cloudwatch/home\\?region=${REGION}#logEventViewer:group=/aws/sagemaker/Endpoints/${ENDPOINT} in account ${ACCOUNT} for more information\\.$`,
        ),
      ),
    });
    expect(failures[2]).toMatchObject({ name: 'ModelError', OriginalStatusCode: 400 });
    expect(failures[2].message).toMatch(/^Received client error \(400\) from primary/);

    const dimensions = [
      { Name: 'EndpointName', Value: ENDPOINT },
      { Name: 'VariantName', Value: 'primary' },
    ];
    const series = (name: string) => harness.metrics.filter((metric) => metric.metricName === name);
    for (const metric of harness.metrics) {
      expect(metric.namespace).toBe('AWS/SageMaker');
      expect(metric.dimensions).toEqual(dimensions);
    }
    const sum = (name: string) => series(name).reduce((total, metric) => total + metric.value, 0);
    expect(sum('Invocations')).toBe(9);
    expect(sum('Invocation5XXErrors')).toBe(2);
    expect(sum('Invocation4XXErrors')).toBe(1);
    expect(series('Invocation5XXErrors')).toHaveLength(9);
    for (const metric of series('ModelLatency')) {
      expect(metric.unit).toBe('Microseconds');
      expect(metric.value).toBeGreaterThanOrEqual(250_000);
      expect(metric.value).toBeLessThan(300_000);
    }
    expect(series('OverheadLatency').every((metric) => metric.unit === 'Microseconds' && metric.value > 0)).toBe(true);
    expect(series('ModelLatency')).toHaveLength(9);
  });

  it('fails an invocation the container answers after more than 60 s with ModelError', async () => {
    await harness.inService();
    harness.endpoints.injectFault('ml.g5.xlarge', { latencyMs: 61_000 });
    await expect(harness.endpoints.invoke(ENDPOINT, '1,a')).rejects.toMatchObject({
      name: 'ModelError',
      message: expect.stringContaining('Your invocation timed out while waiting for a response from container primary'),
    });
    harness.endpoints.injectFault('ml.g5.xlarge', {});
    expect((await harness.endpoints.invoke(ENDPOINT, '1,a')).body).toBe('v1\n');
  });
});

describe('data capture', () => {
  const FEATURES = ['x', 'c'];

  it('writes JSON Lines under <destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/ that detect-drift reads back', async () => {
    await harness.inService();
    await harness.clock.advanceTo(START + 50 * 60 * SECOND);
    for (let i = 0; i < 3; i++) await harness.endpoints.invoke(ENDPOINT, `${i},a`);
    await harness.endpoints.invoke(ENDPOINT, '7,b\n8,c\n', 'text/csv');
    expect(harness.files.size).toBe(0);
    // Leaving the hour uploads its file.
    await harness.clock.advanceTo(START + 70 * 60 * SECOND);
    await harness.endpoints.invoke(ENDPOINT, '9,a', 'text/csv', { inferenceId: 'request-9' });
    await harness.endpoints.invoke(ENDPOINT, '{"instances":[[5,"z"]]}', 'application/json');
    expect(harness.files.size).toBe(1);
    await harness.endpoints.flushCapture();
    expect(harness.files.size).toBe(2);

    const keys = [...harness.files.keys()].sort();
    const folder = `warden-artifacts/capture/credit/${ENDPOINT}/primary/2024/06/01`;
    expect(keys[0]).toMatch(new RegExp(`^${folder}/00/50-00-000-${UUID_FILE}$`));
    expect(keys[1]).toMatch(new RegExp(`^${folder}/01/10-00-000-${UUID_FILE}$`));

    const firstHour = harness.files.get(keys[0]) ?? '';
    expect(firstHour.endsWith('\n')).toBe(true);
    const lines = firstHour
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toEqual({
      captureData: {
        endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: '0,a', encoding: 'CSV' },
        endpointOutput: { observedContentType: 'text/csv', mode: 'OUTPUT', data: 'v1\n', encoding: 'CSV' },
      },
      eventMetadata: { eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), inferenceTime: '2024-06-01T00:50:00Z' },
      eventVersion: '0',
    });
    expect(Object.keys(lines[0])).toEqual(['captureData', 'eventMetadata', 'eventVersion']);
    const secondHour = (harness.files.get(keys[1]) ?? '')
      .trimEnd()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            captureData: { endpointInput: { encoding: string; data: string } };
            eventMetadata: { inferenceId?: string };
          },
      );
    expect(secondHour[0].eventMetadata.inferenceId).toBe('request-9');
    expect(secondHour[1].captureData.endpointInput).toMatchObject({
      encoding: 'JSON',
      data: '{"instances":[[5,"z"]]}',
    });

    // detect-drift: the hour folders of the window under each variant folder, then its CSV reader.
    const window = { start: new Date(START + 30 * 60 * SECOND), end: new Date(START + 90 * 60 * SECOND) };
    const variantFolder = `capture/credit/${ENDPOINT}/primary/`;
    const listed = captureHours(window).flatMap((hour) =>
      keys.filter((key) => key.startsWith(`warden-artifacts/${variantFolder}${hour}`)),
    );
    expect(listed).toEqual(keys);
    const tally: CaptureTally = { requests: 0, rows: 0, outsideWindow: 0, unusable: 0 };
    const csv = await readAll(
      captureCsv(files(listed.map((key) => harness.files.get(key) ?? '')), FEATURES, window, tally),
    );
    expect(csv).toBe('x,c\n0,a\n1,a\n2,a\n7,b\n8,c\n9,a\n');
    expect(tally).toEqual({ requests: 5, rows: 6, outsideWindow: 0, unusable: 1 });
  });

  it('base64-encodes payloads when the config names no content types, samples evenly, and detect-drift still reads them', async () => {
    await harness.endpoints.CreateEndpointConfig({
      EndpointConfigName: 'sampled',
      ProductionVariants: [
        { VariantName: 'primary', ModelName: harness.model(1), InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
      DataCaptureConfig: {
        InitialSamplingPercentage: 50,
        DestinationS3Uri: 's3://warden-artifacts/capture/sampled/',
        CaptureOptions: [{ CaptureMode: 'Input' }],
      },
    });
    await harness.endpoints.CreateEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: 'sampled' });
    await harness.clock.advance(240 * SECOND);
    for (let i = 0; i < 10; i++) await harness.endpoints.invoke(ENDPOINT, `${i},a`);
    await harness.endpoints.flushCapture();
    const [key] = [...harness.files.keys()];
    expect(key).toMatch(
      new RegExp(`^warden-artifacts/capture/sampled/${ENDPOINT}/primary/2024/06/01/00/04-00-000-${UUID_FILE}$`),
    );
    const lines = (harness.files.get(key) ?? '')
      .trimEnd()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            captureData: Record<string, { data: string; encoding: string }>;
          },
      );
    expect(lines).toHaveLength(5);
    expect(Object.keys(lines[0].captureData)).toEqual(['endpointInput']);
    expect(lines[0].captureData.endpointInput).toMatchObject({
      encoding: 'BASE64',
      data: Buffer.from('1,a').toString('base64'),
    });
    const tally: CaptureTally = { requests: 0, rows: 0, outsideWindow: 0, unusable: 0 };
    const window = { start: new Date(START), end: new Date(START + 3600 * SECOND) };
    const csv = await readAll(captureCsv(files([harness.files.get(key) ?? '']), FEATURES, window, tally));
    expect(csv).toBe('x,c\n1,a\n3,a\n5,a\n7,a\n9,a\n');
  });
});

async function* files(bodies: readonly string[]): AsyncGenerator<Buffer> {
  for (const body of bodies) yield Buffer.from(body, 'utf8');
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
