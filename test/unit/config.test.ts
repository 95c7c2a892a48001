import { availableParallelism, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseBytes } from '../../lib/runtime/config.js';
import { tuningOf, workerSetupOf } from '../../lib/runtime/segment-context.js';
import { isStrataError } from '../../lib/model/errors.js';

describe('loadConfig', () => {
  it('works with an empty environment: local folder, port 6333, one worker per core, a quarter of the memory for caches', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      dataDir: resolve('./data'),
      port: 6333,
      grpcPort: 6334,
      host: '127.0.0.1',
      prefix: '',
      workerFunctions: [],
      cacheBytes: Math.floor(totalmem() * 0.25),
      queryDeadlineMs: 10_000,
      workers: availableParallelism(),
      logLevel: 'info',
    });
    expect(c.s3).toBeUndefined();
    expect(c.apiKey).toBeUndefined();
  });

  it('selects S3 when a bucket is set, path-style by default with a custom endpoint', () => {
    const c = loadConfig({
      STRATA_BUCKET: 'b',
      STRATA_PREFIX: '/strata/',
      STRATA_S3_ENDPOINT: 'http://127.0.0.1:4566',
      AWS_REGION: 'eu-west-1',
    });
    expect(c.s3).toEqual({
      bucket: 'b',
      prefix: 'strata',
      endpoint: 'http://127.0.0.1:4566',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    expect(loadConfig({ STRATA_BUCKET: 'b' }).s3).toEqual({
      bucket: 'b',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: false,
    });
  });

  it('takes K from the worker function list, in order', () => {
    const c = loadConfig({ STRATA_WORKER_FUNCTIONS: 'w0, w1,w2,', STRATA_OPTIMIZER_FUNCTION: 'opt' });
    expect(c.workerFunctions).toEqual(['w0', 'w1', 'w2']);
    expect(c.workers).toBe(3);
    expect(c.optimizerFunction).toBe('opt');
  });

  it('sizes the cache from the Lambda memory when not given, and parses units', () => {
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' }).cacheBytes).toBe(Math.floor(1024 * 1024 ** 2 * 0.6));
    expect(loadConfig({ STRATA_CACHE_BYTES: '64MiB' }).cacheBytes).toBe(64 * 1024 ** 2);
    expect(parseBytes('1.5 GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseBytes('1000')).toBe(1000);
  });

  it("reads the paged tiers' size rules (whole graph, whole originals under a float walk) and cold read granularity into the worker setup", () => {
    // default: records, and the size rule that keeps a first walk under the byte bound
    const defaults = workerSetupOf(loadConfig({}));
    expect(defaults.coldReads).toBe('records');
    expect(tuningOf(defaults)).toMatchObject({
      coldReads: 'records',
      wholeGraphBytes: 1024 ** 2,
      wholeVectorsBytes: 2 * 1024 ** 2,
    });
    // pages: the size rule that reads a 25k x 100-d segment whole (few GETs)
    const pages = workerSetupOf(loadConfig({ STRATA_COLD_READS: 'pages' }));
    expect(tuningOf(pages)).toMatchObject({
      coldReads: 'pages',
      wholeGraphBytes: 4 * 1024 ** 2,
      wholeVectorsBytes: 16 * 1024 ** 2,
    });
    const set = workerSetupOf(
      loadConfig({ STRATA_GRAPH_WHOLE_BYTES: '4MiB', STRATA_VECTORS_WHOLE_BYTES: '0', STRATA_COLD_READS: 'records' }),
    );
    expect(set.graphWholeBytes).toBe(4 * 1024 ** 2);
    expect(set.vectorsWholeBytes).toBe(0);
    expect(tuningOf(set)).toMatchObject({ coldReads: 'records', wholeGraphBytes: 4 * 1024 ** 2, wholeVectorsBytes: 0 });
    expect(() => loadConfig({ STRATA_COLD_READS: 'rows' })).toThrow(/STRATA_COLD_READS/);
  });

  it('follows the Lambda log level unless STRATA_LOG_LEVEL is set', () => {
    expect(loadConfig({ AWS_LAMBDA_LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
    expect(loadConfig({ AWS_LAMBDA_LOG_LEVEL: 'DEBUG', STRATA_LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
  });

  it('lets command-line overrides win over the environment', () => {
    expect(loadConfig({ STRATA_PORT: '7000' }, { port: 7001, workers: undefined }).port).toBe(7001);
  });

  it('reads the gRPC port (0 turns gRPC off) and lets --grpc-port win', () => {
    expect(loadConfig({ STRATA_GRPC_PORT: '7334' }).grpcPort).toBe(7334);
    expect(loadConfig({ STRATA_GRPC_PORT: '0' }).grpcPort).toBe(0);
    expect(loadConfig({ STRATA_GRPC_PORT: '7334' }, { grpcPort: 0 }).grpcPort).toBe(0);
    expect(() => loadConfig({ STRATA_GRPC_PORT: '70000' })).toThrow(/STRATA_GRPC_PORT/);
  });

  it('rejects bad values as invalid, naming every offending variable', () => {
    let error: unknown;
    try {
      loadConfig({
        STRATA_PORT: 'abc',
        STRATA_CACHE_BYTES: 'lots',
        STRATA_LOG_LEVEL: 'loud',
        STRATA_S3_ENDPOINT: 'not a url',
      });
    } catch (e) {
      error = e;
    }
    expect(isStrataError(error, 'invalid')).toBe(true);
    const message = (error as Error).message;
    for (const name of ['STRATA_PORT', 'STRATA_CACHE_BYTES', 'STRATA_LOG_LEVEL', 'STRATA_S3_ENDPOINT'])
      expect(message).toContain(name);
  });

  it('rejects a worker count that contradicts the function list', () => {
    expect(() => loadConfig({ STRATA_WORKER_FUNCTIONS: 'a,b', STRATA_WORKERS: '3' })).toThrow(/STRATA_WORKERS=3/);
  });
  it('refuses STRATA_API_KEY set but empty instead of silently serving without auth', () => {
    for (const key of ['', '   ']) {
      expect(() => loadConfig({ STRATA_API_KEY: key })).toThrow(/STRATA_API_KEY is set but empty/);
    }
    expect(loadConfig({}).apiKey).toBeUndefined();
  });

  it('reads CORS origins and the response bounds, 6 MB in a Lambda', () => {
    const local = loadConfig({ STRATA_CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(local.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(local.maxResponseBytes).toBe(32 * 1024 ** 2);
    expect(local.maxResultPoints).toBe(10_000);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' }).maxResponseBytes).toBe(6_000_000);
    expect(loadConfig({ STRATA_MAX_RESPONSE_BYTES: '1MiB' }).maxResponseBytes).toBe(1024 ** 2);
  });
});
