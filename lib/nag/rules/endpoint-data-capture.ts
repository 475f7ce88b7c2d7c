import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';
import { checkRequests, field, isLiteral, isSet, isTrue, knownItems, knownNumber } from '../sagemaker-requests';

/**
 * SageMaker endpoint configs (`AWS::SageMaker::EndpointConfig`, and `createEndpointConfig` Tasks of state machines)
 * capture the traffic they serve: `DataCaptureConfig` with capture not turned off, a destination, a sampling
 * percentage above zero and `Input` among the capture modes. Endpoint configs whose variants are all serverless are
 * not applicable (serverless inference has no data capture).
 */
export function endpointDataCapture(node: CfnResource): NagRuleCompliance {
  return checkRequests(node, ['CreateEndpointConfig'], (request) => {
    const variants = knownItems(field(request, 'ProductionVariants'));
    if (variants?.length && variants.every((variant) => field(variant, 'ServerlessConfig').kind !== 'absent')) {
      return undefined;
    }
    if (field(request, 'DataCaptureConfig').kind !== 'literal') return false;
    const capture = (...path: string[]) => field(request, 'DataCaptureConfig', ...path);
    const enabled = capture('EnableCapture');
    const sampling = capture('InitialSamplingPercentage');
    const modes = knownItems(capture('CaptureOptions'));
    return (
      (enabled.kind === 'absent' || isTrue(enabled)) &&
      isSet(capture('DestinationS3Uri')) &&
      (sampling.kind === 'dynamic' || (knownNumber(sampling) ?? 0) > 0) &&
      (modes === undefined ||
        modes.some((mode) => {
          const value = field(mode, 'CaptureMode');
          return value.kind === 'dynamic' || isLiteral(value, 'Input');
        }))
    );
  });
}
