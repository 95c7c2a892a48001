/**
 * Bootstraps and deploys the Strata stack to a LocalStack that is already running (`npm run localstack`, or any
 * LocalStack on AWS_ENDPOINT_URL), through cdklocal (aws-cdk-local), offline:
 *
 *   npm run deploy:localstack                       # endpoint http://127.0.0.1:4566
 *   AWS_ENDPOINT_URL=http://127.0.0.1:4599 npm run deploy:localstack -- -c workers=2
 *   npm run deploy:localstack -- --bootstrap-only   # stop after `cdklocal bootstrap`
 *
 * Endpoints are loopback IPs, never `*.localhost.localstack.cloud` (cdklocal's default), because that name only
 * resolves through public DNS. With an IP endpoint the AWS SDK addresses S3 path-style, which LocalStack serves.
 * Credentials are LocalStack's dummies and the account is LocalStack's 000000000000, so a real AWS account can never
 * be reached by mistake: cdklocal also strips every other AWS_* variable (profiles, session tokens) from the CLI's
 * environment.
 *
 * What LocalStack 4.14 (community, offline, no Docker) does with this stack, as measured:
 * - `cdklocal bootstrap` works: the CDKToolkit stack (staging bucket, roles, SSM version parameter) is created.
 * - Asset publishing works: the bundled functions and the template are uploaded to the staging bucket.
 * - The deploy then fails and rolls back at the first AWS::Lambda::Function: LocalStack downloads its
 *   `lambda-runtime` before creating any function, which cannot happen offline (and running one needs Docker).
 * - AWS::ApiGatewayV2::* is not in the community edition; 4.14 "deploys" it as an empty fallback with a warning.
 * - Deployed without functions, the buckets come up versioned, SSE-S3, public access blocked, with the TLS bucket
 *   policy, and the API key secret is generated (48 alphanumerics); LocalStack does not apply the lifecycle rules or
 *   the access-log configuration, and does not enforce bucket policies.
 * So the LocalStack path checks bootstrap, bundling, asset publishing and template acceptance, not a running API;
 * the engine's S3 behaviour is covered by the integration tests against LocalStack's S3.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CDKLOCAL = path.join(ROOT, 'node_modules', '.bin', 'cdklocal');
const ACCOUNT = '000000000000';

const endpoint = (process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566').replace(/\/$/, '');
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
const args = process.argv.slice(2);
const bootstrapOnly = args.includes('--bootstrap-only');
const passthrough = args.filter((a) => a !== '--bootstrap-only');

const env: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ENDPOINT_URL: endpoint,
  AWS_ENDPOINT_URL_S3: process.env.AWS_ENDPOINT_URL_S3 ?? endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: region,
  AWS_DEFAULT_REGION: region,
  // cdklocal removes AWS_* variables that are not allow-listed; keep the region we chose.
  AWS_ENVAR_ALLOWLIST: 'AWS_REGION,AWS_DEFAULT_REGION',
  CDK_DEFAULT_ACCOUNT: ACCOUNT,
  CDK_DEFAULT_REGION: region,
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  // The CLI does not check for new versions or notices over the network.
  CDK_DISABLE_VERSION_CHECK: 'true',
};

async function health(): Promise<Record<string, string>> {
  let response: Response;
  try {
    response = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new Error(
      `no LocalStack at ${endpoint} (${(error as Error).message}); start one (npm run localstack) or set AWS_ENDPOINT_URL`,
    );
  }
  const body = (await response.json()) as { services?: Record<string, string>; version?: string };
  console.log(`LocalStack ${body.version ?? '?'} at ${endpoint}`);
  return body.services ?? {};
}

function cdklocal(step: string, cdkArgs: string[]): void {
  const started = Date.now();
  console.log(`\n$ cdklocal ${cdkArgs.join(' ')}`);
  const result = spawnSync(CDKLOCAL, cdkArgs, { cwd: ROOT, env, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    throw new Error(`${step} failed after ${seconds}s (exit ${result.status ?? result.signal})`);
  }
  console.log(`${step}: done in ${seconds}s`);
}

async function main(): Promise<void> {
  const services = await health();
  const up = (name: string) => ['available', 'running'].includes(services[name] ?? '');
  // `cdklocal bootstrap` creates a CloudFormation stack with an SSM parameter, IAM roles and a staging bucket.
  const required = ['cloudformation', 's3', 'sts', 'ssm', 'iam'].filter((s) => !up(s));
  if (required.length > 0) {
    throw new Error(
      `LocalStack at ${endpoint} lacks ${required.join(', ')}; start it with at least ` +
        'SERVICES=s3,sts,cloudformation,ssm,iam,lambda,logs,events,secretsmanager,cloudwatch (npm run localstack starts S3 only)',
    );
  }
  const optional = ['lambda', 'logs', 'events', 'secretsmanager', 'cloudwatch', 'sns'].filter((s) => !up(s));
  if (optional.length > 0)
    console.warn(`warning: services not available, their resources will fail: ${optional.join(', ')}`);
  console.warn(
    'note: API Gateway v2 (HTTP APIs) is not in LocalStack community; its resources are deployed as empty fallbacks',
  );

  const outputs = path.join('cdk.out', 'localstack-outputs.json');
  cdklocal('bootstrap', ['bootstrap', `aws://${ACCOUNT}/${region}`, ...passthrough]);
  if (bootstrapOnly) return;
  try {
    cdklocal('deploy', ['deploy', '--require-approval', 'never', '--outputs-file', outputs, ...passthrough]);
  } catch (error) {
    console.error(
      'LocalStack community cannot create Lambda functions offline (it downloads lambda-runtime first, and runs ' +
        'functions in Docker), and has no API Gateway v2; see this script header for what a deploy here does check.',
    );
    throw error;
  }
  console.log(`stack outputs written to ${outputs}`);
}

main().catch((error: unknown) => {
  console.error(`deploy-localstack: ${(error as Error).message}`);
  process.exit(1);
});
