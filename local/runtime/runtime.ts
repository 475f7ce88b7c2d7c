/**
 * The embedded local runtime: the synthesized reference app brought up on emulators in this process.
 *
 * Everything is derived from the templates: buckets (with EventBridge notifications and replication), DynamoDB tables
 * (created in DynamoDB Local with their keys and indexes; the audit table's stream drives its event source mapping),
 * functions (their staged bundles and environments), state machines (their definitions with every substitution
 * resolved), EventBridge rules and their targets (cross-region forwarding included), schedules, and alarms.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand, CreateTableCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { overrideAwsClients } from '../../lambdas/shared/aws-clients';
import type { StateMachineDefinition } from '../../lib/state-machine-file';
import { VirtualClock } from './clock';
import { taskIntegration, type SageMakerApi } from './integrations';
import { synthesizeReferenceApp, parseArn, type Assembly, type ResolvedResource } from './template';
import { startDynamoDbLocal, type DynamoDbLocal } from '../emulators/dynamodb-local';
import { LocalLambda } from '../emulators/lambda';
import { startLocalS3, LOCAL_CREDENTIALS, type LocalS3, type ObjectCreated } from '../emulators/s3';
import { commandSender, ServiceError } from '../emulators/service';
import { LocalStepFunctions, type ExecutionRecord, type StateEvent } from '../emulators/stepfunctions';
import { LocalEventBridge } from '../emulators/eventbridge';
import { LocalCloudWatch } from '../emulators/cloudwatch';
import { LocalSageMakerJobs } from '../emulators/sagemaker/jobs';
import { LocalEndpoints } from '../emulators/sagemaker/endpoints';
import { loadPredictor, type Predictor } from '../emulators/sagemaker/model-artifact';

export interface LocalRuntimeOptions {
  readonly primaryRegion?: string;
  readonly servingRegions?: readonly string[];
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
  /** Handler logs at INFO instead of silence. */
  readonly debug?: boolean;
}

interface RegionalSageMaker {
  readonly jobs: LocalSageMakerJobs;
  readonly endpoints: LocalEndpoints;
}

const ENDPOINT_ACTIONS = new Set([
  'CreateEndpointConfig',
  'DescribeEndpointConfig',
  'DeleteEndpointConfig',
  'CreateEndpoint',
  'UpdateEndpoint',
  'DescribeEndpoint',
  'DeleteEndpoint',
  'ListEndpoints',
]);

const CAPTURE_FLUSH_MS = 5 * 60_000;

interface StreamMapping {
  readonly source: string;
  readonly table: string;
  /** Key attribute names, hash key first. */
  readonly keyNames: readonly string[];
  readonly functionName: string;
  readonly batchSize: number;
  readonly region: string;
}

/** Times of the phases of a run, for the summary: where the wall time went. */
export interface PhaseTimes {
  [phase: string]: number;
}

export class LocalRuntime {
  readonly phases: PhaseTimes = {};
  private readonly log: (line: string) => void;
  private readonly sagemakers = new Map<string, RegionalSageMaker>();
  private readonly predictors = new Map<string, Promise<Predictor>>();
  private readonly workDir = mkdtempSync(join(tmpdir(), 'warden-local-'));
  private readonly pendingNotifications = new Set<Promise<void>>();
  private readonly streamed = new Set<string>();
  private streamMappings: StreamMapping[] = [];
  /** Containers of the models created through the API, by `<region>/<model name>`, for the endpoints. */
  private readonly modelContainers = new Map<string, { image: string; modelDataUrl: string }>();
  private readonly degraded: Array<{ version: number; errorRate?: number; latencyMs?: number; region?: string }> = [];
  private restoreClients: () => void = () => undefined;
  private dynamoClient!: DynamoDBClient;

  private constructor(
    readonly clock: VirtualClock,
    readonly assembly: Assembly,
    readonly s3: LocalS3,
    readonly dynamo: DynamoDbLocal,
    readonly lambda: LocalLambda,
    readonly events: LocalEventBridge,
    readonly cloudwatch: LocalCloudWatch,
    readonly stepFunctions: LocalStepFunctions,
    options: LocalRuntimeOptions,
  ) {
    this.log = options.log ?? (() => undefined);
  }

  /** Synthesizes the reference app and starts every emulator. Stop it with {@link stop}, also after errors. */
  static async start(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
    const primaryRegion = options.primaryRegion ?? 'us-east-1';
    const servingRegions = options.servingRegions ?? [primaryRegion, 'eu-west-1'];
    const log = options.log ?? (() => undefined);
    const phases: PhaseTimes = {};
    const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      try {
        return await work();
      } finally {
        phases[phase] = (phases[phase] ?? 0) + Date.now() - started;
      }
    };
    // DynamoDB Local (a JVM) starts while the app synthesizes; a missing Java fails the run before anything else.
    log('starting DynamoDB Local; synthesizing the reference app');
    // The emulators call each other through the runtime, which exists only once they all do.
    const late: { runtime?: LocalRuntime } = {};
    const wired = (): LocalRuntime => {
      if (late.runtime === undefined) throw new Error('The local runtime is not started yet.');
      return late.runtime;
    };
    const emulatorsStarted = Date.now();
    const dynamoStarting = startDynamoDbLocal();
    const s3Starting = startLocalS3({ onObjectCreated: (event) => late.runtime?.objectCreated(event) });
    const [dynamoResult, s3Result, assemblyResult] = await Promise.allSettled([
      dynamoStarting.finally(() => (phases.emulators = Date.now() - emulatorsStarted)),
      s3Starting,
      timed('synthesis', () => synthesizeReferenceApp({ primaryRegion, servingRegions })),
    ]);
    if (dynamoResult.status === 'rejected' || s3Result.status === 'rejected' || assemblyResult.status === 'rejected') {
      if (dynamoResult.status === 'fulfilled') await dynamoResult.value.stop();
      if (s3Result.status === 'fulfilled') await s3Result.value.close();
      if (assemblyResult.status === 'fulfilled') assemblyResult.value.dispose();
      const failed = [dynamoResult, s3Result, assemblyResult].find((result) => result.status === 'rejected');
      throw (failed as PromiseRejectedResult).reason;
    }
    const [dynamo, s3, assembly] = [dynamoResult.value, s3Result.value, assemblyResult.value];
    const baseEnvironment: Record<string, string> = {
      ...(process.env as Record<string, string>),
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_S3_FORCE_PATH_STYLE: 'true',
    };
    const forced = {
      POWERTOOLS_LOG_LEVEL: options.debug ? 'INFO' : 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_DEV: 'false',
      // Lambda runs Node.js 22; the SDK's notice about older local Node.js versions is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const lambda = new LocalLambda(baseEnvironment, forced);
    const clock = new VirtualClock();
    const events = new LocalEventBridge({
      account: assembly.account,
      clock,
      deliver: (target, _event, _rule, input) => wired().deliver(target.arn, input),
    });
    const cloudwatch = new LocalCloudWatch({
      account: assembly.account,
      clock,
      onAlarmStateChange: (region, event) => {
        events.injectEvent(region, event as never);
      },
    });
    const integrate = taskIntegration({
      clock,
      lambda,
      stepFunctions: () => wired().stepFunctions,
      sagemaker: (region) => wired().sagemakerApi(region),
      putEvents: async (region, input) => events.client(region).PutEvents(input as never) as never,
      readObject: (bucket, key) => s3.read(bucket, key),
    });
    const stepFunctions = new LocalStepFunctions({
      account: assembly.account,
      clock,
      integrate,
      onEvent: (event) => late.runtime?.progress(event),
    });
    const runtime = new LocalRuntime(clock, assembly, s3, dynamo, lambda, events, cloudwatch, stepFunctions, options);
    late.runtime = runtime;
    Object.assign(runtime.phases, phases);
    try {
      await runtime.provision();
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    return runtime;
  }

  /** Waits until nothing is in flight: no execution running, no event or notification undelivered. */
  async settle(): Promise<void> {
    for (;;) {
      await Promise.all([...this.pendingNotifications]);
      await this.events.settled();
      await this.stepFunctions.settled();
      await this.pumpStreams();
      const busy =
        this.pendingNotifications.size > 0 ||
        this.stepFunctions.executions().some((execution) => execution.status === 'RUNNING');
      if (!busy) {
        await this.events.settled();
        if (this.stepFunctions.executions().every((execution) => execution.status !== 'RUNNING')) return;
      }
    }
  }

  /** Advances the virtual clock (schedules, alarms, traffic fire on the way), then settles. */
  async advance(ms: number): Promise<void> {
    await this.clock.advance(ms);
    await this.settle();
  }

  /** Uploads a dataset as a user would: PutObject to the data bucket (which notifies EventBridge). */
  async upload(key: string, body: string): Promise<void> {
    await this.s3.write(this.dataBucket(), key, body);
    await this.settle();
  }

  dataBucket(): string {
    const bucket = this.assembly
      .resources('AWS::S3::Bucket')
      .find((resource) => String(resource.properties.BucketName ?? '').startsWith('warden-data-'));
    if (!bucket) throw new Error('The template has no data bucket.');
    return String(bucket.properties.BucketName);
  }

  /**
   * From now on, models of `version` (in `region`, or everywhere) are served by failing containers: the fault the
   * canary and its alarms are there to catch.
   */
  degradeModelVersion(version: number, fault: { errorRate?: number; latencyMs?: number; region?: string }): void {
    this.degraded.push({ version, ...fault });
  }

  /**
   * `count` CloudWatch alarm state changes to ALARM within `windowMs`, alternating between the first two serving
   * regions, for the template's own alarms of the model: what a flapping alarm set sends EventBridge.
   */
  async alarmStorm(count: number, windowMs: number): Promise<void> {
    const alarms = this.assembly.resources('AWS::CloudWatch::Alarm');
    const regions = this.assembly.servingRegions.slice(0, 2);
    const start = this.clock.now();
    for (let index = 0; index < count; index++) {
      const region = regions[index % regions.length];
      const regional = alarms.filter((alarm) => alarm.stack.region === region);
      const alarm = regional[index % regional.length];
      const alarmName = String(alarm.properties.AlarmName);
      await this.clock.advanceTo(start + Math.floor((index * windowMs) / count));
      const time = this.clock.iso();
      this.events.injectEvent(region, {
        version: '0',
        id: randomUUID(),
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        account: this.assembly.account,
        time: time.replace(/\.\d{3}Z$/, 'Z'),
        region,
        resources: [`arn:aws:cloudwatch:${region}:${this.assembly.account}:alarm:${alarmName}`],
        detail: {
          alarmName,
          state: { value: 'ALARM', reason: 'Threshold Crossed (alarm storm)', timestamp: time },
          previousState: { value: 'OK', reason: 'Threshold not crossed', timestamp: time },
          configuration: { description: String(alarm.properties.AlarmDescription ?? '') },
        },
      });
    }
    await this.settle();
  }

  /** The endpoints of one region. */
  endpoints(region: string): LocalEndpoints {
    return this.regional(region).endpoints;
  }

  /** Sends inference traffic to an endpoint, as a client of InvokeEndpoint would. */
  async invokeEndpoint(region: string, endpointName: string, body: string, contentType = 'text/csv') {
    return this.timed('inference traffic', () => this.endpoints(region).invoke(endpointName, body, contentType));
  }

  /** Wall time by phase: start-up, and the busy time of handlers, training, transform and traffic during the run. */
  phaseTimes(): PhaseTimes {
    return { ...this.phases, 'lambda handlers': this.lambda.busyMs };
  }

  private async timed<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } finally {
      this.phases[phase] = (this.phases[phase] ?? 0) + Date.now() - started;
    }
  }

  executions(): ExecutionRecord[] {
    return this.stepFunctions.executions();
  }

  async stop(): Promise<void> {
    this.restoreClients();
    this.cloudwatch.close();
    for (const { endpoints } of this.sagemakers.values()) await endpoints.close().catch(() => undefined);
    await Promise.allSettled([this.s3.close(), this.dynamo.stop()]);
    this.assembly.dispose();
    rmSync(this.workDir, { recursive: true, force: true });
  }

  // ---- provisioning from the template ----

  private async provision(): Promise<void> {
    const started = Date.now();
    this.dynamoClient = this.dynamo.client;
    for (const bucket of this.assembly.resources('AWS::S3::Bucket')) {
      await this.s3.createBucket(String(bucket.properties.BucketName ?? bucketName(bucket)));
    }
    for (const table of this.assembly.resources('AWS::DynamoDB::GlobalTable')) await this.createTable(table);
    for (const fn of this.assembly.resources('AWS::Lambda::Function')) this.defineFunction(fn);
    this.streamMappings = this.streamMappingsOf();
    for (const machine of this.assembly.resources('AWS::StepFunctions::StateMachine')) {
      const name = String(machine.properties.StateMachineName);
      const region = machine.stack.region;
      this.stepFunctions.register({
        arn: `arn:aws:states:${region}:${this.assembly.account}:stateMachine:${name}`,
        name,
        region,
        definition: JSON.parse(String(machine.properties.DefinitionString)) as StateMachineDefinition,
      });
    }
    for (const rule of this.assembly.resources('AWS::Events::Rule')) {
      if (rule.properties.State === 'DISABLED' || rule.properties.EventPattern === undefined) continue;
      this.events.putRule({
        region: rule.stack.region,
        name: rule.logicalId,
        eventPattern: rule.properties.EventPattern,
        targets: (rule.properties.Targets as Array<Record<string, unknown>>).map((target) => ({
          id: String(target.Id),
          arn: String(target.Arn),
          input: target.Input as string | undefined,
        })),
      });
    }
    for (const alarm of this.assembly.resources('AWS::CloudWatch::Alarm')) {
      await this.cloudwatch.defineAlarm(alarm.stack.region, alarm.properties as never, physicalName(alarm));
    }
    for (const alarm of this.assembly.resources('AWS::CloudWatch::CompositeAlarm')) {
      await this.cloudwatch.defineCompositeAlarm(alarm.stack.region, alarm.properties as never, physicalName(alarm));
    }
    for (const schedule of this.assembly.resources('AWS::Scheduler::Schedule')) this.schedule(schedule);
    // SageMaker buffers captured requests and writes a file every few minutes.
    this.clock.every(CAPTURE_FLUSH_MS, async () => {
      for (const { endpoints } of this.sagemakers.values()) await endpoints.flushCapture();
    });
    for (const group of this.assembly.resources('AWS::SageMaker::ModelPackageGroup')) {
      await this.sagemakerApi(group.stack.region).call('CreateModelPackageGroup', {
        ModelPackageGroupName: group.properties.ModelPackageGroupName,
        ModelPackageGroupDescription: group.properties.ModelPackageGroupDescription,
      });
    }
    this.restoreClients = overrideAwsClients({
      SFN: (region) => commandSender('Step Functions', this.stepFunctions.client(region)),
      EventBridge: (region) => commandSender('EventBridge', this.events.client(region)),
      CloudWatch: (region) => commandSender('CloudWatch', this.cloudwatch.client(region)),
      SageMaker: (region) => ({
        send: async (command: unknown) => {
          const { action, input } = (await import('../emulators/service')).commandParts(command);
          return this.sagemakerApi(region).call(action, JSON.parse(JSON.stringify(input ?? {})) as never);
        },
      }),
    });
    this.phases.provisioning = Date.now() - started;
  }

  private async createTable(table: ResolvedResource): Promise<void> {
    const p = table.properties as Record<string, never>;
    await this.dynamoClient.send(
      new CreateTableCommand({
        TableName: p.TableName ?? bucketName(table),
        KeySchema: p.KeySchema,
        AttributeDefinitions: p.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
        LocalSecondaryIndexes: p.LocalSecondaryIndexes,
      }),
    );
  }

  private defineFunction(fn: ResolvedResource): void {
    const assetPath = fn.metadata['aws:asset:path'];
    if (typeof assetPath !== 'string') throw new Error(`${fn.logicalId} has no staged asset to run.`);
    const name = String(fn.properties.FunctionName ?? `${fn.stack.stackName}-${fn.logicalId}`.slice(0, 64));
    const environment = ((fn.properties.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {}) as Record<string, unknown>;
    this.lambda.define({
      name,
      region: fn.stack.region,
      arn: `arn:aws:lambda:${fn.stack.region}:${this.assembly.account}:function:${name}`,
      codeDirectory: join(fn.stack.assemblyDirectory, assetPath),
      handler: String(fn.properties.Handler),
      environment: Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value)])),
      timeoutSeconds: Number(fn.properties.Timeout ?? 3),
      memoryMb: Number(fn.properties.MemorySize ?? 128),
    });
  }

  private schedule(schedule: ResolvedResource): void {
    const properties = schedule.properties as {
      ScheduleExpression: string;
      State?: string;
      Target: { Arn: string; Input?: string };
    };
    if (properties.State === 'DISABLED') return;
    const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(properties.ScheduleExpression);
    if (!rate) throw new Error(`The local runtime runs rate() schedules only, not ${properties.ScheduleExpression}.`);
    const unit = rate[2].startsWith('minute') ? 60_000 : rate[2].startsWith('hour') ? 3_600_000 : 86_400_000;
    const region = schedule.stack.region;
    this.clock.every(Number(rate[1]) * unit, async () => {
      // EventBridge Scheduler's context attributes, as it fills them in at each invocation.
      const text = (properties.Target.Input ?? '{}')
        .replaceAll('<aws.scheduler.scheduled-time>', this.clock.iso().replace(/\.\d{3}Z$/, 'Z'))
        .replaceAll('<aws.scheduler.execution-id>', randomUUID())
        .replaceAll('<aws.scheduler.attempt-number>', '1')
        .replaceAll(
          '<aws.scheduler.schedule-arn>',
          `arn:aws:scheduler:${region}:${this.assembly.account}:schedule/default/${schedule.logicalId}`,
        );
      const input = JSON.parse(text) as unknown;
      await this.deliver(properties.Target.Arn, input, region);
    });
  }

  // ---- wiring between emulators ----

  /** Delivers an event (or a schedule's input) to a rule or schedule target by the target's ARN. */
  private async deliver(arn: string, payload: unknown, region?: string): Promise<void> {
    const { service, region: targetRegion } = parseArn(arn);
    if (service === 'lambda') {
      try {
        await this.lambda.invoke(arn, payload);
      } catch (error) {
        this.log(`  ! ${arn.split(':').at(-1)} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return;
    }
    if (service === 'states') {
      this.stepFunctions.start(targetRegion || region || this.assembly.primaryRegion, arn, JSON.stringify(payload));
      return;
    }
    throw new ServiceError('ValidationException', `The local runtime does not deliver to ${service} targets (${arn}).`);
  }

  private objectCreated(created: ObjectCreated): void {
    const bucket = this.assembly
      .resources('AWS::S3::Bucket')
      .find((resource) => resource.properties.BucketName === created.bucket);
    if (!bucket) return;
    const notifications = bucket.properties.NotificationConfiguration as
      { EventBridgeConfiguration?: { EventBridgeEnabled?: boolean } } | undefined;
    const work = (async () => {
      await this.replicate(bucket, created);
      if (!notifications?.EventBridgeConfiguration?.EventBridgeEnabled) return;
      this.events.injectEvent(bucket.stack.region, {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Object Created',
        source: 'aws.s3',
        account: this.assembly.account,
        time: this.clock.iso().replace(/\.\d{3}Z$/, 'Z'),
        region: bucket.stack.region,
        resources: [`arn:aws:s3:::${created.bucket}`],
        detail: {
          version: '0',
          bucket: { name: created.bucket },
          object: { key: created.key, size: created.size, etag: created.etag.replaceAll('"', ''), sequencer: seq() },
          'request-id': randomUUID(),
          requester: this.assembly.account,
          'source-ip-address': '127.0.0.1',
          reason: created.reason,
        },
      });
    })();
    this.pendingNotifications.add(work);
    void work.finally(() => this.pendingNotifications.delete(work));
  }

  /** S3 replication: objects matching a rule's prefix are copied to its destination bucket. */
  private async replicate(bucket: ResolvedResource, created: ObjectCreated): Promise<void> {
    const replication = bucket.properties.ReplicationConfiguration as
      | {
          Rules: Array<{
            Status?: string;
            Prefix?: string;
            Filter?: { Prefix?: string };
            Destination: { Bucket: string };
          }>;
        }
      | undefined;
    for (const rule of replication?.Rules ?? []) {
      const prefix = rule.Filter?.Prefix ?? rule.Prefix ?? '';
      if (rule.Status === 'Disabled' || !created.key.startsWith(prefix)) continue;
      const destination = rule.Destination.Bucket.replace(/^arn:aws:s3:::/, '');
      await this.s3.write(destination, created.key, await this.s3.read(created.bucket, created.key));
    }
  }

  /** DynamoDB Streams → Lambda event source mappings: new items are delivered as INSERT records, in key order. */
  private async pumpStreams(): Promise<void> {
    for (const mapping of this.streamMappings) {
      const { table, keyNames } = mapping;
      const fresh: Array<Record<string, AttributeValue>> = [];
      let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await this.dynamoClient.send(
          new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey }),
        );
        for (const item of page.Items ?? []) {
          if (!this.streamed.has(`${table}/${keyOf(item, keyNames)}`)) fresh.push(item);
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      if (fresh.length === 0) continue;
      fresh.sort((a, b) => keyOf(a, keyNames).localeCompare(keyOf(b, keyNames), 'en', { numeric: true }));
      for (const item of fresh) this.streamed.add(`${table}/${keyOf(item, keyNames)}`);
      for (let start = 0; start < fresh.length; start += mapping.batchSize) {
        const Records = fresh.slice(start, start + mapping.batchSize).map((item) => ({
          eventID: randomUUID(),
          eventName: 'INSERT',
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: mapping.region,
          dynamodb: {
            Keys: keysOf(item, keyNames),
            NewImage: item,
            SequenceNumber: seq(),
            StreamViewType: 'NEW_IMAGE',
          },
          eventSourceARN: mapping.source,
        }));
        try {
          await this.lambda.invoke(mapping.functionName, { Records });
        } catch (error) {
          this.log(`  ! stream delivery failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }

  /** The template's DynamoDB stream → Lambda event source mappings, with each table's key attributes. */
  private streamMappingsOf(): StreamMapping[] {
    const tables = this.assembly.resources('AWS::DynamoDB::GlobalTable');
    return this.assembly.resources('AWS::Lambda::EventSourceMapping').flatMap((mapping) => {
      const source = String(mapping.properties.EventSourceArn);
      const table = /:table\/([^/]+)\/stream\//.exec(source)?.[1];
      if (table === undefined) return [];
      const schema = (tables.find((resource) => resource.properties.TableName === table)?.properties.KeySchema ??
        []) as Array<{ AttributeName: string; KeyType: string }>;
      const keyNames = [
        ...schema.filter((key) => key.KeyType === 'HASH'),
        ...schema.filter((key) => key.KeyType !== 'HASH'),
      ].map((key) => key.AttributeName);
      return [
        {
          source,
          table,
          keyNames,
          functionName: String(mapping.properties.FunctionName),
          batchSize: Number(mapping.properties.BatchSize ?? 100),
          region: parseArn(source).region,
        },
      ];
    });
  }

  private regional(region: string): RegionalSageMaker {
    let found = this.sagemakers.get(region);
    if (found === undefined) {
      const store = {
        read: (bucket: string, key: string) => this.s3.read(bucket, key),
        write: (bucket: string, key: string, body: string | Buffer) => this.s3.write(bucket, key, body),
        keys: (bucket: string, prefix: string) => this.s3.keys(bucket, prefix),
      };
      const jobs = new LocalSageMakerJobs({
        account: this.assembly.account,
        region,
        clock: this.clock,
        s3: store,
        workDir: join(this.workDir, region),
      });
      const endpoints = new LocalEndpoints({
        account: this.assembly.account,
        region,
        clock: this.clock,
        models: (name: string) => this.modelContainers.get(`${region}/${name}`),
        loadModel: (url: string) => this.predictor(url),
        s3: store,
        alarmState: (name: string) => this.cloudwatch.alarmState(region, name),
        publishMetric: (
          namespace: string,
          metricName: string,
          dimensions: Array<{ Name: string; Value: string }>,
          value: number,
          unit?: string,
        ) => this.cloudwatch.record(region, namespace, metricName, dimensions, value, undefined, unit),
      });
      found = { jobs, endpoints };
      this.sagemakers.set(region, found);
    }
    return found;
  }

  private predictor(modelDataUrl: string): Promise<Predictor> {
    let loading = this.predictors.get(modelDataUrl);
    if (loading === undefined) {
      const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(modelDataUrl);
      if (!match) throw new ServiceError('ValidationException', `Not an S3 URI: ${modelDataUrl}`);
      loading = this.s3.read(match[1], match[2]).then((body) => loadPredictor(body));
      this.predictors.set(modelDataUrl, loading);
    }
    return loading;
  }

  sagemakerApi(region: string): SageMakerApi {
    const { jobs, endpoints } = this.regional(region);
    return {
      call: async (action, input) => {
        const target = (ENDPOINT_ACTIONS.has(action) ? endpoints : jobs) as unknown as Record<string, unknown>;
        const method = target[action];
        if (typeof method !== 'function') {
          throw new ServiceError('UnknownOperationException', `The local SageMaker does not implement ${action}.`);
        }
        const result = (await (method as (input: unknown) => unknown).call(target, input)) ?? {};
        if (action === 'CreateModel') {
          const container = input.PrimaryContainer as { Image?: string; ModelDataUrl?: string } | undefined;
          this.modelContainers.set(`${region}/${String(input.ModelName)}`, {
            image: String(container?.Image ?? ''),
            modelDataUrl: String(container?.ModelDataUrl ?? ''),
          });
          this.applyFaults(region, String(input.ModelName));
        }
        return result;
      },
      runToCompletion: (kind, input) =>
        this.timed(kind === 'TrainingJob' ? 'training jobs' : 'transform jobs', async () =>
          kind === 'TrainingJob'
            ? await jobs.runTrainingJobToCompletion(input as never)
            : await jobs.runTransformJobToCompletion(input as never),
        ) as unknown as Promise<Record<string, unknown>>,
    };
  }

  private applyFaults(region: string, modelName: string): void {
    const version = /-v(\d+)-/.exec(modelName)?.[1];
    for (const fault of this.degraded) {
      if (String(fault.version) !== version || (fault.region !== undefined && fault.region !== region)) continue;
      this.log(`  ! ${region}: ${modelName} is degraded (injected fault)`);
      this.endpoints(region).injectFault(modelName, { errorRate: fault.errorRate, latencyMs: fault.latencyMs });
    }
  }

  private progress(event: StateEvent): void {
    const where = `${event.execution.region} ${event.execution.stateMachineName.replace(/^warden-[a-z0-9-]+?-(training|deploy|remediate)$/, '$1')}`;
    if (event.type === 'ExecutionStarted') this.log(`▶ ${where} ${event.execution.name}`);
    else if (event.type === 'StateEntered') this.log(`  ${where} → ${event.state}`);
    else if (event.type === 'ExecutionSucceeded') this.log(`✔ ${where} ${event.execution.name} SUCCEEDED`);
    else if (event.type === 'ExecutionFailed') {
      this.log(`✖ ${where} ${event.execution.name} FAILED ${event.execution.error ?? ''}`);
    }
  }
}

function physicalName(resource: ResolvedResource): string {
  return `${resource.stack.stackName}-${resource.logicalId}`.slice(0, 255);
}

function bucketName(resource: ResolvedResource): string {
  return `${resource.stack.stackName}-${resource.logicalId}`.toLowerCase().slice(0, 63);
}

let sequence = 0;
function seq(): string {
  return String(++sequence).padStart(20, '0');
}

/** The item's primary key, by the table's key schema (hash key first). */
function keysOf(item: Record<string, AttributeValue>, keyNames: readonly string[]): Record<string, AttributeValue> {
  return Object.fromEntries(keyNames.filter((name) => item[name] !== undefined).map((name) => [name, item[name]]));
}

function keyOf(item: Record<string, AttributeValue>, keyNames: readonly string[]): string {
  return Object.values(keysOf(item, keyNames))
    .map((value) => value.S ?? value.N ?? '')
    .join('#');
}
