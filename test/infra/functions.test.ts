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

  it('has no reserved concurrency unless context asks for it', () => {
    for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    const t = synthStrata({ workerReservedConcurrency: 50, optimizerReservedConcurrency: '2', workers: 3 }).template;
    expect(functionBy(t, OPTIMIZER)[1].Properties.ReservedConcurrentExecutions).toBe(2);
    // default_segment_number 0 seals into one segment per worker function
    expect(functionBy(template, OPTIMIZER)[1].Properties.Environment.Variables.STRATA_WORKERS).toBe('8');
    expect(functionBy(t, OPTIMIZER)[1].Properties.Environment.Variables.STRATA_WORKERS).toBe('3');
    expect(workerFunctions(t).map(([, w]) => w.Properties.ReservedConcurrentExecutions)).toEqual(Array(3).fill(50));
    expect(functionBy(t, API)[1].Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('memory and timeouts', () => {
  it('uses the defaults: api 1024 MiB / 27 s, workers 2048 MiB / 20 s, optimizer 3008 MiB / 900 s', () => {
    expect(functionBy(template, API)[1].Properties).toMatchObject({ MemorySize: 1024, Timeout: 27 });
    expect(functionBy(template, OPTIMIZER)[1].Properties).toMatchObject({ MemorySize: 3008, Timeout: 900 });
    for (const [, w] of workerFunctions(template))
      expect(w.Properties).toMatchObject({ MemorySize: 2048, Timeout: 20 });
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
  it('deploys K = 8 workers by default, indexed 0..7', () => {
    const workers = workerFunctions(template);
    expect(workers.map(([, w]) => w.Properties.Environment.Variables.STRATA_WORKER_INDEX)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
    ]);
    expect(new Set(workers.map(([, w]) => w.Properties.Environment.Variables.STRATA_WORKER_COUNT))).toEqual(
      new Set(['8']),
    );
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
