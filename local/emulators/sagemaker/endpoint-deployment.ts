/**
 * How an UpdateEndpoint shifts traffic from the blue fleet (the endpoint config in service) to the green fleet (the
 * new config), per SageMaker's deployment guardrails: the plan of steps — the green share of each variant's traffic,
 * the instances serving it and the bake that follows — and the rules SageMaker checks before it accepts the update.
 *
 * - No `BlueGreenUpdatePolicy`: blue/green all at once, no bake (SageMaker's default update).
 * - `ALL_AT_ONCE`: all traffic to green, then a bake of `WaitIntervalInSeconds` plus `TerminationWaitInSeconds`.
 * - `CANARY`: `CanarySize` of green takes its share of traffic, bake `WaitIntervalInSeconds`, then the rest, then
 *   `TerminationWaitInSeconds` before blue is terminated.
 * - `LINEAR`: steps of `LinearStepSize`, a bake of `WaitIntervalInSeconds` after each step but the last, then
 *   `TerminationWaitInSeconds`.
 * Alarms of `AutoRollbackConfiguration` are watched from the first shift to the end of the last bake.
 *
 * Guardrails need the new config to keep the variant names of the old one; a canary may be at most half of a
 * variant's instances, a linear step 10–50 %. Endpoints on Marketplace containers or Inf1 instances cannot use
 * guardrails: SageMaker silently falls back to all at once with no bake, and so does this plan.
 */
import type { CapacitySize, DeploymentConfig, TrafficRoutingConfig } from '@aws-sdk/client-sagemaker';
import { ServiceError } from '../service';

/** What the plan needs to know of a production variant. */
export interface PlannedVariant {
  readonly variantName: string;
  readonly instanceCount: number;
}

export interface ShiftStep {
  /** Share of each variant's traffic that green serves during this step, by variant name (0–1). */
  readonly shares: ReadonlyMap<string, number>;
  /** Green instances taking traffic during this step, by variant name. */
  readonly activeInstances: ReadonlyMap<string, number>;
  /** Bake after the shift, before the next step (after the last: the final bake and the termination wait). */
  readonly bakeMs: number;
}

export interface DeploymentPlan {
  readonly steps: readonly ShiftStep[];
  /** Alarms watched for auto-rollback while traffic shifts and bakes; empty when nothing is watched. */
  readonly alarms: readonly string[];
  /** `MaximumExecutionTimeoutInSeconds`, when given and guardrails apply. */
  readonly timeoutMs?: number;
  /** False for a plain update and for the silent all-at-once fallback. */
  readonly guardrails: boolean;
}

export interface PlanInput {
  readonly deploymentConfig: DeploymentConfig | undefined;
  /** Variants of the config in service (blue). */
  readonly blue: readonly PlannedVariant[];
  /** Variants of the new config (green). */
  readonly green: readonly PlannedVariant[];
  /** The endpoint uses a feature guardrails exclude (Marketplace containers, Inf1 instances). */
  readonly excluded: boolean;
}

/** The plan of an update; throws SageMaker's ValidationException for a deployment config it would refuse. */
export function deploymentPlan(input: PlanInput): DeploymentPlan {
  const config = input.deploymentConfig;
  if (config?.RollingUpdatePolicy !== undefined) {
    throw invalid('The local SageMaker endpoints implement BlueGreenUpdatePolicy only, not RollingUpdatePolicy.');
  }
  const policy = config?.BlueGreenUpdatePolicy;
  const alarms = (config?.AutoRollbackConfiguration?.Alarms ?? []).map((alarm) => alarm.AlarmName ?? '');
  const routing = checkShape(config, alarms);
  if (policy === undefined || routing === undefined || input.excluded) {
    return { steps: [allAtOnce(input.green, 0)], alarms: [], guardrails: false };
  }
  checkVariantNames(input.blue, input.green);
  const waitMs = (routing.WaitIntervalInSeconds ?? 0) * 1000;
  const terminationMs = (policy.TerminationWaitInSeconds ?? 0) * 1000;
  let steps: ShiftStep[];
  switch (routing.Type) {
    case 'CANARY': {
      const size = routing.CanarySize;
      if (size === undefined) throw invalid('CanarySize is required for CANARY traffic routing.');
      const canary = stepOf(input.green, size, 'CanarySize', 0, 0.5, waitMs);
      steps = [canary, allAtOnce(input.green, terminationMs)];
      break;
    }
    case 'LINEAR': {
      const size = routing.LinearStepSize;
      if (size === undefined) throw invalid('LinearStepSize is required for LINEAR traffic routing.');
      const first = stepOf(input.green, size, 'LinearStepSize', 0.1, 0.5, waitMs);
      const count = Math.max(...[...first.shares.values()].map((share) => Math.ceil(1 / share - 1e-9)));
      steps = [];
      for (let k = 1; k < count; k++) steps.push(scaled(input.green, first, k, waitMs));
      steps.push(allAtOnce(input.green, terminationMs));
      break;
    }
    default:
      steps = [allAtOnce(input.green, waitMs + terminationMs)];
  }
  const timeoutSeconds = policy.MaximumExecutionTimeoutInSeconds;
  if (timeoutSeconds !== undefined) {
    const waitSeconds = steps.reduce((sum, step) => sum + step.bakeMs, 0) / 1000;
    if (timeoutSeconds <= waitSeconds) {
      throw invalid(
        `MaximumExecutionTimeoutInSeconds (${timeoutSeconds}) must be larger than the total waiting time of the deployment (${waitSeconds} seconds of WaitIntervalInSeconds and TerminationWaitInSeconds).`,
      );
    }
  }
  return {
    steps,
    alarms,
    guardrails: true,
    ...(timeoutSeconds === undefined ? {} : { timeoutMs: timeoutSeconds * 1000 }),
  };
}

/** Whether an instance type is Inf1 (Inferentia 1), which deployment guardrails exclude. */
export function isInf1(instanceType: string): boolean {
  return instanceType.startsWith('ml.inf1.');
}

/**
 * The ranges and required members the SageMaker API model enforces on every DeploymentConfig; returns the traffic
 * routing of its blue/green policy, if any.
 */
function checkShape(config: DeploymentConfig | undefined, alarms: readonly string[]): TrafficRoutingConfig | undefined {
  const policy = config?.BlueGreenUpdatePolicy;
  if (config?.AutoRollbackConfiguration !== undefined) {
    if (alarms.length < 1 || alarms.length > 10) {
      throw invalid(`AutoRollbackConfiguration.Alarms must have 1 to 10 members, got ${alarms.length}.`);
    }
    if (alarms.some((name) => name.length === 0 || name.length > 255)) {
      throw invalid('Every AutoRollbackConfiguration alarm needs an AlarmName of 1 to 255 characters.');
    }
  }
  if (policy === undefined) return undefined;
  const routing = policy.TrafficRoutingConfiguration;
  if (routing === undefined) throw invalid('BlueGreenUpdatePolicy.TrafficRoutingConfiguration is required.');
  if (!['ALL_AT_ONCE', 'CANARY', 'LINEAR'].includes(routing.Type ?? '')) {
    throw invalid(
      `Value '${String(routing.Type)}' at 'TrafficRoutingConfiguration.Type' failed to satisfy constraint: Member must satisfy enum value set: [ALL_AT_ONCE, CANARY, LINEAR].`,
    );
  }
  inRange('TrafficRoutingConfiguration.WaitIntervalInSeconds', routing.WaitIntervalInSeconds, 0, 3600, true);
  inRange('BlueGreenUpdatePolicy.TerminationWaitInSeconds', policy.TerminationWaitInSeconds, 0, 3600, false);
  inRange(
    'BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds',
    policy.MaximumExecutionTimeoutInSeconds,
    600,
    14400,
    false,
  );
  return routing;
}

function inRange(member: string, value: number | undefined, min: number, max: number, required: boolean): void {
  if (value === undefined) {
    if (required) throw invalid(`${member} is required.`);
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(
      `Value '${value}' at '${member}' failed to satisfy constraint: Member must have value between ${min} and ${max}.`,
    );
  }
}

function checkVariantNames(blue: readonly PlannedVariant[], green: readonly PlannedVariant[]): void {
  const names = (variants: readonly PlannedVariant[]) => variants.map((variant) => variant.variantName).sort();
  const [before, after] = [names(blue), names(green)];
  if (before.join('\u0000') !== after.join('\u0000')) {
    throw invalid(
      `The production variant names of the new endpoint configuration [${after.join(', ')}] must match those of the endpoint's current configuration [${before.join(', ')}] to update it with a deployment config (blue/green deployment guardrails keep the variant names).`,
    );
  }
}

/** The first step of a canary or linear plan, checked against the allowed share of each variant's instances. */
function stepOf(
  variants: readonly PlannedVariant[],
  size: CapacitySize,
  member: 'CanarySize' | 'LinearStepSize',
  minShare: number,
  maxShare: number,
  bakeMs: number,
): ShiftStep {
  const value = size.Value;
  if (value === undefined || !Number.isInteger(value) || value < 1) {
    throw invalid(`${member}.Value must be a positive integer, got ${String(value)}.`);
  }
  if (size.Type !== 'CAPACITY_PERCENT' && size.Type !== 'INSTANCE_COUNT') {
    throw invalid(
      `Value '${String(size.Type)}' at '${member}.Type' failed to satisfy constraint: Member must satisfy enum value set: [INSTANCE_COUNT, CAPACITY_PERCENT].`,
    );
  }
  const limits =
    minShare > 0 ? `between ${minShare * 100}% and ${maxShare * 100}%` : `less than or equal to ${maxShare * 100}%`;
  const shares = new Map<string, number>();
  const activeInstances = new Map<string, number>();
  for (const variant of variants) {
    const share = size.Type === 'CAPACITY_PERCENT' ? value / 100 : value / variant.instanceCount;
    if (share > maxShare + 1e-9 || share < minShare - 1e-9) {
      throw invalid(
        `${member} ${size.Type} ${value} is not ${limits} of the total instance count of production variant ${variant.variantName} (${variant.instanceCount} instances). ${member} must be ${limits} of the variant's total instance count.`,
      );
    }
    shares.set(variant.variantName, share);
    activeInstances.set(
      variant.variantName,
      size.Type === 'INSTANCE_COUNT' ? value : activeFor(share, variant.instanceCount),
    );
  }
  return { shares, activeInstances, bakeMs };
}

/** Linear step k (1-based) of a plan whose first step is `first`. */
function scaled(variants: readonly PlannedVariant[], first: ShiftStep, k: number, bakeMs: number): ShiftStep {
  const shares = new Map<string, number>();
  const activeInstances = new Map<string, number>();
  for (const variant of variants) {
    const share = Math.min(1, k * (first.shares.get(variant.variantName) ?? 1));
    shares.set(variant.variantName, share);
    activeInstances.set(
      variant.variantName,
      Math.min(variant.instanceCount, k * (first.activeInstances.get(variant.variantName) ?? 1)),
    );
  }
  return { shares, activeInstances, bakeMs };
}

function allAtOnce(variants: readonly PlannedVariant[], bakeMs: number): ShiftStep {
  return {
    shares: new Map(variants.map((variant) => [variant.variantName, 1])),
    activeInstances: new Map(variants.map((variant) => [variant.variantName, variant.instanceCount])),
    bakeMs,
  };
}

/** Instances that serve a share of a variant's capacity: at least one, at most all. */
function activeFor(share: number, instanceCount: number): number {
  return Math.min(instanceCount, Math.max(1, Math.round(share * instanceCount)));
}

function invalid(message: string): ServiceError {
  return new ServiceError('ValidationException', message);
}
