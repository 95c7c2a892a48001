/**
 * Cost benchmark: dollars per million queries and per GB-month, from counts MEASURED per query through the whole
 * collection path (coordinator → K segment workers → merge), for the guide's three scenarios, cold and warm, priced
 * with the public AWS prices below and extrapolated to 1M × 768-d by the stated model; beside Amazon S3 Vectors' and
 * turbopuffer's published prices for the same workload.
 *
 * Measured (here, at N points × 768-d, seeded clustered Cosine data, S segments = K workers, filesystem store):
 *   per query: Lambda invocations (1 api + one per segment task), each task's compute ms, the coordinator's compute
 *   ms, S3 GETs / LISTs / bytes of the coordinator and of every task, and S3 bytes stored per point. Compute is CPU
 *   time (process.cpuUsage, tasks run one at a time), not wall time, so a busy shared machine does not inflate it;
 *   it includes V8's helper threads, so it errs high.
 * Modelled (stated, the storage bench's S3 model): each sequential S3 round costs 15 ms to first byte and bytes stream
 *   at 80 MB/s; a warm synchronous Invoke adds 15 ms to the api function's wait (bench/fanout.ts). Lambda bills each
 *   function's duration (1 ms granularity) × its memory: a worker for its compute + its own S3 time, the api function
 *   for its compute + its S3 time + the invoke overhead + the slowest worker (it waits).
 * Extrapolation to 1M × 768 (stated): the deployment's K segments of 1M/K points, K = 8 (infra defaults: 8 workers,
 *   api 1024 MiB, workers 2048 MiB, arm64) and K = 2 (the guide's throughput configuration, `default_segment_number:
 *   2`: fewer, larger segments), each measured with S = K. Per-task HNSW work (compute ms, and page GETs/bytes when the
 *   graph or vectors are paged) grows with the walk's length, ~ln(n) of the segment: scaled by ln(1M/K)/ln(N/S).
 *   Whole-object reads on a cold open (int8 codes, in-RAM graph/vectors) grow with n: scaled by (1M/K)/(N/S).
 *   Coordinator work and its S3 requests (manifest revalidation, WAL listing) do not depend on n. Stored bytes scale
 *   with points.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { collectionPrefix } from '../lib/collection/keys.js';
import { optimize } from '../lib/collection/optimizer.js';
import { emptyQueryStats } from '../lib/collection/query.js';
import type { SegmentSearchStats } from '../lib/segment/task-contract.js';
import { StrataCollectionService } from '../lib/collection/service.js';
import type { CollectionConfig } from '../lib/model/collection-config.js';
import type { QueryRequest } from '../lib/model/search.js';
import { mulberry32 } from '../lib/index/index.js';
import { DirectInvoker } from '../lib/runtime/direct-invoker.js';
import { SegmentRegistry } from '../lib/segment/registry.js';
import type { Segment } from '../lib/segment/segment.js';
import { runSegmentTask } from '../lib/segment/task.js';
import { FileSystemStore } from '../lib/storage/fs-store.js';
import { IoScope } from '../lib/storage/io-stats.js';
import { PageCache } from '../lib/storage/page-cache.js';
import { costChart } from './support/charts.js';
import { PRICES, priceQuery, type QueryCounts, s3VectorsPerQuery, turbopufferPerQuery } from './support/prices.js';
import { writeChart } from './support/plot.js';
import { codeVersion, fixed, formatTable, machineInfo, writeResults } from './support/results.js';
import { benchArgs, numberList } from './support/args.js';

export const description =
  '$ per million queries and per GB-month at 1M × 768 from measured counts, vs S3 Vectors/turbopuffer';

const DIM = 768;
const FIRST_BYTE_MS = 15;
const STREAM_MB_PER_S = 80;
const INVOKE_MS = 15;
const TARGET_POINTS = 1_000_000;
const API_MIB = 1024;
const WORKER_MIB = 2048;

interface Scenario {
  name: string;
  vectorsOnDisk: boolean;
  graphOnDisk: boolean;
  int8: boolean;
  params: QueryRequest['params'];
}

const SCENARIOS: Scenario[] = [
  {
    name: '1 speed+low-mem',
    vectorsOnDisk: true,
    graphOnDisk: false,
    int8: true,
    params: { exact: false, quantization: { ignore: false, rescore: false, oversampling: 1 } },
  },
  {
    name: '2 precision+low-mem',
    vectorsOnDisk: true,
    graphOnDisk: true,
    int8: false,
    params: { hnsw_ef: 128, exact: false },
  },
  {
    name: '3 precision+speed',
    vectorsOnDisk: false,
    graphOnDisk: false,
    int8: true,
    // rescore unset: the engine rescores with the originals (the README's rule), as the guide's query leaves it
    params: { hnsw_ef: 128, exact: false, quantization: { ignore: false, oversampling: 1 } },
  },
];

/** Seeded clustered unit vectors (64 centres + noise), a stand-in for 768-d text embeddings. */
function clustered(n: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const centres = Float32Array.from({ length: 64 * DIM }, gauss);
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rnd() * 64);
    let norm = 0;
    for (let j = 0; j < DIM; j++) {
      const v = centres[c * DIM + j] + 0.8 * gauss();
      out[i * DIM + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < DIM; j++) out[i * DIM + j] /= Math.sqrt(norm);
  }
  return out;
}

/**
 * A coordinator and K in-process workers (fresh registries and caches = cold containers); records every task's CPU
 * time and stats. Tasks run one at a time here so each one's CPU time is its own (in AWS each has its own container).
 */
function deployment(
  store: FileSystemStore,
  workers: number,
  tasks: { ms: number; stats: SegmentSearchStats }[],
  readStalenessMs = 0,
) {
  const registries = Array.from({ length: workers }, () => new SegmentRegistry<Segment>());
  const caches = Array.from({ length: workers }, () => new PageCache(store));
  let chain: Promise<unknown> = Promise.resolve();
  const invoker = new DirectInvoker({
    workers,
    run: (task, w) => {
      const next = chain.then(async () => {
        const c0 = process.cpuUsage();
        const result = await runSegmentTask(task, { store, cache: caches[w], registry: registries[w] });
        const c = process.cpuUsage(c0);
        tasks.push({ ms: (c.user + c.system) / 1000, stats: result.stats });
        return result;
      });
      chain = next.catch(() => undefined);
      return next;
    },
  });
  return new StrataCollectionService({ store, invoker, readStalenessMs });
}

/** The bounded-staleness setting priced beside strong reads (STRATA_READ_STALENESS_MS; README, Configuration). */
const STALENESS_MS = 1000;

const s3Ms = (rounds: number, bytes: number): number =>
  rounds * FIRST_BYTE_MS + (bytes / (STREAM_MB_PER_S * 1e6)) * 1000;

interface Measured {
  /** per query, means */
  tasks: number;
  taskComputeMs: number;
  taskGets: number;
  taskBytes: number;
  taskRounds: number;
  coordComputeMs: number;
  coordGets: number;
  coordLists: number;
  coordBytes: number;
  coordRounds: number;
}

async function measure(
  svc: StrataCollectionService,
  reqs: QueryRequest[],
  log: { ms: number; stats: SegmentSearchStats }[],
): Promise<Measured> {
  const m: Measured = {
    tasks: 0,
    taskComputeMs: 0,
    taskGets: 0,
    taskBytes: 0,
    taskRounds: 0,
    coordComputeMs: 0,
    coordGets: 0,
    coordLists: 0,
    coordBytes: 0,
    coordRounds: 0,
  };
  for (const req of reqs) {
    log.length = 0;
    const io = new IoScope();
    const stats = emptyQueryStats();
    const cpu0 = process.cpuUsage();
    await svc.query('bench', req, { io, stats });
    const cpu = process.cpuUsage(cpu0);
    const c = io.snapshot();
    let taskMs = 0;
    m.tasks += log.length;
    for (const task of log) {
      taskMs += task.ms;
      m.taskComputeMs += task.ms;
      m.taskGets += task.stats.gets;
      m.taskBytes += task.stats.bytes;
      m.taskRounds = Math.max(m.taskRounds, task.stats.rounds);
    }
    m.coordComputeMs += (cpu.user + cpu.system) / 1000 - taskMs;
    m.coordGets += c.gets + c.rangedGets + c.conditionalGets;
    m.coordLists += c.lists;
    m.coordBytes += c.bytesIn;
    m.coordRounds += c.rounds;
  }
  const q = reqs.length;
  for (const k of Object.keys(m) as (keyof Measured)[]) if (k !== 'taskRounds') m[k] /= q;
  return m;
}

/** Scales one scenario's measured per-query counts to the target deployment (see the header) and prices them. */
function extrapolate(
  m: Measured,
  segments: number,
  perSegmentMeasured: number,
  cold: boolean,
  paged: boolean,
): QueryCounts {
  const perSegment = TARGET_POINTS / segments;
  const walk = Math.log(perSegment) / Math.log(perSegmentMeasured);
  const whole = perSegment / perSegmentMeasured;
  const perTask = (x: number) => x / Math.max(m.tasks, 1);
  // cold: a task's bytes are whole-object opens (scale with n) plus walk pages (scale with ln n) when paged
  const taskBytes = perTask(m.taskBytes) * (cold ? whole : paged ? walk : 1);
  const taskGets = perTask(m.taskGets) * (paged ? walk : 1);
  const taskMs = perTask(m.taskComputeMs) * walk + s3Ms(m.taskRounds, taskBytes);
  const coordMs = m.coordComputeMs + s3Ms(m.coordRounds, m.coordBytes);
  return {
    apiGatewayRequests: 1,
    lambdaInvocations: 1 + segments,
    apiGbSeconds: (API_MIB / 1024) * (Math.ceil(coordMs + INVOKE_MS + taskMs) / 1000),
    workerGbSeconds: segments * (WORKER_MIB / 1024) * (Math.ceil(taskMs) / 1000),
    s3Gets: m.coordGets + segments * taskGets,
    s3Lists: m.coordLists,
  };
}

/** Bytes of every segment object in the store (what S3 would hold, WAL and manifests aside). */
function segmentBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(e.parentPath, e.name);
    if (e.isFile() && path.includes('/segments/')) total += statSync(path).size;
  }
  return total;
}

export async function main(argv: string[]): Promise<void> {
  const {
    points: n,
    queries: nq,
    cold: nCold,
    segments: segmentList,
  } = benchArgs(argv, {
    points: 16000,
    queries: 40,
    cold: 4,
    // the infra default (8 workers, 8 segments) and the guide's throughput configuration (2 segments)
    segments: '8,2',
  });
  const segmentConfigs = numberList('segments', segmentList);
  const started = performance.now();
  const machine = machineInfo();
  console.log('# cost benchmark');
  console.log(
    `machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}; code ${codeVersion().commit}`,
  );
  console.log(
    `measured at ${n} × ${DIM}-d (seeded clustered, Cosine), S segments = S workers for S in ${segmentConfigs.join(', ')}, ${nq} warm + ${nCold} cold queries, k=10; ` +
      `priced at ${TARGET_POINTS} × ${DIM} in the same S segments, api ${API_MIB} MiB, workers ${WORKER_MIB} MiB, arm64; ` +
      `S3 model ${FIRST_BYTE_MS} ms/round + ${STREAM_MB_PER_S} MB/s, invoke ${INVOKE_MS} ms`,
  );
  console.log(`prices: ${PRICES.map((p) => `${p.name} ${p.value} ${p.unit} (${p.source}, ${p.date})`).join('; ')}`);
  const data = clustered(n, 1);
  const queries = clustered(nq, 2);
  const rows: Record<string, unknown>[] = [];
  for (const segments of segmentConfigs)
    for (const sc of SCENARIOS) {
      const root = mkdtempSync(join(tmpdir(), 'strata-bench-cost-'));
      try {
        const store = new FileSystemStore({ root, fsync: false });
        const log: { ms: number; stats: SegmentSearchStats }[] = [];
        const config: CollectionConfig = {
          vectors: { size: DIM, distance: 'Cosine', on_disk: sc.vectorsOnDisk },
          hnsw_config: { m: 16, ef_construct: 100, on_disk: sc.graphOnDisk, full_scan_threshold: 10 },
          ...(sc.int8 ? { quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } } } : {}),
          optimizers_config: { default_segment_number: segments, indexing_threshold: 1 },
        } as CollectionConfig;
        const writer = deployment(store, segments, log);
        await writer.createCollection('bench', config);
        for (let i = 0; i < n; i += 1000) {
          const points = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
            id: i + j,
            vector: Array.from(data.subarray((i + j) * DIM, (i + j + 1) * DIM)),
            payload: { i: i + j },
          }));
          await writer.upsertPoints('bench', points, true);
        }
        await optimize(store, collectionPrefix('', 'bench'));
        const bytesPerPoint = segmentBytes(root) / n;
        const reqs: QueryRequest[] = Array.from({ length: nq }, (_, q) => ({
          vector: Array.from(queries.subarray(q * DIM, (q + 1) * DIM)),
          limit: 10,
          offset: 0,
          params: sc.params,
          // the guide's queries ask for no payload; S3 Vectors' and turbopuffer's prices are for ids + scores too
          with_payload: false,
          with_vector: false,
        }));
        const cold: Measured[] = [];
        for (let q = 0; q < nCold; q++) cold.push(await measure(deployment(store, segments, log), [reqs[q]], log));
        const svc = deployment(store, segments, log);
        for (const r of reqs) await svc.query('bench', r);
        const warm = await measure(svc, reqs, log);
        // the same warm queries with bounded staleness: a snapshot younger than STALENESS_MS is reused (no store round)
        const staleSvc = deployment(store, segments, log, STALENESS_MS);
        for (const r of reqs) await staleSvc.query('bench', r);
        const warmStale = await measure(staleSvc, reqs, log);
        const coldMean = cold.reduce((acc, m) => {
          for (const k of Object.keys(m) as (keyof Measured)[]) acc[k] = (acc[k] ?? 0) + m[k] / cold.length;
          return acc;
        }, {} as Measured);
        for (const [state, m] of [
          ['warm', warm],
          [`warm, stale <= ${STALENESS_MS / 1000} s`, warmStale],
          ['cold', coldMean],
        ] as const) {
          const counts = extrapolate(m, segments, n / segments, state === 'cold', sc.vectorsOnDisk || sc.graphOnDisk);
          const priced = priceQuery(counts);
          rows.push({ scenario: sc.name, segments, state, measured: m, counts, ...priced, bytesPerPoint });
          console.log(
            `  ${sc.name}, ${segments} segments, ${state}: measured ${m.tasks.toFixed(1)} tasks, ${(m.taskComputeMs / Math.max(m.tasks, 1)).toFixed(2)} ms/task, ` +
              `coordinator ${m.coordComputeMs.toFixed(2)} ms, GETs ${(m.coordGets + m.taskGets).toFixed(1)}, LISTs ${m.coordLists.toFixed(1)}, ` +
              `${((m.coordBytes + m.taskBytes) / 1024).toFixed(0)} KiB → $${priced.perMillion.toFixed(2)} per million queries at 1M × ${DIM}`,
          );
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  const vectorBytes = TARGET_POINTS * (DIM * 4 + 8);
  const s3v = s3VectorsPerQuery(TARGET_POINTS, DIM * 4 + 8);
  const tp = turbopufferPerQuery(vectorBytes);
  const table = formatTable(
    [
      'scenario',
      'segments',
      'state',
      'invocations',
      'api GB-s',
      'worker GB-s',
      'GETs',
      'LISTs',
      'Lambda $/M',
      'S3 $/M',
      'APIGW $/M',
      'total $/M',
      'stored B/point',
      'stored $/month·1M pts',
      'stored $/GB-month of f32',
    ],
    rows.map((r) => {
      const c = r.counts as QueryCounts;
      return [
        r.scenario as string,
        r.segments as number,
        r.state as string,
        c.lambdaInvocations,
        fixed(c.apiGbSeconds, 4),
        fixed(c.workerGbSeconds, 4),
        fixed(c.s3Gets, 1),
        fixed(c.s3Lists, 1),
        fixed(r.lambda as number, 2),
        fixed(r.s3 as number, 2),
        fixed(r.apiGateway as number, 2),
        fixed(r.perMillion as number, 2),
        fixed(r.bytesPerPoint as number, 0),
        fixed(((r.bytesPerPoint as number) * TARGET_POINTS * PRICES_BY.s3StorageGbMonth) / 1e9, 3),
        // per GB of the user's float32 vectors: what S3 Vectors' per-GB storage price is quoted against
        fixed(((r.bytesPerPoint as number) / (DIM * 4)) * PRICES_BY.s3StorageGbMonth, 4),
      ];
    }),
  );
  const s3vLine =
    `S3 Vectors at 1M × ${DIM}: $${s3v.requests.toFixed(2)} requests + $${s3v.processing.toFixed(2)} data processed ` +
    `(${((TARGET_POINTS * (DIM * 4 + 8)) / 1e12).toFixed(5)} TB per query) = $${s3v.total.toFixed(2)} per million queries; ` +
    `storage $${((vectorBytes / 1e9) * PRICES_BY.s3VectorsStorageGbMonth).toFixed(3)} per month`;
  const tpLine = `turbopuffer at 1M × ${DIM}: $${tp.toFixed(2)} per million queries (queried bytes only; its $64/month minimum and storage price aside)`;
  console.log(`\n${table}\n\n${s3vLine}\n${tpLine}`);
  for (const segments of segmentConfigs) {
    const warm1 = rows.find(
      (r) => r.segments === segments && r.state === 'warm' && String(r.scenario).startsWith('1'),
    )!;
    const warm1Counts = warm1.counts as QueryCounts;
    const listShare = 1e6 * warm1Counts.s3Lists * PRICES_BY.s3PutList;
    console.log(
      `acceptance, ${segments} segments: warm scenario 1 $${(warm1.perMillion as number).toFixed(2)} per million vs S3 Vectors $${s3v.total.toFixed(2)} ` +
        `(${(warm1.perMillion as number) < s3v.total ? 'below' : 'NOT below'}); arithmetic: Lambda ${warm1Counts.lambdaInvocations} × $0.20/M + ` +
        `(${warm1Counts.apiGbSeconds.toFixed(4)} + ${warm1Counts.workerGbSeconds.toFixed(4)}) GB-s × $${PRICES_BY.lambdaGbSecondArm}/GB-s = $${(warm1.lambda as number).toFixed(2)}; ` +
        `S3 ${warm1Counts.s3Gets.toFixed(1)} GETs × $0.0004/1k + ${warm1Counts.s3Lists.toFixed(1)} LIST × $0.005/1k = $${(warm1.s3 as number).toFixed(2)}; ` +
        `API Gateway $${(warm1.apiGateway as number).toFixed(2)}. Of that, $${listShare.toFixed(2)} is the WAL LIST each query pays ` +
        `(without it: $${((warm1.perMillion as number) - listShare).toFixed(2)})`,
    );
    const viaUrl = priceQuery(warm1Counts, 'function-url');
    console.log(
      `function URL endpoint (-c endpoint=function-url), ${segments} segments: warm scenario 1 $${viaUrl.perMillion.toFixed(2)} per million ` +
        `(${viaUrl.perMillion < s3v.total ? 'below' : 'NOT below'} S3 Vectors): the same counts without the HTTP API's $${(warm1.apiGateway as number).toFixed(2)}`,
    );
    const stale1 = rows.find(
      (r) => r.segments === segments && String(r.state).startsWith('warm, stale') && String(r.scenario).startsWith('1'),
    )!;
    const stale1Counts = stale1.counts as QueryCounts;
    console.log(
      `bounded staleness (STRATA_READ_STALENESS_MS=${STALENESS_MS}), ${segments} segments: warm scenario 1 $${(stale1.perMillion as number).toFixed(2)} per million ` +
        `(${(stale1.perMillion as number) < s3v.total ? 'below' : 'NOT below'} S3 Vectors): ${stale1Counts.s3Gets.toFixed(1)} GETs, ` +
        `${stale1Counts.s3Lists.toFixed(1)} LISTs per query`,
    );
  }
  const chartRows = [
    ...rows.map((r) => ({
      system: `Strata ${r.state}, ${r.segments} segments`,
      scenario: r.scenario as string,
      dollarsPerMillionQueries: r.perMillion as number,
    })),
    ...SCENARIOS.map((s) => ({ system: 'S3 Vectors', scenario: s.name, dollarsPerMillionQueries: s3v.total })),
    ...SCENARIOS.map((s) => ({ system: 'turbopuffer', scenario: s.name, dollarsPerMillionQueries: tp })),
  ];
  const chartTitle = `$ per million queries at 1M × ${DIM} (Strata from measured counts; others from published prices)`;
  const totalSeconds = (performance.now() - started) / 1000;
  console.log(`total run time ${totalSeconds.toFixed(0)} s`);
  const path = writeResults('cost', {
    benchmark: 'cost',
    totalSeconds,
    machine,
    code: codeVersion(),
    config: {
      n,
      nq,
      nCold,
      segments: segmentConfigs,
      DIM,
      TARGET_POINTS,
      API_MIB,
      WORKER_MIB,
      FIRST_BYTE_MS,
      STREAM_MB_PER_S,
      INVOKE_MS,
    },
    prices: PRICES,
    rows,
    s3Vectors: s3v,
    turbopuffer: tp,
    chartRows,
    chartTitle,
    table,
  });
  console.log(`results: ${path}`);
  console.log(`picture: ${await writeChart(path, costChart(chartRows, chartTitle))}`);
}

const PRICES_BY = Object.fromEntries(PRICES.map((p) => [p.key, p.value])) as Record<
  (typeof PRICES)[number]['key'],
  number
>;
