import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './nag/acknowledge';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Grants with exact actions. The CDK's convenience grants add action wildcards (`s3:GetObject*`, `kms:ReEncrypt*`)
 * and every wildcard is a finding to justify; Warden's functions need a handful of plain actions.
 */

/** Read objects under `prefix` (default: all) and list the bucket; decrypt with its key. */
export function grantObjectRead(bucket: s3.IBucket, grantee: iam.IGrantable, prefix = '*'): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(prefix)] }),
  );
  acknowledgeObjects(grantee, bucket.arnForObjects(prefix), 'read');
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
  );
  if (bucket.encryptionKey) grantKeyDecrypt(bucket.encryptionKey, grantee);
}

/** Write objects under `prefix` (default: all), encrypting with the bucket's key. */
export function grantObjectWrite(bucket: s3.IBucket, grantee: iam.IGrantable, prefix = '*'): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: [bucket.arnForObjects(prefix)],
    }),
  );
  acknowledgeObjects(grantee, bucket.arnForObjects(prefix), 'write');
  if (bucket.encryptionKey) grantKeyUse(bucket.encryptionKey, grantee);
}

/** Decrypt with a key. */
export function grantKeyDecrypt(key: kms.IKey, grantee: iam.IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }),
  );
}

/** Encrypt and decrypt with a key, including data keys for envelope encryption (S3, DynamoDB, multipart uploads). */
export function grantKeyUse(key: kms.IKey, grantee: iam.IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [key.keyArn],
    }),
  );
}

/** Put `warden` events on the region's default bus. */
export function grantPutEvents(grantee: iam.IGrantable): void {
  const stack = Stack.of(grantee.grantPrincipal as unknown as Construct);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
    }),
  );
}

/** DynamoDB item reads and writes on a table and the named indexes (no table or stream administration). */
export function grantItems(
  grantee: iam.IGrantable,
  tableArn: string,
  options: { readonly indexes?: string[]; readonly write?: boolean; readonly update?: boolean } = {},
): void {
  const actions = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];
  if (options.write) actions.push('dynamodb:PutItem');
  if (options.update) actions.push('dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem');
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [tableArn] }));
  if (options.indexes && options.indexes.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: options.indexes.map((index) => `${tableArn}/index/${index}`),
      }),
    );
  }
}

/** Object keys are data (dataset names, versions, report ids), so object grants name a prefix, never single keys. */
function acknowledgeObjects(grantee: iam.IGrantable, objects: string, verb: 'read' | 'write'): void {
  if (grantee.grantPrincipal instanceof Construct) {
    acknowledgeWildcardResource(
      grantee.grantPrincipal,
      objects,
      `Objects are ${verb === 'read' ? 'read' : 'written'} under a key prefix whose object names are only known at run time (dataset, version and report ids); the grant is limited to that prefix of one bucket.`,
    );
  }
}
