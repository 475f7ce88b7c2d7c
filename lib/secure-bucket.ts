import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag/acknowledge';

const REPLICATION_RULES = [
  'HIPAA.Security-S3BucketReplicationEnabled',
  'NIST.800.53.R5-S3BucketReplicationEnabled',
  'PCI.DSS.321-S3BucketReplicationEnabled',
];

/** How a {@link SecureBucket} is encrypted, logged and, optionally, locked. */
export interface SecureBucketProps {
  /** Customer-managed key for default encryption (bucket keys on). */
  readonly encryptionKey: kms.IKey;
  /** Where server access logs go. */
  readonly accessLogsBucket: s3.IBucket;
  /** Prefix of this bucket's access logs. */
  readonly accessLogsPrefix: string;
  /** Object Lock default retention; turns Object Lock on. @default no Object Lock */
  readonly objectLockRetention?: s3.ObjectLockRetention;
  /** Lifecycle rules (e.g. capture retention). @default none besides expiring old noncurrent versions */
  readonly lifecycleRules?: s3.LifecycleRule[];
  /** Physical name, for buckets other regions address by name. @default generated */
  readonly bucketName?: string;
  /** Publish object events to EventBridge (the training trigger). @default false */
  readonly eventBridgeEnabled?: boolean;
  /** Why this bucket is not replicated to another region; absent when it is. @default the bucket is replicated */
  readonly notReplicatedBecause?: string;
}

/** A bucket as Warden keeps them: KMS, TLS 1.2+ only, versioned, no public access, access-logged, retained. */
export class SecureBucket extends Construct {
  /** The bucket. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Resource', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      objectLockEnabled: props.objectLockRetention !== undefined ? true : undefined,
      objectLockDefaultRetention: props.objectLockRetention,
      lifecycleRules: [
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(90) },
        ...(props.lifecycleRules ?? []),
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Set on the L1 so that delivery is authorized by the log bucket's policy (see AccessLogsBucket), never by ACLs.
    const cfn = this.bucket.node.defaultChild as s3.CfnBucket;
    cfn.loggingConfiguration = {
      destinationBucketName: props.accessLogsBucket.bucketName,
      logFilePrefix: props.accessLogsPrefix,
    };
    if (props.notReplicatedBecause) acknowledge(this.bucket, REPLICATION_RULES, props.notReplicatedBecause);
    // Also on the L1: the L2 switch deploys a custom-resource Lambda just to set this one property.
    if (props.eventBridgeEnabled)
      cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
  }
}

/** How long {@link AccessLogsBucket} keeps logs. */
export interface AccessLogsBucketProps {
  /** How long access log objects are kept before they expire. @default Duration.days(365) */
  readonly retention?: Duration;
}

/**
 * The bucket that receives server access logs. S3 log delivery cannot write to SSE-KMS buckets, so this one alone uses
 * S3-managed keys; it is TLS-only, versioned, private and retained.
 */
export class AccessLogsBucket extends Construct {
  /** The bucket; its policy lets S3 log delivery write this account's access logs to it. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Resource', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-logs', expiration: props.retention ?? Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.bucket,
      [
        'HIPAA.Security-S3DefaultEncryptionKMS',
        'NIST.800.53.R5-S3DefaultEncryptionKMS',
        'PCI.DSS.321-S3DefaultEncryptionKMS',
      ],
      'S3 server access log delivery cannot write to SSE-KMS buckets; this log bucket uses SSE-S3, TLS-only access and versioning.',
    );
    acknowledge(
      this.bucket,
      REPLICATION_RULES,
      'Access logs are regional records of regional buckets and are kept in that region.',
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }
}
