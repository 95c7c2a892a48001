/**
 * IAM statements for the two kinds of access Strata's functions need to the objects under one prefix. They are
 * written out action by action (no `s3:*`, no `grantReadWrite`, which would add `s3:Abort*`, `s3:GetBucket*`,
 * `s3:List*`, ...), so the stack's tests can assert the exact set, and each carries a Sid naming its purpose.
 *
 * Objects: `arn:...:bucket/{prefix}/*`. Listing: `s3:ListBucket` on the bucket ARN, restricted by the `s3:prefix`
 * condition to the same prefix. Without ListBucket a GET of a missing key is answered 403 instead of 404, so every role
 * that must tell "absent" from "forbidden" (manifest lookup, WAL discovery) gets it; workers only read keys the
 * coordinator names, so they do not.
 *
 * Writers also delete: the api function drops a collection's manifest and snapshots when a client deletes the
 * collection (lib/collection/service.ts), the optimizer collects garbage and purges deleted collections' objects
 * (lib/collection/collection-delete.ts). The bucket is versioned, so a delete only
 * adds a delete marker and the data stays recoverable until the noncurrent-version rule expires it.
 */
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

export type PrefixAccess = 'read-objects' | 'read-write-delete';

export const PREFIX_OBJECT_ACTIONS: Readonly<Record<PrefixAccess, readonly string[]>> = {
  'read-objects': ['s3:GetObject'],
  'read-write-delete': ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
};

const LISTS: Readonly<Record<PrefixAccess, boolean>> = {
  'read-objects': false,
  'read-write-delete': true,
};

export function prefixObjectsArn(bucket: IBucket, prefix: string): string {
  return bucket.arnForObjects(`${prefix}/*`);
}

export function prefixAccessStatements(bucket: IBucket, prefix: string, access: PrefixAccess): PolicyStatement[] {
  const statements = [
    new PolicyStatement({
      sid: 'StrataObjects',
      effect: Effect.ALLOW,
      actions: [...PREFIX_OBJECT_ACTIONS[access]],
      resources: [prefixObjectsArn(bucket, prefix)],
    }),
  ];
  if (LISTS[access]) {
    statements.push(
      new PolicyStatement({
        sid: 'StrataList',
        effect: Effect.ALLOW,
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}/*`] } },
      }),
    );
  }
  return statements;
}
