/**
 * The regional deploy state machine, run locally. SageMaker, EventBridge and the Warden handlers are stand-ins:
 * every test name says "with stubbed SageMaker responses" because the endpoint's behaviour is scripted here.
 */
import {
  BAKE_SECONDS,
  ENDPOINT_NAME,
  ROLLBACK_ALARMS,
  SERVING_INSTANCE_TYPES,
  VARIANT_NAME,
  servingKmsKeyArn,
} from './support/substitutions';
import { StubbedAwsError } from './support/fake-aws';
import { CORRELATION_ID, deployInput, runDeploy } from './support/worlds';

const EXISTING_CONFIG = `${ENDPOINT_NAME}-v6-0a1b2c3d-0`;

describe('deploy state machine', () => {
  it('updates the existing endpoint behind a canary with auto-rollback alarms, with stubbed SageMaker responses', async () => {
    const { execution, aws, endpoint } = await runDeploy(deployInput(), { existingConfigName: EXISTING_CONFIG });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual([
      'InitializeDeployment',
      'ChooseDeploymentMode',
      'CreateModel',
      'SelectServingInstanceType',
      'ChooseStorageEncryption',
      'CreateEndpointConfigOnInstanceStorage',
      'UpdateEndpointWithCanary',
      'WaitForCanaryBake',
      'DescribeEndpoint',
      'CheckEndpointStatus',
      'RecordDeploymentSucceeded',
      'AuditDeploymentSucceeded',
      'PublishDeploymentSucceeded',
      'ReportDeploymentSucceeded',
    ]);

    const [model] = aws.sagemakerCalls('createModel');
    expect(model).toMatchObject({
      ModelName: expect.stringMatching(/^credit-v7-[0-9a-f]{8}$/),
      PrimaryContainer: { Image: deployInput().image, ModelDataUrl: deployInput().modelDataUrl },
      EnableNetworkIsolation: true,
    });
    const [config] = aws.sagemakerCalls('createEndpointConfig');
    expect(config.EndpointConfigName).toMatch(new RegExp(`^${ENDPOINT_NAME}-v7-[0-9a-f]{8}-0$`));
    expect(config.ProductionVariants).toEqual([
      {
        VariantName: VARIANT_NAME,
        ModelName: model.ModelName,
        InstanceType: SERVING_INSTANCE_TYPES[0],
        InitialInstanceCount: 2,
        InitialVariantWeight: 1,
      },
    ]);
    expect(config).not.toHaveProperty('KmsKeyId');
    expect(config.DataCaptureConfig).toMatchObject({
      EnableCapture: true,
      DestinationS3Uri: 's3://warden-credit-capture-us-east-1/capture/',
      KmsKeyId: servingKmsKeyArn(),
    });

    expect(endpoint.changes).toEqual([
      {
        action: 'updateEndpoint',
        request: {
          EndpointName: ENDPOINT_NAME,
          EndpointConfigName: config.EndpointConfigName,
          RetainAllVariantProperties: false,
          DeploymentConfig: {
            BlueGreenUpdatePolicy: {
              TrafficRoutingConfiguration: {
                Type: 'CANARY',
                CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 },
                WaitIntervalInSeconds: BAKE_SECONDS,
              },
              TerminationWaitInSeconds: 0,
              MaximumExecutionTimeoutInSeconds: 14400,
            },
            AutoRollbackConfiguration: { Alarms: ROLLBACK_ALARMS },
          },
        },
      },
    ]);
    expect(execution.waits).toEqual([
      {
        name: 'WaitForCanaryBake',
        input: expect.objectContaining({ serving: expect.objectContaining({ canaryWaitSeconds: BAKE_SECONDS + 480 }) }),
      },
    ]);

    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      {
        kind: 'deployment',
        modelVersion: 7,
        correlationId: CORRELATION_ID,
        attributes: expect.objectContaining({
          status: 'Deployed',
          region: 'us-east-1',
          endpointName: ENDPOINT_NAME,
          endpointConfigName: config.EndpointConfigName,
          instanceType: SERVING_INSTANCE_TYPES[0],
        }),
      },
    ]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([
      expect.objectContaining({
        stream: 'credit',
        actor: 'warden/deploy',
        action: 'model.deployed',
        subject: 'credit/v7',
      }),
    ]);
    expect(aws.events).toEqual([
      {
        Source: 'warden',
        DetailType: 'Warden Deployment Succeeded',
        EventBusName: 'warden-credit',
        Detail: {
          modelName: 'credit',
          modelVersion: 7,
          region: 'us-east-1',
          endpointName: ENDPOINT_NAME,
          correlationId: CORRELATION_ID,
          endpointConfigName: config.EndpointConfigName,
        },
      },
    ]);
    expect(aws.lambdaPayloads('report-deployment')).toEqual([
      expect.objectContaining({ outcome: 'Succeeded', request: deployInput(), region: 'us-east-1', modelVersion: 7 }),
    ]);
  });

  it('creates the endpoint on the first deployment and polls with backoff until it is in service, with stubbed SageMaker responses', async () => {
    const { execution, endpoint, aws } = await runDeploy(deployInput(), { pollsUntilSettled: 2 });

    expect(execution.status).toBe('SUCCEEDED');
    expect(endpoint.changes.map((change) => change.action)).toEqual(['createEndpoint']);
    // The update is tried first (and retried twice, as any SageMaker refusal); "Could not find endpoint" creates it.
    expect(aws.sagemakerCalls('updateEndpoint')).toHaveLength(3);
    const entered = execution.statesEntered;
    expect(entered.slice(entered.indexOf('UpdateEndpointWithCanary'), entered.indexOf('CreateEndpoint') + 1)).toEqual([
      'UpdateEndpointWithCanary',
      'CheckEndpointMissing',
      'CreateEndpoint',
    ]);
    const waits = execution.waits.map((wait) => [
      wait.name,
      (wait.input as { poll: { waitSeconds: number } }).poll.waitSeconds,
    ]);
    expect(waits).toEqual([
      ['WaitForEndpointInService', 300],
      ['WaitForEndpointInService', 60],
      ['WaitForEndpointInService', 120],
    ]);
    expect(endpoint.status).toBe('InService');
  });

  it('creates no endpoint when the update is refused for another reason, and records the failure, with stubbed SageMaker responses', async () => {
    const { execution, aws, endpoint } = await runDeploy(deployInput(), {
      existingConfigName: EXISTING_CONFIG,
      sagemaker: {
        updateEndpoint: (request) => {
          throw new StubbedAwsError(
            'SageMaker.AmazonSageMakerException',
            `Could not find endpoint configuration "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/${String(request.EndpointConfigName)}".`,
          );
        },
      },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.statesEntered).toContain('CheckEndpointMissing');
    expect(execution.statesEntered).not.toContain('CreateEndpoint');
    expect(endpoint.changes).toEqual([]);
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({ attributes: expect.objectContaining({ status: 'Failed' }) }),
    ]);
    expect(aws.lambdaPayloads('report-deployment')).toEqual([expect.objectContaining({ outcome: 'Failed' })]);
  });

  it('records, publishes and reports a canary that SageMaker rolled back, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runDeploy(deployInput(), {
      existingConfigName: EXISTING_CONFIG,
      outcomes: ['alarm-rollback'],
      pollsUntilSettled: 1,
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.DeploymentRolledBack');
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({
        kind: 'deployment',
        modelVersion: 7,
        attributes: expect.objectContaining({ status: 'RolledBack', liveEndpointConfigName: EXISTING_CONFIG }),
      }),
    ]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([expect.objectContaining({ action: 'model.rolled-back' })]);
    expect(aws.events.map((event) => [event.DetailType, event.Detail.endpointConfigName, event.Detail.reason])).toEqual(
      [['Warden Deployment Rolled Back', EXISTING_CONFIG, 'canary-alarm']],
    );
    expect(aws.lambdaPayloads('report-deployment')).toEqual([
      expect.objectContaining({
        outcome: 'RolledBack',
        error: expect.objectContaining({ Error: 'Warden.DeploymentRolledBack' }),
      }),
    ]);
  });

  it('falls back to the next instance type when SageMaker has no capacity, with stubbed SageMaker responses', async () => {
    const { execution, aws, endpoint } = await runDeploy(deployInput(), {
      existingConfigName: EXISTING_CONFIG,
      outcomes: ['resource-limit', 'capacity-rollback', 'in-service'],
    });

    expect(execution.status).toBe('SUCCEEDED');
    const configs = aws.sagemakerCalls('createEndpointConfig');
    expect(
      configs.map((config) => (config.ProductionVariants as Array<{ InstanceType: string }>)[0].InstanceType),
    ).toEqual(SERVING_INSTANCE_TYPES);
    expect(configs.map((config) => String(config.EndpointConfigName).slice(-2))).toEqual(['-0', '-1', '-2']);
    expect(configs.map((config) => config.KmsKeyId)).toEqual([undefined, undefined, servingKmsKeyArn()]);
    expect(
      configs.map((config) => (config.ProductionVariants as Array<{ VariantName: string }>)[0].VariantName),
    ).toEqual([VARIANT_NAME, VARIANT_NAME, VARIANT_NAME]);
    expect(endpoint.configName).toBe(configs[2].EndpointConfigName);
    expect(aws.sagemakerCalls('createModel')).toHaveLength(1);
  });

  it('fails with Warden.CapacityUnavailable once every instance type is out of capacity, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runDeploy(deployInput(), {
      existingConfigName: EXISTING_CONFIG,
      outcomes: ['resource-limit', 'resource-limit', 'resource-limit'],
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.CapacityUnavailable');
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({ status: 'Failed', instanceTypes: SERVING_INSTANCE_TYPES }),
      }),
    ]);
    expect(aws.lambdaPayloads('report-deployment')).toEqual([
      expect.objectContaining({
        outcome: 'Failed',
        error: expect.objectContaining({ Error: 'Warden.CapacityUnavailable' }),
      }),
    ]);
  });

  it('rolls back to a given endpoint config all at once and without alarms, with stubbed SageMaker responses', async () => {
    const current = `${ENDPOINT_NAME}-v7-9f8e7d6c-0`;
    const { execution, aws, endpoint } = await runDeploy(
      {
        mode: 'rollback',
        modelVersion: 6,
        endpointConfigName: EXISTING_CONFIG,
        correlationId: 'alarm-event-1',
        taskToken: 'remediation-token',
      },
      { existingConfigName: current, pollsUntilSettled: 1 },
    );

    expect(execution.status).toBe('SUCCEEDED');
    expect(aws.sagemakerCalls('createModel')).toEqual([]);
    expect(endpoint.changes).toEqual([
      {
        action: 'updateEndpoint',
        request: {
          EndpointName: ENDPOINT_NAME,
          EndpointConfigName: EXISTING_CONFIG,
          RetainAllVariantProperties: false,
          DeploymentConfig: {
            BlueGreenUpdatePolicy: {
              TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 },
              TerminationWaitInSeconds: 0,
            },
          },
        },
      },
    ]);
    expect(endpoint.configName).toBe(EXISTING_CONFIG);
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({
        kind: 'rollback',
        modelVersion: 6,
        attributes: expect.objectContaining({ endpointConfigName: EXISTING_CONFIG }),
      }),
    ]);
    expect(aws.events.map((event) => [event.DetailType, event.Detail.modelVersion, event.Detail.reason])).toEqual([
      ['Warden Deployment Rolled Back', 6, 'remediation'],
    ]);
    expect(aws.lambdaPayloads('report-deployment')).toEqual([
      expect.objectContaining({ outcome: 'Succeeded', modelVersion: 6 }),
    ]);
  });

  it('records and reports an endpoint that ends in Failed, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runDeploy(deployInput(), { outcomes: ['failed'] });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.DeploymentRolledBack');
    expect(execution.cause).toContain('did not pass the ping health check');
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({ attributes: expect.objectContaining({ status: 'Failed', mode: 'deploy' }) }),
    ]);
    expect(aws.lambdaPayloads('report-deployment')).toEqual([expect.objectContaining({ outcome: 'Failed' })]);
  });

  it('gives up after its polling budget when the endpoint never settles, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runDeploy(deployInput(), {
      existingConfigName: EXISTING_CONFIG,
      pollsUntilSettled: Number.MAX_SAFE_INTEGER,
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.DeploymentRolledBack');
    expect(execution.cause).toContain('"EndpointStatus":"Updating"');
    const waits = execution.waits.map((wait) => wait.name);
    expect(waits[0]).toBe('WaitForCanaryBake');
    expect(waits.slice(1).every((name) => name === 'WaitForEndpointInService')).toBe(true);
    // Each wait is followed by exactly one poll, and nothing else describes the endpoint.
    expect(aws.sagemakerCalls('describeEndpoint')).toHaveLength(waits.length);
    const seconds = execution.waits
      .slice(1)
      .reduce((sum, wait) => sum + (wait.input as { poll: { waitSeconds: number } }).poll.waitSeconds, 0);
    expect(seconds).toBeGreaterThan(14400);
    expect(aws.lambdaPayloads('report-deployment')).toEqual([expect.objectContaining({ outcome: 'Failed' })]);
  });

  it('rejects a request without what its mode needs, recorded and reported', async () => {
    const { execution, aws } = await runDeploy(deployInput({ modelDataUrl: undefined }));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.DeploymentRolledBack');
    expect(execution.cause).toContain("mode 'deploy' with modelDataUrl and image");
    expect(aws.sagemakerCalls()).toEqual([]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([expect.objectContaining({ action: 'deployment.failed' })]);
    expect(aws.lambdaPayloads('report-deployment')).toEqual([expect.objectContaining({ outcome: 'Failed' })]);
  });
});
