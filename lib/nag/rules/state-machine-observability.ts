import type { CfnResource } from 'aws-cdk-lib';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { NagRuleCompliance } from 'cdk-nag';
import { resolveProperties } from '../intrinsics';
import { sageMakerRequests } from '../sagemaker-requests';

/**
 * State machines that drive SageMaker (any SageMaker Task state) log every event (`LoggingConfiguration.Level: ALL`
 * with a destination) and trace with X-Ray: which job, model or endpoint config a run created, with which input, is
 * part of a model's lineage and outlives the execution history. Other state machines are not applicable.
 */
export function stateMachineObservability(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof CfnStateMachine) || sageMakerRequests(node).length === 0) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const { LoggingConfiguration: logging, TracingConfiguration: tracing } = resolveProperties(node, {
    loggingConfiguration: node.loggingConfiguration,
    tracingConfiguration: node.tracingConfiguration,
  }) as {
    LoggingConfiguration?: { Level?: unknown; Destinations?: unknown[] };
    TracingConfiguration?: { Enabled?: unknown };
  };
  const logsAll = logging?.Level === 'ALL' && (logging.Destinations?.length ?? 0) > 0;
  return logsAll && tracing?.Enabled === true ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
