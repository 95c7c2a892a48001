/**
 * Query API benchmark: what a multi-stage query costs next to a plain one, side by side in the same run, through the
 * whole local runtime (coordinator → LocalInvoker's worker threads → merge), warm. The plain query is the baseline;
 * every row reports its counters per query and its ratio to it:
 * - invocations (segment tasks: one per worker holding segments, whatever the number of leaves);
 * - read rounds on the critical path: the slowest worker's coalesced rounds plus the coordinator's own (its reads
 *   of the candidates' originals for a re-score, one batched read per segment);
 * - GETs (worker + coordinator) and similarity computations;
 * - local latency (this machine's thread pool; noisy on a shared 2-core box, so the counters are the claim).
 *
 * Rows:
 * - plain: `query: v` (HNSW on int8, rescored with the originals inside the workers: the default rule);
 * - prefetch(int8, limit 100) -> rescore: `prefetch: {query: v, limit: 100, rescore: false}`, `query: v` (the
 *   candidates' originals read once at the coordinator, re-scored there);
 * - recommend best_score: a scored form, scanned exactly by the workers in the same single fan-out.
 * Originals are on disk (`vectors.on_disk: true`), so every read of them is a counted ranged GET.
 *
 *   npm run bench -- query [--points 20000] [--dim 64] [--queries 50] [--segments 4] [--workers 4] [--k 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { emptyQueryStats } from '../lib/collection/query.js';
import type { CollectionConfig } from '../lib/model/collection-config.js';
import type { UniversalQuery } from '../lib/model/query.js';
import { loadConfig } from '../lib/runtime/config.js';
import { createCoordinator } from '../lib/runtime/coordinator.js';
import { createLogger } from '../lib/runtime/logger.js';
import { IoScope } from '../lib/storage/io-stats.js';
import { formatTable, machineInfo, writeResults } from './support/results.js';
import { benchArgs } from './support/args.js';

export const description = 'prefetch(int8, 100) -> rescore and a scored form vs a plain query: invocations, rounds';

interface Options {
  points: number;
  dim: number;
  queries: number;
  segments: number;
  workers: number;
  k: number;
}

function parse(argv: string[]): Options {
  return benchArgs(argv, { points: 20000, dim: 64, queries: 50, segments: 4, workers: 4, k: 10 });
}

/** Seeded Gaussian vectors (mulberry-style LCG + Box–Muller): the counters do not depend on the data's shape. */
function gaussianRows(n: number, dim: number, seed: number): number[][] {
  let a = seed >>> 0;
  const uniform = () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return (a + 0.5) / 2 ** 32;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return Array.from({ length: n }, () => Array.from({ length: dim }, gauss));
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

type Form = { name: string; build: (v: number[], id: number) => UniversalQuery };

export async function main(argv: string[]): Promise<void> {
  const o = parse(argv);
  const base: Omit<UniversalQuery, 'query'> = {
    prefetch: [],
    using: '',
    params: { exact: false },
    limit: o.k,
    offset: 0,
    with_payload: false,
    with_vector: false,
  };
  const forms: Form[] = [
    { name: 'plain', build: (v) => ({ ...base, query: { kind: 'nearest', input: { vector: v } } }) },
    {
      name: 'prefetch(int8, 100) -> rescore',
      build: (v) => ({
        ...base,
        prefetch: [
          {
            prefetch: [],
            query: { kind: 'nearest', input: { vector: v } },
            using: '',
            params: { exact: false, quantization: { ignore: false, rescore: false, oversampling: 1 } },
            limit: 100,
          },
        ],
        query: { kind: 'nearest', input: { vector: v } },
      }),
    },
    {
      name: 'recommend best_score',
      build: (v, id) => ({
        ...base,
        query: { kind: 'recommend', strategy: 'best_score', positive: [{ vector: v }], negative: [{ id }] },
      }),
    },
  ];
  console.log(`query benchmark — ${JSON.stringify(machineInfo())}`);
  console.log(
    `${o.points} seeded Gaussian points, dim ${o.dim}, Cosine, ${o.segments} segments, ${o.workers} worker threads, ` +
      `HNSW m=16 ef_construct=100, int8 (quantile 0.99, always_ram), originals on disk, filesystem store, ` +
      `${o.queries} queries per form, k=${o.k}, warm (one untimed pass first); baseline: the plain query`,
  );

  const root = mkdtempSync(join(tmpdir(), 'strata-bench-query-'));
  const cfg = loadConfig({
    ...process.env,
    STRATA_DATA_DIR: root,
    STRATA_WORKERS: String(o.workers),
    STRATA_LOG_LEVEL: 'warn',
    STRATA_OPTIMIZE_AFTER_POINTS: String(Number.MAX_SAFE_INTEGER),
  });
  const rt = await createCoordinator(cfg, { logger: createLogger(cfg, 'bench'), fallback: 'threads' });
  const { StrataCollectionService } = await import('../lib/collection/service.js');
  const svc = new StrataCollectionService({ store: rt.store, invoker: rt.invoker, queryDeadlineMs: 60_000 });
  try {
    const config: CollectionConfig = {
      vectors: { size: o.dim, distance: 'Cosine', on_disk: true },
      hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
      optimizers_config: { default_segment_number: o.segments, indexing_threshold: 1 },
    };
    await svc.createCollection('bench', config);
    const rows = gaussianRows(o.points, o.dim, 12345);
    for (let i = 0; i < o.points; i += 5000) {
      const points = rows.slice(i, i + 5000).map((vector, j) => ({ id: i + j, vector }));
      await svc.upsertPoints('bench', points, true);
    }
    const { optimizeCollection } = await import('../lib/collection/optimizer.js');
    await optimizeCollection(rt.store, '', 'bench');
    const info = await svc.getCollection('bench');
    const queries = gaussianRows(o.queries, o.dim, 777);
    const negativeId = (q: number) => (q * 7919) % o.points;

    const table: (string | number)[][] = [];
    const json: Record<string, unknown>[] = [];
    let baseline: { tasks: number; rounds: number; gets: number } | undefined;
    for (const form of forms) {
      for (let q = 0; q < queries.length; q++)
        await svc.queryUniversal('bench', [form.build(queries[q], negativeId(q))]);
      let tasks = 0;
      let rounds = 0;
      let workerRounds = 0;
      let coordinatorRounds = 0;
      let gets = 0;
      let distances = 0;
      const ms: number[] = [];
      for (let q = 0; q < queries.length; q++) {
        const stats = emptyQueryStats();
        const io = new IoScope();
        const t0 = performance.now();
        await svc.queryUniversal('bench', [form.build(queries[q], negativeId(q))], { stats, io });
        ms.push(performance.now() - t0);
        const c = io.counts;
        tasks += stats.tasks;
        workerRounds += stats.rounds;
        coordinatorRounds += io.rounds;
        rounds += stats.rounds + io.rounds;
        gets += stats.gets + c.gets + c.rangedGets + c.conditionalGets + c.heads;
        distances += stats.distances;
      }
      const n = queries.length;
      const row = {
        form: form.name,
        tasksPerQuery: tasks / n,
        roundsPerQuery: rounds / n,
        workerRoundsPerQuery: workerRounds / n,
        coordinatorRoundsPerQuery: coordinatorRounds / n,
        getsPerQuery: gets / n,
        distancesPerQuery: distances / n,
        localMs: { p50: pct(ms, 50), p95: pct(ms, 95) },
      };
      baseline ??= { tasks: row.tasksPerQuery, rounds: row.roundsPerQuery, gets: row.getsPerQuery };
      const ratio = (x: number, b: number) => (b === 0 ? (x === 0 ? '1.00x' : '-') : `${(x / b).toFixed(2)}x`);
      table.push([
        form.name,
        row.tasksPerQuery.toFixed(1),
        ratio(row.tasksPerQuery, baseline.tasks),
        row.workerRoundsPerQuery.toFixed(1),
        row.coordinatorRoundsPerQuery.toFixed(1),
        `+${(row.roundsPerQuery - baseline.rounds).toFixed(1)}`,
        row.getsPerQuery.toFixed(1),
        ratio(row.getsPerQuery, baseline.gets),
        Math.round(row.distancesPerQuery),
        row.localMs.p50.toFixed(1),
        row.localMs.p95.toFixed(1),
      ]);
      json.push(row);
      console.log(table.at(-1)?.join('  '));
    }
    console.log(
      formatTable(
        [
          'form',
          'invocations/q',
          'vs plain',
          'worker rounds/q',
          'coord rounds/q',
          'rounds vs plain',
          'GETs/q',
          'vs plain',
          'dist/q',
          'local p50',
          'local p95',
        ],
        table,
      ),
    );
    console.log(
      `segments built: ${info.segments_count}; rounds = the slowest worker's + the coordinator's (critical path); ms`,
    );
    const path = writeResults('query', { options: o, machine: machineInfo(), rows: json });
    console.log(`results: ${path}`);
  } finally {
    await rt.close();
    rmSync(root, { recursive: true, force: true });
  }
}
