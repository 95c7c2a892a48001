/**
 * The server bench's ingestion rows: N GloVe-100 points into a fresh collection of one served Strata, per client
 * form, each acknowledged only once its WAL record is durable (wait: true, the filesystem store with fsync):
 *
 * | client                 | how                                                                              |
 * |------------------------|----------------------------------------------------------------------------------|
 * | js 1 client            | @qdrant/js-client-rest `upsert` of one batch after another                        |
 * | js P concurrent        | the same, P batches in flight (concurrent upserts share WAL records: group commit) |
 * | python upload ×P       | qdrant-client `upload_collection(parallel=P)` (P capped at the cores): its bulk upload |
 *
 * Each row reports points/s (wall), the server process's CPU ms per 1,000 points (all its threads, from /proc: a
 * figure a busy shared machine does not inflate the way it inflates wall time), and the WAL objects the ingestion
 * left (fewer than batches = batches shared records).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { QdrantClient } from '@qdrant/js-client-rest';
import { ensureTestPythons } from '../../test/support/python-env.js';
import { runPythonJob } from '../../test/support/python-job.js';
import type { Dataset } from '../../test/support/datasets.js';

const UPLOAD_DRIVER = fileURLToPath(new URL('../adapters/qdrant-client-upload.py', import.meta.url));

export interface IngestRow {
  client: string;
  points: number;
  seconds: number;
  pointsPerSecond: number;
  serverCpuMsPer1000: number;
  walObjects: number;
  batches: number;
}

export interface IngestTarget {
  url: string;
  pid: number;
  dataDir: string;
  client: QdrantClient;
  /** one acknowledged batch upsert (retried after a dropped kept-alive connection) */
  upsert: (name: string, points: { id: number; vector: number[] }[]) => Promise<void>;
}

/**
 * CPU seconds the process has used, all threads, or with `thread` that one thread's (the main thread's id is the
 * pid), from Linux /proc; NaN elsewhere.
 */
export function cpuSeconds(pid: number, thread?: number): number {
  try {
    const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
    const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat(5), i.e. 12 and 13 after the command name
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function walObjects(dataDir: string, name: string): number {
  try {
    return readdirSync(join(dataDir, 'collections', name, 'wal')).filter((f) => !f.includes('.~')).length;
  } catch {
    return 0;
  }
}

const row = (ds: Dataset, i: number): number[] => Array.from(ds.base.subarray(i * ds.dim, (i + 1) * ds.dim));

/** Batches of points 0..n-1, built before the clock starts. */
function batchesOf(ds: Dataset, n: number, batch: number): { id: number; vector: number[] }[][] {
  const out: { id: number; vector: number[] }[][] = [];
  for (let start = 0; start < n; start += batch) {
    const points = [];
    for (let i = start; i < Math.min(n, start + batch); i++) points.push({ id: i, vector: row(ds, i) });
    out.push(points);
  }
  return out;
}

async function jsClient(target: IngestTarget, name: string, batches: ReturnType<typeof batchesOf>, inFlight: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches.length) await target.upsert(name, batches[next++]);
    }),
  );
}

/** The ingestion rows; every collection is created for its row and deleted after it. */
export async function ingestionRows(
  target: IngestTarget,
  ds: Dataset,
  opts: { points: number; batch: number; parallel: number },
  log: (s: string) => void,
): Promise<IngestRow[]> {
  const n = Math.min(opts.points, ds.nBase);
  const batches = batchesOf(ds, n, opts.batch);
  // the Python client's processes each encode their batches on a core of their own: more of them than cores only
  // contend (measured on 2 cores: 4 processes took 3x as long as 1)
  const pyParallel = Math.max(1, Math.min(opts.parallel, availableParallelism()));
  ensureTestPythons(log);
  const scratch = mkdtempSync(join(tmpdir(), 'strata-bench-ingest-'));
  const vectorsPath = join(scratch, 'base.f32');
  writeFileSync(vectorsPath, ds.base.subarray(0, n * ds.dim));
  // each form uploads into a collection and resolves to the seconds its client measured itself (the Python driver:
  // the upload alone, without the interpreter's start and imports), or null to take the wall time measured here
  const forms: [string, (name: string) => Promise<number | null>][] = [
    ['js 1 client', (name) => jsClient(target, name, batches, 1).then(() => null)],
    [`js ${opts.parallel} concurrent`, (name) => jsClient(target, name, batches, opts.parallel).then(() => null)],
    [
      `python upload ×${pyParallel}`,
      async (name) => {
        const timed = await runPythonJob<{ seconds: number }>(
          UPLOAD_DRIVER,
          {
            url: target.url,
            collection: name,
            vectors: vectorsPath,
            dim: ds.dim,
            n,
            batch: opts.batch,
            parallel: pyParallel,
          },
          600_000,
        );
        return timed.seconds;
      },
    ],
  ];
  const rows: IngestRow[] = [];
  try {
    for (const [k, [client, run]] of forms.entries()) {
      const name = `bench_ingest_${k}`;
      await target.client.createCollection(name, {
        vectors: { size: ds.dim, distance: 'Cosine' },
        quantization_config: { scalar: { type: 'int8', always_ram: true } },
      });
      const cpu0 = cpuSeconds(target.pid);
      const t0 = performance.now();
      const reported = await run(name);
      const seconds = reported ?? (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(target.pid) - cpu0;
      const r: IngestRow = {
        client,
        points: n,
        seconds,
        pointsPerSecond: n / seconds,
        serverCpuMsPer1000: (cpu * 1000 * 1000) / n,
        walObjects: walObjects(target.dataDir, name),
        batches: batches.length,
      };
      rows.push(r);
      log(
        `  ingest ${client}: ${n} points in ${seconds.toFixed(1)} s = ${r.pointsPerSecond.toFixed(0)} points/s, ` +
          `server CPU ${r.serverCpuMsPer1000.toFixed(0)} ms per 1000 points, ${r.walObjects} WAL objects for ${batches.length} batches`,
      );
      await target.client.deleteCollection(name);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return rows;
}
