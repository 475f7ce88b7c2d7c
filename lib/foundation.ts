import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantKeyDecrypt } from './grants';
import { acknowledge, acknowledgeWildcardResource } from './nag/acknowledge';
import { keyAliasArn, names } from './naming';
import { AccessLogsBucket, SecureBucket } from './secure-bucket';

/** What the serving regions need from the primary region's artifacts bucket. */
const REPLICATED_PREFIXES = ['models/', 'baselines/'];

/** What a region's {@link WardenFoundation} holds beyond the key and the buckets every region gets. */
export interface WardenFoundationProps {
  /**
   * Create the data bucket that datasets are uploaded to (`incoming/<model>/…`): the control-plane region only.
   * @default false
   */
  readonly withDataBucket?: boolean;
  /**
   * Regions whose artifacts buckets receive a replica of every model artifact and baseline profile (`models/` and
   * `baselines/`), each encrypted with that region's Warden key. @default none
   */
  readonly replicateModelsTo?: string[];
  /** How long data capture files are kept. @default Duration.days(30) */
  readonly captureRetention?: Duration;
}

/**
 * What every Warden region shares: one customer-managed key (rotation on, alias `alias/warden`), the access-log
 * bucket, and the artifacts bucket (models, reports, baselines, data capture), plus the data bucket in the
 * control-plane region.
 */
export class WardenFoundation extends Construct {
  /** The region's customer-managed key, alias `alias/warden`, with rotation on. */
  readonly key: kms.Key;
  /** Receives the server access logs of the region's other buckets. */
  readonly accessLogsBucket: s3.Bucket;
  /** Models, reports, baselines and data capture, named `warden-artifacts-<account>-<region>`. */
  readonly artifactsBucket: s3.Bucket;
  /** Where datasets are uploaded, publishing object events to EventBridge; only with `withDataBucket`. */
  readonly dataBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: WardenFoundationProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    acknowledge(
      this,
      ['HIPAA.Security-IAMNoInlinePolicy', 'NIST.800.53.R5-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy'],
      'Each role gets its own policy generated from the exact resources it touches; a shared managed policy would widen, not narrow, what a role may do.',
    );
    this.key = new kms.Key(this, 'Key', {
      alias: names.keyAlias,
      enableKeyRotation: true,
      description: 'Warden: tables, buckets, logs, queues and state machines of this region',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts log groups with the key only when the key policy lets the regional service use it.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    // CloudWatch alarms publish to topics encrypted with the key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogs').bucket;
    this.artifactsBucket = new SecureBucket(this, 'Artifacts', {
      bucketName: names.artifactsBucket(this, stack.region),
      encryptionKey: this.key,
      accessLogsBucket: this.accessLogsBucket,
      accessLogsPrefix: 'artifacts/',
      notReplicatedBecause: props.replicateModelsTo?.length
        ? undefined
        : "A serving region's artifacts are replicas of the control plane's models plus regional capture and reports, which stay in their region.",
      lifecycleRules: [
        { id: 'expire-capture', prefix: 'capture/', expiration: props.captureRetention ?? Duration.days(30) },
      ],
    }).bucket;
    if (props.withDataBucket) {
      this.dataBucket = new SecureBucket(this, 'Data', {
        bucketName: names.dataBucket(this, stack.region),
        encryptionKey: this.key,
        accessLogsBucket: this.accessLogsBucket,
        accessLogsPrefix: 'data/',
        notReplicatedBecause:
          'Uploaded datasets are inputs; what training used is fingerprinted in lineage and its artifacts are replicated.',
        eventBridgeEnabled: true,
      }).bucket;
    }
    for (const region of props.replicateModelsTo ?? []) this.replicateModels(region);
  }

  private replicateModels(region: string): void {
    const cfn = this.artifactsBucket.node.defaultChild as s3.CfnBucket;
    const role = this.replicationRole();
    const destinationArn = `arn:${Stack.of(this).partition}:s3:::${names.artifactsBucket(this, region)}`;
    const replicaKey = keyAliasArn(this, region);
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
        resources: [`${destinationArn}/*`],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Encrypt'], resources: [replicaKey] }));
    acknowledgeWildcardResource(
      role,
      `${destinationArn}/*`,
      "Replication writes every replicated object version into the serving region's artifacts bucket; object names are versions known only at run time.",
    );
    const existing =
      (cfn.replicationConfiguration as s3.CfnBucket.ReplicationConfigurationProperty | undefined)?.rules ?? [];
    // Models for the region's endpoints; baselines for its drift monitor, which compares capture with them.
    const rules = [
      ...(existing as s3.CfnBucket.ReplicationRuleProperty[]),
      ...REPLICATED_PREFIXES.map((prefix, index) => ({
        id: `${prefix.slice(0, -1)}-to-${region}`,
        status: 'Enabled',
        priority: (existing as unknown[]).length + index + 1,
        filter: { prefix },
        deleteMarkerReplication: { status: 'Disabled' },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
        destination: { bucket: destinationArn, encryptionConfiguration: { replicaKmsKeyId: replicaKey } },
      })),
    ];
    cfn.replicationConfiguration = { role: role.roleArn, rules };
  }

  private replicationRole(): iam.Role {
    const existing = this.node.tryFindChild('ReplicationRole') as iam.Role | undefined;
    if (existing) return existing;
    const role = new iam.Role(this, 'ReplicationRole', {
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
      description: 'Warden: replicate model artifacts to the serving regions',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        resources: [this.artifactsBucket.bucketArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        resources: [this.artifactsBucket.arnForObjects('*')],
      }),
    );
    acknowledgeWildcardResource(
      role,
      this.artifactsBucket.arnForObjects('*'),
      'Replication reads the versions of the objects its rules select; object names are only known at run time.',
    );
    grantKeyDecrypt(this.key, role);
    return role;
  }
}
