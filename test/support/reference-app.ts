/** Synthesizes the reference layout (one model family, two serving regions) once per test file. */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { creditRiskFamily } from '../../examples/credit-risk/family';
import { WardenStacks } from '../../lib';

export const PRIMARY = 'us-east-1';
export const SECONDARY = 'eu-west-1';

export interface ReferenceApp {
  readonly app: App;
  readonly stacks: WardenStacks;
  template(stack: Stack): Template;
}

export function synthesizeReferenceApp(families = [creditRiskFamily()]): ReferenceApp {
  const app = new App();
  const stacks = new WardenStacks(app, {
    primaryRegion: PRIMARY,
    servingRegions: [PRIMARY, SECONDARY],
    account: '123456789012',
    families,
  });
  const templates = new Map<Stack, Template>();
  return {
    app,
    stacks,
    template: (stack) => {
      if (!templates.has(stack)) templates.set(stack, Template.fromStack(stack));
      return templates.get(stack) as Template;
    },
  };
}
