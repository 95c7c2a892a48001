/**
 * Concurrency and scale settings are checked at synth: reserved concurrency against the account quota
 * (infra/concurrency.ts), and K against CloudFormation's 500 resources and Lambda's 4 KB environment, measured on the
 * stack as built (infra/limits.ts).
 */
import { describe, expect, it } from 'vitest';
import { planConcurrency } from '../../infra/concurrency.js';
import { CLOUDFORMATION_RESOURCE_LIMIT, LAMBDA_ENVIRONMENT_LIMIT_BYTES } from '../../infra/limits.js';
import { API, functionBy, resourcesOf, synthStrata } from './synth.js';

describe('planConcurrency', () => {
  it('splits the budget so every api execution can have its whole fan-out running', () => {
    const plan = planConcurrency({ budget: 500, accountQuota: 1000, workers: 8 });
    expect(plan).toEqual({
      api: 55,
      worker: 55,
      optimizer: 2,
      reservedTotal: 55 + 8 * 55 + 2,
      throttleRateLimit: 55,
      throttleBurstLimit: 55,
    });
  });

  it('counts explicit overrides in the total and keeps explicit throttles', () => {
    const plan = planConcurrency({
      budget: 0,
      accountQuota: 1000,
      workers: 4,
      apiOverride: 10,
      workerOverride: 20,
      rateOverride: 7,
    });
    expect(plan).toEqual({ api: 10, worker: 20, reservedTotal: 90, throttleRateLimit: 7, throttleBurstLimit: 10 });
  });

  it('without a budget reserves nothing and sizes the throttle on what the account could give the api', () => {
    // (1000 - 100) / (8 + 1) = 100
    expect(planConcurrency({ budget: 0, accountQuota: 1000, workers: 8 })).toEqual({
      reservedTotal: 0,
      throttleRateLimit: 100,
      throttleBurstLimit: 100,
    });
  });

  it('rejects a budget that cannot give every function one execution', () => {
    expect(() => planConcurrency({ budget: 10, accountQuota: 1000, workers: 8 })).toThrow(
      /'concurrencyBudget' is 10: .* need at least 11/,
    );
  });
});

describe('synth fails with a clear message', () => {
  it('for a reserved total above the account quota minus the 100 unreserved executions', () => {
    expect(() => synthStrata({ concurrencyBudget: 950 })).toThrow(
      /reserved concurrency api 105 \+ 8 workers × 105 \+ optimizer 2 = 947 exceeds the account quota 1000 minus the 100 executions AWS keeps unreserved \(at most 900\)/,
    );
    expect(() => synthStrata({ accountConcurrencyQuota: 400, workerReservedConcurrency: 40 })).toThrow(
      /= 377 exceeds the account quota 400 .*at most 300.*'concurrencyBudget'/,
    );
    expect(() => synthStrata({ accountConcurrencyQuota: 50 })).toThrow(/'accountConcurrencyQuota' is 50/);
  });

  it('for 300 workers, naming the limits and the largest K that fits', { timeout: 180_000 }, () => {
    expect(() => synthStrata({ workers: 300, concurrencyBudget: 0 })).toThrow(
      /context 'workers' is 300, more than this stack can hold: at most \d+\. The template would have \d+ resources \(CloudFormation allows 500; each worker adds 6\) and the api function's environment up to \d+ bytes \(Lambda allows 4096/,
    );
  });
});

describe('scale limits measured on the built stack', () => {
  it('counts the resources a worker adds from the template itself', { timeout: 120_000 }, () => {
    const one = synthStrata({ workers: 1 });
    const two = synthStrata({ workers: 2 });
    const count = (s: typeof one) => Object.keys(s.template.toJSON().Resources).length;
    expect(one.stack.scale.resourcesPerWorker).toBe(count(two) - count(one));
    // the check also counts the metadata resource `cdk synth` adds (tests synthesize without it)
    expect(two.stack.scale.resources).toBe(count(two) + 1);

    // the environment estimate bounds the api's real environment: every literal counted, tokens at their maximum
    const env = functionBy(two.template, API)[1].Properties.Environment.Variables as Record<string, unknown>;
    const literal = Object.entries(env)
      .filter(([, v]) => typeof v === 'string')
      .reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    expect(two.stack.scale.environmentBytes).toBeGreaterThan(literal);
    // each worker name: stack `Strata` + logical id + CloudFormation's 13-character suffix, and a comma
    expect(two.stack.scale.environmentBytesPerWorker).toBeLessThanOrEqual(64 + 1);
  });

  it('accepts the largest K it reports, and fails one above it', { timeout: 240_000 }, () => {
    const max = synthStrata({ workers: 1 }).stack.scale.maxWorkers;
    expect(max).toBeGreaterThan(50);
    const at = synthStrata({ workers: max, concurrencyBudget: 0 });
    const resources = Object.keys(at.template.toJSON().Resources).length + 1;
    expect(resources).toBeLessThanOrEqual(CLOUDFORMATION_RESOURCE_LIMIT);
    expect(at.stack.scale.environmentBytes).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    expect(resourcesOf(at.template, 'AWS::Lambda::Function')).toHaveLength(max + 2);
    expect(() => synthStrata({ workers: max + 1, concurrencyBudget: 0 })).toThrow(`at most ${max}.`);
  });
});
