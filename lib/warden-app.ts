import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { WardenFoundation } from './foundation';
import { names } from './naming';
import { imageInRegion } from './regional-image';
import type {
  BiasGateSettings,
  DataContractDefinition,
  DeploymentSettings,
  DriftSettings,
  RemediationSettings,
  TrainingSettings,
} from './settings';
import { Warden } from './warden';
import { WardenServing } from './warden-serving';

/** Everything that describes one model family. */
export interface ModelFamily {
  /** Model family name: lowercase letters, digits and dashes; part of every physical name. */
  readonly modelName: string;
  /** The data contract of training datasets; its non-PII columns but the label are the default drift features. */
  readonly contract: DataContractDefinition;
  /** Pre- and post-training bias gate. */
  readonly bias: BiasGateSettings;
  /** How the model is trained on SageMaker. */
  readonly training: TrainingSettings;
  /** How new versions reach traffic in every serving region. */
  readonly deployment: DeploymentSettings;
  /** Inference image URI (ECR) in the primary region. */
  readonly inferenceImage: string;
  /**
   * Inference image URI per serving region, for regions whose image is not `inferenceImage` with the region replaced.
   * @default `inferenceImage` with its ECR region replaced by the serving region (replicate the repository there)
   */
  readonly regionalInferenceImages?: { readonly [region: string]: string };
  /** @default hourly, PSI 0.2, 2 of 3 datapoints */
  readonly drift?: DriftSettings;
  /** @default one-hour cooldown, three per day, acting */
  readonly remediation?: RemediationSettings;
}

/** The regions and model families {@link WardenStacks} lays out. */
export interface WardenStacksProps {
  /** Region of the control plane (pipelines, registry, lineage and audit, remediation). */
  readonly primaryRegion: string;
  /** Serving regions in rollout order; may include the primary region. */
  readonly servingRegions: string[];
  /** @default the CLI's default account (environment-agnostic when none) */
  readonly account?: string;
  /** The model families, `familiesPerStack` to a control-plane stack and to a serving stack per region. */
  readonly families: ModelFamily[];
  /** Model families per control-plane and per serving stack, to stay far below CloudFormation's 500 resources. @default 4 */
  readonly familiesPerStack?: number;
  /** VPC for Warden's functions in the primary region. @default none */
  readonly vpc?: ec2.IVpc;
  /** Prefix of stack names. @default 'Warden' */
  readonly stackNamePrefix?: string;
}

/**
 * The multi-region layout of ARCHITECTURE.md as stacks: a foundation stack per region (key, buckets, replication of
 * model artifacts from the primary region), control-plane stacks in the primary region and serving stacks in every
 * serving region, each holding up to `familiesPerStack` model families. `cdk deploy --all` deploys them in order.
 */
export class WardenStacks {
  /** The foundation stack of each region, by region. */
  readonly foundations: Record<string, Stack> = {};
  /** Control-plane stacks in the primary region, one per group of families. */
  readonly controlPlaneStacks: Stack[] = [];
  /** Serving stacks, one per group of families and serving region. */
  readonly servingStacks: Stack[] = [];

  constructor(scope: Construct, props: WardenStacksProps) {
    const prefix = props.stackNamePrefix ?? 'Warden';
    const regions = [...new Set([props.primaryRegion, ...props.servingRegions])];
    const env = (region: string): StackProps['env'] => ({ account: props.account, region });
    const foundations: Record<string, WardenFoundation> = {};
    for (const region of regions) {
      const stack = new Stack(scope, `${prefix}-Foundation-${region}`, {
        env: env(region),
        description: `Warden foundation of ${region}: key, artifacts and access-log buckets`,
      });
      const primary = region === props.primaryRegion;
      foundations[region] = new WardenFoundation(stack, 'Foundation', {
        withDataBucket: primary,
        replicateModelsTo: primary ? props.servingRegions.filter((r) => r !== region) : undefined,
      });
      this.foundations[region] = stack;
      Tags.of(stack).add('warden:component', 'foundation');
    }
    for (const region of regions) {
      if (region !== props.primaryRegion)
        this.foundations[props.primaryRegion].addStackDependency(this.foundations[region]);
    }

    const perStack = props.familiesPerStack ?? 4;
    // Other stacks address the foundation's buckets by their fixed names, not by cross-stack references: the policies
    // then read the same at synth as in the template, and no export pins a bucket to a stack.
    const bucketsIn = (stack: Stack, region: string) => {
      const key = foundations[region].key;
      return {
        artifactsBucket: s3.Bucket.fromBucketAttributes(stack, `Artifacts-${region}`, {
          bucketName: names.artifactsBucket(stack, region),
          region,
          encryptionKey: key,
        }),
        dataBucket: s3.Bucket.fromBucketAttributes(stack, `Data-${region}`, {
          bucketName: names.dataBucket(stack, region),
          region,
          encryptionKey: key,
        }),
      };
    };
    for (let start = 0, index = 1; start < props.families.length; start += perStack, index++) {
      const group = props.families.slice(start, start + perStack);
      const controlPlane = new Stack(scope, `${prefix}-ControlPlane-${index}`, {
        env: env(props.primaryRegion),
        description: `Warden control plane: ${group.map((family) => family.modelName).join(', ')}`,
      });
      for (const region of regions) controlPlane.addStackDependency(this.foundations[region]);
      Tags.of(controlPlane).add('warden:component', 'control-plane');
      const primaryBuckets = bucketsIn(controlPlane, props.primaryRegion);
      const primaryFoundation = foundations[props.primaryRegion];
      for (const family of group) {
        const warden = new Warden(controlPlane, family.modelName, {
          modelName: family.modelName,
          servingRegions: props.servingRegions,
          contract: family.contract,
          bias: family.bias,
          training: family.training,
          deployment: family.deployment,
          inferenceImage: family.inferenceImage,
          remediation: family.remediation,
          dataBucket: primaryBuckets.dataBucket,
          artifactsBucket: primaryBuckets.artifactsBucket,
          encryptionKey: primaryFoundation.key,
          accessLogsBucket: primaryFoundation.accessLogsBucket,
          functionDefaults: props.vpc ? { vpc: props.vpc } : undefined,
        });
        Tags.of(warden).add('warden:model', family.modelName);
      }
      this.controlPlaneStacks.push(controlPlane);

      for (const region of props.servingRegions) {
        const serving = new Stack(scope, `${prefix}-Serving-${region}-${index}`, {
          env: env(region),
          description: `Warden serving in ${region}: ${group.map((family) => family.modelName).join(', ')}`,
        });
        serving.addStackDependency(this.foundations[region]);
        serving.addStackDependency(controlPlane);
        Tags.of(serving).add('warden:component', 'serving');
        const foundation = foundations[region];
        const regionalBuckets = bucketsIn(serving, region);
        for (const family of group) {
          const servingFamily = new WardenServing(serving, family.modelName, {
            modelName: family.modelName,
            primaryRegion: props.primaryRegion,
            deployment: family.deployment,
            image: imageInRegion(family.inferenceImage, region, family.regionalInferenceImages),
            contract: family.contract,
            labelColumn: family.bias.label,
            drift: family.drift,
            artifactsBucket: regionalBuckets.artifactsBucket,
            encryptionKey: foundation.key,
          });
          Tags.of(servingFamily).add('warden:model', family.modelName);
        }
        this.servingStacks.push(serving);
      }
    }
    Tags.of(scope).add('warden:project', 'warden');
  }

  /** Every stack, in deployment order. */
  get stacks(): Stack[] {
    return [...Object.values(this.foundations), ...this.controlPlaneStacks, ...this.servingStacks];
  }
}
