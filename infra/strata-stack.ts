/**
 * The Strata stack: data bucket, worker pool, optimizer, API key, HTTP API and alarms, wired together from the
 * deployment settings (settings.ts; CDK context). The constructs carry the decisions; this file only connects them,
 * publishes the outputs a user needs, and records the cdk-nag suppressions (nag-suppressions.ts).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ApiKey } from './api-key.js';
import { DataBucket } from './data-bucket.js';
import { StrataHttpApi } from './http-api.js';
import { Optimizer } from './optimizer.js';
import { StrataAlarms } from './alarms.js';
import { suppressStrataFindings } from './nag-suppressions.js';
import { readSettings, type StrataSettings } from './settings.js';
import { WorkerPool } from './worker-pool.js';

export interface StrataStackProps extends StackProps {
  /**
   * Deployment settings.
   * @default - read from CDK context (settings.ts documents every key and default)
   */
  readonly settings?: StrataSettings;
}

export class StrataStack extends Stack {
  readonly settings: StrataSettings;
  readonly data: DataBucket;
  readonly pool: WorkerPool;
  readonly optimizer: Optimizer;
  readonly apiKey: ApiKey;
  readonly http: StrataHttpApi;
  readonly alarms: StrataAlarms;

  constructor(scope: Construct, id: string, props: StrataStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readSettings(this.node);
    this.settings = settings;
    const { prefix, logRetention } = settings;

    this.data = new DataBucket(this, 'Storage', { removalPolicy: settings.removalPolicy });
    const bucket = this.data.bucket;

    this.pool = new WorkerPool(this, 'Workers', {
      bucket,
      prefix,
      workers: settings.workers,
      memoryMiB: settings.workerMemoryMiB,
      reservedConcurrentExecutions: settings.workerReservedConcurrency,
      logRetention,
    });

    this.optimizer = new Optimizer(this, 'Optimizer', {
      bucket,
      prefix,
      workers: settings.workers,
      memoryMiB: settings.optimizerMemoryMiB,
      scheduleMinutes: settings.optimizerScheduleMinutes,
      reservedConcurrentExecutions: settings.optimizerReservedConcurrency,
      logRetention,
    });

    this.apiKey = new ApiKey(this, 'ApiKey');

    this.http = new StrataHttpApi(this, 'Http', {
      bucket,
      prefix,
      workers: this.pool.functions,
      optimizer: this.optimizer.optimizer.function,
      apiKey: this.apiKey,
      memoryMiB: settings.apiMemoryMiB,
      reservedConcurrentExecutions: settings.apiReservedConcurrency,
      logRetention,
      throttleRateLimit: settings.throttleRateLimit,
      throttleBurstLimit: settings.throttleBurstLimit,
    });

    this.alarms = new StrataAlarms(this, 'Alarms', {
      functions: [
        { name: 'Api', fn: this.http.api.function },
        ...this.pool.functions.map((fn, index) => ({ name: `Worker${index}`, fn })),
        { name: 'Optimizer', fn: this.optimizer.optimizer.function },
      ],
      apiServerErrors: this.http.metricServerErrors(),
      email: settings.alarmEmail,
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Qdrant-compatible endpoint: give it to a Qdrant client as url, with the API key as api_key',
      value: this.http.url,
    });
    new CfnOutput(this, 'ApiKeySecretArn', {
      description: 'Secrets Manager secret whose value is the API key (sent in the api-key header)',
      value: this.apiKey.secret.secretArn,
    });
    new CfnOutput(this, 'ApiKeySecretName', {
      description: 'Name of the API key secret',
      value: this.apiKey.secret.secretName,
    });
    new CfnOutput(this, 'ApiKeyCommand', {
      description: 'Prints the API key',
      value: `aws secretsmanager get-secret-value --region ${this.region} --secret-id ${this.apiKey.secret.secretArn} --query SecretString --output text`,
    });
    new CfnOutput(this, 'BucketName', {
      description: `Data bucket (objects under ${prefix}/)`,
      value: bucket.bucketName,
    });

    suppressStrataFindings(this);
  }
}
