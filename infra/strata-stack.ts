/**
 * The Strata stack: data bucket, worker pool, optimizer, API key, HTTP API and alarms, wired together from the
 * deployment settings (settings.ts; CDK context). The constructs carry the decisions; this file only connects them,
 * publishes the outputs a user needs, and records the cdk-nag suppressions (nag-suppressions.ts). Concurrency is
 * planned from one budget before anything is built (concurrency.ts), and the built stack is checked against
 * CloudFormation's and Lambda's scale limits last (limits.ts): both fail the synth with a message, not the deploy.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ApiKey } from './api-key.js';
import { DataBucket } from './data-bucket.js';
import { StrataHttpApi } from './http-api.js';
import { Optimizer } from './optimizer.js';
import { StrataAlarms } from './alarms.js';
import { planConcurrency, type ConcurrencyPlan } from './concurrency.js';
import { workerTimeoutFor } from './defaults.js';
import { checkScaleLimits, type ScaleReport } from './limits.js';
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
  readonly concurrency: ConcurrencyPlan;
  readonly scale: ScaleReport;

  constructor(scope: Construct, id: string, props: StrataStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readSettings(this.node);
    this.settings = settings;
    const { prefix, logRetention, sourceMaps } = settings;
    const concurrency = planConcurrency({
      budget: settings.concurrencyBudget,
      accountQuota: settings.accountConcurrencyQuota,
      workers: settings.workers,
      apiOverride: settings.apiReservedConcurrency,
      workerOverride: settings.workerReservedConcurrency,
      optimizerOverride: settings.optimizerReservedConcurrency,
      rateOverride: settings.throttleRateLimit,
      burstOverride: settings.throttleBurstLimit,
    });
    this.concurrency = concurrency;

    this.data = new DataBucket(this, 'Storage', { removalPolicy: settings.removalPolicy });
    const bucket = this.data.bucket;

    this.pool = new WorkerPool(this, 'Workers', {
      bucket,
      prefix,
      workers: settings.workers,
      memoryMiB: settings.workerMemoryMiB,
      timeout: workerTimeoutFor(settings.queryDeadlineMs),
      reservedConcurrentExecutions: concurrency.worker,
      logRetention,
      sourceMaps,
    });

    this.optimizer = new Optimizer(this, 'Optimizer', {
      bucket,
      prefix,
      workers: settings.workers,
      memoryMiB: settings.optimizerMemoryMiB,
      scheduleMinutes: settings.optimizerScheduleMinutes,
      reservedConcurrentExecutions: concurrency.optimizer,
      logRetention,
      sourceMaps,
    });

    this.apiKey = new ApiKey(this, 'ApiKey');

    this.http = new StrataHttpApi(this, 'Http', {
      bucket,
      prefix,
      workers: this.pool.functions,
      optimizer: this.optimizer.optimizer.function,
      apiKey: this.apiKey,
      memoryMiB: settings.apiMemoryMiB,
      reservedConcurrentExecutions: concurrency.api,
      logRetention,
      sourceMaps,
      queryDeadlineMs: settings.queryDeadlineMs,
      throttleRateLimit: concurrency.throttleRateLimit,
      throttleBurstLimit: concurrency.throttleBurstLimit,
      endpoint: settings.endpoint,
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
    this.scale = checkScaleLimits(this, this.http.api.function, settings.workers);
  }
}
