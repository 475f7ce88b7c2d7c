import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantKeyUse, grantObjectRead, grantObjectWrite } from './grants';
import { acknowledge, acknowledgeWildcardResource } from './nag/acknowledge';
import { names } from './naming';

/** A bucket SageMaker jobs and models may read, optionally only under a key prefix. */
export interface SageMakerReadBucket {
  /** The bucket. */
  readonly bucket: s3.IBucket;
  /** Key pattern the role may read, e.g. `incoming/<model>/*`. @default every object ('*') */
  readonly prefix?: string;
}

/** What {@link SageMakerExecutionRole} may touch. */
export interface SageMakerExecutionRoleProps {
  /** The model family; the role may publish metrics to namespaces starting with `warden-<model>`. */
  readonly modelName: string;
  /** Buckets jobs and models read (datasets, model artifacts), each with the key prefix they may read. */
  readonly readBuckets: SageMakerReadBucket[];
  /** Bucket jobs write to (model artifacts, checkpoints, transform output, data capture). @default none */
  readonly writeBucket?: s3.IBucket;
  /** Key the role may encrypt and decrypt with (the region's Warden key). */
  readonly encryptionKey: kms.IKey;
  /** ECR image URIs the jobs and models pull. */
  readonly images: string[];
}

/**
 * The role SageMaker jobs and endpoints of one model family run as: the named buckets, the region's key, pulling the
 * given images, and logging to SageMaker's own log groups — nothing else.
 */
export class SageMakerExecutionRole extends Construct {
  /** The role, assumed by `sagemaker.amazonaws.com`. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SageMakerExecutionRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroups = stack.formatArn({
      service: 'logs',
      region: '*',
      resource: 'log-group',
      resourceName: '/aws/sagemaker/*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role = new iam.Role(this, 'Resource', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Warden ${props.modelName}: SageMaker jobs and endpoints`,
    });
    for (const { bucket, prefix } of props.readBuckets) grantObjectRead(bucket, this.role, prefix);
    if (props.writeBucket) grantObjectWrite(props.writeBucket, this.role);
    grantKeyUse(props.encryptionKey, this.role);
    const repositories = props.images
      .map((image) => repositoryArn(image, stack.partition))
      .filter((arn) => arn !== undefined);
    if (repositories.length > 0) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
          resources: repositories,
        }),
      );
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    }
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [logGroups],
      }),
    );
    acknowledge(
      this.role,
      ['AwsSolutions-IAM5[Resource::*]'],
      "ecr:GetAuthorizationToken and cloudwatch:PutMetricData take no resource; metrics are limited to SageMaker's and this family's namespaces by condition.",
    );
    acknowledgeWildcardResource(
      this.role,
      logGroups,
      'SageMaker creates one log stream per job or instance under its own /aws/sagemaker log groups.',
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: {
          StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', `${names.prefix(props.modelName)}*`] },
        },
      }),
    );
  }
}

/** `123456789012.dkr.ecr.eu-west-1.amazonaws.com/repo:tag` → the repository ARN; undefined for other registries. */
export function repositoryArn(image: string, partition: string): string | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(image);
  if (match === null) return undefined;
  return `arn:${partition}:ecr:${match[2]}:${match[1]}:repository/${match[3]}`;
}
