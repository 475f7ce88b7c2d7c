#!/usr/bin/env node
/**
 * Warden's reference app: a control plane in the primary region and serving stacks in every serving region
 * (`cdk.json` context `warden:primaryRegion`, `warden:servingRegions`), one example model family, every stack checked
 * by the cdk-nag packs and Warden's own rules. `npx cdk synth --all --no-notices` works offline.
 */
import { App } from 'aws-cdk-lib';
import { creditRiskFamily } from '../examples/credit-risk/family';
import { WardenStacks, addWardenNagPacks } from '../lib';

const app = new App();
const primaryRegion = (app.node.tryGetContext('warden:primaryRegion') as string | undefined) ?? 'us-east-1';
const servingRegions = (app.node.tryGetContext('warden:servingRegions') as string[] | undefined) ?? [primaryRegion];
new WardenStacks(app, {
  primaryRegion,
  servingRegions,
  account: process.env.CDK_DEFAULT_ACCOUNT,
  families: [creditRiskFamily(process.env.CDK_DEFAULT_ACCOUNT, primaryRegion)],
});
addWardenNagPacks(app);
app.synth();
