/**
 * Handler configuration from the environment (docs/wiring.md). Each value is read and checked when a handler first
 * asks for it, so a handler needs only the variables it uses, and a missing or malformed one fails that invocation
 * with a {@link ConfigurationError} naming the variable — a deployment mistake, not bad input. Parsed JSON values are
 * cached per raw text, since the environment does not change between invocations of one sandbox.
 */
import * as z from 'zod';
import { parseContractText, type DataContract } from '../stats/contract';
import { WardenError } from './errors';

/** The function's environment is missing or malformed: fix the deployment, not the event. */
export class ConfigurationError extends WardenError {
  override readonly name = 'Warden.ConfigurationError';
}

const Fraction = z.number().min(0).max(1);
const Thresholds = z.record(z.string(), z.number());

export const BiasSettingsSchema = z.strictObject({
  label: z.string().min(1),
  facet: z.string().min(1),
  facetValue: z.string(),
  positive: z.string().optional(),
  /** Column of the predictions in the joined transform output. @default 'prediction' */
  prediction: z.string().min(1).optional(),
  group: z.string().min(1).optional(),
  thresholds: Thresholds.optional(),
  mode: z.enum(['fail', 'warn']).optional(),
});
export type BiasSettings = z.infer<typeof BiasSettingsSchema>;

export const DriftSettingsSchema = z.strictObject({
  /** Feature names of a captured request, in the order the endpoint receives them. */
  columns: z.array(z.string().min(1)).min(1).optional(),
  /** Prefix of the endpoint's data capture in the artifacts bucket (SageMaker `DestinationS3Uri` path). */
  capturePrefix: z.string().optional(),
  /** Length of the window of captured traffic compared with the baseline. @default 60 */
  captureWindowMinutes: z.number().int().positive().optional(),
  thresholds: Thresholds.optional(),
});
export type DriftSettings = z.infer<typeof DriftSettingsSchema>;

export const BrakeSettingsSchema = z.strictObject({
  cooldownMinutes: z.number().min(0),
  dailyCap: z.number().int().min(0),
  suggestOnly: z.boolean(),
  lockSeconds: z.number().positive(),
});
export type BrakeSettings = z.infer<typeof BrakeSettingsSchema>;

export const EvaluationSettingsSchema = z.strictObject({
  label: z.string().min(1),
  prediction: z.string().min(1),
  /** Positive class for precision, recall and F1. @default '1' */
  positive: z.string().optional(),
  /** Lowest accuracy accepted. @default none */
  minAccuracy: Fraction.optional(),
  /** Largest drop in accuracy from the live version accepted. @default 0.05 */
  maxAccuracyDrop: Fraction.optional(),
});
export type EvaluationSettings = z.infer<typeof EvaluationSettingsSchema>;

export const SplitSettingsSchema = z.strictObject({
  /** Label column: the first column of the split files. @default none (features only, in contract order) */
  label: z.string().min(1).optional(),
  /** Share of rows held out for evaluation. @default 0.2 */
  holdoutFraction: z.number().gt(0).lt(1).optional(),
});
export type SplitSettings = z.infer<typeof SplitSettingsSchema>;

const StateMachineArns = z.record(z.string().min(1), z.string().startsWith('arn:'));

const cache = new Map<string, unknown>();

/** The Warden configuration of this function, read from `env` on demand. */
export class WardenConfig {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** `WARDEN_MODEL_NAME`: the model family. */
  get modelName(): string {
    return this.required('WARDEN_MODEL_NAME');
  }

  /** `AWS_REGION`, which Lambda sets: the region this function runs in. */
  get region(): string {
    return this.required('AWS_REGION');
  }

  /** `WARDEN_LEDGER_REGION`: where the lineage and audit tables are written. @default this function's region */
  get ledgerRegion(): string {
    return this.optional('WARDEN_LEDGER_REGION') ?? this.region;
  }

  get lineageTable(): string {
    return this.required('WARDEN_LINEAGE_TABLE');
  }

  get auditTable(): string {
    return this.required('WARDEN_AUDIT_TABLE');
  }

  get artifactsBucket(): string {
    return this.required('WARDEN_ARTIFACTS_BUCKET');
  }

  get auditDigestBucket(): string {
    return this.required('WARDEN_AUDIT_DIGEST_BUCKET');
  }

  /** `WARDEN_DATA_BUCKET`: where datasets arrive (`incoming/<model>/`). @default none */
  get dataBucket(): string | undefined {
    return this.optional('WARDEN_DATA_BUCKET');
  }

  /** `WARDEN_EVENT_BUS`: bus that receives `warden` events. @default 'default' */
  get eventBus(): string {
    return this.optional('WARDEN_EVENT_BUS') ?? 'default';
  }

  /** `WARDEN_METRICS_NAMESPACE`. @default 'Warden' */
  get metricsNamespace(): string {
    return this.optional('WARDEN_METRICS_NAMESPACE') ?? 'Warden';
  }

  /** `WARDEN_ENDPOINT_NAME`: the model's stable endpoint name. @default `warden-<model>` (lib/naming.ts) */
  get endpointName(): string {
    return this.optional('WARDEN_ENDPOINT_NAME') ?? `warden-${this.modelName}`;
  }

  /** `WARDEN_PRIMARY_REGION`: the control-plane region, which holds the waiting state machines. */
  get primaryRegion(): string {
    return this.required('WARDEN_PRIMARY_REGION');
  }

  get trainingStateMachineArn(): string {
    return this.required('WARDEN_TRAINING_STATE_MACHINE_ARN');
  }

  /** `WARDEN_CONTRACT`: the data contract (JSON). */
  get contract(): DataContract {
    const name = 'WARDEN_CONTRACT';
    return this.cached(name, (text) => {
      try {
        return parseContractText(text, name);
      } catch (error) {
        throw new ConfigurationError((error as Error).message);
      }
    });
  }

  /** `WARDEN_SPLIT`: how `validate-data` writes the train and holdout splits (JSON). @default `{}` */
  get split(): SplitSettings {
    return this.optional('WARDEN_SPLIT') === undefined ? {} : this.json('WARDEN_SPLIT', SplitSettingsSchema);
  }

  get bias(): BiasSettings {
    return this.json('WARDEN_BIAS', BiasSettingsSchema);
  }

  get drift(): DriftSettings {
    return this.json('WARDEN_DRIFT', DriftSettingsSchema);
  }

  get brakes(): BrakeSettings {
    return this.json('WARDEN_BRAKES', BrakeSettingsSchema);
  }

  get evaluation(): EvaluationSettings {
    return this.json('WARDEN_EVALUATION', EvaluationSettingsSchema);
  }

  /** `WARDEN_DEPLOY_STATE_MACHINE_ARNS`: region → ARN of that region's deploy state machine (JSON). */
  get deployStateMachineArns(): Record<string, string> {
    return this.json('WARDEN_DEPLOY_STATE_MACHINE_ARNS', StateMachineArns);
  }

  private optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  private required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw new ConfigurationError(`The environment variable ${name} is not set.`);
    return value;
  }

  private json<T>(name: string, schema: z.ZodType<T>): T {
    return this.cached(name, (text) => {
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch (error) {
        throw new ConfigurationError(`${name} is not valid JSON (${(error as Error).message}).`);
      }
      const result = schema.safeParse(document);
      if (!result.success) throw new ConfigurationError(`${name} is invalid: ${describeIssues(result.error)}.`);
      return result.data;
    });
  }

  private cached<T>(name: string, parse: (text: string) => T): T {
    const text = this.required(name);
    const key = `${name}\u0000${text}`;
    if (!cache.has(key)) cache.set(key, parse(text));
    return cache.get(key) as T;
  }
}

/** Every issue of a zod error in one line: `path: message; …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'top level'}: ${issue.message}`)
    .join('; ');
}

/** The configuration as the environment is now (tests and the local runtime change it between invocations). */
export function config(): WardenConfig {
  return new WardenConfig(process.env);
}
