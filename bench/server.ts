/**
 * Server benchmark: the local server exactly as `npm start` composes it (bin/strata.ts in a child process: REST over
 * TCP, the filesystem store, K worker threads, the in-process optimizer), under concurrent HTTP load from autocannon
 * (pinned in package.json), for Qdrant's optimize-performance guide's three scenarios in both segment-number configs:
 *
 * | scenario            | collection (the guide's create body)                          | query params             |
 * |---------------------|---------------------------------------------------------------|--------------------------|
 * | 1 speed+low memory  | vectors on_disk, scalar int8 always_ram                       | rescore: false           |
 * | 2 precision+low mem | vectors on_disk, hnsw on_disk, no quantization                | hnsw_ef 128              |
 * | 3 precision+speed   | vectors in RAM, scalar int8 always_ram                        | hnsw_ef 128 (rescored)   |
 * | latency config      | optimizers_config.default_segment_number 16                   |                          |
 * | throughput config   | default_segment_number 2, max_segment_size 5,000,000 KB       |                          |
 *
 * Per collection (a fresh server each, so RSS belongs to it): ingest N GloVe-100 points through the official client's
 * batch upsert (wait: true; points/s, and its ratio to the in-process engine's build rate of the same points measured
 * in this run, the baseline), wait for green (sealed and indexed), then two load phases of real GloVe queries: queries
 * only, and queries while one writer upserts batches through the client. Each phase reports QPS, p50/p99, errors
 * (connection errors + non-2xx), the server's peak RSS (sampled from /proc), its CPU per answered query (all threads,
 * and the main thread alone: /proc), and for the writer its points/s.
 * First, on a server of its own, ingestion by client form (bench/support/server-ingest.ts): the JS client one batch
 * at a time and with `--ingest-parallel` batches in flight, and the Python client's `upload_collection` with
 * parallel `--ingest-parallel` (at most the cores): points/s, the server's CPU per 1,000 points, WAL objects written.
 * As in the guide's e2e test, `indexing_threshold` is lowered by PATCH after create so a bench-sized slice gets graphs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { QdrantClient } from '@qdrant/js-client-rest';
import autocannon from 'autocannon';
import { normalizeRows } from '../lib/distance/index.js';
import { buildHnsw } from '../lib/index/index.js';
import { quantize } from '../lib/quantization/index.js';
import { type Dataset, loadGlove } from '../test/support/datasets.js';
import { serverLatencyChart, serverQpsChart, type ServerChartRow } from './support/charts.js';
import { writeChart } from './support/plot.js';
import { cpuSeconds, type IngestRow, ingestionRows } from './support/server-ingest.js';
import { codeVersion, fixed, formatTable, machineInfo, writeResults } from './support/results.js';

export const description = "local server under HTTP load (autocannon): the guide's 3 scenarios × 2 segment configs";

const ROOT = fileURLToPath(new URL('..', import.meta.url));

type Body = Parameters<QdrantClient['createCollection']>[1];

interface Scenario {
  name: string;
  body: (dim: number) => Body;
  params: Record<string, unknown>;
  int8: boolean;
}

const SCENARIOS: Record<string, Scenario> = {
  '1': {
    name: '1 speed+low-mem',
    body: (dim) => ({
      vectors: { size: dim, distance: 'Cosine', on_disk: true },
      quantization_config: { scalar: { type: 'int8', always_ram: true } },
    }),
    params: { quantization: { rescore: false } },
    int8: true,
  },
  '2': {
    name: '2 precision+low-mem',
    body: (dim) => ({ vectors: { size: dim, distance: 'Cosine', on_disk: true }, hnsw_config: { on_disk: true } }),
    params: { hnsw_ef: 128 },
    int8: false,
  },
  '3': {
    name: '3 precision+speed',
    body: (dim) => ({
      vectors: { size: dim, distance: 'Cosine' },
      quantization_config: { scalar: { type: 'int8', always_ram: true } },
    }),
    params: { hnsw_ef: 128, exact: false },
    int8: true,
  },
};

const SEGMENT_CONFIGS: Record<string, Body['optimizers_config']> = {
  latency: { default_segment_number: 16 },
  throughput: { default_segment_number: 2, max_segment_size: 5_000_000 },
};

interface Options {
  points: number;
  connections: number;
  duration: number;
  workers: number;
  scenarios: string[];
  segments: string[];
  batch: number;
  writerBatch: number;
  /** what the writer upserts: `new` points (the collection grows) or `updates` of ingested ones, in id order */
  writerIds: 'new' | 'updates';
  k: number;
  ingestParallel: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      points: { type: 'string', default: '20000' },
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '10' },
      workers: { type: 'string', default: '2' },
      scenarios: { type: 'string', default: '1,2,3' },
      segments: { type: 'string', default: 'latency,throughput' },
      batch: { type: 'string', default: '1000' },
      'writer-batch': { type: 'string', default: '100' },
      'writer-ids': { type: 'string', default: 'new' },
      k: { type: 'string', default: '10' },
      'ingest-parallel': { type: 'string', default: '4' },
    },
    strict: true,
  });
  const list = (v: string, known: Record<string, unknown>, what: string): string[] =>
    v.split(',').map((x) => {
      if (!(x in known)) throw new Error(`unknown ${what} "${x}" (known: ${Object.keys(known).join(', ')})`);
      return x;
    });
  return {
    points: Number(values.points),
    connections: Number(values.connections),
    duration: Number(values.duration),
    workers: Number(values.workers),
    scenarios: list(values.scenarios, SCENARIOS, 'scenario'),
    segments: list(values.segments, SEGMENT_CONFIGS, 'segment config'),
    batch: Number(values.batch),
    writerBatch: Number(values['writer-batch']),
    writerIds: list(values['writer-ids'], { new: 1, updates: 1 }, 'writer ids')[0] as Options['writerIds'],
    k: Number(values.k),
    ingestParallel: Number(values['ingest-parallel']),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `npm start`'s composition in its own process (node --import tsx bin/strata.ts), ready when GET / answers. */
async function startLocalServer(dataDir: string, workers: number): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/strata.ts', '--data', dataDir, '--port', String(port), '--workers', String(workers)],
    { cwd: ROOT, env: { ...process.env, STRATA_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      if (i > 600) throw new Error('server did not start in 60 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, child, stop };
}

/** Resident set of a process in bytes (Linux /proc), or NaN elsewhere. */
function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const row = (ds: Dataset, data: Float32Array, i: number): number[] =>
  Array.from(data.subarray(i * ds.dim, (i + 1) * ds.dim));

/**
 * Client calls retried after the server dropped a kept-alive connection (seen while the server seals: a request sent
 * on a socket the server is closing gets ECONNRESET). Upserts by id and reads are idempotent; every retry is counted
 * and reported.
 */
const retries = { count: 0 };

async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 3 || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw e;
      retries.count++;
    }
  }
}

async function upsert(client: QdrantClient, name: string, points: { id: number; vector: number[] }[]): Promise<void> {
  await retrying(() => client.upsert(name, { wait: true, points }));
}

async function ingest(client: QdrantClient, name: string, ds: Dataset, n: number, batch: number): Promise<number> {
  const t = performance.now();
  for (let start = 0; start < n; start += batch) {
    const points = [];
    for (let i = start; i < Math.min(n, start + batch); i++) points.push({ id: i, vector: row(ds, ds.base, i) });
    await upsert(client, name, points);
  }
  return (performance.now() - t) / 1000;
}

async function waitGreen(client: QdrantClient, name: string, timeoutMs = 300_000): Promise<number> {
  const t = performance.now();
  for (;;) {
    const info = await retrying(() => client.getCollection(name));
    if (info.status === 'green' && (info.segments_count ?? 0) > 0) return (performance.now() - t) / 1000;
    if (performance.now() - t > timeoutMs) throw new Error(`${name} not green after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Phase {
  qps: number;
  p50: number;
  p99: number;
  meanMs: number;
  requests: number;
  errors: number;
  peakRssMiB: number;
  writerPointsPerSecond: number | null;
  /**
   * the server's CPU per answered query (ms; with a writer its writes included): all threads, and its main thread,
   * which parses every request, scores the WAL tail and merges (steadier for an A/B than QPS on a shared machine)
   */
  cpuMsPerQuery: number;
  mainCpuMsPerQuery: number;
  percentiles: [number, number][];
}

const PERCENTILES: [number, keyof autocannon.Histogram][] = [
  [1, 'p1'],
  [10, 'p10'],
  [25, 'p25'],
  [50, 'p50'],
  [75, 'p75'],
  [90, 'p90'],
  [97.5, 'p97_5'],
  [99, 'p99'],
  [99.9, 'p99_9'],
];

/** One load phase: autocannon over the query bodies; with `writer`, one client upserting batches meanwhile. */
async function loadPhase(
  server: ServerProcess,
  client: QdrantClient,
  name: string,
  bodies: string[],
  ds: Dataset,
  opts: Options,
  writer: { from: number } | null,
): Promise<Phase> {
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes(server.child.pid!));
  }, 200);
  let stop = false;
  let written = 0;
  const writing = writer
    ? (async () => {
        // new points from base rows past the ingested ones (cycling), so the collection grows and seals as in use;
        // or (--writer-ids updates) new vectors for the ingested points, whose sealed copies the tail then shadows
        while (!stop) {
          const points = [];
          for (let j = 0; j < opts.writerBatch; j++) {
            const k = writer.from + written + j;
            points.push({ id: opts.writerIds === 'new' ? k : k % writer.from, vector: row(ds, ds.base, k % ds.nBase) });
          }
          await upsert(client, name, points);
          written += points.length;
        }
      })()
    : Promise.resolve();
  let next = 0;
  const pid = server.child.pid!;
  const cpu0 = cpuSeconds(pid);
  const main0 = cpuSeconds(pid, pid);
  const t0 = performance.now();
  const result = await autocannon({
    url: server.url,
    connections: opts.connections,
    duration: opts.duration,
    requests: [
      {
        method: 'POST',
        path: `/collections/${name}/points/query`,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
      },
    ],
  });
  const seconds = (performance.now() - t0) / 1000;
  const perQuery = (s: number): number => (s * 1000) / Math.max(1, result.requests.total);
  const cpuMsPerQuery = perQuery(cpuSeconds(pid) - cpu0);
  const mainCpuMsPerQuery = perQuery(cpuSeconds(pid, pid) - main0);
  stop = true;
  await writing;
  clearInterval(sampler);
  return {
    qps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    meanMs: result.latency.mean,
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
    peakRssMiB: peak / 2 ** 20,
    writerPointsPerSecond: writer ? written / seconds : null,
    cpuMsPerQuery,
    mainCpuMsPerQuery,
    percentiles: PERCENTILES.map(([p, key]) => [p, result.latency[key] as number]),
  };
}

/** The in-process engine's build rate (points/s) over the same points: Strata's graph (on int8 codes if quantized). */
function engineBuildRate(ds: Dataset, n: number, int8: boolean): number {
  const data = ds.base.slice(0, n * ds.dim);
  normalizeRows(data, ds.dim);
  const t = performance.now();
  const codes = int8 ? quantize(data, ds.dim, 'Cosine') : undefined;
  buildHnsw(data, ds.dim, 'Cosine', { m: 16, efConstruct: 100, seed: 42, codes });
  return n / ((performance.now() - t) / 1000);
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const started = performance.now();
  const machine = machineInfo();
  const log = (s: string): void => console.log(s);
  log('# server benchmark');
  log(`machine: ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}`);
  log(`code: commit ${codeVersion().commit}`);
  log(
    `config: ${opts.points} GloVe-100 points (Cosine), ${opts.workers} worker threads, autocannon ${opts.connections} ` +
      `connections × ${opts.duration} s per phase, k=${opts.k}, ingest batches of ${opts.batch} (wait: true), ` +
      `writer batches of ${opts.writerBatch} (${opts.writerIds === 'new' ? 'new points' : 'updates of ingested points'}); scenarios ${opts.scenarios.join(',')}; segment configs ${opts.segments.join(',')}`,
  );
  const ds = await loadGlove();
  const n = Math.min(opts.points, ds.nBase);
  const bodies = Array.from({ length: ds.nQueries }, (_, q) => JSON.stringify({ query: row(ds, ds.queries, q) }));
  // ingestion by client form, on a server of its own (bench/support/server-ingest.ts)
  const ingestDir = mkdtempSync(join(tmpdir(), 'strata-bench-server-'));
  const ingestServer = await startLocalServer(ingestDir, opts.workers);
  let ingestRows: IngestRow[];
  const ingestClient = new QdrantClient({ url: ingestServer.url, checkCompatibility: false });
  try {
    log(`ingestion: ${n} points, batches of ${opts.batch}, ${opts.ingestParallel} in parallel where the client allows`);
    ingestRows = await ingestionRows(
      {
        url: ingestServer.url,
        pid: ingestServer.child.pid!,
        dataDir: ingestDir,
        client: ingestClient,
        upsert: (name, points) => upsert(ingestClient, name, points),
      },
      ds,
      { points: n, batch: opts.batch, parallel: opts.ingestParallel },
      log,
    );
  } finally {
    await ingestServer.stop();
    rmSync(ingestDir, { recursive: true, force: true });
  }
  const rates = new Map<boolean, number>();
  const rows: (ServerChartRow & Record<string, unknown>)[] = [];
  for (const sKey of opts.scenarios) {
    const scenario = SCENARIOS[sKey];
    if (!rates.has(scenario.int8)) {
      rates.set(scenario.int8, engineBuildRate(ds, n, scenario.int8));
      log(
        `baseline: in-process engine build of ${n} points (${scenario.int8 ? 'int8' : 'float32'} graph): ${rates.get(scenario.int8)!.toFixed(0)} points/s`,
      );
    }
    for (const segKey of opts.segments) {
      const dir = mkdtempSync(join(tmpdir(), 'strata-bench-server-'));
      const server = await startLocalServer(dir, opts.workers);
      try {
        const client = new QdrantClient({ url: server.url, checkCompatibility: false });
        const name = `bench_${sKey}_${segKey}`;
        await client.createCollection(name, { ...scenario.body(ds.dim), optimizers_config: SEGMENT_CONFIGS[segKey] });
        await client.updateCollection(name, { optimizers_config: { indexing_threshold: 10 } });
        const ingestSeconds = await ingest(client, name, ds, n, opts.batch);
        const greenSeconds = await waitGreen(client, name);
        const segments = (await retrying(() => client.getCollection(name))).segments_count;
        const queryBodies = bodies.map(
          (b) => `${b.slice(0, -1)},"limit":${opts.k},"params":${JSON.stringify(scenario.params)}}`,
        );
        const ingestRate = n / ingestSeconds;
        log(
          `  ${scenario.name} ${segKey}: ingested ${n} points in ${ingestSeconds.toFixed(1)} s, green after ${greenSeconds.toFixed(1)} s`,
        );
        for (const writer of [false, true]) {
          const phase = await loadPhase(server, client, name, queryBodies, ds, opts, writer ? { from: n } : null);
          const r = {
            scenario: scenario.name,
            segments: `${segKey} (${segments})`,
            writer,
            ingestPointsPerSecond: ingestRate,
            ingestToBuildRatio: ingestRate / rates.get(scenario.int8)!,
            sealSeconds: greenSeconds,
            ...phase,
          };
          rows.push(r);
          log(
            `  ${scenario.name} ${r.segments} ${writer ? 'with writer' : 'queries only'}: QPS ${phase.qps.toFixed(0)} ` +
              `p50 ${phase.p50} ms p99 ${phase.p99} ms errors ${phase.errors} RSS ${phase.peakRssMiB.toFixed(0)} MiB ` +
              `CPU ${phase.cpuMsPerQuery.toFixed(2)} ms/query (main thread ${phase.mainCpuMsPerQuery.toFixed(2)})` +
              (writer ? ` writer ${phase.writerPointsPerSecond!.toFixed(0)} points/s` : ''),
          );
        }
      } finally {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const table = formatTable(
    [
      'scenario',
      'segments',
      'load',
      'QPS',
      'p50 ms',
      'p99 ms',
      'errors',
      'CPU ms/q',
      'main ms/q',
      'peak RSS MiB',
      'writer pts/s',
      'ingest pts/s',
      'ingest ÷ build',
      'seal s',
    ],
    rows.map((r) => [
      r.scenario,
      r.segments,
      r.writer ? 'writer' : 'queries',
      fixed(r.qps as number, 0),
      r.p50 as number,
      r.p99 as number,
      r.errors as number,
      fixed(r.cpuMsPerQuery as number, 2),
      fixed(r.mainCpuMsPerQuery as number, 2),
      fixed(r.peakRssMiB as number, 0),
      fixed(r.writerPointsPerSecond as number | null, 0),
      fixed(r.ingestPointsPerSecond as number, 0),
      fixed(r.ingestToBuildRatio as number, 2),
      fixed(r.sealSeconds as number, 1),
    ]),
  );
  const ingestTable = formatTable(
    ['ingestion client', 'points', 'points/s', 'server CPU ms / 1000 points', 'WAL objects', 'batches'],
    ingestRows.map((r) => [
      r.client,
      r.points,
      fixed(r.pointsPerSecond, 0),
      fixed(r.serverCpuMsPer1000, 0),
      r.walObjects,
      r.batches,
    ]),
  );
  const totalSeconds = (performance.now() - started) / 1000;
  log(`\n${ingestTable}`);
  log(`\n${table}`);
  log(
    '\ningest ÷ build = client batch-upsert points/s ÷ the in-process engine build rate of the same points (the baseline);' +
      ' seal s = time from the last acknowledged upsert to status green;' +
      ' CPU ms/q = server CPU (all threads; with a writer, its writes too) per answered query, main ms/q = its main thread alone.',
  );
  log(`upserts retried after a dropped connection: ${retries.count}; total run time ${totalSeconds.toFixed(0)} s`);
  const path = writeResults('server', {
    benchmark: 'server',
    totalSeconds,
    machine,
    code: codeVersion(),
    config: opts,
    upsertRetries: retries.count,
    baselineBuildPointsPerSecond: Object.fromEntries([...rates].map(([k, v]) => [k ? 'int8' : 'float32', v])),
    ingestRows,
    ingestTable,
    rows,
    table,
  });
  log(`results: ${path}`);
  log(
    `pictures: ${await writeChart(path, serverQpsChart(rows), 'qps')}, ${await writeChart(path, serverLatencyChart(rows), 'latency')}`,
  );
}
