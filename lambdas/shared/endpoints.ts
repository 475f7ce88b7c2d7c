/**
 * What a SageMaker endpoint serves right now, read with DescribeEndpoint in its own region through the client seam.
 */
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { awsClient } from './aws-clients';

export interface EndpointState {
  readonly status: string;
  readonly configName: string;
}

/** The endpoint's status and config, or undefined when SageMaker does not know the endpoint. */
export async function describeEndpoint(region: string, endpointName: string): Promise<EndpointState | undefined> {
  const sageMaker = awsClient('SageMaker', region, (clientRegion) => new SageMakerClient({ region: clientRegion }));
  try {
    const endpoint = await sageMaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    return { status: endpoint.EndpointStatus ?? 'Unknown', configName: endpoint.EndpointConfigName ?? '' };
  } catch (error) {
    // SageMaker answers a missing endpoint with a ValidationException ("Could not find endpoint").
    if (error instanceof Error && error.name === 'ValidationException' && /could not find/i.test(error.message)) {
      return undefined;
    }
    throw error;
  }
}
