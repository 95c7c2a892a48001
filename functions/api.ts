/**
 * The api function: API Gateway HTTP API (payload v2) → the one Hono app (lib/api) → the coordinator, which fans
 * segment searches out to the segment-search functions and triggers the optimizer asynchronously after writes.
 * Everything is built once per container at cold start (module scope, top-level await), including the API key read
 * from Secrets Manager when STRATA_API_KEY_SECRET_ARN is set.
 */
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { createApp } from '../lib/api/index.js';
import { loadConfig } from '../lib/runtime/config.js';
import { createCoordinator } from '../lib/runtime/coordinator.js';
import { createLambdaClient } from '../lib/runtime/lambda-invoker.js';
import { createLogger } from '../lib/runtime/logger.js';
import { readSecretString } from '../lib/runtime/secrets.js';

const config = loadConfig();
const logger = createLogger(config, 'api');
const lambda = createLambdaClient({
  ...(config.lambdaEndpoint ? { endpoint: config.lambdaEndpoint } : {}),
  maxSockets: config.workerConcurrency,
});
const apiKey = config.apiKeySecretArn ? await readSecretString(config.apiKeySecretArn) : config.apiKey;
// an empty secret would turn auth off without anyone asking for it: fail the cold start instead
if (apiKey !== undefined && apiKey.trim() === '') throw new Error('the API key secret is empty: refusing to serve');
const coordinator = await createCoordinator(config, { logger, fallback: 'direct', lambda });
const serve = handle(
  createApp({
    service: coordinator.service,
    operations: coordinator.operations,
    logger,
    ...(apiKey !== undefined ? { apiKey } : {}),
    corsOrigins: config.corsOrigins,
    // the bundle carries the dashboard's static build beside index.mjs (infra/strata-function.ts `dashboard`)
    dashboardDir: fileURLToPath(new URL('./dashboard/', import.meta.url)),
    // Lambda returns the body as an escaped string inside its 6 MB response payload
    limits: {
      maxResponseBytes: config.maxResponseBytes,
      maxResultPoints: config.maxResultPoints,
      escapedResponse: true,
    },
  }),
);
logger.info({ store: coordinator.describe, auth: apiKey !== undefined }, 'api ready');

export const handler = async (event: LambdaEvent, context: Context): Promise<Awaited<ReturnType<typeof serve>>> => {
  try {
    return await serve(event, context);
  } finally {
    // the optimizer's asynchronous invoke must leave before the container is frozen
    await coordinator.trigger.flush();
  }
};
