/**
 * The HTTP entry: the api function (Qdrant REST surface and coordinator) behind an API Gateway HTTP API (the default)
 * or behind its own Lambda function URL (`endpoint: 'function-url'`).
 *
 * The two fronts deliver the same event (payload format 2.0) to the same function, so the app cannot tell them apart.
 * What differs is around it: the HTTP API bills every request ($1.00 per million in us-east-1, the cost bench prices
 * it) and throttles at the stage, so it answers 429 before Lambda does, and writes access logs; a function URL is
 * free and has no 29 s integration limit, and Lambda's reserved concurrency of the api function (concurrency.ts) is
 * then the only throttle (Lambda answers 429 when it is reached) and the function's own logs the only record.
 *
 * Routing is a single `$default` route: every path and method goes to the function, whose one router (DESIGN.md §2)
 * knows Qdrant's paths. Mirroring Qdrant's routes here (`/collections/{proxy+}`, `/aliases`, `/cluster`, `/healthz`,
 * `/readyz`, `/telemetry`, ...) would be a second list to keep in step with the router, and a path missing from it would
 * get API Gateway's `{"message":"Not Found"}` instead of Qdrant's error envelope, which the official clients parse.
 * Authentication is the `api-key` check inside the function; stage throttling bounds what unauthenticated traffic
 * can cost.
 *
 * The api function may invoke exactly the worker functions and the optimizer (unqualified ARNs), read, write and
 * delete objects under the prefix (DELETE /collections/{name} removes the collection's objects), list the prefix, and
 * read the API key secret.
 */
import { Duration, Fn } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpStage, LogGroupLogDestination, type IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type FunctionUrl, FunctionUrlAuthType, type IFunction, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ApiKey } from './api-key.js';
import { prefixAccessStatements } from './bucket-access.js';
import { API_INTEGRATION_TIMEOUT, OBSERVABILITY_DEFAULTS, QUERY_DEADLINE, SIZING_DEFAULTS } from './defaults.js';
import { StrataFunction } from './strata-function.js';

/** The front door of the api function. */
export type Endpoint = 'http-api' | 'function-url';

export interface StrataHttpApiProps {
  /** @default 'http-api' */
  readonly endpoint?: Endpoint;
  readonly bucket: IBucket;
  /** Object-key prefix (no trailing slash). */
  readonly prefix: string;
  /** Segment-search workers in worker-index order; their names become STRATA_WORKER_FUNCTIONS in that order. */
  readonly workers: readonly IFunction[];
  readonly optimizer: IFunction;
  readonly apiKey: ApiKey;
  /** @default 1024 */
  readonly memoryMiB?: number;
  /** @default Duration.seconds(27) */
  readonly timeout?: Duration;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Retention of the function's logs and the API access logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Steady-state requests per second for the stage (the stack derives it: concurrency.ts). */
  readonly throttleRateLimit: number;
  /** Burst requests for the stage (the stack derives it: concurrency.ts). */
  readonly throttleBurstLimit: number;
  /** One query's fan-out budget, STRATA_QUERY_DEADLINE_MS. @default 10000 */
  readonly queryDeadlineMs?: number;
  /** @default false */
  readonly sourceMaps?: boolean;
}

export class StrataHttpApi extends Construct {
  readonly api: StrataFunction;
  readonly endpoint: Endpoint;
  /** Set when endpoint is 'http-api'. */
  readonly httpApi?: IHttpApi;
  readonly stage?: HttpStage;
  /** Set when endpoint is 'function-url'. */
  readonly functionUrl?: FunctionUrl;

  constructor(scope: Construct, id: string, props: StrataHttpApiProps) {
    super(scope, id);
    if (props.workers.length === 0) throw new Error('StrataHttpApi: at least one worker function is required');
    const logRetention = props.logRetention ?? OBSERVABILITY_DEFAULTS.logRetention;

    this.api = new StrataFunction(this, 'Api', {
      entry: 'api',
      description: 'Strata API: Qdrant REST surface and query coordinator',
      dashboard: true,
      memoryMiB: props.memoryMiB ?? SIZING_DEFAULTS.apiMemoryMiB,
      timeout: props.timeout ?? SIZING_DEFAULTS.apiTimeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      logRetention,
      sourceMaps: props.sourceMaps,
      environment: {
        STRATA_QUERY_DEADLINE_MS: String(props.queryDeadlineMs ?? QUERY_DEADLINE.defaultMs),
        STRATA_BUCKET: props.bucket.bucketName,
        STRATA_PREFIX: props.prefix,
        STRATA_WORKER_FUNCTIONS: props.workers.map((w) => w.functionName).join(','),
        STRATA_OPTIMIZER_FUNCTION: props.optimizer.functionName,
        STRATA_API_KEY_SECRET_ARN: props.apiKey.secret.secretArn,
      },
    });
    for (const statement of prefixAccessStatements(props.bucket, props.prefix, 'read-write-delete')) {
      this.api.addToRolePolicy(statement);
    }
    this.api.addToRolePolicy(
      new PolicyStatement({
        sid: 'InvokeWorkers',
        effect: Effect.ALLOW,
        actions: ['lambda:InvokeFunction'],
        resources: props.workers.map((w) => w.functionArn),
      }),
    );
    this.api.addToRolePolicy(
      new PolicyStatement({
        sid: 'InvokeOptimizer',
        effect: Effect.ALLOW,
        actions: ['lambda:InvokeFunction'],
        resources: [props.optimizer.functionArn],
      }),
    );
    props.apiKey.grantRead(this.api);

    this.endpoint = props.endpoint ?? 'http-api';
    if (this.endpoint === 'function-url') {
      // NONE: the function checks the api-key header itself (as behind the HTTP API, which has no authorizer either)
      this.functionUrl = this.api.function.addFunctionUrl({
        authType: FunctionUrlAuthType.NONE,
        invokeMode: InvokeMode.BUFFERED,
      });
      return;
    }

    const httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Strata: Qdrant-compatible REST API',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('Api', this.api.function, { timeout: API_INTEGRATION_TIMEOUT }),
    });
    this.httpApi = httpApi;

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: logRetention });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttleRateLimit,
        burstLimit: props.throttleBurstLimit,
      },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            bytes: '$context.responseLength',
          }),
        ),
      },
    });
  }

  /**
   * Base URL of the API, `https://{id}.execute-api.{region}.amazonaws.com` or `https://{id}.lambda-url.{region}.on.aws`:
   * no stage path and no trailing slash (a function URL ends in one; its host is taken), so clients that append
   * `/collections/...` build the exact path.
   */
  get url(): string {
    if (this.functionUrl !== undefined) return `https://${Fn.select(2, Fn.split('/', this.functionUrl.url))}`;
    return this.httpApi!.apiEndpoint;
  }

  /** 5xx answers: API Gateway's and the function's own, or the function URL's (Lambda's Url5xxCount). */
  metricServerErrors() {
    const period = { period: Duration.minutes(5), statistic: 'Sum' };
    if (this.functionUrl !== undefined) return this.api.function.metric('Url5xxCount', period);
    return this.httpApi!.metricServerError(period);
  }
}
