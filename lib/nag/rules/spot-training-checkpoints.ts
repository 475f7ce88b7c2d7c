import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { checkRequests, field, isLiteral, isSet, knownNumber } from '../sagemaker-requests';

/**
 * Managed spot training (`EnableManagedSpotTraining` true or chosen at run time) checkpoints to S3
 * (`CheckpointConfig.S3Uri`), so an interrupted job resumes instead of starting over, and waits at least as long as
 * it may run (`StoppingCondition.MaxWaitTimeInSeconds` ≥ `MaxRuntimeInSeconds`, both known at synth time), which
 * SageMaker requires. Jobs on on-demand capacity are not applicable.
 */
export function spotTrainingCheckpoints(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, ['CreateTrainingJob'], (request) => {
    const spot = field(request, 'EnableManagedSpotTraining');
    if (spot.kind === 'absent' || isLiteral(spot, false)) return undefined;
    const maxRuntime = knownNumber(field(request, 'StoppingCondition', 'MaxRuntimeInSeconds'));
    const maxWait = knownNumber(field(request, 'StoppingCondition', 'MaxWaitTimeInSeconds'));
    return (
      isSet(field(request, 'CheckpointConfig', 'S3Uri')) &&
      maxRuntime !== undefined &&
      maxWait !== undefined &&
      maxWait >= maxRuntime
    );
  });
}
