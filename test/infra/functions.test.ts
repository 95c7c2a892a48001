import { beforeAll, describe, expect, it } from 'vitest';
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { cacheBytesFor } from '../../infra/defaults.js';
import { API, OPTIMIZER, functionBy, onlyLogicalId, resourcesOf, synthStrata, workerFunctions } from './synth.js';

let template: Template;
let bucketId: string;

beforeAll(() => {
  template = synthStrata().template;
  bucketId = onlyLogicalId(template, 'AWS::S3::Bucket', {
    Properties: { VersioningConfiguration: { Status: 'Enabled' } },
  });
});

describe('every function', () => {
  it('runs nodejs22.x on arm64 with an ESM handler and its own log group', () => {
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(8 + 2);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(Object.keys(fn.Properties.LoggingConfig.LogGroup)).toEqual(['Ref']);
      expect(fn.Properties.Environment.Variables).toMatchObject({
        STRATA_BUCKET: { Ref: bucketId },
        STRATA_PREFIX: 'strata',
        STRATA_CACHE_BYTES: String(cacheBytesFor(fn.Properties.MemorySize)),
      });
    }
  });

  it('keeps logs for 30 days by default and for the context value otherwise', () => {
    const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
    expect(groups.length).toBe(10 + 1); // ten functions and the API access log
    expect(new Set(groups.map(([, g]) => g.Properties.RetentionInDays))).toEqual(new Set([30]));
    const t = synthStrata({ logRetentionDays: '90', workers: 1 }).template;
    expect(new Set(resourcesOf(t, 'AWS::Logs::LogGroup').map(([, g]) => g.Properties.RetentionInDays))).toEqual(
      new Set([90]),
    );
  });

  it('reserves concurrency from one budget: api and each worker get (budget - optimizer) / (K + 1)', () => {
    // default budget 500, K = 8: (500 - 2) / 9 = 55 each, 2 for the optimizer, 497 in total
    expect(functionBy(template, API)[1].Properties.ReservedConcurrentExecutions).toBe(55);
    expect(workerFunctions(template).map(([, w]) => w.Properties.ReservedConcurrentExecutions)).toEqual(
      Array(8).fill(55),
    );
    expect(functionBy(template, OPTIMIZER)[1].Properties.ReservedConcurrentExecutions).toBe(2);

    const t = synthStrata({ concurrencyBudget: '202', workers: 3 }).template;
    expect(functionBy(t, API)[1].Properties.ReservedConcurrentExecutions).toBe(50);
    expect(workerFunctions(t).map(([, w]) => w.Properties.ReservedConcurrentExecutions)).toEqual(Array(3).fill(50));
    expect(functionBy(t, OPTIMIZER)[1].Properties.ReservedConcurrentExecutions).toBe(2);
  });

  it('reserves nothing with a budget of 0, and takes explicit *ReservedConcurrency keys as overrides', () => {
    const none = synthStrata({ concurrencyBudget: 0, workers: 1 }).template;
    for (const [, fn] of resourcesOf(none, 'AWS::Lambda::Function')) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    const t = synthStrata({ workerReservedConcurrency: 50, optimizerReservedConcurrency: '3', workers: 3 }).template;
    expect(functionBy(t, OPTIMIZER)[1].Properties.ReservedConcurrentExecutions).toBe(3);
    expect(workerFunctions(t).map(([, w]) => w.Properties.ReservedConcurrentExecutions)).toEqual(Array(3).fill(50));
    // the api keeps its share of the budget: (500 - 2) / 4
    expect(functionBy(t, API)[1].Properties.ReservedConcurrentExecutions).toBe(124);
    // default_segment_number 0 seals into one segment per worker function
    expect(functionBy(template, OPTIMIZER)[1].Properties.Environment.Variables.STRATA_WORKERS).toBe('8');
    expect(functionBy(t, OPTIMIZER)[1].Properties.Environment.Variables.STRATA_WORKERS).toBe('3');
  });

  it('sets no NODE_OPTIONS (source maps slow the cold start) unless sourceMaps is true', () => {
    for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    }
    const t = synthStrata({ sourceMaps: 'true', workers: 1 }).template;
    const functions = resourcesOf(t, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(3);
    for (const [, fn] of functions) {
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });
});

describe('memory and timeouts', () => {
  it('uses the defaults: api 1024 MiB / 27 s, workers 2048 MiB / 11 s, optimizer 3008 MiB / 900 s', () => {
    expect(functionBy(template, API)[1].Properties).toMatchObject({ MemorySize: 1024, Timeout: 27 });
    expect(functionBy(template, OPTIMIZER)[1].Properties).toMatchObject({ MemorySize: 3008, Timeout: 900 });
    for (const [, w] of workerFunctions(template))
      expect(w.Properties).toMatchObject({ MemorySize: 2048, Timeout: 11 });
  });

  it('gives the api the query deadline and sets the worker timeout just above it, below the api timeout', () => {
    const deadline = new Capture();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Strata API'),
      Environment: { Variables: Match.objectLike({ STRATA_QUERY_DEADLINE_MS: deadline }) },
    });
    expect(deadline.asString()).toBe('10000');

    const t = synthStrata({ queryDeadlineMs: '20500', workers: 2 }).template;
    expect(functionBy(t, API)[1].Properties.Environment.Variables.STRATA_QUERY_DEADLINE_MS).toBe('20500');
    // ceil((20.5 s + 1 s margin) / 1 s): an aborted invoke stops within a second or two of the deadline
    for (const [, w] of workerFunctions(t)) expect(w.Properties.Timeout).toBe(22);
    expect(functionBy(t, API)[1].Properties.Timeout).toBe(27);
    // the largest deadline keeps the worker timeout (26 s) under the api's (27 s), itself under API Gateway's 29 s
    expect(() => synthStrata({ queryDeadlineMs: 25_001, workers: 1 })).toThrow(
      /'queryDeadlineMs' must be an integer in \[1000, 25000\]/,
    );
  });

  it('takes memory sizes from context (strings as given by `cdk -c`) and derives the cache budget from them', () => {
    const t = synthStrata({ apiMemory: '512', workerMemory: '4096', optimizerMemory: 1769, workers: 2 }).template;
    expect(functionBy(t, API)[1].Properties.MemorySize).toBe(512);
    expect(functionBy(t, OPTIMIZER)[1].Properties.MemorySize).toBe(1769);
    for (const [, w] of workerFunctions(t)) {
      expect(w.Properties.MemorySize).toBe(4096);
      expect(w.Properties.Environment.Variables.STRATA_CACHE_BYTES).toBe(String(cacheBytesFor(4096)));
    }
    // (4096 - 192) * 0.75 MiB: most of a worker's memory is cache for the hot int8 set.
    expect(cacheBytesFor(4096)).toBe(2928 * 1024 * 1024);
  });
});

describe('worker pool', () => {
  it('deploys K = 8 workers by default, indexed 0..7, with no index in their environment (nothing reads it)', () => {
    const workers = workerFunctions(template);
    expect(workers.map(([, w]) => w.Properties.Description)).toEqual(
      Array.from({ length: 8 }, (_, i) => `Strata segment search, worker ${i} of 8`),
    );
    for (const [, w] of workers) {
      expect(Object.keys(w.Properties.Environment.Variables).sort()).toEqual([
        'STRATA_BUCKET',
        'STRATA_CACHE_BYTES',
        'STRATA_PREFIX',
      ]);
    }
  });

  it('deploys K workers from context', () => {
    const t = synthStrata({ workers: '3' }).template;
    expect(workerFunctions(t)).toHaveLength(3);
    expect(resourcesOf(t, 'AWS::Lambda::Function')).toHaveLength(3 + 2);
  });

  it('passes the worker names to the api function in worker-index order', () => {
    const t = synthStrata({ workers: 5 }).template;
    const names = new Capture();
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Strata API'),
      Environment: { Variables: Match.objectLike({ STRATA_WORKER_FUNCTIONS: names }) },
    });
    const [separator, parts] = names.asObject()['Fn::Join'] as [string, any[]];
    expect(separator).toBe('');
    const refs = parts.filter((_, i) => i % 2 === 0).map((p) => p.Ref as string);
    expect(parts.filter((_, i) => i % 2 === 1)).toEqual(Array(4).fill(','));
    expect(refs).toEqual(workerFunctions(t).map(([id]) => id));
  });

  it('names the optimizer and the API key secret in the api environment', () => {
    const [optimizerId] = functionBy(template, OPTIMIZER);
    const secretId = onlyLogicalId(template, 'AWS::SecretsManager::Secret');
    expect(functionBy(template, API)[1].Properties.Environment.Variables).toMatchObject({
      STRATA_OPTIMIZER_FUNCTION: { Ref: optimizerId },
      STRATA_API_KEY_SECRET_ARN: { Ref: secretId },
    });
  });

  it('gives workers and the optimizer no worker list, optimizer name or key', () => {
    for (const [, fn] of [...workerFunctions(template), functionBy(template, OPTIMIZER)]) {
      const env = fn.Properties.Environment.Variables;
      expect(env.STRATA_WORKER_FUNCTIONS).toBeUndefined();
      expect(env.STRATA_OPTIMIZER_FUNCTION).toBeUndefined();
      expect(env.STRATA_API_KEY_SECRET_ARN).toBeUndefined();
    }
  });
});

describe('prefix', () => {
  it('comes from context and scopes every function', () => {
    const t = synthStrata({ prefix: 'tenants/acme', workers: 1 }).template;
    for (const [, fn] of resourcesOf(t, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment.Variables.STRATA_PREFIX).toBe('tenants/acme');
    }
  });
});
