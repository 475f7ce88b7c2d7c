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
  servingImage,
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
      PrimaryContainer: { Image: servingImage('us-east-1'), ModelDataUrl: deployInput().modelDataUrl },
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
      expect.objectContaining({
        outcome: 'Succeeded',
        request: deployInput({ previousEndpointConfigName: EXISTING_CONFIG }),
        region: 'us-east-1',
        modelVersion: 7,
      }),
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

  it('deletes a new endpoint that failed for capacity and creates it on the next instance type once the name is free, with stubbed SageMaker responses', async () => {
    const { execution, aws, endpoint } = await runDeploy(deployInput(), {
      outcomes: ['capacity-failed', 'in-service'],
    });

    expect(execution.status).toBe('SUCCEEDED');
    const created = aws.sagemakerCalls('createEndpoint').map((call) => String(call.EndpointConfigName));
    expect(created).toHaveLength(2);
    expect(aws.sagemakerCalls('deleteEndpoint')).toEqual([{ EndpointName: ENDPOINT_NAME }]);
    const instanceTypes = created.map((name) => {
      const config = endpoint.configs.get(name) as { ProductionVariants: Array<{ InstanceType: string }> };
      return config.ProductionVariants[0].InstanceType;
    });
    expect(instanceTypes).toEqual(SERVING_INSTANCE_TYPES.slice(0, 2));
    // The deletion is confirmed (SageMaker no longer knows the endpoint) before the name is used again.
    const states = execution.statesEntered;
    expect(states.indexOf('DescribeDeletedEndpoint')).toBeGreaterThan(states.indexOf('DeleteCreatedEndpoint'));
    expect(states.lastIndexOf('CreateEndpoint')).toBeGreaterThan(states.indexOf('DescribeDeletedEndpoint'));
    expect(endpoint).toMatchObject({ status: 'InService', configName: created[1] });
    expect(aws.lambdaPayloads('report-deployment')).toEqual([
      expect.objectContaining({
        outcome: 'Succeeded',
        serving: expect.objectContaining({ endpointConfigName: created[1] }),
      }),
    ]);
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

  it('runs the serving region’s own copy of the inference image, whatever the primary region registered, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runDeploy(deployInput(), { region: 'eu-west-1' });

    expect(execution.status).toBe('SUCCEEDED');
    expect(String(deployInput().image)).toContain('.us-east-1.');
    const [model] = aws.sagemakerCalls('createModel');
    expect(model.PrimaryContainer).toEqual({
      Image: servingImage('eu-west-1'),
      ModelDataUrl: deployInput().modelDataUrl,
    });
  });

  it('deletes the endpoint it created when it ends in Failed, and records and reports the failure, with stubbed SageMaker responses', async () => {
    const { execution, aws, endpoint } = await runDeploy(deployInput(), { outcomes: ['failed'] });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.DeploymentRolledBack');
    expect(execution.cause).toContain('did not pass the ping health check');
    expect(aws.sagemakerCalls('deleteEndpoint')).toEqual([{ EndpointName: ENDPOINT_NAME }]);
    expect(endpoint.status).toBeUndefined();
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({
          status: 'Failed',
          mode: 'deploy',
          compensation: { attempt: 0, outcome: { action: 'deleted' } },
        }),
      }),
    ]);
    expect(aws.lambdaPayloads('report-deployment')).toEqual([expect.objectContaining({ outcome: 'Failed' })]);
  });

  it('leaves an updated endpoint that ends in Failed as it is (SageMaker takes no update on it), with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runDeploy(deployInput(), {
      existingConfigName: EXISTING_CONFIG,
      outcomes: ['failed'],
    });

    expect(execution.status).toBe('FAILED');
    expect(aws.sagemakerCalls('updateEndpoint')).toHaveLength(1);
    expect(aws.sagemakerCalls('deleteEndpoint')).toEqual([]);
    expect(aws.lambdaPayloads('record-lineage')).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({ status: 'Failed', compensation: { attempt: 0 } }),
      }),
    ]);
  });

  it('returns the endpoint to its previous config when the deployment cannot be audited, and records that as the failure, with stubbed SageMaker responses', async () => {
    const { execution, aws, endpoint } = await runDeploy(deployInput(), {
      existingConfigName: EXISTING_CONFIG,
      lambda: {
        'append-audit': (payload) => {
          if (payload.action === 'model.deployed') throw new StubbedAwsError('Lambda.ServiceException', 'unavailable');
          return { sequence: 1 };
        },
      },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.DeploymentRolledBack');
    const [update, restore] = aws.sagemakerCalls('updateEndpoint');
    expect(update.EndpointConfigName).not.toBe(EXISTING_CONFIG);
    expect(restore).toMatchObject({
      EndpointConfigName: EXISTING_CONFIG,
      DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE' } } },
    });
    endpoint.finishPendingChange();
    expect(endpoint.configName).toBe(EXISTING_CONFIG);
    expect(aws.lambdaPayloads('record-lineage').map((payload) => payload.attributes)).toEqual([
      expect.objectContaining({ status: 'Deployed' }),
      expect.objectContaining({
        status: 'Failed',
        error: expect.objectContaining({ Error: 'Lambda.ServiceException' }),
        compensation: { attempt: 0, outcome: { action: 'restored' } },
      }),
    ]);
    // Seven attempts at the audit of the success (one and six retries), then the failure is audited.
    expect(aws.lambdaPayloads('append-audit').map((payload) => payload.action)).toEqual([
      ...Array<string>(7).fill('model.deployed'),
      'deployment.failed',
    ]);
    expect(aws.lambdaPayloads('report-deployment')).toEqual([expect.objectContaining({ outcome: 'Failed' })]);
  });

  it('gives up after its polling budget when the endpoint never settles, then waits to return it to its previous config, with stubbed SageMaker responses', async () => {
    const { execution, aws } = await runDeploy(deployInput(), {
      existingConfigName: EXISTING_CONFIG,
      pollsUntilSettled: Number.MAX_SAFE_INTEGER,
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.DeploymentRolledBack');
    expect(execution.cause).toContain('"EndpointStatus":"Updating"');
    const waits = execution.waits.map((wait) => wait.name);
    const polls = waits.filter((name) => name !== 'WaitToCompensate');
    expect(polls[0]).toBe('WaitForCanaryBake');
    expect(polls.slice(1).every((name) => name === 'WaitForEndpointInService')).toBe(true);
    // Each wait is followed by exactly one poll, and nothing else describes the endpoint.
    expect(aws.sagemakerCalls('describeEndpoint')).toHaveLength(polls.length);
    const seconds = execution.waits
      .filter((wait) => wait.name === 'WaitForEndpointInService')
      .reduce((sum, wait) => sum + (wait.input as { poll: { waitSeconds: number } }).poll.waitSeconds, 0);
    expect(seconds).toBeGreaterThan(14400);
    // SageMaker refuses the update back while its own change is in progress: 48 waits of 5 minutes, then recorded.
    expect(waits.filter((name) => name === 'WaitToCompensate')).toHaveLength(48);
    const restores = aws.sagemakerCalls('updateEndpoint').slice(1);
    expect(restores).toHaveLength(49 * 3);
    expect(new Set(restores.map((call) => call.EndpointConfigName))).toEqual(new Set([EXISTING_CONFIG]));
    const [failure] = aws.lambdaPayloads('record-lineage');
    expect(failure).toMatchObject({
      attributes: {
        status: 'Failed',
        compensation: { attempt: 48, error: { Cause: expect.stringContaining('Cannot update in-progress endpoint') } },
      },
    });
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
