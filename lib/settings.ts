import { Duration } from 'aws-cdk-lib';
import { parseContract } from '../lambdas/stats/contract';

/** One column of a data contract (CONTRACTS.md `warden validate`). */
export interface ContractColumn {
  /** Column name, as in the dataset's header row. */
  readonly name: string;
  /**
   * `integer`, `number`, `boolean`, `categorical`, `string` or `timestamp`. The name is the contract's JSON key; Go
   * bindings capitalize fields (`Type`), so the keyword does not clash.
   *
   * @jsii suppress JSII5018
   */
  readonly type: string;
  /** Whether a field may be empty. @default true */
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
  /** Contract name, quoted in validation reports and failure messages. */
  readonly name: string;
  /** Fewest data rows a dataset may have. @default 0 */
  readonly minRows?: number;
  /** Whether columns the contract does not list are accepted. @default true */
  readonly allowExtraColumns?: boolean;
  /** The columns, at least one, each name once. */
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
  /** Whether a crossed threshold stops the pipeline or is only recorded. @default GateMode.FAIL */
  readonly mode?: GateMode;
}

/** How the model is trained on SageMaker. */
export interface TrainingSettings {
  /** Training image URI (ECR), honouring the SageMaker container contract. */
  readonly image: string;
  /** Instance types in order of preference; a capacity error moves on to the next. */
  readonly instanceTypes: string[];
  /** Longest a training job may run (SageMaker `MaxRuntimeInSeconds`). @default Duration.hours(2) */
  readonly maxRuntime?: Duration;
  /** Longest wait for spot capacity plus run time; at least `maxRuntime`. @default 2 × maxRuntime */
  readonly maxWait?: Duration;
  /** Instance type of the batch transform on the holdout split. @default 'ml.m5.xlarge' */
  readonly transformInstanceType?: string;
  /**
   * SageMaker hyperparameters every training job of the family gets (the image reads them from
   * `/opt/ml/input/config/hyperparameters.json`): at most 100, names of 1-256 characters, values of at most 2500.
   * @default none
   */
  readonly hyperParameters?: { readonly [name: string]: string };
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

/** The values the constructs use where an optional setting is absent, in one place so they cannot disagree. */
export const DEFAULTS = {
  /** {@link TrainingSettings.maxRuntime}. */
  trainingMaxRuntime: Duration.hours(2),
  /** {@link TrainingSettings.transformInstanceType}. */
  transformInstanceType: 'ml.m5.xlarge',
  /** {@link DeploymentSettings.canaryPercent}. */
  canaryPercent: 10,
  /** {@link DeploymentSettings.instanceCount}. */
  servingInstanceCount: 2,
  /** {@link DeploymentSettings.bakeTime}. */
  bakeTime: Duration.minutes(10),
  /** {@link DeploymentSettings.variantName}. */
  variantName: 'live',
  /** {@link DriftSettings.schedule}. */
  driftSchedule: Duration.hours(1),
  /** {@link DriftSettings.psiThreshold}. */
  psiThreshold: 0.2,
  /** {@link DriftSettings.evaluationPeriods}. */
  evaluationPeriods: 3,
  /** {@link DriftSettings.datapointsToAlarm}. */
  datapointsToAlarm: 2,
  /** {@link RemediationSettings.cooldown}. */
  cooldown: Duration.hours(1),
  /** {@link RemediationSettings.dailyCap}. */
  dailyCap: 3,
} as const;
