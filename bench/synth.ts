/**
 * `npm run bench:synth`: synthesizes 25 model families × 3 regions with every nag pack, and reports the wall time and
 * the largest stack's resource count (CloudFormation allows 500 per stack).
 */
import { App } from 'aws-cdk-lib';
import { performance } from 'node:perf_hooks';
import { creditRiskFamily } from '../examples/credit-risk/family';
import { WardenStacks, addWardenNagPacks } from '../lib';

const FAMILIES = Number(process.env.BENCH_FAMILIES ?? 25);
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

const start = performance.now();
const app = new App();
const base = creditRiskFamily();
const stacks = new WardenStacks(app, {
  primaryRegion: REGIONS[0],
  servingRegions: REGIONS,
  account: '123456789012',
  families: Array.from({ length: FAMILIES }, (_, i) => ({ ...base, modelName: `${base.modelName}-${i + 1}` })),
});
addWardenNagPacks(app);
const assembly = app.synth();
const seconds = (performance.now() - start) / 1000;

const counts = assembly.stacks.map((stack) => ({
  stack: stack.stackName,
  resources: Object.keys((stack.template as { Resources?: object }).Resources ?? {}).length,
}));
counts.sort((a, b) => b.resources - a.resources);
process.stdout.write(
  `${JSON.stringify(
    {
      families: FAMILIES,
      regions: REGIONS.length,
      stacks: stacks.stacks.length,
      synthSeconds: seconds,
      largestStack: counts[0],
      goal: 'synthSeconds < 60, largest stack < 500 resources',
    },
    null,
    2,
  )}\n`,
);
