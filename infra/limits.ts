/**
 * Scale limits checked at synth, on the stack as built (so the numbers follow the constructs, not a hand count):
 *
 * | limit                                   | why K is bounded by it                                          |
 * |-----------------------------------------|-----------------------------------------------------------------|
 * | Lambda environment, 4 KB (keys+values)  | the api function's STRATA_WORKER_FUNCTIONS names every worker   |
 * | CloudFormation, 500 resources per stack | every worker brings its function, role, policy, log group, alarms |
 *
 * Function names are not known at synth (CloudFormation generates them), so each name is bounded by CloudFormation's
 * scheme `{stack}-{logicalId}-{12 random characters}`, cut to Lambda's 64-character maximum; other tokens by the
 * longest value their type can have. The check throws with the largest K that fits, so `cdk synth -c workers=300`
 * fails with a message instead of a deployment that rolls back (500 resources) or a function that Lambda rejects (4 KB).
 */
import { CfnResource, type Stack } from 'aws-cdk-lib';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';

export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
export const CLOUDFORMATION_RESOURCE_LIMIT = 500;
/** CDK adds its metadata resource (AWS::CDK::Metadata) to the template at synth, after this check runs. */
const RESOURCES_ADDED_AT_SYNTH = 1;
const LAMBDA_NAME_MAX = 64;
/** `-` + 12 random characters CloudFormation appends to a generated name. */
const GENERATED_SUFFIX = 13;
/** `arn:aws-us-gov:secretsmanager:` + region + `:` + account + `:secret:` around the name, and `-` + 6 characters. */
const SECRET_ARN_OVERHEAD = 30 + 14 + 1 + 12 + 8 + 7;
const BUCKET_NAME_MAX = 63;
/** Any other token (an attribute, an import): generous, so the estimate stays an upper bound. */
const UNKNOWN_TOKEN_BYTES = 256;
/** A worker's resources: anything under a `WorkerN` construct or named after one (its alarms). */
const WORKER_PATH = /\/Worker\d+(?!\d)/;

export interface ScaleReport {
  workers: number;
  resources: number;
  resourcesPerWorker: number;
  environmentBytes: number;
  /** bytes one more worker adds to the environment: its name and a comma */
  environmentBytesPerWorker: number;
  maxWorkers: number;
}

/** Measures the built stack; throws naming both limits and the largest K when K workers do not fit. */
export function checkScaleLimits(stack: Stack, api: IFunction, workers: number): ScaleReport {
  const report = measureScale(stack, api, workers);
  const overResources = report.resources > CLOUDFORMATION_RESOURCE_LIMIT;
  const overEnvironment = report.environmentBytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES;
  if (overResources || overEnvironment) {
    throw new Error(
      `context 'workers' is ${workers}, more than this stack can hold: at most ${report.maxWorkers}. ` +
        `The template would have ${report.resources} resources (CloudFormation allows ${CLOUDFORMATION_RESOURCE_LIMIT}; ` +
        `each worker adds ${report.resourcesPerWorker}) and the api function's environment up to ` +
        `${report.environmentBytes} bytes (Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}; STRATA_WORKER_FUNCTIONS ` +
        `adds up to ${report.environmentBytesPerWorker} per worker name). Use fewer, larger workers (-c workerMemory).`,
    );
  }
  return report;
}

export function measureScale(stack: Stack, api: IFunction, workers: number): ScaleReport {
  const resources = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
  const typeOf = new Map(resources.map((r) => [stack.resolve(r.logicalId) as string, r.cfnResourceType]));
  const perWorkerResources = resources.filter((r) => WORKER_PATH.test(`/${r.node.path}`)).length / workers;
  const resourceCount = resources.length + RESOURCES_ADDED_AT_SYNTH;
  const fixedResources = resourceCount - perWorkerResources * workers;

  const nameBound = (logicalId: string): number =>
    Math.min(LAMBDA_NAME_MAX, stack.stackName.length + 1 + logicalId.length + GENERATED_SUFFIX);
  const tokenBytes = (value: unknown): number => {
    if (typeof value === 'string') return Buffer.byteLength(value);
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (typeof o.Ref === 'string') {
        const type = typeOf.get(o.Ref);
        if (type === 'AWS::Lambda::Function') return nameBound(o.Ref);
        if (type === 'AWS::S3::Bucket') return BUCKET_NAME_MAX;
        if (type === 'AWS::SecretsManager::Secret') return SECRET_ARN_OVERHEAD + nameBound(o.Ref);
        return UNKNOWN_TOKEN_BYTES;
      }
      const join = o['Fn::Join'] as [string, unknown[]] | undefined;
      if (Array.isArray(join)) {
        const [separator, parts] = join;
        return parts.reduce<number>((n, p) => n + tokenBytes(p), 0) + Buffer.byteLength(separator) * (parts.length - 1);
      }
    }
    return UNKNOWN_TOKEN_BYTES;
  };
  // the L1 property is in CDK's camelCase vocabulary until the template is rendered
  const environment = stack.resolve((api.node.defaultChild as CfnFunction).environment) as
    | { variables?: Record<string, unknown> }
    | undefined;
  const variables = environment?.variables ?? {};
  const environmentBytes = Object.entries(variables).reduce((n, [k, v]) => n + Buffer.byteLength(k) + tokenBytes(v), 0);
  // worker i's logical id is worker 0's with i's digits in place of `0` (`WorkersWorker{i}Function{hash}`), so the
  // names of workers not built yet are known too; the list is K names and K - 1 commas
  const worker0 = resources.find(
    (r) => r.cfnResourceType === 'AWS::Lambda::Function' && /\/Worker0\//.test(`/${r.node.path}/`),
  );
  const worker0Bound = worker0 ? nameBound(stack.resolve(worker0.logicalId) as string) : LAMBDA_NAME_MAX;
  const nameBytes = (index: number): number => Math.min(LAMBDA_NAME_MAX, worker0Bound + String(index).length - 1) + 1;
  let listBytes = 0;
  for (let i = 0; i < workers; i++) listBytes += nameBytes(i);
  const fixedEnvironment = environmentBytes - listBytes;
  let maxByEnvironment = 0;
  for (let bytes = fixedEnvironment; bytes + nameBytes(maxByEnvironment) <= LAMBDA_ENVIRONMENT_LIMIT_BYTES + 1; ) {
    bytes += nameBytes(maxByEnvironment);
    maxByEnvironment += 1;
  }

  const maxWorkers = Math.max(
    0,
    Math.min(Math.floor((CLOUDFORMATION_RESOURCE_LIMIT - fixedResources) / perWorkerResources), maxByEnvironment),
  );
  return {
    workers,
    resources: resourceCount,
    resourcesPerWorker: perWorkerResources,
    environmentBytes,
    environmentBytesPerWorker: nameBytes(workers),
    maxWorkers,
  };
}
