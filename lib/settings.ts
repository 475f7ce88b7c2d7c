import { Duration } from 'aws-cdk-lib';
import { parseContract } from '../lambdas/stats/contract';

/** One column of a data contract (CONTRACTS.md `warden validate`). */
export interface ContractColumn {
  readonly name: string;
  /** `integer`, `number`, `boolean`, `categorical`, `string` or `timestamp`. */
  readonly type: string;
  /** @default true */
  readonly nullable?: boolean;
  /** Smallest allowed value (integer and number columns). @default no limit */
  readonly min?: number;
  /** Largest allowed value (integer and number columns). @default no limit */
  readonly max?: number;
  /** Allowed values (categorical columns). @default any */
  readonly allowed?: string[];
  /** Largest fraction of empty fields. @default no limit */
  readonly maxMissingFraction?: number;
  /** Never echo values of this column in reports. @default false */
  readonly pii?: boolean;
}

/** The data contract every training dataset must meet. */
export interface DataContractDefinition {
  readonly name: string;
  /** @default 0 */
  readonly minRows?: number;
  /** @default true */
  readonly allowExtraColumns?: boolean;
  readonly columns: ContractColumn[];
}

/** Whether a crossing metric stops the pipeline. */
export enum GateMode {
  /** Crossing a threshold fails the execution with `Warden.BiasGateFailed`. */
  FAIL = 'fail',
  /** Crossing a threshold is recorded and the pipeline continues. */
  WARN = 'warn',
}

/** What the bias gate measures (SageMaker Clarify definitions, CONTRACTS.md `warden bias`). */
export interface BiasGateSettings {
  /** Label column of the training data. */
  readonly label: string;
  /** Sensitive attribute column. */
  readonly facet: string;
  /** Value of the facet column that marks the disadvantaged group. */
  readonly facetValue: string;
  /** Positive outcome. @default '1' */
  readonly positive?: string;
  /** Column of the model's predictions in the evaluation output. @default 'prediction' */
  readonly prediction?: string;
  /** Column for the conditional metrics (CDDL, CDDPL). @default none */
  readonly group?: string;
  /** Metric thresholds, e.g. `{ DPL: 0.2, AccuracyGap: 0.1 }`. @default DPL 0.2, DPPL 0.2, AccuracyGap 0.1 */
  readonly thresholds?: Record<string, number>;
  /** @default GateMode.FAIL */
  readonly mode?: GateMode;
}

/** How the model is trained on SageMaker. */
export interface TrainingSettings {
  /** Training image URI (ECR), honouring the SageMaker container contract. */
  readonly image: string;
  /** Instance types in order of preference; a capacity error moves on to the next. */
  readonly instanceTypes: string[];
  /** @default Duration.hours(2) */
  readonly maxRuntime?: Duration;
  /** Longest wait for spot capacity plus run time; at least `maxRuntime`. @default 2 × maxRuntime */
  readonly maxWait?: Duration;
  /** Instance type of the batch transform on the holdout split. @default 'ml.m5.xlarge' */
  readonly transformInstanceType?: string;
}

/** How a new model version reaches traffic. */
export interface DeploymentSettings {
  /** Serving instance types in order of preference (GPU types first); capacity errors move on to the next. */
  readonly instanceTypes: string[];
  /** Instances behind the endpoint; a canary needs at least two (it is at most half the new fleet). @default 2 */
  readonly instanceCount?: number;
  /** Share of the new fleet that takes traffic first (at most 50). @default 10 */
  readonly canaryPercent?: number;
  /** How long the canary bakes before the rest of the traffic shifts. @default Duration.minutes(10) */
  readonly bakeTime?: Duration;
  /** Production variant name, kept stable across versions (deployment guardrails require it). @default 'live' */
  readonly variantName?: string;
  /** Register model packages as approved (true) or wait for a person to approve each. @default true */
  readonly autoApprove?: boolean;
}

/** When drift raises an alarm. */
export interface DriftSettings {
  /** How often captured traffic is compared with the baseline. @default Duration.hours(1) */
  readonly schedule?: Duration;
  /** Features whose drift is alarmed on. @default every non-PII contract column except the label */
  readonly features?: string[];
  /** PSI above which a datapoint counts as drifted. @default 0.2 */
  readonly psiThreshold?: number;
  /** Datapoints considered by the alarm. @default 3 */
  readonly evaluationPeriods?: number;
  /** Drifted datapoints among them that raise the alarm. @default 2 */
  readonly datapointsToAlarm?: number;
}

/** Brakes on self-healing. */
export interface RemediationSettings {
  /** Minimum time between two remediations of the same model. @default Duration.hours(1) */
  readonly cooldown?: Duration;
  /** Most remediations of one model per UTC day. @default 3 */
  readonly dailyCap?: number;
  /** Record what would be done, do nothing. @default false */
  readonly suggestOnly?: boolean;
}

/** Validates a contract definition at synth time with the same schema the handlers use. */
export function checkedContract(definition: DataContractDefinition, modelName: string): DataContractDefinition {
  parseContract(definition, `The data contract of model ${modelName}`);
  return definition;
}

export const DEFAULTS = {
  trainingMaxRuntime: Duration.hours(2),
  transformInstanceType: 'ml.m5.xlarge',
  canaryPercent: 10,
  servingInstanceCount: 2,
  bakeTime: Duration.minutes(10),
  variantName: 'live',
  driftSchedule: Duration.hours(1),
  psiThreshold: 0.2,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  cooldown: Duration.hours(1),
  dailyCap: 3,
} as const;
