/**
 * SageMaker real-time endpoints of one region, offline: the control-plane actions the deploy state machine calls
 * (endpoint configs, CreateEndpoint, UpdateEndpoint with deployment guardrails, DescribeEndpoint, …) with SageMaker's
 * inputs, outputs and error codes, and the runtime side (InvokeEndpoint) served by local model servers, with
 * production variant weights, blue/green traffic shifting, CloudWatch invocation metrics and data capture to S3.
 *
 * Everything runs on the virtual clock: a create or update returns at once; the fleet is provisioned after
 * `provisioningSeconds`, traffic then shifts step by step with bakes, and the auto-rollback alarms are checked every
 * `alarmCheckSeconds` until the last bake ends. An alarm in ALARM returns all traffic to the blue fleet: the endpoint
 * is InService again on its old EndpointConfigName with a FailureReason, as SageMaker leaves it.
 *
 * Faults are injected per model name or per instance type ({@link LocalEndpoints.injectFault}): container errors and
 * latency, no capacity (provisioning fails for insufficient capacity) and service quotas (ResourceLimitExceeded).
 */
import type {
  CreateEndpointConfigInput,
  CreateEndpointConfigOutput,
  CreateEndpointInput,
  CreateEndpointOutput,
  DeleteEndpointConfigInput,
  DeleteEndpointInput,
  DeploymentConfig,
  DescribeEndpointConfigInput,
  DescribeEndpointConfigOutput,
  DescribeEndpointInput,
  DescribeEndpointOutput,
  EndpointStatus,
  EndpointSummary,
  ListEndpointsInput,
  ListEndpointsOutput,
  PendingProductionVariantSummary,
  ProductionVariantSummary,
  UpdateEndpointInput,
  UpdateEndpointOutput,
  VariantStatus,
} from '@aws-sdk/client-sagemaker';
import type { Cancel, VirtualClock } from '../../runtime/clock';
import { ServiceError } from '../service';
import { CaptureWriter } from './endpoint-capture';
import {
  captureSummary,
  checkedEndpointConfig,
  checkName,
  deployedImage,
  fleetOf,
  runsMarketplaceContainer,
  type EndpointModel,
  type Fleet,
  type FleetVariant,
  type StoredEndpointConfig,
} from './endpoint-config';
import { deploymentPlan, isInf1, type DeploymentPlan, type ShiftStep } from './endpoint-deployment';
import { EvenSpread, WeightedRoundRobin, type WeightedChoice } from './endpoint-routing';
import type { Predictor } from './model-artifact';
import { startModelServer, type InjectedFault, type ModelServer } from './model-server';

export type { EndpointModel } from './endpoint-config';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface MetricDimension {
  readonly Name: string;
  readonly Value: string;
}

export interface LocalEndpointsOptions {
  readonly account: string;
  readonly region: string;
  readonly clock: VirtualClock;
  /** The model CreateModel registered under a name, or undefined when there is none. */
  readonly models: (modelName: string) => EndpointModel | undefined;
  /** Reads a `model.tar.gz` (by its S3 URI) into the predictor a model server serves. */
  readonly loadModel: (modelDataUrl: string) => Promise<Predictor>;
  /** Where capture files go. */
  readonly s3: { write(bucket: string, key: string, body: string): Promise<void> };
  /** The current state of a CloudWatch alarm, for auto-rollback. */
  readonly alarmState: (alarmName: string) => AlarmState;
  readonly publishMetric: (
    namespace: string,
    metricName: string,
    dimensions: MetricDimension[],
    value: number,
    unit?: string,
  ) => void;
  /** Virtual time from CreateEndpoint/UpdateEndpoint until the (green) fleet is provisioned. @default 240 */
  readonly provisioningSeconds?: number;
  /** How often the auto-rollback alarms are checked while traffic shifts and bakes. @default 60 */
  readonly alarmCheckSeconds?: number;
}

/** A fault injected for a model (all variants serving it) or an instance type (`ml.…`). */
export interface EndpointFault {
  /** Share of invocations (0–1) the container answers with a 500, spread evenly over the requests. */
  readonly errorRate?: number;
  /** Model latency added to every invocation, in milliseconds (simulated, never slept). */
  readonly latencyMs?: number;
  /**
   * Instances SageMaker can provision for the target right now: a variant that needs more cannot be provisioned
   * (insufficient capacity: a create ends Failed, an update rolls back). `0` means none at all.
   */
  readonly capacity?: number;
  /**
   * The account-level service limit on instances of the target instance type for endpoint usage: a CreateEndpoint or
   * UpdateEndpoint that would exceed it is refused with `ResourceLimitExceeded`.
   */
  readonly quota?: number;
}

export interface InvokeOptions {
  /** InvokeEndpoint's `TargetVariant`: send the request to this production variant. */
  readonly targetVariant?: string;
  /** InvokeEndpoint's `InferenceId`, recorded in data capture. */
  readonly inferenceId?: string;
}

/** What InvokeEndpoint answered, and where the request went. */
export interface Invocation {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  /** The production variant that served the request (`InvokedProductionVariant`). */
  readonly variant: string;
  readonly modelName: string;
  readonly endpointConfigName: string;
  /** The Warden model version, read from a model name `<model>-v<version>-<id>`. */
  readonly modelVersion?: number;
}

export interface EndpointSummaryEntry {
  readonly name: string;
  readonly status: EndpointStatus;
  readonly configName: string;
  readonly pendingConfigName?: string;
  readonly failureReason?: string;
  /** Variants serving traffic now (blue, then green during an update), `weight` their share of requests (0–1). */
  readonly variants: readonly {
    readonly variantName: string;
    readonly modelName: string;
    readonly configName: string;
    readonly weight: number;
  }[];
}

interface Route {
  readonly fleet: Fleet;
  readonly variant: FleetVariant;
  readonly server: ModelServer;
}

/** A create (no blue fleet) or an update in progress. */
interface Change {
  readonly fleet: Fleet;
  readonly plan: DeploymentPlan;
  readonly startTime: number;
  readonly provisioned: Promise<string | undefined>;
  readonly timers: Cancel[];
  /** Index of the traffic step in effect; -1 while the fleet is provisioned. */
  step: number;
  variantStatus: VariantStatus;
  statusSince: number;
}

interface Endpoint {
  readonly name: string;
  readonly arn: string;
  readonly creationTime: number;
  lastModifiedTime: number;
  status: EndpointStatus;
  failureReason?: string;
  /** The EndpointConfigName DescribeEndpoint reports: the config in service, or the one being created. */
  configName: string;
  /** The fleet serving traffic (blue during an update). */
  live?: Fleet;
  change?: Change;
  deploymentConfig?: DeploymentConfig;
  readonly router: WeightedRoundRobin<Route>;
}

const NAMESPACE = 'AWS/SageMaker';
/** InvokeEndpoint waits this long for the container. */
const INVOCATION_TIMEOUT_MS = 60_000;
/** Modelled time SageMaker spends outside the container per request (OverheadLatency). */
const OVERHEAD_LATENCY_MS = 1.5;
const INSUFFICIENT_CAPACITY =
  'Unable to provision requested ML compute capacity due to InsufficientInstanceCapacity error. Please retry using a different ML instance type or after some time.';

export class LocalEndpoints {
  private readonly configs = new Map<string, StoredEndpointConfig>();
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly faults = new Map<string, EndpointFault>();
  private readonly servers = new Set<ModelServer>();
  private readonly provisioning = new Set<Promise<unknown>>();
  private readonly capture: CaptureWriter;
  private readonly provisioningMs: number;
  private readonly alarmCheckMs: number;

  constructor(private readonly options: LocalEndpointsOptions) {
    this.capture = new CaptureWriter(options.clock, (bucket, key, body) => options.s3.write(bucket, key, body));
    this.provisioningMs = (options.provisioningSeconds ?? 240) * 1000;
    this.alarmCheckMs = (options.alarmCheckSeconds ?? 60) * 1000;
  }

  // ---- Endpoint configs ----

  async CreateEndpointConfig(input: CreateEndpointConfigInput): Promise<CreateEndpointConfigOutput> {
    const request = checkedEndpointConfig(
      input,
      (name) => this.options.models(name) !== undefined,
      (name) => this.arn('model', name),
    );
    const name = request.EndpointConfigName;
    const arn = this.arn('endpoint-config', name);
    if (this.configs.has(key(name))) {
      throw invalid(`Cannot create already existing endpoint configuration "${arn}".`);
    }
    this.configs.set(key(name), {
      name,
      arn,
      creationTime: this.options.clock.now(),
      request: structuredClone(request),
    });
    return { EndpointConfigArn: arn };
  }

  async DescribeEndpointConfig(input: DescribeEndpointConfigInput): Promise<DescribeEndpointConfigOutput> {
    const config = this.config(input.EndpointConfigName);
    const request = structuredClone(config.request);
    delete request.Tags;
    return { ...request, EndpointConfigArn: config.arn, CreationTime: new Date(config.creationTime) };
  }

  async DeleteEndpointConfig(input: DeleteEndpointConfigInput): Promise<object> {
    // SageMaker lets a config in use be deleted: the endpoint keeps serving it.
    this.configs.delete(key(this.config(input.EndpointConfigName).name));
    return {};
  }

  // ---- Endpoints ----

  async CreateEndpoint(input: CreateEndpointInput): Promise<CreateEndpointOutput> {
    checkName('endpointName', input.EndpointName);
    const name = input.EndpointName;
    const arn = this.arn('endpoint', name);
    if (this.endpoints.has(key(name))) throw invalid(`Cannot create already existing endpoint "${arn}".`);
    const config = this.config(input.EndpointConfigName);
    const now = this.options.clock.now();
    const fleet = fleetOf(config, (model) => this.model(model), now);
    if (input.DeploymentConfig !== undefined) {
      deploymentPlan({ deploymentConfig: input.DeploymentConfig, blue: [], green: [], excluded: true });
    }
    this.checkQuota(fleet);
    const endpoint: Endpoint = {
      name,
      arn,
      creationTime: now,
      lastModifiedTime: now,
      status: 'Creating',
      configName: config.name,
      router: new WeightedRoundRobin(),
      ...(input.DeploymentConfig === undefined ? {} : { deploymentConfig: structuredClone(input.DeploymentConfig) }),
    };
    this.endpoints.set(key(name), endpoint);
    const change = this.startChange(fleet, { steps: [], alarms: [], guardrails: false });
    endpoint.change = change;
    change.timers.push(this.options.clock.after(this.provisioningMs, () => this.finishCreate(endpoint, change)));
    return { EndpointArn: arn };
  }

  async UpdateEndpoint(input: UpdateEndpointInput): Promise<UpdateEndpointOutput> {
    const endpoint = this.endpoint(input.EndpointName);
    if (endpoint.change !== undefined) throw invalid(`Cannot update in-progress endpoint "${endpoint.arn}".`);
    if (endpoint.live === undefined) {
      throw invalid(
        `Cannot update endpoint "${endpoint.arn}" in status ${endpoint.status}: DeleteEndpoint is the only operation on a failed endpoint.`,
      );
    }
    const config = this.config(input.EndpointConfigName);
    if (config.name === endpoint.live.configName) {
      throw invalid(
        `Endpoint "${endpoint.arn}" is already using endpoint configuration "${config.name}"; updating an endpoint needs a new endpoint configuration.`,
      );
    }
    const deploymentConfig =
      input.DeploymentConfig ?? (input.RetainDeploymentConfig === true ? endpoint.deploymentConfig : undefined);
    const now = this.options.clock.now();
    const green = fleetOf(
      config,
      (model) => this.model(model),
      now,
      input.RetainAllVariantProperties === true
        ? { from: endpoint.live, exclude: input.ExcludeRetainedVariantProperties ?? [] }
        : undefined,
    );
    const blue = endpoint.live;
    const plan = deploymentPlan({
      deploymentConfig,
      blue: blue.variants,
      green: green.variants,
      excluded: [...blue.variants, ...green.variants].some(
        (variant) => isInf1(variant.instanceType) || runsMarketplaceContainer(variant),
      ),
    });
    this.checkQuota(green);
    endpoint.status = 'Updating';
    endpoint.failureReason = undefined;
    endpoint.lastModifiedTime = now;
    if (deploymentConfig !== undefined) endpoint.deploymentConfig = structuredClone(deploymentConfig);
    const change = this.startChange(green, plan);
    endpoint.change = change;
    const clock = this.options.clock;
    change.timers.push(clock.after(this.provisioningMs, () => this.provisioned(endpoint, change)));
    if (plan.timeoutMs !== undefined) {
      const reason = `The deployment did not complete within MaximumExecutionTimeoutInSeconds (${plan.timeoutMs / 1000} seconds) and was rolled back.`;
      change.timers.push(clock.after(plan.timeoutMs, () => this.rollBack(endpoint, change, reason)));
    }
    return { EndpointArn: endpoint.arn };
  }

  async DescribeEndpoint(input: DescribeEndpointInput): Promise<DescribeEndpointOutput> {
    const endpoint = this.endpoint(input.EndpointName);
    const change = endpoint.change;
    const updating = change !== undefined && endpoint.live !== undefined;
    const step = updating && change.step >= 0 ? change.plan.steps[change.step] : undefined;
    const live = endpoint.live;
    const captured = live ?? change?.fleet;
    const capture = captured === undefined ? undefined : captureSummary(captured);
    return {
      EndpointName: endpoint.name,
      EndpointArn: endpoint.arn,
      EndpointConfigName: endpoint.configName,
      ...(live === undefined
        ? {}
        : { ProductionVariants: live.variants.map((variant) => this.blueSummary(live, variant, step)) }),
      ...(capture === undefined ? {} : { DataCaptureConfig: capture }),
      EndpointStatus: endpoint.status,
      ...(endpoint.failureReason === undefined ? {} : { FailureReason: endpoint.failureReason }),
      CreationTime: new Date(endpoint.creationTime),
      LastModifiedTime: new Date(endpoint.lastModifiedTime),
      ...(endpoint.deploymentConfig === undefined
        ? {}
        : { LastDeploymentConfig: structuredClone(endpoint.deploymentConfig) }),
      ...(updating
        ? {
            PendingDeploymentSummary: {
              EndpointConfigName: change.fleet.configName,
              StartTime: new Date(change.startTime),
              ProductionVariants: change.fleet.variants.map((variant) => this.greenSummary(change, variant, step)),
            },
          }
        : {}),
    };
  }

  async DeleteEndpoint(input: DeleteEndpointInput): Promise<object> {
    const endpoint = this.endpoint(input.EndpointName);
    if (endpoint.change !== undefined) throw invalid(`Cannot update in-progress endpoint "${endpoint.arn}".`);
    this.endpoints.delete(key(endpoint.name));
    await this.capture.flush(endpoint.name);
    if (endpoint.live !== undefined) await this.retire(endpoint.live);
    return {};
  }

  async ListEndpoints(input: ListEndpointsInput = {}): Promise<ListEndpointsOutput> {
    const time = (value: Date | string | undefined) => (value === undefined ? undefined : new Date(value).getTime());
    const [createdBefore, createdAfter] = [time(input.CreationTimeBefore), time(input.CreationTimeAfter)];
    const [modifiedBefore, modifiedAfter] = [time(input.LastModifiedTimeBefore), time(input.LastModifiedTimeAfter)];
    const matching = [...this.endpoints.values()].filter(
      (endpoint) =>
        (input.NameContains === undefined || endpoint.name.includes(input.NameContains)) &&
        (input.StatusEquals === undefined || endpoint.status === input.StatusEquals) &&
        (createdBefore === undefined || endpoint.creationTime < createdBefore) &&
        (createdAfter === undefined || endpoint.creationTime > createdAfter) &&
        (modifiedBefore === undefined || endpoint.lastModifiedTime < modifiedBefore) &&
        (modifiedAfter === undefined || endpoint.lastModifiedTime > modifiedAfter),
    );
    const sortKey = input.SortBy ?? 'CreationTime';
    const direction = (input.SortOrder ?? 'Descending') === 'Ascending' ? 1 : -1;
    matching.sort((a, b) => {
      const order =
        sortKey === 'Name'
          ? a.name.localeCompare(b.name)
          : sortKey === 'Status'
            ? a.status.localeCompare(b.status)
            : a.creationTime - b.creationTime;
      return direction * (order !== 0 ? order : a.name.localeCompare(b.name));
    });
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isInteger(start) || start < 0) throw invalid(`Invalid pagination token "${input.NextToken}".`);
    const page = matching.slice(start, start + (input.MaxResults ?? 10));
    const next = start + page.length;
    return {
      Endpoints: page.map((endpoint): EndpointSummary => ({
        EndpointName: endpoint.name,
        EndpointArn: endpoint.arn,
        CreationTime: new Date(endpoint.creationTime),
        LastModifiedTime: new Date(endpoint.lastModifiedTime),
        EndpointStatus: endpoint.status,
      })),
      ...(next < matching.length ? { NextToken: String(next) } : {}),
    };
  }

  // ---- Runtime ----

  /**
   * InvokeEndpoint: routes the request to a production variant by weight (and by the green share during a
   * deployment), runs it through that variant's model server, publishes the invocation metrics and captures it.
   * Throws `ValidationError` when the endpoint does not exist or is not serving, `ModelError` when the container
   * answers 4xx/5xx or does not answer within 60 s.
   */
  async invoke(
    endpointName: string,
    body: string,
    contentType = 'text/csv',
    options: InvokeOptions = {},
  ): Promise<Invocation> {
    const endpoint = this.endpoints.get(key(endpointName));
    if (endpoint?.live === undefined) {
      throw new ServiceError(
        'ValidationError',
        `Endpoint ${endpointName} of account ${this.options.account} not found.`,
      );
    }
    const routes = this.routes(endpoint, endpoint.live).filter(
      (choice) => options.targetVariant === undefined || choice.value.variant.variantName === options.targetVariant,
    );
    const route = endpoint.router.pick(routes);
    if (route === undefined) {
      throw new ServiceError(
        'ValidationError',
        options.targetVariant === undefined
          ? `Endpoint ${endpoint.name} has no production variant with a positive weight.`
          : `Variant ${options.targetVariant} does not exist for endpoint ${endpoint.name} of account ${this.options.account}.`,
      );
    }
    const { fleet, variant, server } = route;
    const result = await server.invoke(body, contentType);
    const timedOut = result.latencyMs > INVOCATION_TIMEOUT_MS;
    this.publishInvocation(endpoint.name, variant.variantName, timedOut ? 500 : result.status, result.latencyMs);
    if (timedOut) {
      throw this.modelError(
        endpoint,
        0,
        `Your invocation timed out while waiting for a response from container primary. Review the latency metrics for each container in Amazon CloudWatch, resolve the issue, and try again.`,
      );
    }
    if (result.status >= 400) {
      const kind = result.status >= 500 ? 'server' : 'client';
      throw this.modelError(
        endpoint,
        result.status,
        `Received ${kind} error (${result.status}) from primary with message "${result.body}". See https://${this.options.region}.console.aws.amazon.com/cloudwatch/home?region=${this.options.region}#logEventViewer:group=/aws/sagemaker/Endpoints/${endpoint.name} in account ${this.options.account} for more information.`,
        result.body,
      );
    }
    const responseType = mediaType(contentType) === 'application/json' ? 'application/json' : 'text/csv';
    if (fleet.capture !== undefined) {
      this.capture.record(fleet.capture, {
        endpointName: endpoint.name,
        variantName: variant.variantName,
        inferenceTime: this.options.clock.now(),
        input: { contentType, body },
        output: { contentType: responseType, body: result.body },
        ...(options.inferenceId === undefined ? {} : { inferenceId: options.inferenceId }),
      });
    }
    const version = /-v(\d+)-[a-z0-9]+$/i.exec(variant.modelName);
    return {
      status: result.status,
      body: result.body,
      contentType: responseType,
      variant: variant.variantName,
      modelName: variant.modelName,
      endpointConfigName: fleet.configName,
      ...(version === null ? {} : { modelVersion: Number(version[1]) }),
    };
  }

  /**
   * Injects a fault for a model name or an instance type (`ml.…`; model names cannot contain dots), replacing any
   * fault injected for it before; an empty fault removes it. Errors and latency apply to invocations from now on;
   * capacity when a fleet is provisioned; quota when CreateEndpoint/UpdateEndpoint is called.
   */
  injectFault(target: string, fault: EndpointFault): void {
    if (Object.values(fault).every((value) => value === undefined)) this.faults.delete(target);
    else this.faults.set(target, { ...fault });
  }

  /** Writes the buffered data capture records now (SageMaker uploads them every few minutes; here per hour). */
  flushCapture(): Promise<void> {
    return this.capture.flush();
  }

  /** Every endpoint, for the runtime's summary. */
  endpointsSummary(): EndpointSummaryEntry[] {
    return [...this.endpoints.values()].map((endpoint) => {
      const routes = endpoint.live === undefined ? [] : this.routes(endpoint, endpoint.live);
      const total = routes.reduce((sum, route) => sum + route.weight, 0);
      const pending = endpoint.change !== undefined && endpoint.live !== undefined ? endpoint.change : undefined;
      return {
        name: endpoint.name,
        status: endpoint.status,
        configName: endpoint.configName,
        ...(pending === undefined ? {} : { pendingConfigName: pending.fleet.configName }),
        ...(endpoint.failureReason === undefined ? {} : { failureReason: endpoint.failureReason }),
        variants: routes
          .filter((route) => route.weight > 0)
          .map((route) => ({
            variantName: route.value.variant.variantName,
            modelName: route.value.variant.modelName,
            configName: route.value.fleet.configName,
            weight: route.weight / total,
          })),
      };
    });
  }

  /**
   * Stops everything: pending deployment and capture timers are dropped (buffered capture records are lost; call
   * {@link flushCapture} first to keep them) and every model server is closed.
   */
  async close(): Promise<void> {
    for (const endpoint of this.endpoints.values()) endpoint.change?.timers.forEach((cancel) => cancel());
    this.capture.close();
    await Promise.allSettled([...this.provisioning]);
    await Promise.all([...this.servers].map((server) => server.close()));
    this.servers.clear();
  }

  // ---- Deployments ----

  private startChange(fleet: Fleet, plan: DeploymentPlan): Change {
    const now = this.options.clock.now();
    const provisioned = this.provision(fleet);
    this.provisioning.add(provisioned);
    void provisioned.finally(() => this.provisioning.delete(provisioned));
    return {
      fleet,
      plan,
      startTime: now,
      provisioned,
      timers: [],
      step: -1,
      variantStatus: 'Creating',
      statusSince: now,
    };
  }

  /** Starts a model server per variant; resolves to the failure reason when one cannot start. */
  private async provision(fleet: Fleet): Promise<string | undefined> {
    for (const variant of fleet.variants) {
      try {
        const predictor = await this.options.loadModel(variant.model.modelDataUrl);
        const server = await startModelServer(predictor, { fault: this.faultHook(variant) });
        this.servers.add(server);
        variant.server = server;
      } catch {
        return `The primary container for production variant ${variant.variantName} did not pass the ping health check. Please check CloudWatch logs for this endpoint.`;
      }
    }
    return undefined;
  }

  private async finishCreate(endpoint: Endpoint, change: Change): Promise<void> {
    const unhealthy = await change.provisioned;
    const failure = this.capacityShortage(change.fleet) ?? unhealthy;
    if (endpoint.change !== change) return;
    endpoint.change = undefined;
    endpoint.lastModifiedTime = this.options.clock.now();
    if (failure === undefined) {
      endpoint.live = change.fleet;
      endpoint.status = 'InService';
      return;
    }
    endpoint.status = 'Failed';
    endpoint.failureReason = failure;
    await this.retire(change.fleet);
  }

  private async provisioned(endpoint: Endpoint, change: Change): Promise<void> {
    const unhealthy = await change.provisioned;
    const failure = this.capacityShortage(change.fleet) ?? unhealthy;
    if (endpoint.change !== change) return;
    if (failure !== undefined) return this.rollBack(endpoint, change, failure);
    if (change.plan.alarms.length > 0) {
      const watch = async () => {
        await this.watchAlarms(endpoint, change);
      };
      change.timers.push(this.options.clock.every(this.alarmCheckMs, watch));
    }
    return this.shift(endpoint, change, 0);
  }

  /** Puts step `index` of the plan in effect and bakes it. */
  private async shift(endpoint: Endpoint, change: Change, index: number): Promise<void> {
    change.step = index;
    change.variantStatus = 'Baking';
    change.statusSince = this.options.clock.now();
    const step = change.plan.steps[index];
    if (step.bakeMs === 0) return this.baked(endpoint, change, index);
    change.timers.push(this.options.clock.after(step.bakeMs, () => this.baked(endpoint, change, index)));
  }

  private async baked(endpoint: Endpoint, change: Change, index: number): Promise<void> {
    if (endpoint.change !== change || (await this.watchAlarms(endpoint, change))) return;
    if (index + 1 < change.plan.steps.length) return this.shift(endpoint, change, index + 1);
    return this.complete(endpoint, change);
  }

  /** Rolls back when an auto-rollback alarm is in ALARM; true when it did. */
  private async watchAlarms(endpoint: Endpoint, change: Change): Promise<boolean> {
    if (endpoint.change !== change || change.step < 0) return false;
    const tripped = change.plan.alarms.filter((name) => this.options.alarmState(name) === 'ALARM');
    if (tripped.length === 0) return false;
    const alarms = tripped.length === 1 ? `alarm ${tripped[0]}` : `alarms ${tripped.join(', ')}`;
    await this.rollBack(endpoint, change, `Deployment was rolled back because ${alarms} went into ALARM state.`);
    return true;
  }

  private async complete(endpoint: Endpoint, change: Change): Promise<void> {
    this.endChange(endpoint, change);
    const blue = endpoint.live;
    endpoint.live = change.fleet;
    endpoint.configName = change.fleet.configName;
    endpoint.status = 'InService';
    if (blue !== undefined) await this.retire(blue);
  }

  /** All traffic back to the blue fleet, which stays in service; the green fleet is terminated. */
  private async rollBack(endpoint: Endpoint, change: Change, reason: string): Promise<void> {
    if (endpoint.change !== change) return;
    this.endChange(endpoint, change);
    endpoint.status = 'InService';
    endpoint.failureReason = reason;
    await change.provisioned;
    await this.retire(change.fleet);
  }

  private endChange(endpoint: Endpoint, change: Change): void {
    change.timers.forEach((cancel) => cancel());
    endpoint.change = undefined;
    endpoint.lastModifiedTime = this.options.clock.now();
  }

  private async retire(fleet: Fleet): Promise<void> {
    for (const variant of fleet.variants) {
      const server = variant.server;
      if (server === undefined) continue;
      variant.server = undefined;
      this.servers.delete(server);
      await server.close();
    }
  }

  // ---- Routing ----

  /** The variants that can take a request now, weighted by their share of the endpoint's traffic. */
  private routes(endpoint: Endpoint, blue: Fleet): WeightedChoice<Route>[] {
    const change = endpoint.change;
    const step = change !== undefined && change.step >= 0 ? change.plan.steps[change.step] : undefined;
    const choices: WeightedChoice<Route>[] = [];
    const add = (fleet: Fleet, share: (variant: FleetVariant) => number) => {
      const total = fleet.variants.reduce((sum, variant) => sum + variant.weight, 0);
      for (const variant of fleet.variants) {
        const server = variant.server;
        if (server === undefined || total === 0) continue;
        choices.push({
          key: `${fleet.configName}\u0000${variant.variantName}`,
          weight: (variant.weight / total) * share(variant),
          value: { fleet, variant, server },
        });
      }
    };
    add(blue, (variant) => 1 - greenShare(step, variant.variantName));
    if (change !== undefined && step !== undefined) {
      add(change.fleet, (variant) => greenShare(step, variant.variantName));
    }
    return choices;
  }

  private blueSummary(fleet: Fleet, variant: FleetVariant, step: ShiftStep | undefined): ProductionVariantSummary {
    return {
      VariantName: variant.variantName,
      DeployedImages: [deployedImage(variant, fleet.createdAt)],
      CurrentWeight: variant.weight * (1 - greenShare(step, variant.variantName)),
      DesiredWeight: variant.weight,
      CurrentInstanceCount: variant.instanceCount,
      DesiredInstanceCount: variant.instanceCount,
    };
  }

  private greenSummary(
    change: Change,
    variant: FleetVariant,
    step: ShiftStep | undefined,
  ): PendingProductionVariantSummary {
    return {
      VariantName: variant.variantName,
      DeployedImages: [deployedImage(variant, change.fleet.createdAt)],
      CurrentWeight: variant.weight * greenShare(step, variant.variantName),
      DesiredWeight: variant.weight,
      CurrentInstanceCount: step?.activeInstances.get(variant.variantName) ?? 0,
      DesiredInstanceCount: variant.instanceCount,
      InstanceType: variant.instanceType as PendingProductionVariantSummary['InstanceType'],
      VariantStatus: [{ Status: change.variantStatus, StartTime: new Date(change.statusSince) }],
    };
  }

  // ---- Faults, capacity and quotas ----

  /** The model server's per-request fault hook for a variant: errors spread evenly at the injected rate. */
  private faultHook(variant: FleetVariant): () => InjectedFault | undefined {
    const errors = new EvenSpread();
    return () => {
      const faults = this.faultsOf(variant);
      if (faults.length === 0) return undefined;
      const errorRate = Math.max(0, ...faults.map((fault) => fault.errorRate ?? 0));
      const latencyMs = faults.reduce((sum, fault) => sum + (fault.latencyMs ?? 0), 0);
      const failing = errorRate > 0 && errors.next(errorRate);
      return { latencyMs, ...(failing ? { status: 500 } : {}) };
    };
  }

  private faultsOf(variant: FleetVariant): EndpointFault[] {
    return [this.faults.get(variant.modelName), this.faults.get(variant.instanceType)].filter(
      (fault): fault is EndpointFault => fault !== undefined,
    );
  }

  private capacityShortage(fleet: Fleet): string | undefined {
    const short = fleet.variants.some((variant) =>
      this.faultsOf(variant).some((fault) => fault.capacity !== undefined && fault.capacity < variant.instanceCount),
    );
    return short ? INSUFFICIENT_CAPACITY : undefined;
  }

  /** Refuses a fleet whose instances would take an instance type over its injected quota (blue and green both count). */
  private checkQuota(fleet: Fleet): void {
    for (const instanceType of new Set(fleet.variants.map((variant) => variant.instanceType))) {
      const quota = this.faults.get(instanceType)?.quota;
      if (quota === undefined) continue;
      const count = (fleets: readonly (Fleet | undefined)[]) =>
        fleets.reduce(
          (sum, other) =>
            sum +
            (other?.variants ?? [])
              .filter((variant) => variant.instanceType === instanceType)
              .reduce((instances, variant) => instances + variant.instanceCount, 0),
          0,
        );
      const utilization = count(
        [...this.endpoints.values()].flatMap((endpoint) => [endpoint.live, endpoint.change?.fleet]),
      );
      const delta = count([fleet]);
      if (utilization + delta > quota) {
        throw new ServiceError(
          'ResourceLimitExceeded',
          `The account-level service limit '${instanceType} for endpoint usage' is ${quota} Instances, with current utilization of ${utilization} Instances and a request delta of ${delta} Instances. Please use AWS Service Quotas to request an increase for this quota. If AWS Service Quotas is not available, contact AWS support to request an increase for this quota.`,
        );
      }
    }
  }

  // ---- Metrics ----

  private publishInvocation(endpointName: string, variantName: string, status: number, latencyMs: number): void {
    const dimensions = [
      { Name: 'EndpointName', Value: endpointName },
      { Name: 'VariantName', Value: variantName },
    ];
    const publish = (metricName: string, value: number, unit: string) =>
      this.options.publishMetric(NAMESPACE, metricName, dimensions, value, unit);
    publish('Invocations', 1, 'None');
    publish('Invocation4XXErrors', status >= 400 && status < 500 ? 1 : 0, 'None');
    publish('Invocation5XXErrors', status >= 500 ? 1 : 0, 'None');
    publish('ModelLatency', Math.round(latencyMs * 1000), 'Microseconds');
    publish('OverheadLatency', Math.round(OVERHEAD_LATENCY_MS * 1000), 'Microseconds');
  }

  // ---- Lookups ----

  private modelError(endpoint: Endpoint, status: number, message: string, original = message): ServiceError {
    const error = new ServiceError('ModelError', message);
    Object.assign(error, {
      OriginalStatusCode: status,
      OriginalMessage: original,
      LogStreamArn: `arn:aws:logs:${this.options.region}:${this.options.account}:log-group:/aws/sagemaker/Endpoints/${endpoint.name}`,
    });
    return error;
  }

  private arn(kind: 'endpoint' | 'endpoint-config' | 'model', name: string): string {
    return `arn:aws:sagemaker:${this.options.region}:${this.options.account}:${kind}/${name.toLowerCase()}`;
  }

  private config(name: string | undefined): StoredEndpointConfig {
    checkName('endpointConfigName', name);
    const config = this.configs.get(key(name));
    if (config === undefined) {
      throw invalid(`Could not find endpoint configuration "${this.arn('endpoint-config', name)}".`);
    }
    return config;
  }

  private endpoint(name: string | undefined): Endpoint {
    checkName('endpointName', name);
    const endpoint = this.endpoints.get(key(name));
    if (endpoint === undefined) throw invalid(`Could not find endpoint "${this.arn('endpoint', name)}".`);
    return endpoint;
  }

  private model(name: string): EndpointModel {
    const model = this.options.models(name);
    if (model === undefined) throw invalid(`Could not find model "${this.arn('model', name)}".`);
    return model;
  }
}

/** The green share of a variant's traffic in a step; a variant the step does not name follows the step's largest share. */
function greenShare(step: ShiftStep | undefined, variantName: string): number {
  if (step === undefined) return 0;
  return step.shares.get(variantName) ?? Math.max(0, ...step.shares.values());
}

/** SageMaker names are case-insensitive. */
function key(name: string): string {
  return name.toLowerCase();
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

function invalid(message: string): ServiceError {
  return new ServiceError('ValidationException', message);
}
