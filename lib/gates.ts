import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantObjectRead, grantObjectWrite, grantPutEvents } from './grants';
import { type BiasGateSettings, type DataContractDefinition, GateMode, checkedContract } from './settings';
import { WardenFunction, type WardenFunctionProps } from './warden-function';

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
  readonly functionDefaults?: Partial<WardenFunctionProps>;
}

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
  readonly function: lambda.IFunction;

  constructor(scope: Construct, id: string, props: DataQualityGateProps) {
    super(scope, id);
    const fn = new WardenFunction(this, 'Function', {
      ...props.functionDefaults,
      handler: 'validate-data',
      encryptionKey: props.encryptionKey,
      memorySize: 2048,
      timeout: Duration.minutes(15),
      environment: {
        WARDEN_MODEL_NAME: props.modelName,
        WARDEN_ARTIFACTS_BUCKET: props.artifactsBucket.bucketName,
        WARDEN_CONTRACT: JSON.stringify(checkedContract(props.contract, props.modelName)),
        WARDEN_SPLIT: JSON.stringify({ label: props.labelColumn }),
        WARDEN_EVENT_BUS: 'default',
      },
    });
    grantPutEvents(fn.function);
    grantObjectRead(props.dataBucket, fn.function, `incoming/${props.modelName}/*`);
    grantObjectRead(props.artifactsBucket, fn.function);
    grantObjectWrite(props.artifactsBucket, fn.function);
    this.function = fn.function;
  }
}

export interface BiasGateProps extends GateProps {
  readonly settings: BiasGateSettings;
}

/** The `check-bias` function: Clarify's pre- and post-training metrics against thresholds (`Warden.BiasGateFailed`). */
export class BiasGate extends Construct {
  readonly function: lambda.IFunction;

  constructor(scope: Construct, id: string, props: BiasGateProps) {
    super(scope, id);
    const { settings } = props;
    const fn = new WardenFunction(this, 'Function', {
      ...props.functionDefaults,
      handler: 'check-bias',
      encryptionKey: props.encryptionKey,
      memorySize: 2048,
      timeout: Duration.minutes(15),
      environment: {
        WARDEN_MODEL_NAME: props.modelName,
        WARDEN_ARTIFACTS_BUCKET: props.artifactsBucket.bucketName,
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
        WARDEN_EVENT_BUS: 'default',
      },
    });
    grantPutEvents(fn.function);
    grantObjectRead(props.dataBucket, fn.function, `incoming/${props.modelName}/*`);
    grantObjectRead(props.artifactsBucket, fn.function);
    grantObjectWrite(props.artifactsBucket, fn.function);
    this.function = fn.function;
  }
}
