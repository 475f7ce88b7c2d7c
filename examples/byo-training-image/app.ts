#!/usr/bin/env node
/**
 * A team's own CDK app that runs its fraud model through Warden, with its own training and serving images. In your
 * app, import from `cdk-ml-warden` instead of `../../lib`.
 *
 *   npm run build   # once: the constructs ship the bundled handlers
 *   npx cdk synth --app "npx tsx examples/byo-training-image/app.ts" --all --no-notices \
 *     -c fraud:region=eu-west-1 -c fraud:trainingImage=<uri> -c fraud:inferenceImage=<uri>
 */
import { App } from 'aws-cdk-lib';
import { WardenStacks, addWardenNagPacks } from '../../lib';
import { fraudDetectionFamily, type FraudDetectionImages } from './family';

export interface FraudDetectionAppOptions extends FraudDetectionImages {
  /**
   * The one region the family is trained and served in. To serve in more, replicate both repositories there:
   * SageMaker pulls a model's serving image from ECR in the endpoint's own region, and Warden runs each region's replica.
   */
  readonly region: string;
  /** @default the CLI's default account (environment-agnostic when none) */
  readonly account?: string;
}

/** Adds the fraud family's stacks to `app` and registers the cdk-nag packs on it. */
export function addFraudDetection(app: App, options: FraudDetectionAppOptions): WardenStacks {
  const stacks = new WardenStacks(app, {
    primaryRegion: options.region,
    servingRegions: [options.region],
    account: options.account,
    families: [fraudDetectionFamily(options)],
    stackNamePrefix: 'Fraud',
  });
  addWardenNagPacks(app);
  return stacks;
}

/** Options from `-c fraud:<key>=<value>`, with placeholder images of an example account. */
export function optionsFromContext(app: App): FraudDetectionAppOptions {
  const context = (key: string): string | undefined => app.node.tryGetContext(`fraud:${key}`) as string | undefined;
  const region = context('region') ?? 'eu-west-1';
  const registry = `123456789012.dkr.ecr.${region}.amazonaws.com`;
  return {
    region,
    account: context('account') ?? process.env.CDK_DEFAULT_ACCOUNT,
    trainingImage: context('trainingImage') ?? `${registry}/fraud/gbt-train:2.3.1`,
    inferenceImage: context('inferenceImage') ?? `${registry}/fraud/gbt-serve:2.3.1`,
  };
}

if (require.main === module) {
  const app = new App();
  addFraudDetection(app, optionsFromContext(app));
  app.synth();
}
