/**
 * `npm run localstack [-- --port 4566]`: LocalStack's S3 on the host (no Docker) for local development and
 * `deploy:localstack`. Starts it, waits until healthy, prints the endpoint, and stops it on Ctrl-C or exit. The
 * start/stop code is the one the integration tests use (test/support/s3-servers.ts), and so is the interpreter: the
 * first use creates .venv-test/ (test/support/python-env.ts) when no test run has yet.
 */
import { startLocalStack } from '../test/support/s3-servers.js';

function portArg(): number {
  const i = process.argv.indexOf('--port');
  const raw = i >= 0 ? process.argv[i + 1] : (process.env.LOCALSTACK_PORT ?? '4566');
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`Bad port ${raw}`);
  return port;
}

async function main(): Promise<void> {
  const server = await startLocalStack({ port: portArg() });
  process.stdout.write(
    `LocalStack S3 ready in ${server.startupMs} ms at ${server.endpoint} (region ${server.region}, ` +
      `credentials test/test, path-style). Ctrl-C to stop.\n`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping LocalStack...\n`);
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  // keep the process alive until a signal arrives
  setInterval(() => undefined, 1 << 30);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
