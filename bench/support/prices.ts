/**
 * Public prices the cost benchmark uses (us-east-1, list prices, no free tier), each with where it was read and when.
 * This project has no internet access: every figure was read from a stored copy of a public page (the address given)
 * on 2026-12-01; where only third-party pages carried a figure, the source says so. Check them against the vendors'
 * own pricing pages (aws.amazon.com/lambda/pricing, /s3/pricing, /api-gateway/pricing; turbopuffer.com/pricing)
 * before quoting a result.
 */

export interface Price {
  key: string;
  name: string;
  value: number;
  unit: string;
  source: string;
  /** the date the source states or was captured, as given by it */
  date: string;
}

export const PRICES = [
  {
    key: 'lambdaGbSecondArm',
    name: 'Lambda duration, arm64',
    value: 0.0000133334,
    unit: '$/GB-s',
    source: 'cloudchipr.com/blog/aws-lambda-pricing (us-east-1, first 7.5B GB-s); git.mcrn.ar lambda-13-cost.md',
    date: '2024 guide; 2026-05-11',
  },
  {
    key: 'lambdaRequest',
    name: 'Lambda requests',
    value: 0.2 / 1e6,
    unit: '$/request',
    source: 'git.mcrn.ar lambda-13-cost.md ($0.20 per 1M, x86 and arm64)',
    date: '2026-05-11',
  },
  {
    key: 'apiGatewayRequest',
    name: 'API Gateway HTTP API requests',
    value: 1.0 / 1e6,
    unit: '$/request',
    source:
      'awsforengineers.com/blog/aws-api-gateway-pricing-explained; apigatewaycost.com/aws ($1.00 per 1M, first 300M)',
    date: '2025-05-19',
  },
  {
    key: 'functionUrlRequest',
    name: 'Lambda function URL requests (endpoint: function-url)',
    value: 0,
    unit: '$/request',
    source:
      'dev.to/elifapaydin/fine-details-of-aws-lambda-function-url-feature ("a FREE way to call Lambda Function via ' +
      'HTTP"; the invocation and its duration are billed as Lambda); infoq.com 2022/04 aws-lambda-function-urls',
    date: '2022-04',
  },
  {
    key: 's3Get',
    name: 'S3 Standard GET/HEAD',
    value: 0.0004 / 1000,
    unit: '$/request',
    source: 'c3x.dev/blog/s3-request-fees-explained (Tier 2: $0.0004 per 1,000)',
    date: 'captured 2026',
  },
  {
    key: 's3PutList',
    name: 'S3 Standard PUT/COPY/POST/LIST',
    value: 0.005 / 1000,
    unit: '$/request',
    source: 'c3x.dev/blog/s3-request-fees-explained (Tier 1: $0.005 per 1,000)',
    date: 'captured 2026',
  },
  {
    key: 's3StorageGbMonth',
    name: 'S3 Standard storage',
    value: 0.023,
    unit: '$/GB-month',
    source: 'AWS S3 pricing, first 50 TB (not in the stored pages; the long-standing list price)',
    date: 'unverified here',
  },
  {
    key: 's3VectorsQuery',
    name: 'S3 Vectors query requests',
    value: 2.5 / 1e6,
    unit: '$/request',
    source: 'oflight.co.jp S3 Vectors guide ($2.50 per 1M QueryVectors calls; also the issue text)',
    date: '2026-04-07',
  },
  {
    key: 's3VectorsProcessedFirstTb',
    name: 'S3 Vectors query data processed, first 100k vectors of an index',
    value: 0.004,
    unit: '$/TB',
    source:
      "AWS S3 pricing page at S3 Vectors' launch as remembered (not in the stored pages; dev.classmethod.jp 2026-06-16 " +
      'says data processed = average vector size × vectors in the index, cut up to 80% above 10M vectors)',
    date: 'unverified here',
  },
  {
    key: 's3VectorsProcessedOverTb',
    name: 'S3 Vectors query data processed, beyond 100k vectors',
    value: 0.002,
    unit: '$/TB',
    source: 'as above (unverified here)',
    date: 'unverified here',
  },
  {
    key: 's3VectorsStorageGbMonth',
    name: 'S3 Vectors storage',
    value: 0.06,
    unit: '$/GB-month',
    source:
      'exploreagentic.ai/insights/s3-vectors-enterprise-rag; news.najib.digital (caylent) ($0.06 per logical GB-month)',
    date: '2026',
  },
  {
    key: 'turbopufferQueriedPb',
    name: 'turbopuffer queried data',
    value: 1.0,
    unit: '$/PB',
    source:
      'usagepricing.com/blueprint/turbopuffer (captured from turbopuffer.com/pricing; cut from $5 to $1 per PB in Feb 2026)',
    date: '2026-06-04',
  },
] as const satisfies readonly Price[];

const P = Object.fromEntries(PRICES.map((p) => [p.key, p.value])) as Record<(typeof PRICES)[number]['key'], number>;

/** What one query costs in billable units. */
export interface QueryCounts {
  apiGatewayRequests: number;
  lambdaInvocations: number;
  apiGbSeconds: number;
  workerGbSeconds: number;
  s3Gets: number;
  s3Lists: number;
}

/**
 * Dollars per million queries, by service. `apiGateway` is the front door's request charge: the HTTP API's by
 * default, the function URL's (free) with `endpoint: 'function-url'` (infra/http-api.ts).
 */
export function priceQuery(
  c: QueryCounts,
  endpoint: 'http-api' | 'function-url' = 'http-api',
): { lambda: number; s3: number; apiGateway: number; perMillion: number } {
  const lambda =
    1e6 * (c.lambdaInvocations * P.lambdaRequest + (c.apiGbSeconds + c.workerGbSeconds) * P.lambdaGbSecondArm);
  const s3 = 1e6 * (c.s3Gets * P.s3Get + c.s3Lists * P.s3PutList);
  const perRequest = endpoint === 'http-api' ? P.apiGatewayRequest : P.functionUrlRequest;
  const apiGateway = 1e6 * c.apiGatewayRequests * perRequest;
  return { lambda, s3, apiGateway, perMillion: lambda + s3 + apiGateway };
}

/** S3 Vectors per million queries over one index of `vectors` vectors of `bytesPerVector` (vector + key). */
export function s3VectorsPerQuery(
  vectors: number,
  bytesPerVector: number,
): { requests: number; processing: number; total: number } {
  const first = Math.min(vectors, 100_000);
  const tb = (n: number) => (n * bytesPerVector) / 1e12;
  const processing = 1e6 * (tb(first) * P.s3VectorsProcessedFirstTb + tb(vectors - first) * P.s3VectorsProcessedOverTb);
  const requests = 1e6 * P.s3VectorsQuery;
  return { requests, processing, total: requests + processing };
}

/** turbopuffer per million queries that each scan `bytes` of the namespace (queried-data price only). */
export function turbopufferPerQuery(bytes: number): number {
  return 1e6 * (bytes / 1e15) * P.turbopufferQueriedPb;
}
