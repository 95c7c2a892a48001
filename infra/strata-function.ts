/**
 * One Strata Lambda function: bundled from `functions/<entry>.ts` by local esbuild (never Docker), arm64, its own log
 * group with a retention, and its own role that starts with nothing but permission to write to that log group (no
 * AWSLambdaBasicExecutionRole, whose log actions cover every log group of the account). Callers add
 * exactly the statements the function's job requires with `addToRolePolicy`.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type ILogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLING_DEFAULTS, FUNCTION_DEFAULTS, OBSERVABILITY_DEFAULTS, cacheBytesFor } from './defaults.js';

/** Repository root: entries are `functions/*.ts`, dependencies are locked by the root package-lock.json. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface StrataFunctionProps {
  /** Entry file name under `functions/`, without extension, e.g. `segment-search`. */
  readonly entry: string;
  /** Human-readable purpose; becomes the function's description. */
  readonly description: string;
  /** Memory in MiB; also sizes STRATA_CACHE_BYTES. */
  readonly memoryMiB: number;
  readonly timeout: Duration;
  /**
   * Environment variables beyond STRATA_CACHE_BYTES, which this construct derives from `memoryMiB`.
   * @default {}
   */
  readonly environment?: Record<string, string>;
  /**
   * Reserved concurrency. Reserving takes capacity away from the account's unreserved pool (which must stay >= 100),
   * so it is opt-in.
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Log groups outlive the function by default so an incident can be investigated after a teardown.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Readable stack traces through the shipped source map (NODE_OPTIONS=--enable-source-maps). Off by default: Node
   * then parses the map at start-up and on every stack, which adds about a third to the cold start
   * (`npm run bench -- coldstart`). The map is in the bundle either way, so turning this on needs no rebuild.
   * @default false
   */
  readonly sourceMaps?: boolean;
  /** @default Runtime.NODEJS_22_X */
  readonly runtime?: Runtime;
  /**
   * Build the web dashboard (scripts/build-dashboard.ts) into the bundle's `dashboard/` folder, beside index.mjs,
   * where functions/api.ts serves it from. Only the api function carries it.
   * @default false
   */
  readonly dashboard?: boolean;
}

/** Runs the dashboard build into the bundle's output folder after esbuild (local bundling, like the rest). */
const dashboardHooks = {
  beforeBundling: (): string[] => [],
  beforeInstall: (): string[] => [],
  afterBundling: (inputDir: string, outputDir: string): string[] => [
    `cd "${inputDir}" && npx tsx scripts/build-dashboard.ts --out "${outputDir}/dashboard"`,
  ],
};

export class StrataFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: ILogGroup;

  constructor(scope: Construct, id: string, props: StrataFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? OBSERVABILITY_DEFAULTS.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Strata ${props.entry} function`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.role = role;

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'functions', `${props.entry}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: props.runtime ?? FUNCTION_DEFAULTS.runtime,
      architecture: FUNCTION_DEFAULTS.architecture,
      description: props.description,
      memorySize: props.memoryMiB,
      timeout: props.timeout,
      role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        ...(props.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
        STRATA_CACHE_BYTES: String(cacheBytesFor(props.memoryMiB)),
      },
      bundling: props.dashboard ? { ...BUNDLING_DEFAULTS, commandHooks: dashboardHooks } : BUNDLING_DEFAULTS,
    });
  }

  addToRolePolicy(statement: PolicyStatement): void {
    this.function.addToRolePolicy(statement);
  }
}
