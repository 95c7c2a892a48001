/**
 * The bucket that holds every collection (DESIGN.md §3), plus the bucket that receives its server access logs.
 * Security settings come from defaults.ts; props can change sizing and retention, not switch protection off.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import {
  DATA_BUCKET_DEFAULTS,
  DATA_BUCKET_LIFECYCLE_DEFAULTS,
  LOG_BUCKET_DEFAULTS,
  LOG_BUCKET_EXPIRATION_DAYS,
  dataBucketLifecycleRules,
} from './defaults.js';

export interface DataBucketProps {
  /**
   * Server-side encryption of the data bucket: S3_MANAGED or KMS_MANAGED (the account's `aws/s3` key, usable by any
   * principal of the account through S3, so the functions' grants stay the same; bucket keys are turned on to keep
   * KMS requests off the per-GET path). A customer-managed key is not offered yet: it would need key grants per role.
   * @default BucketEncryption.S3_MANAGED (see DATA_BUCKET_DEFAULTS for why)
   */
  readonly encryption?: BucketEncryption;
  /**
   * What happens to both buckets when the stack is deleted. DESTROY only succeeds on empty buckets: there is
   * deliberately no auto-delete of objects.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days a replaced or deleted object version is kept before it expires.
   * @default 7
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Days after which an incomplete multipart upload is aborted.
   * @default 1
   */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Days server access logs are kept.
   * @default 90
   */
  readonly accessLogExpirationDays?: number;
}

export class DataBucket extends Construct {
  readonly bucket: IBucket;
  readonly accessLogBucket: IBucket;

  constructor(scope: Construct, id: string, props: DataBucketProps = {}) {
    super(scope, id);
    const encryption = props.encryption ?? DATA_BUCKET_DEFAULTS.encryption;
    if (encryption !== BucketEncryption.S3_MANAGED && encryption !== BucketEncryption.KMS_MANAGED) {
      throw new Error(`DataBucket: encryption ${encryption} is not supported; use S3_MANAGED or KMS_MANAGED`);
    }
    const removalPolicy = props.removalPolicy ?? DATA_BUCKET_DEFAULTS.removalPolicy;
    // ACLs are disabled on both buckets (BucketOwnerEnforced), so S3 log delivery must be granted by bucket policy,
    // not by the legacy LogDeliveryWrite ACL. Set here, not only in cdk.json, so the construct is right in any app.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      ...LOG_BUCKET_DEFAULTS,
      removalPolicy,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          enabled: true,
          expiration: Duration.days(props.accessLogExpirationDays ?? LOG_BUCKET_EXPIRATION_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.bucket = new Bucket(this, 'Data', {
      ...DATA_BUCKET_DEFAULTS,
      encryption,
      bucketKeyEnabled: encryption === BucketEncryption.KMS_MANAGED ? true : undefined,
      removalPolicy,
      lifecycleRules: dataBucketLifecycleRules(
        props.noncurrentVersionDays ?? DATA_BUCKET_LIFECYCLE_DEFAULTS.noncurrentVersionDays,
        props.abortIncompleteMultipartUploadDays ?? DATA_BUCKET_LIFECYCLE_DEFAULTS.abortIncompleteMultipartUploadDays,
      ),
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'data-bucket/',
    });
  }
}
