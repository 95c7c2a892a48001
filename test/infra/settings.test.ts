import { describe, expect, it } from 'vitest';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { readSettings } from '../../infra/settings.js';

const settings = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

describe('readSettings', () => {
  it('has the documented defaults', () => {
    expect(settings({})).toEqual({
      workers: 8,
      apiMemoryMiB: 1024,
      workerMemoryMiB: 2048,
      optimizerMemoryMiB: 3008,
      concurrencyBudget: 500,
      accountConcurrencyQuota: 1000,
      apiReservedConcurrency: undefined,
      workerReservedConcurrency: undefined,
      optimizerReservedConcurrency: undefined,
      prefix: 'strata',
      logRetention: RetentionDays.ONE_MONTH,
      optimizerScheduleMinutes: 5,
      alarmEmail: undefined,
      removalPolicy: RemovalPolicy.RETAIN,
      throttleRateLimit: undefined,
      throttleBurstLimit: undefined,
      queryDeadlineMs: 10000,
      sourceMaps: false,
      endpoint: 'http-api',
    });
  });

  it('takes the endpoint from context and refuses an unknown one', () => {
    expect(settings({ endpoint: 'function-url' }).endpoint).toBe('function-url');
    expect(settings({ endpoint: 'http-api' }).endpoint).toBe('http-api');
    expect(() => settings({ endpoint: 'alb' })).toThrow(
      `context 'endpoint' must be 'http-api' or 'function-url', got "alb"`,
    );
  });

  it('parses numbers given as strings by `cdk -c key=value`', () => {
    expect(settings({ workers: '16', workerMemory: ' 10240 ', logRetentionDays: '7' })).toMatchObject({
      workers: 16,
      workerMemoryMiB: 10240,
      logRetention: RetentionDays.ONE_WEEK,
    });
  });

  it.each([
    [{ workers: 0 }, /'workers' must be an integer in \[1, 1024\]/],
    [{ concurrencyBudget: -1 }, /'concurrencyBudget'/],
    [{ accountConcurrencyQuota: 'many' }, /'accountConcurrencyQuota'/],
    [{ queryDeadlineMs: 500 }, /'queryDeadlineMs' must be an integer in \[1000, 25000\]/],
    [{ sourceMaps: 'yes please' }, /'sourceMaps' must be true or false/],
    [{ workers: '2.5' }, /'workers'/],
    [{ workerMemory: 64 }, /'workerMemory' must be an integer in \[128, 10240\]/],
    [{ apiMemory: 'lots' }, /'apiMemory'/],
    [{ logRetentionDays: 31 }, /'logRetentionDays' must be one of/],
    [{ prefix: '/strata/' }, /'prefix'/],
    [{ prefix: 'a/*' }, /'prefix'/],
    [{ removalPolicy: 'snapshot' }, /'removalPolicy'/],
  ])('rejects %j', (context, message) => {
    expect(() => settings(context)).toThrow(message);
  });
});
