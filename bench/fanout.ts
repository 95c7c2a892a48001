/**
 * Fan-out benchmark: one collection of N points split into S = 1, 2, 4, 8 segments, queried through the whole local
 * runtime (coordinator → LocalInvoker's worker threads, routing hash(segment) mod K → merge), warm. S = 1 is the
 * baseline of the same run; every row also reports its ratio to it.
 *
 * Two latencies per row:
 * - local: measured end to end on this machine's worker-thread pool (K threads; with fewer cores than segments the
 *   tasks queue for CPU, so local latency stops improving at the core count);
 * - Lambda (modelled, stated): coordinator time + one synchronous Invoke overhead + the slowest task's compute, with
 *   every task on its own warm container. Coordinator time = local latency − the fan-out phase's wall time (both
 *   measured); task compute = the worker-reported `millis` of each task re-run alone (no CPU contention); Invoke
 *   overhead = `--invoke-ms` (default 15 ms: a warm, in-region RequestResponse invoke with a small payload, which
 *   AWS does not publish; measure yours with the api function's logs and pass it).
 *
 *   npm run bench -- fanout [--points 200000] [--queries 100] [--segments 1,2,4,8] [--workers 8] [--k 10]
 *                           [--ef 64] [--invoke-ms 15] [--dataset auto|glove|synthetic] [--exact]
 *
 * --dataset auto: GloVe-100 when --points ≤ 100k (all it has), else seeded clustered synthetic data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { emptyQueryStats } from '../lib/collection/query.js';
import type { Invoker } from '../lib/collection/invoker.js';
import type { SegmentSearchTask } from '../lib/segment/task-contract.js';
import type { CollectionConfig } from '../lib/model/collection-config.js';
import type { QueryRequest } from '../lib/model/search.js';
import { loadConfig } from '../lib/runtime/config.js';
import { createCoordinator } from '../lib/runtime/coordinator.js';
import { createLogger } from '../lib/runtime/logger.js';
import { type Dataset, datasetsAvailable, loadGlove, recallAtK, slice } from '../test/support/datasets.js';
import { formatTable, machineInfo, writeResults } from './support/results.js';
import { benchArgs, numberList } from './support/args.js';

export const description = 'query latency vs segment count on the local worker pool, and the modelled Lambda fan-out';

interface Options {
  points: number;
  queries: number;
  segments: number[];
  workers: number;
  k: number;
  ef: number;
  invokeMs: number;
  dataset: string;
  exact: boolean;
}

function parse(argv: string[]): Options {
  const values = benchArgs(argv, {
    points: 200000,
    queries: 100,
    segments: '1,2,4,8',
    workers: 8,
    k: 10,
    ef: 64,
    'invoke-ms': 15,
    dataset: 'auto',
    exact: false,
  });
  return { ...values, segments: numberList('segments', values.segments), invokeMs: values['invoke-ms'] };
}

/**
 * Seeded clustered data (GloVe here has 100k vectors; the fan-out needs more): 1,000 Gaussian clusters in dim 100,
 * queries are base points plus noise, so the neighbourhoods are as structured as real embeddings'.
 */
function synthetic(n: number, nq: number, dim: number): Dataset {
  let a = 987654321;
  const uniform = () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return (a + 0.5) / 2 ** 32;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const clusters = 1000;
  const centers = Float32Array.from({ length: clusters * dim }, gauss);
  const base = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(uniform() * clusters);
    for (let j = 0; j < dim; j++) base[i * dim + j] = centers[c * dim + j] + 0.35 * gauss();
  }
  const queries = new Float32Array(nq * dim);
  for (let q = 0; q < nq; q++) {
    const i = Math.floor(uniform() * n);
    for (let j = 0; j < dim; j++) queries[q * dim + j] = base[i * dim + j] + 0.2 * gauss();
  }
  return {
    name: 'clustered-synthetic',
    distance: 'Cosine',
    dim,
    nBase: n,
    base,
    nQueries: nq,
    queries,
    groundTruth: new Int32Array(0),
    gtK: 0,
  };
}

async function loadDataset(o: Options): Promise<Dataset> {
  const glove = o.dataset === 'glove' || (o.dataset === 'auto' && o.points <= 100_000);
  const full = glove && datasetsAvailable() ? await loadGlove() : synthetic(o.points, o.queries, 100);
  return slice(full, Math.min(o.points, full.nBase), Math.min(o.queries, full.nQueries), o.k);
}

/** Records each query's tasks and the wall time of its fan-out phase (first invoke → last answer). */
class RecordingInvoker implements Invoker {
  tasks: Array<{ worker: number; task: SegmentSearchTask }> = [];
  first = 0;
  last = 0;
  constructor(readonly inner: Invoker) {}
  get workers(): number {
    return this.inner.workers;
  }
  reset(): void {
    this.tasks = [];
    this.first = 0;
    this.last = 0;
  }
  async invoke(worker: number, task: SegmentSearchTask, deadlineMs: number) {
    if (this.first === 0) this.first = performance.now();
    this.tasks.push({ worker, task });
    const result = await this.inner.invoke(worker, task, deadlineMs);
    this.last = performance.now();
    return result;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f1 = (x: number) => x.toFixed(1);

export async function main(argv: string[]): Promise<void> {
  const o = parse(argv);
  const ds = await loadDataset(o);
  console.log(`fanout benchmark — ${JSON.stringify(machineInfo())}`);
  console.log(
    `dataset ${ds.name} (${ds.distance}, dim ${ds.dim}), ${ds.nBase} points, ${ds.nQueries} queries, k=${o.k}, ` +
      `${o.exact ? 'exact' : `HNSW m=16 ef_construct=100 hnsw_ef=${o.ef}`}, int8 (quantile 0.99, always_ram) + rescore, ` +
      `oversampling 2, filesystem store, ${o.workers} worker threads, worker caches ${(loadConfig().cacheBytes / 2 ** 30).toFixed(1)} GiB in all, ` +
      `modelled Invoke overhead ${o.invokeMs} ms`,
  );
  const requests: QueryRequest[] = Array.from({ length: ds.nQueries }, (_, q) => ({
    vector: Array.from(ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim)),
    limit: o.k,
    offset: 0,
    params: { hnsw_ef: o.ef, exact: o.exact, quantization: { ignore: false, rescore: true, oversampling: 2 } },
    with_payload: false,
    with_vector: false,
  }));

  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  let baseline: { local: number; lambda: number } | undefined;
  for (const S of o.segments) {
    const root = mkdtempSync(join(tmpdir(), 'strata-bench-fanout-'));
    const cfg = loadConfig({
      ...process.env,
      STRATA_DATA_DIR: root,
      STRATA_WORKERS: String(o.workers),
      STRATA_LOG_LEVEL: 'warn',
      STRATA_OPTIMIZE_AFTER_POINTS: String(Number.MAX_SAFE_INTEGER),
    });
    const rt = await createCoordinator(cfg, { logger: createLogger(cfg, 'bench'), fallback: 'threads' });
    const recorder = new RecordingInvoker(rt.invoker);
    // the same store and threads, with the recorder in front (the coordinator's own service stays unused for queries)
    const { StrataCollectionService } = await import('../lib/collection/service.js');
    const svc = new StrataCollectionService({ store: rt.store, invoker: recorder, queryDeadlineMs: 60_000 });
    try {
      const config: CollectionConfig = {
        vectors: { size: ds.dim, distance: ds.distance, on_disk: false },
        hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10 },
        quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
        optimizers_config: { default_segment_number: S, indexing_threshold: o.exact ? 0 : 1 },
      };
      const t0 = performance.now();
      await svc.createCollection('bench', config);
      for (let i = 0; i < ds.nBase; i += 5000) {
        const n = Math.min(5000, ds.nBase - i);
        const points = Array.from({ length: n }, (_, j) => ({
          id: i + j,
          vector: Array.from(ds.base.subarray((i + j) * ds.dim, (i + j + 1) * ds.dim)),
        }));
        await svc.upsertPoints('bench', points, true);
      }
      const { optimizeCollection } = await import('../lib/collection/optimizer.js');
      await optimizeCollection(rt.store, '', 'bench');
      const buildS = (performance.now() - t0) / 1000;
      const info = await svc.getCollection('bench');

      for (const r of requests) await svc.query('bench', r); // warm: every worker thread opens its segments
      const local: number[] = [];
      const coord: number[] = [];
      const slowestTask: number[] = [];
      const found: number[][] = [];
      let tasks = 0;
      let distances = 0;
      let cold = 0;
      for (const r of requests) {
        recorder.reset();
        const stats = emptyQueryStats();
        const q0 = performance.now();
        const res = await svc.query('bench', r, { stats });
        const ms = performance.now() - q0;
        local.push(ms);
        coord.push(Math.max(0, ms - (recorder.last - recorder.first)));
        found.push(res.map((p) => p.id as number));
        tasks += stats.tasks;
        distances += stats.distances;
        cold += stats.cold;
        // each task again, alone: its compute without other tasks competing for the cores
        let slowest = 0;
        for (const { worker, task } of recorder.tasks)
          slowest = Math.max(slowest, (await rt.invoker.invoke(worker, task, 60_000)).stats.millis);
        slowestTask.push(slowest);
      }
      const lambda = local.map((_, i) => coord[i] + o.invokeMs + slowestTask[i]);
      const recall = ds.gtK > 0 ? recallAtK(found, ds.groundTruth, ds.gtK, o.k) : Number.NaN;
      const p50 = { local: pct(local, 50), lambda: pct(lambda, 50) };
      baseline ??= p50;
      rows.push([
        S,
        info.segments_count,
        f1(tasks / requests.length),
        Math.round(distances / requests.length),
        f1(cold / requests.length),
        f1(p50.local),
        f1(pct(local, 95)),
        `${(p50.local / baseline.local).toFixed(2)}x`,
        f1(pct(coord, 50)),
        f1(pct(slowestTask, 50)),
        f1(p50.lambda),
        f1(pct(lambda, 95)),
        `${(p50.lambda / baseline.lambda).toFixed(2)}x`,
        Number.isNaN(recall) ? '-' : recall.toFixed(3),
        f1(buildS),
      ]);
      console.log(`S=${S}: ${rows.at(-1)!.join('  ')}`);
      json.push({
        segments: S,
        segmentsCount: info.segments_count,
        tasksPerQuery: tasks / requests.length,
        distancesPerQuery: distances / requests.length,
        coldSegmentsPerQuery: cold / requests.length,
        localMs: { p50: p50.local, p95: pct(local, 95) },
        coordinatorMs: { p50: pct(coord, 50) },
        slowestTaskMs: { p50: pct(slowestTask, 50) },
        lambdaModelMs: { p50: p50.lambda, p95: pct(lambda, 95) },
        recall,
        buildSeconds: buildS,
      });
    } finally {
      await rt.close();
      rmSync(root, { recursive: true, force: true });
    }
  }
  console.log(
    formatTable(
      [
        'segments',
        'built',
        'tasks/q',
        'dist/q',
        'cold/q',
        'local p50',
        'local p95',
        'vs S=1',
        'coord p50',
        'task p50',
        'λ p50',
        'λ p95',
        'vs S=1',
        'recall',
        'build s',
      ],
      rows,
    ),
  );
  console.log('ms; λ = modelled Lambda latency: coordinator + invoke overhead + slowest task alone (see header)');
  const path = writeResults('fanout', {
    options: o,
    machine: machineInfo(),
    dataset: { name: ds.name, dim: ds.dim, points: ds.nBase },
    rows: json,
  });
  console.log(`results: ${path}`);
}
