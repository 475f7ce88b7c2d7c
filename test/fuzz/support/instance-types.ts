/** The instance type each attempt of a compute Task asked for, and the fallback list it must walk. */
import type { TaskStateSummary } from '../../../lib/state-machine-file';
import { SERVING_INSTANCE_TYPES, TRAINING_INSTANCE_TYPES } from '../../statemachines/support/substitutions';
import { sagemakerAction } from './faults';
import type { Attempt } from './injector';
import type { ScenarioRun } from './scenarios';

export function fallbackList(task: TaskStateSummary): readonly string[] {
  return sagemakerAction(task.resource) === 'createTrainingJob' ? TRAINING_INSTANCE_TYPES : SERVING_INSTANCE_TYPES;
}

/** Training asks for the type itself; an endpoint asks for a config, built earlier in the run for one type. */
export function instanceTypeOf(attempt: Attempt, run: ScenarioRun): string | undefined {
  const resources = attempt.input.ResourceConfig as { InstanceType?: string } | undefined;
  if (resources?.InstanceType !== undefined) return resources.InstanceType;
  const config = run.aws
    .sagemakerCalls('createEndpointConfig')
    .find((request) => request.EndpointConfigName === attempt.input.EndpointConfigName);
  return (config?.ProductionVariants as Array<{ InstanceType?: string }> | undefined)?.[0]?.InstanceType;
}
