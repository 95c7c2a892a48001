/**
 * `npm start`: Strata as one local process. Qdrant's REST API on http://127.0.0.1:6333 and its gRPC API on :6334
 * over ./data (or the S3 bucket named by STRATA_BUCKET), segment searches on K worker threads, the optimizer
 * in-process after writes. Both doors serve the same service.
 *
 *   npm start -- --data ./data --port 6333 --grpc-port 6334 --host 127.0.0.1 --workers 4
 *
 * Flags win over the environment (lib/runtime/config.ts lists every variable). SIGINT/SIGTERM stop accepting requests,
 * let in-flight ones and a running optimizer finish, stop the threads, and exit.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startGrpcServer } from '../lib/api/grpc/server.js';
import { createApp, startServer } from '../lib/api/index.js';
import { loadConfig, type StrataConfig } from '../lib/runtime/config.js';
import { createCoordinator } from '../lib/runtime/coordinator.js';
import { createLogger } from '../lib/runtime/logger.js';

const USAGE = `usage: strata [--data DIR] [--port N] [--grpc-port N] [--host ADDR] [--workers K]

  --data DIR     data folder when no S3 bucket is set        (STRATA_DATA_DIR, default ./data)
  --port N       HTTP port                                    (STRATA_PORT, default 6333)
  --grpc-port N  gRPC port, 0 = off                           (STRATA_GRPC_PORT, default 6334)
  --host ADDR    bind address                                 (STRATA_HOST, default 127.0.0.1)
  --workers K    segment worker threads                       (STRATA_WORKERS, default: cores)
  -h, --help     this text

S3: set STRATA_BUCKET (and STRATA_PREFIX, STRATA_S3_ENDPOINT, AWS_REGION) to serve a bucket instead of a folder.`;

function flags(argv: string[]): Partial<StrataConfig> | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      port: { type: 'string' },
      'grpc-port': { type: 'string' },
      host: { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return null;
  const int = (name: string, text: string | undefined, min: number, max: number): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max)
      throw new Error(`--${name} must be an integer in ${min}..${max}, got "${text}"`);
    return n;
  };
  return {
    ...(values.data !== undefined ? { dataDir: resolve(values.data) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    port: int('port', values.port, 0, 65535),
    grpcPort: int('grpc-port', values['grpc-port'], 0, 65535),
    workers: int('workers', values.workers, 1, 1024),
  };
}

async function main(): Promise<void> {
  let overrides: Partial<StrataConfig> | null;
  try {
    overrides = flags(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (overrides === null) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig(process.env, overrides);
  if (config.workerFunctions.length > 0 && overrides.workers !== undefined) {
    throw new Error('--workers cannot be combined with STRATA_WORKER_FUNCTIONS (K is the number of functions)');
  }
  const logger = createLogger(config, 'server');
  const coordinator = await createCoordinator(config, { logger, fallback: 'threads' });
  const app = createApp({
    service: coordinator.service,
    operations: coordinator.operations,
    logger,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    corsOrigins: config.corsOrigins,
    // `npm start` builds it first (scripts/build-dashboard.ts)
    dashboardDir: fileURLToPath(new URL('../dist/dashboard/', import.meta.url)),
    limits: { maxResponseBytes: config.maxResponseBytes, maxResultPoints: config.maxResultPoints },
  });
  const server = await startServer({ app, port: config.port, host: config.host });
  const grpc =
    config.grpcPort === 0
      ? undefined
      : await startGrpcServer({
          service: coordinator.service,
          port: config.grpcPort,
          host: config.host,
          ...(config.apiKey ? { apiKey: config.apiKey } : {}),
          limits: { maxResponseBytes: config.maxResponseBytes, maxResultPoints: config.maxResultPoints },
        });
  const where = config.s3 ? `s3://${config.s3.bucket}/${config.prefix}` : config.dataDir;
  logger.info(
    { url: server.url, grpc: grpc?.url, data: where, store: coordinator.describe, auth: config.apiKey !== undefined },
    'strata listening',
  );
  console.log(`Strata ${server.url}${grpc ? `  gRPC ${grpc.url}` : ''}  data: ${where}  (${coordinator.describe})`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await Promise.all([server.close(), grpc?.close()]);
      await coordinator.close();
      logger.info('stopped');
    } catch (error) {
      logger.error({ err: error }, 'unclean shutdown');
      process.exitCode = 1;
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
