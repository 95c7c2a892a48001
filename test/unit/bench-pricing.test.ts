import { describe, expect, it } from 'vitest';
import { engineChart } from '../../bench/support/charts.js';
import { renderSvg } from '../../bench/support/plot.js';
import { PRICES, priceQuery, s3VectorsPerQuery, turbopufferPerQuery } from '../../bench/support/prices.js';

/** One query's billable counts: 9 invocations, 0.15 GB-s, 2 GETs, 1 LIST, one front-door request. */
const COUNTS = {
  apiGatewayRequests: 1,
  lambdaInvocations: 9,
  apiGbSeconds: 0.05,
  workerGbSeconds: 0.1,
  s3Gets: 2,
  s3Lists: 1,
};

describe('cost bench pricing', () => {
  it('prices a query from its billable counts: Lambda requests + GB-s, S3 GET and LIST tiers, API Gateway', () => {
    const p = priceQuery(COUNTS);
    expect(p.lambda).toBeCloseTo(9 * 0.2 + 0.15 * 0.0000133334 * 1e6, 6);
    expect(p.s3).toBeCloseTo(2 * 0.0004 * 1000 + 0.005 * 1000, 6);
    expect(p.apiGateway).toBeCloseTo(1, 9);
    expect(p.perMillion).toBeCloseTo(p.lambda + p.s3 + p.apiGateway, 9);
  });

  it('prices the function URL endpoint as the same query without the HTTP API request charge', () => {
    const api = priceQuery(COUNTS);
    const url = priceQuery(COUNTS, 'function-url');
    expect(url.apiGateway).toBe(0);
    expect(url.lambda).toBe(api.lambda);
    expect(url.perMillion).toBeCloseTo(api.perMillion - 1, 9);
  });

  it('charges S3 Vectors data processed per TB of the index, first 100k vectors at the higher rate', () => {
    const small = s3VectorsPerQuery(50_000, 3080);
    expect(small.requests).toBeCloseTo(2.5, 9);
    expect(small.processing).toBeCloseTo(1e6 * ((50_000 * 3080) / 1e12) * 0.004, 9);
    const large = s3VectorsPerQuery(1_000_000, 3080);
    expect(large.processing).toBeCloseTo(
      1e6 * (((100_000 * 3080) / 1e12) * 0.004 + ((900_000 * 3080) / 1e12) * 0.002),
      9,
    );
    expect(large.total).toBeCloseTo(large.requests + large.processing, 9);
  });

  it('charges turbopuffer per PB queried', () => {
    expect(turbopufferPerQuery(1e9)).toBeCloseTo(1e6 * 1e-6 * 1, 9);
  });

  it('cites a source and a date for every price', () => {
    for (const p of PRICES) {
      // the one free item: a function URL's request (Lambda bills the invocation it makes)
      if (p.key === 'functionUrlRequest') expect(p.value).toBe(0);
      else expect(p.value).toBeGreaterThan(0);
      expect(p.source.length).toBeGreaterThan(10);
      expect(p.date.length).toBeGreaterThan(3);
    }
  });
});

describe('bench pictures', () => {
  it('renders the engine chart to an SVG naming every engine', async () => {
    const rows = ['qdrant i8', 'strata i8'].flatMap((engine, e) =>
      [64, 128].map((ef, i) => ({
        dataset: 'glove',
        engine,
        ef,
        recall: 0.9 + i * 0.05,
        qps: (1000 * (e + 1)) / (i + 1),
      })),
    );
    const svg = await renderSvg(engineChart(rows, 10));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('qdrant i8');
    expect(svg).toContain('strata i8');
  });
});
