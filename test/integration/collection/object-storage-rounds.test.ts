/**
 * What a query and a write cost at real object-storage latency, per scenario of Qdrant's optimize guide, through the
 * whole collection path (coordinator → segment workers → merge → payload fetch) over the latency proxy in front of a
 * real S3 server (moto). Rounds are counted (IoScope depths: lib/storage/io-stats.ts, read through the same cost
 * report a client gets, lib/api/cost-header.ts) and GETs are counted by the proxy — never timed.
 *
 * | scenario                    | collection                                         | query                      |
 * |-----------------------------|----------------------------------------------------|----------------------------|
 * | 1 speed + low memory        | int8 always_ram, vectors on_disk                   | rescore false (and true)   |
 * | 2 precision + low memory    | vectors on_disk, hnsw on_disk, no quantization     | hnsw_ef 128                |
 * | 3 precision + speed         | everything in RAM, int8 always_ram                 | hnsw_ef 128, rescored      |
 *
 * One segment of 25k GloVe-100 points per collection (the storage bench's collection: 50k in 2 segments).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costReport, type CostReport } from '../../../lib/api/cost-header.js';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { emptyQueryStats } from '../../../lib/collection/query.js';
import { StrataCollectionService } from '../../../lib/collection/service.js';
import type { CollectionConfig } from '../../../lib/model/collection-config.js';
import type { QueryRequest } from '../../../lib/model/search.js';
import { DirectInvoker } from '../../../lib/runtime/direct-invoker.js';
import { SegmentRegistry } from '../../../lib/segment/registry.js';
import { DEFAULT_TUNING, PAGE_TUNING, type SearchTuning } from '../../../lib/segment/search.js';
import type { Segment } from '../../../lib/segment/segment.js';
import { runSegmentTask } from '../../../lib/segment/task.js';
import { IoScope } from '../../../lib/storage/io-stats.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { S3Store } from '../../../lib/storage/s3-store.js';
import { type Dataset, datasetsAvailable, loadGlove, slice } from '../../support/datasets.js';
import { type LatencyProxy, startLatencyProxy } from '../../support/s3-latency-proxy.js';
import { type S3Server, startS3Server } from '../../support/s3-servers.js';

const N = 25_000;
const D = 5;
const MB = 1e6;
/**
 * Fan-out deadline and test timeout of the tests that run cold scenario-2 queries: such a query reads its walk's
 * records in ~2,500 ranged GETs (lib/segment/cold-records.ts), which S3 serves in parallel but moto (one Python
 * process) answers one after another, 5-25 ms each on these shared machines: tens of seconds a query here. The
 * counts asserted do not depend on it.
 */
const COLD_S2_MS = 300_000;
/** the optimizer's clock: with a fixed id suffix, the segment id and so its graph do not change from run to run */
const SEALED_AT = Date.UTC(2026, 11, 1);

interface Scenario {
  name: string;
  config: (dim: number) => CollectionConfig;
  params: QueryRequest['params'];
}

const base = (dim: number, vectorsOnDisk: boolean, graphOnDisk: boolean, int8: boolean): CollectionConfig => ({
  vectors: { size: dim, distance: 'Cosine', on_disk: vectorsOnDisk },
  hnsw_config: { m: 16, ef_construct: 100, on_disk: graphOnDisk, full_scan_threshold: 10 },
  quantization_config: int8 ? { scalar: { type: 'int8', quantile: 0.99, always_ram: true } } : null,
  optimizers_config: { default_segment_number: 1, indexing_threshold: 1 },
});

const SCENARIOS: Record<'s1' | 's2' | 's3', Scenario> = {
  s1: {
    name: 'scenario 1',
    config: (dim) => base(dim, true, false, true),
    params: { exact: false, quantization: { ignore: false, rescore: false, oversampling: 1 } },
  },
  s2: { name: 'scenario 2', config: (dim) => base(dim, true, true, false), params: { exact: false, hnsw_ef: 128 } },
  s3: {
    name: 'scenario 3',
    config: (dim) => base(dim, false, false, true),
    params: { exact: false, hnsw_ef: 128, quantization: { ignore: false, oversampling: 1 } },
  },
};

let server: S3Server;
let proxy: LatencyProxy;
let store: S3Store;
let ds: Dataset;

/** Segment tasks still running, a cancelled one included (it stops itself at its next round). */
const running = new Set<Promise<unknown>>();

/** Resolves when every segment task has stopped (answered or cancelled). */
async function tasksSettled(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}

/**
 * A coordinator with fresh workers (empty registries and page caches): a cold Lambda container, locally. Its workers
 * read with the default tuning (`records`: the byte bound the scenario-2 cases assert); `STRATA_COLD_READS=pages`
 * has a case of its own.
 */
function coordinator(
  over: { queryDeadlineMs?: number; readStalenessMs?: number } = {},
  tuning: SearchTuning = DEFAULT_TUNING,
): StrataCollectionService {
  const registry = new SegmentRegistry<Segment>();
  const cache = new PageCache(store);
  const invoker = new DirectInvoker({
    workers: 1,
    run: (task, _w, signal) => {
      const run = runSegmentTask(task, { store, cache, registry, tuning }, signal);
      // the caller sees the rejection; the tracking copy only waits for the end
      const tracked: Promise<unknown> = run.then(
        () => running.delete(tracked),
        () => running.delete(tracked),
      );
      running.add(tracked);
      return run;
    },
  });
  return new StrataCollectionService({ store, invoker, queryDeadlineMs: COLD_S2_MS, ...over });
}

function request(qi: number, params: QueryRequest['params'], withPayload = false): QueryRequest {
  return {
    vector: Array.from(ds.queries.subarray(qi * ds.dim, (qi + 1) * ds.dim)),
    limit: 10,
    offset: 0,
    params,
    with_payload: withPayload,
    with_vector: false,
  };
}

async function costOf(svc: StrataCollectionService, name: string, req: QueryRequest): Promise<CostReport> {
  const trace = { stats: emptyQueryStats(), io: new IoScope() };
  await svc.query(name, req, trace);
  return costReport(trace, 0);
}

const available = datasetsAvailable();

describe.skipIf(!available)('object storage at real latency (moto behind the latency proxy)', () => {
  beforeAll(async () => {
    ds = slice(await loadGlove(), N, 20, 10);
    server = await startS3Server('moto');
    proxy = await startLatencyProxy({ upstream: server.endpoint, firstByteMs: D });
    store = new S3Store({
      bucket: `rounds-${randomBytes(4).toString('hex')}`,
      endpoint: proxy.endpoint,
      region: server.region,
      credentials: server.credentials,
      // a cold scenario-2 round queues a few hundred ranged GETs behind the pool's sockets, and moto serves them one
      // at a time: the SDK's connect timer runs while a request waits for a socket (S3 serves them in parallel)
      connectionTimeoutMs: 120_000,
    });
    await store.createBucket();
    const writer = coordinator();
    for (const [key, s] of Object.entries(SCENARIOS)) {
      await writer.createCollection(key, s.config(ds.dim));
      for (let i = 0; i < N; i += 5000) {
        const points = Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({
          id: i + j,
          vector: Array.from(ds.base.subarray((i + j) * ds.dim, (i + j + 1) * ds.dim)),
          payload: { i: i + j },
        }));
        await writer.upsertPoints(key, points, true);
      }
      // one fixed segment id (its HNSW seed, optimizers/execute.ts): the same graph, so the same walks, every run
      await optimize(store, collectionPrefix('', key), { now: () => SEALED_AT, random: () => `0000${key}` });
    }
  }, 600_000);

  afterAll(async () => {
    store?.destroy();
    await proxy?.close();
    await server?.stop();
  });

  it('cold scenario 1 and 3 queries reach their first distance within 2 rounds', async () => {
    for (const key of ['s1', 's3'] as const) {
      const c = await costOf(coordinator(), key, request(0, SCENARIOS[key].params));
      expect(c.cold).toBe(1);
      // a cold coordinator reads the manifest and lists the WAL in ONE round: the listing starts from its clock
      // less the cold window (tail.ts), known without the manifest, and the manifest's floor confirms it
      expect(c.coordinator.rounds).toBe(1);
      // the workers' part: the open, in one round (the task carries the manifest's copy of meta.json), then the
      // first distance
      expect(c.roundsBeforeFirstDistance).toBeLessThanOrEqual(1);
      expect(c.coordinator.rounds + c.roundsBeforeFirstDistance).toBeLessThanOrEqual(2);
    }
  });

  it(
    'a warm query costs at most 1 round (0 with bounded staleness), in every scenario',
    async () => {
      for (const key of ['s1', 's2', 's3'] as const) {
        const params = SCENARIOS[key].params;
        for (const staleness of [0, 60_000]) {
          const svc = coordinator({ readStalenessMs: staleness });
          await svc.query(key, request(1, params, true));
          // a worker's first walk over an on-disk segment reads only its records (scenario 2), its second reads
          // what the worker keeps whole (the warm size rule, lib/segment/search.ts): warm from then on
          await svc.query(key, request(2, params));
          proxy.reset();
          const c = await costOf(svc, key, request(1, params));
          expect(c.cold).toBe(0);
          expect(c.gets).toBe(0);
          expect(c.total.rounds).toBe(staleness === 0 ? 1 : 0);
          expect(proxy.stats().requests).toBe(staleness === 0 ? 2 : 0);
          // the coordinator keeps the payloads of the pages it read (segment-access.ts): the same top-k with its
          // payloads costs no more, a new top-k reads its payloads in exactly one round, after the search
          const same = await costOf(svc, key, request(1, params, true));
          expect(same.gets).toBe(0);
          expect(same.total.rounds).toBe(staleness === 0 ? 1 : 0);
          const p = await costOf(svc, key, request(3, params, true));
          expect(p.gets).toBe(0);
          expect(p.total.rounds).toBe(staleness === 0 ? 2 : 1);
        }
      }
    },
    COLD_S2_MS,
  );

  it('rescoring with originals on disk: at most 1 round and 8 GETs per segment', async () => {
    const svc = coordinator();
    const walk = { exact: false, quantization: { ignore: false, rescore: false, oversampling: 4 } };
    for (let qi = 2; qi < 12; qi++) {
      await svc.query('s1', request(qi, walk));
      proxy.reset();
      const c = await costOf(
        svc,
        's1',
        request(qi, { ...walk, quantization: { ...walk.quantization, rescore: true } }),
      );
      expect(c.rounds).toBe(1);
      expect(c.gets).toBeGreaterThan(0);
      expect(c.gets).toBeLessThanOrEqual(8 * c.segments);
      expect(proxy.stats().byKind.rangedGet).toBe(c.gets);
    }
  });

  it('an upsert is acknowledged after at most 2 rounds, the WAL PUT last', async () => {
    const svc = coordinator();
    await svc.query('s1', request(0, SCENARIOS.s1.params));
    const points = Array.from({ length: 100 }, (_, j) => ({
      id: 1_000_000 + j,
      vector: Array.from(ds.base.subarray(j * ds.dim, (j + 1) * ds.dim)),
    }));
    proxy.reset();
    await svc.upsertPoints('s1', points, true);
    const s = proxy.stats();
    expect(s.rounds).toBeLessThanOrEqual(2);
    expect(s.byKind.put).toBe(1);
    expect(proxy.log().at(-1)?.kind).toBe('put');
  });

  it(
    'cold scenario 2: one 25k-point segment costs at most 10 rounds and 4 MB, its walk reading only its records',
    async () => {
      const costs: CostReport[] = [];
      // the same walk with the graph and originals read whole (the size rule raised past this segment): its pages are
      // the in-memory walk's data, so its hits are the in-memory walk's
      const whole = { ...DEFAULT_TUNING, wholeGraphBytes: 64 * MB, wholeVectorsBytes: 64 * MB };
      for (let qi = 0; qi < 3; qi++) {
        const trace = { stats: emptyQueryStats(), io: new IoScope() };
        const frugal = await coordinator().query('s2', request(qi, SCENARIOS.s2.params), trace);
        costs.push(costReport(trace, 0));
        const inMemory = await coordinator({}, whole).query('s2', request(qi, SCENARIOS.s2.params));
        expect(frugal.map((p) => [p.id, p.score])).toEqual(inMemory.map((p) => [p.id, p.score]));
      }
      const mean = (f: (c: CostReport) => number) => costs.reduce((a, c) => a + f(c), 0) / costs.length;
      console.log(
        `cold scenario 2, 25k GloVe-100 points, 1 segment, ef 128: rounds ${costs.map((c) => c.total.rounds).join(' ')}, ` +
          `GETs ${mean((c) => c.total.gets)}, MB ${mean((c) => c.total.bytes) / MB}`,
      );
      // the coordinator's snapshot, the open (one round: the task carries the manifest's copy of meta.json), then a
      // round per beam step: the count depends on the graph and the query, never on the server's speed (every step
      // issues its reads together: test/unit/segment/cold-walk-rounds.test.ts). Over 20 queries on each of three
      // graphs a query takes 7-10 (test/unit/collection/cold-scenario2-rounds.test.ts); these three 9, 9 and 8.
      for (const c of costs) {
        expect(c.cold).toBe(1);
        expect(c.total.rounds).toBeLessThanOrEqual(10);
        // the open (ids 0.73 MB, payload index 0.3 MB, the entry region's rows and records ~1 MB) and the walk's
        // ~1,800 rows (400 B) and layer-0 records (132 B), records within 1 KiB of each other sharing a GET
        // (cold-records.ts); read whole, the graph and originals alone were 13.3 MB
        expect(c.total.bytes).toBeLessThanOrEqual(4 * MB);
        // the price: a GET per record or near pair of them, a few hundred per round (measured ~2,500 a query)
        expect(c.gets).toBeLessThanOrEqual(4000);
      }
    },
    COLD_S2_MS,
  );

  it(
    'cold scenario 2 with STRATA_COLD_READS=pages: the 25k-point segment read whole, 3 rounds and at most 50 GETs',
    async () => {
      const trace = { stats: emptyQueryStats(), io: new IoScope() };
      const hits = await coordinator({}, PAGE_TUNING).query('s2', request(0, SCENARIOS.s2.params), trace);
      const c = costReport(trace, 0);
      console.log(`cold scenario 2, pages: rounds ${c.total.rounds}, GETs ${c.total.gets}, MB ${c.total.bytes / MB}`);
      expect(c.cold).toBe(1);
      // the snapshot, the open, then the graph's layer 0 and the originals whole together
      expect(c.total.rounds).toBeLessThanOrEqual(3);
      // the graph's layer 0 (3.3 MB) and the originals (10 MB) in ~1 MiB ranged GETs, plus the open's few objects:
      // few GETs for more bytes, past the 4 MB bound (segment/search.ts says why records are the default)
      expect(c.total.gets).toBeLessThanOrEqual(50);
      expect(c.total.bytes).toBeLessThanOrEqual(16 * MB);
      const frugal = await coordinator().query('s2', request(0, SCENARIOS.s2.params));
      expect(hits.map((p) => [p.id, p.score])).toEqual(frugal.map((p) => [p.id, p.score]));
    },
    COLD_S2_MS,
  );

  it(
    'a cold scenario-2 query that failed its deadline is answered on repeat, with fewer GETs each time',
    async () => {
      proxy.configure({ firstByteMs: 40 });
      try {
        // the deadline: 60% of what the uninterrupted cold query's fan-out takes at this D, in this run (so the first
        // try gets past the open's small rounds into the walk's record reads, and cannot finish them)
        const once = await costOf(coordinator(), 's2', request(7, SCENARIOS.s2.params));
        const svc = coordinator({ queryDeadlineMs: Math.round(0.6 * once.stageMs.fanOut) });
        const gets: number[] = [];
        let answered = false;
        for (let attempt = 0; attempt < 12 && !answered; attempt++) {
          proxy.reset();
          answered = await svc.query('s2', request(7, SCENARIOS.s2.params)).then(
            () => true,
            (e: unknown) => {
              expect((e as { kind?: string }).kind).toBe('unavailable');
              return false;
            },
          );
          // a cancelled task stops at its next round, keeping what that round fetched: count its GETs with its try
          await tasksSettled();
          gets.push(proxy.stats().byKind.rangedGet + proxy.stats().byKind.get);
        }
        console.log(
          `repeated cold scenario-2 query at D = 40 ms, deadline ${Math.round(0.6 * once.stageMs.fanOut)} ms: GETs ` +
            `per try ${gets.join(', ')} (one uninterrupted cold query: ${once.total.gets})`,
        );
        expect(answered).toBe(true);
        expect(gets.length).toBeGreaterThan(1);
        for (let i = 1; i < gets.length; i++) expect(gets[i]).toBeLessThan(gets[i - 1]);
        // no page is fetched twice: all the tries together cost about one uninterrupted cold query
        expect(gets.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(once.total.gets + 2 * gets.length);
      } finally {
        proxy.configure({ firstByteMs: D });
      }
    },
    COLD_S2_MS,
  );
});
