import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantObjectRead, grantObjectWrite, grantPutEvents } from './grants';
import { type BiasGateSettings, type DataContractDefinition, GateMode, checkedContract } from './settings';
import { WardenFunction, type WardenFunctionOptions } from './warden-function';

interface GateProps {
  /** The model family. */
  readonly modelName: string;
  /** Bucket the datasets arrive in (read only). */
  readonly dataBucket: s3.IBucket;
  /** Bucket reports, baselines and partial results are written to. */
  readonly artifactsBucket: s3.IBucket;
  /** Key for logs and environment. */
  readonly encryptionKey: kms.IKey;
  /** Settings shared by Warden functions (VPC, log retention). @default none */
  readonly functionDefaults?: WardenFunctionOptions;
}

/** What the {@link DataQualityGate} checks datasets against, and where they are. */
export interface DataQualityGateProps extends GateProps {
  /** The contract every dataset must meet; checked at synth time with the handlers' own schema. */
  readonly contract: DataContractDefinition;
  /** Label column, written first in the train and holdout splits. */
  readonly labelColumn: string;
}

/**
 * The `validate-data` function: streams a dataset through its data contract, writes the report and the drift baseline
 * profile, and fails with `Warden.ValidationFailed`. Also plans, runs and merges the byte-range parts of the
 * Distributed Map for datasets too large for one invocation.
 */
export class DataQualityGate extends Construct {
  /** The `validate-data` function, invoked by the training state machine. */
  readonly function: lambda.IFunction;

  constructor(scope: Construct, id: string, props: DataQualityGateProps) {
    super(scope, id);
    this.function = gateFunction(this, 'validate-data', props, {
      WARDEN_CONTRACT: JSON.stringify(checkedContract(props.contract, props.modelName)),
      WARDEN_SPLIT: JSON.stringify({ label: props.labelColumn }),
    });
  }
}

/** What the {@link BiasGate} measures, and where the datasets are. */
export interface BiasGateProps extends GateProps {
  /** Label, facet, thresholds and mode of the gate. */
  readonly settings: BiasGateSettings;
}

/** The `check-bias` function: Clarify's pre- and post-training metrics against thresholds (`Warden.BiasGateFailed`). */
export class BiasGate extends Construct {
  /** The `check-bias` function, invoked by the training state machine before and after training. */
  readonly function: lambda.IFunction;

  constructor(scope: Construct, id: string, props: BiasGateProps) {
    super(scope, id);
    const { settings } = props;
    this.function = gateFunction(this, 'check-bias', props, {
      WARDEN_BIAS: JSON.stringify({
        label: settings.label,
        facet: settings.facet,
        facetValue: settings.facetValue,
        positive: settings.positive ?? '1',
        prediction: settings.prediction ?? 'prediction',
        group: settings.group,
        thresholds: settings.thresholds,
        mode: settings.mode ?? GateMode.FAIL,
      }),
    });
  }
}

/**
 * A gate's function: up to 15 minutes and 2 GiB for a one-pass read of a dataset, reading the family's uploads and
 * the artifacts, writing reports and splits, and publishing its `warden` events.
 */
function gateFunction(
  scope: Construct,
  handler: 'validate-data' | 'check-bias',
  props: GateProps,
  environment: Record<string, string>,
): lambda.IFunction {
  const fn = new WardenFunction(scope, 'Function', {
    ...props.functionDefaults,
    handler,
    encryptionKey: props.encryptionKey,
    memorySize: 2048,
    timeout: Duration.minutes(15),
    environment: {
      WARDEN_MODEL_NAME: props.modelName,
      WARDEN_ARTIFACTS_BUCKET: props.artifactsBucket.bucketName,
      WARDEN_EVENT_BUS: 'default',
      ...environment,
    },
  }).function;
  grantPutEvents(fn);
  grantObjectRead(props.dataBucket, fn, `incoming/${props.modelName}/*`);
  grantObjectRead(props.artifactsBucket, fn);
  grantObjectWrite(props.artifactsBucket, fn);
  return fn;
}
