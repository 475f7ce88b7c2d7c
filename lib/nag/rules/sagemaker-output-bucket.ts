import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnBucket, CfnBucketPolicy } from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance } from 'cdk-nag';
import { renderText, resolveValue } from '../intrinsics';
import { asList, statementsOf } from '../policy-statements';
import { field, fieldText, knownItems, sageMakerRequests } from '../sagemaker-requests';

/** Where requests name the S3 locations SageMaker writes to. */
const OUTPUT_LOCATIONS: Record<string, string[][]> = {
  CreateTrainingJob: [
    ['OutputDataConfig', 'S3OutputPath'],
    ['CheckpointConfig', 'S3Uri'],
  ],
  CreateTransformJob: [['TransformOutput', 'S3OutputPath']],
  CreateEndpointConfig: [
    ['DataCaptureConfig', 'DestinationS3Uri'],
    ['AsyncInferenceConfig', 'OutputConfig', 'S3OutputPath'],
    ['AsyncInferenceConfig', 'OutputConfig', 'S3FailurePath'],
  ],
};

/**
 * S3 buckets SageMaker writes to — model artifacts and checkpoints of training jobs, transform output, captured
 * inference traffic — are versioned and TLS-only (a bucket policy denies every request with `aws:SecureTransport`
 * false, for the bucket and its objects), so an artifact that lineage points to cannot be silently replaced or read in
 * transit. Writers are found in state machine Tasks, pipeline steps and endpoint configs anywhere in the app, by bucket
 * name, or by reference within the bucket's stack; buckets no SageMaker request writes to are not applicable.
 */
export function sageMakerOutputBucket(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof CfnBucket)) return NagRuleCompliance.NOT_APPLICABLE;
  const bucket = bucketIdentity(node);
  const written = node.node.root.node
    .findAll()
    .filter((candidate): candidate is CfnResource => CfnResource.isCfnResource(candidate))
    .some((writer) => {
      const sameStack = Stack.of(writer) === Stack.of(node);
      return outputBuckets(writer).some((name) => name === bucket.name || (sameStack && name === bucket.ref));
    });
  if (!written) return NagRuleCompliance.NOT_APPLICABLE;
  const versioning = resolveValue(node, node.versioningConfiguration) as { status?: unknown } | undefined;
  const tlsOnly = Stack.of(node)
    .node.findAll()
    .some((policy) => policy instanceof CfnBucketPolicy && deniesInsecureTransport(policy, bucket));
  return versioning?.status === 'Enabled' && tlsOnly ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

interface BucketIdentity {
  /** The physical name, when the bucket has one. */
  readonly name?: string;
  /** `${Ref:LogicalId}`. */
  readonly ref: string;
  /** `${GetAtt:LogicalId.Arn}`. */
  readonly arn: string;
}

function bucketIdentity(node: CfnBucket): BucketIdentity {
  const stack = Stack.of(node);
  const logicalId = String(stack.resolve(node.logicalId));
  return {
    name: node.bucketName === undefined ? undefined : renderText(stack.resolve(node.bucketName)),
    ref: `\${Ref:${logicalId}}`,
    arn: `\${GetAtt:${logicalId}.Arn}`,
  };
}

/** Names (or reference markers) of the buckets a resource's SageMaker requests write to. */
function outputBuckets(writer: CfnResource): string[] {
  return sageMakerRequests(writer).flatMap(({ operation, request }) => {
    const texts = (OUTPUT_LOCATIONS[operation] ?? []).map((path) => fieldText(request, ...path));
    if (operation === 'CreateProcessingJob') {
      const outputs = knownItems(field(request, 'ProcessingOutputConfig', 'Outputs')) ?? [];
      texts.push(...outputs.map((output) => fieldText(output, 'S3Output', 'S3Uri')));
    }
    return texts.flatMap((text) => [...(text ?? '').matchAll(/s3:\/\/([^/'"\s]+)/g)].map((match) => match[1]));
  });
}

function deniesInsecureTransport(policy: CfnBucketPolicy, bucket: BucketIdentity): boolean {
  const target = renderText(Stack.of(policy).resolve(policy.bucket));
  if (target !== bucket.ref && target !== bucket.name) return false;
  return statementsOf(resolveValue(policy, policy.policyDocument)).some((statement) => {
    const condition = statement.Condition as { Bool?: Record<string, unknown> } | undefined;
    const secureTransport = condition?.Bool?.['aws:SecureTransport'];
    const resources = asList(statement.Resource).map(String);
    return (
      statement.Effect === 'Deny' &&
      (secureTransport === false || secureTransport === 'false') &&
      isEveryone(statement.Principal) &&
      asList(statement.Action).some((action) => ['*', 's3:*'].includes(String(action).toLowerCase())) &&
      resources.some((resource) => isBucketArn(resource, bucket)) &&
      resources.some((resource) => resource.endsWith('/*') && isBucketArn(resource.slice(0, -2), bucket))
    );
  });
}

function isBucketArn(text: string, bucket: BucketIdentity): boolean {
  if (text === bucket.arn) return true;
  const name = /^arn:(?:\$\{[^}]*\}|[^:]+):s3:::(.+)$/.exec(text)?.[1];
  return name !== undefined && (name === bucket.name || name === bucket.ref);
}

function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
  return asList(aws).includes('*');
}
