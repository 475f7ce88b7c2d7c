import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { checkRequests, field, isLiteral, isSet, knownItems } from '../sagemaker-requests';

/**
 * Endpoint updates that shift traffic gradually or bake before finishing (`DeploymentConfig` of `updateEndpoint` Tasks
 * and of `AWS::SageMaker::Endpoint`: a blue/green `CANARY` or `LINEAR` shift, any bake time, or a rolling update)
 * name CloudWatch alarms in `AutoRollbackConfiguration`, which SageMaker watches during the bake to roll back by
 * itself. Updates without `DeploymentConfig` and all-at-once switches without a bake (e.g. a rollback to the last
 * known good config, which must not be undone by the very alarms that caused it) are not applicable.
 */
export function blueGreenAutoRollback(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, ['UpdateEndpoint'], (request) => {
    const deployment = (...path: string[]) => field(request, 'DeploymentConfig', ...path);
    if (deployment().kind === 'absent') return undefined;
    const routing = (name: string) => deployment('BlueGreenUpdatePolicy', 'TrafficRoutingConfiguration', name);
    const bakes =
      deployment().kind === 'dynamic' ||
      deployment('RollingUpdatePolicy').kind !== 'absent' ||
      !isLiteral(routing('Type'), 'ALL_AT_ONCE') ||
      !isLiteral(routing('WaitIntervalInSeconds'), 0);
    if (!bakes) return undefined;
    const alarms = deployment('AutoRollbackConfiguration', 'Alarms');
    return isSet(alarms) && (knownItems(alarms)?.length ?? 1) > 0;
  });
}
