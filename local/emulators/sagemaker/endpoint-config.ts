/**
 * Endpoint configurations as SageMaker keeps them, and the fleets built from them: a fleet is one endpoint config made
 * real — its production variants with their models, instances and weights, each variant served by one local model
 * server, and its data capture settings. An endpoint serves one fleet (blue) and, during an update, provisions and
 * shifts traffic to a second one (green).
 */
import { createHash } from 'node:crypto';
import type {
  CreateEndpointConfigInput,
  DataCaptureConfig,
  DataCaptureConfigSummary,
  DeployedImage,
  ProductionVariant,
  VariantProperty,
} from '@aws-sdk/client-sagemaker';
import { ServiceError } from '../service';
import { captureSettings, parseS3Uri, type CaptureSettings } from './endpoint-capture';
import type { ModelServer } from './model-server';

/** SageMaker's pattern for endpoint, endpoint config, model and variant names. */
export const NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** A model as CreateModel registered it. */
export interface EndpointModel {
  readonly modelDataUrl: string;
  readonly image: string;
  /** The model runs a Marketplace container (deployment guardrails fall back to all at once). @default false */
  readonly marketplace?: boolean;
}

export interface StoredEndpointConfig {
  readonly name: string;
  readonly arn: string;
  readonly creationTime: number;
  /** The request as accepted, variant weights defaulted. */
  readonly request: CheckedEndpointConfig;
}

/** A production variant as CreateEndpointConfig accepted it. */
export type CheckedVariant = Omit<
  ProductionVariant,
  'VariantName' | 'ModelName' | 'InstanceType' | 'InitialInstanceCount' | 'InitialVariantWeight'
> & {
  VariantName: string;
  ModelName: string;
  InstanceType: NonNullable<ProductionVariant['InstanceType']>;
  InitialInstanceCount: number;
  InitialVariantWeight: number;
};

export type CheckedEndpointConfig = Omit<CreateEndpointConfigInput, 'EndpointConfigName' | 'ProductionVariants'> & {
  EndpointConfigName: string;
  ProductionVariants: CheckedVariant[];
};

export interface FleetVariant {
  readonly variantName: string;
  readonly modelName: string;
  readonly model: EndpointModel;
  readonly instanceType: string;
  readonly instanceCount: number;
  /** The variant's weight among the fleet's variants. */
  readonly weight: number;
  /** The inference container, once provisioned. */
  server?: ModelServer;
}

export interface Fleet {
  readonly configName: string;
  readonly variants: readonly FleetVariant[];
  readonly dataCapture?: DataCaptureConfig;
  readonly capture?: CaptureSettings;
  readonly createdAt: number;
}

/** Checks a CreateEndpointConfig request as SageMaker would; returns it with defaults filled in. */
export function checkedEndpointConfig(
  input: CreateEndpointConfigInput,
  modelExists: (modelName: string) => boolean,
  modelArn: (modelName: string) => string,
): CheckedEndpointConfig {
  const name = input.EndpointConfigName;
  checkName('endpointConfigName', name);
  const variants = input.ProductionVariants ?? [];
  if (variants.length < 1 || variants.length > 10) {
    throw invalid(`ProductionVariants must have 1 to 10 members, got ${variants.length}.`);
  }
  if ((input.ShadowProductionVariants ?? []).length > 0) {
    throw invalid('The local SageMaker endpoints do not implement ShadowProductionVariants.');
  }
  const seen = new Set<string>();
  const checked = variants.map((variant, index): CheckedVariant => {
    const variantName = variant.VariantName;
    checkName(`productionVariants.${index + 1}.member.variantName`, variantName);
    if (seen.has(variantName.toLowerCase())) {
      throw invalid(`The variant name ${variantName} is used by more than one variant.`);
    }
    seen.add(variantName.toLowerCase());
    const modelName = variant.ModelName;
    if (modelName === undefined) throw invalid(`Production variant ${variantName} needs a ModelName.`);
    if (!modelExists(modelName)) throw invalid(`Could not find model "${modelArn(modelName)}".`);
    const instanceType = variant.InstanceType;
    if (instanceType === undefined) {
      throw invalid(
        `Production variant ${variantName} needs an InstanceType: the local SageMaker endpoints do not implement ServerlessConfig.`,
      );
    }
    const count = variant.InitialInstanceCount;
    if (count === undefined || !Number.isInteger(count) || count < 1) {
      throw invalid(`Production variant ${variantName} needs an InitialInstanceCount of at least 1.`);
    }
    const weight = variant.InitialVariantWeight ?? 1;
    if (!(weight >= 0)) throw invalid(`InitialVariantWeight of ${variantName} must be at least 0.`);
    return {
      ...variant,
      VariantName: variantName,
      ModelName: modelName,
      InstanceType: instanceType,
      InitialInstanceCount: count,
      InitialVariantWeight: weight,
    };
  });
  if (input.DataCaptureConfig !== undefined) checkDataCapture(input.DataCaptureConfig);
  return { ...input, EndpointConfigName: name, ProductionVariants: checked };
}

/** The fleet of a config; with `retained`, RetainAllVariantProperties keeps the named properties of `retained.from`. */
export function fleetOf(
  config: StoredEndpointConfig,
  model: (modelName: string) => EndpointModel,
  createdAt: number,
  retained?: { readonly from: Fleet; readonly exclude: readonly VariantProperty[] },
): Fleet {
  const excluded = new Set<string>((retained?.exclude ?? []).map((property) => property.VariantPropertyType ?? ''));
  const variants = config.request.ProductionVariants.map((variant): FleetVariant => {
    const previous = retained?.from.variants.find((other) => other.variantName === variant.VariantName);
    const kept = (property: string) => (excluded.has(property) ? undefined : previous);
    return {
      variantName: variant.VariantName,
      modelName: variant.ModelName,
      model: model(variant.ModelName),
      instanceType: variant.InstanceType,
      instanceCount: kept('DesiredInstanceCount')?.instanceCount ?? variant.InitialInstanceCount,
      weight: kept('DesiredWeight')?.weight ?? variant.InitialVariantWeight,
    };
  });
  const dataCapture =
    retained !== undefined && !excluded.has('DataCaptureConfig')
      ? retained.from.dataCapture
      : config.request.DataCaptureConfig;
  const capture = captureSettings(dataCapture);
  return {
    configName: config.name,
    variants,
    createdAt,
    ...(dataCapture === undefined ? {} : { dataCapture }),
    ...(capture === undefined ? {} : { capture }),
  };
}

/** What DescribeEndpoint says of a fleet's data capture. */
export function captureSummary(fleet: Fleet): DataCaptureConfigSummary | undefined {
  const config = fleet.dataCapture;
  if (config === undefined) return undefined;
  const enabled = config.EnableCapture !== false;
  return {
    EnableCapture: enabled,
    CaptureStatus: enabled ? 'Started' : 'Stopped',
    CurrentSamplingPercentage: config.InitialSamplingPercentage,
    DestinationS3Uri: config.DestinationS3Uri,
    KmsKeyId: config.KmsKeyId,
  };
}

/** The image as specified and as "resolved" to a digest, like SageMaker reports a variant's containers. */
export function deployedImage(variant: FleetVariant, resolvedAt: number): DeployedImage {
  const image = variant.model.image;
  const repository = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const digest = image.includes('@')
    ? image.slice(image.indexOf('@') + 1)
    : `sha256:${createHash('sha256').update(image).digest('hex')}`;
  return { SpecifiedImage: image, ResolvedImage: `${repository}@${digest}`, ResolutionTime: new Date(resolvedAt) };
}

/** AWS Marketplace's registry account: models on its images run Marketplace containers. */
const MARKETPLACE_REGISTRY = /^709825985650\.dkr\.ecr\./;

export function runsMarketplaceContainer(variant: FleetVariant): boolean {
  return variant.model.marketplace === true || MARKETPLACE_REGISTRY.test(variant.model.image);
}

export function checkName(member: string, name: string | undefined): asserts name is string {
  if (name === undefined || !NAME_PATTERN.test(name)) {
    throw invalid(
      `1 validation error detected: Value '${String(name)}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`,
    );
  }
}

function checkDataCapture(config: DataCaptureConfig): void {
  const percentage = config.InitialSamplingPercentage;
  if (percentage === undefined || !Number.isInteger(percentage) || percentage < 0 || percentage > 100) {
    throw invalid(`DataCaptureConfig.InitialSamplingPercentage must be an integer from 0 to 100.`);
  }
  try {
    parseS3Uri(config.DestinationS3Uri ?? '');
  } catch {
    throw invalid(
      `DataCaptureConfig.DestinationS3Uri "${String(config.DestinationS3Uri)}" is not an s3:// URI (the local SageMaker endpoints write capture to s3:// destinations).`,
    );
  }
  const options = config.CaptureOptions ?? [];
  if (options.length < 1 || options.length > 32)
    throw invalid('DataCaptureConfig.CaptureOptions needs 1 to 32 members.');
  for (const option of options) {
    if (!['Input', 'Output', 'InputAndOutput'].includes(option.CaptureMode ?? '')) {
      throw invalid(
        `Value '${String(option.CaptureMode)}' at 'dataCaptureConfig.captureOptions.member.captureMode' failed to satisfy constraint: Member must satisfy enum value set: [Input, Output, InputAndOutput]`,
      );
    }
  }
}

function invalid(message: string): ServiceError {
  return new ServiceError('ValidationException', message);
}
