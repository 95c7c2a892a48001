/**
 * Cold scenario-2 latency against a store that serves every request in parallel, as S3 does, behind a socket pool
 * of P: what the S3 client's pool size (`maxSockets`, the SDK's default 50) does to a `records` walk, whose rounds
 * are a few hundred ranged GETs each (lib/segment/cold-records.ts). moto cannot answer this (it serves GETs one at a
 * time, so the pool never fills), so the store is the in-memory one with a latency model: each request holds one of
 * P sockets for D ms (S3's time to first byte; bytes are not charged), requests past P wait for a socket. The walk,
 * its rounds and GETs are the product's own code over a 25k-point GloVe-100 segment (graph and originals on disk,
 * no quantization, `hnsw_ef` 128), each query a fresh coordinator and worker (a new container). Pool sizes and the
 * `pages` tuning (at P 50) alternate query by query in one process; the median per setting is reported.
 *
 *   npm run bench -- cold-sockets [--base 25000] [--queries 10] [--delays 20,60] [--sockets 50,128,256,512]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { costReport } from '../lib/api/cost-header.js';
import { collectionPrefix } from '../lib/collection/keys.js';
import { optimize } from '../lib/collection/optimizer.js';
import { emptyQueryStats } from '../lib/collection/query.js';
import type { QueryRequest } from '../lib/model/search.js';
import { DEFAULT_TUNING, PAGE_TUNING, type SearchTuning } from '../lib/segment/search.js';
import { IoScope } from '../lib/storage/io-stats.js';
import { type Dataset, loadGlove, slice } from '../test/support/datasets.js';
import { MemoryStore } from '../test/support/memory-store.js';
import { freshCoordinator } from './support/fresh-coordinator.js';
import { codeVersion, fixed, formatTable, machineInfo, writeResults } from './support/results.js';

export const description = 'cold scenario-2 query time vs the S3 client socket pool, over a parallel latency model';

const NAME = 's2';

interface Setting {
  label: string;
  sockets: number;
  tuning: SearchTuning;
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string', default: '25000' },
      queries: { type: 'string', default: '10' },
      delays: { type: 'string', default: '20,60' },
      sockets: { type: 'string', default: '50,128,256,512' },
    },
  });
  return {
    base: Number(values.base),
    queries: Number(values.queries),
    delays: String(values.delays).split(',').map(Number),
    sockets: String(values.sockets).split(',').map(Number),
  };
}

/** A copy of `from` whose calls wait `delay` ms each, at most `sockets` at once. */
async function pooledCopy(from: MemoryStore, delay: number, sockets: number): Promise<MemoryStore> {
  const to = new MemoryStore({ latencyMs: delay, sockets });
  for (const { key } of await from.list('')) {
    const got = await from.get(key);
    if (got !== null) await to.put(key, got.body);
  }
  return to;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function main(argv: string[]): Promise<void> {
  const o = parse(argv);
  const ds: Dataset = slice(await loadGlove(), o.base, o.queries, 10);
  console.log(`cold-sockets benchmark — ${JSON.stringify(machineInfo())} ${JSON.stringify(codeVersion())}`);
  console.log(
    `GloVe-100 ${o.base} points in 1 segment (m 16, ef_construct 100; graph and originals on disk), ${o.queries} ` +
      `cold queries per setting, hnsw_ef 128; store: D = ${o.delays.join('/')} ms per request, P sockets`,
  );
  const source = new MemoryStore(0);
  const writer = freshCoordinator(source, 1, 600_000);
  await writer.createCollection(NAME, {
    vectors: { size: ds.dim, distance: 'Cosine', on_disk: true },
    hnsw_config: { m: 16, ef_construct: 100, on_disk: true, full_scan_threshold: 10 },
    quantization_config: null,
    optimizers_config: { default_segment_number: 1, indexing_threshold: 1 },
  });
  for (let i = 0; i < ds.nBase; i += 5000) {
    const points = Array.from({ length: Math.min(5000, ds.nBase - i) }, (_, j) => ({
      id: i + j,
      vector: Array.from(ds.base.subarray((i + j) * ds.dim, (i + j + 1) * ds.dim)),
    }));
    await writer.upsertPoints(NAME, points, true);
  }
  await optimize(source, collectionPrefix('', NAME));

  const settings: Setting[] = [
    ...o.sockets.map((p) => ({ label: `records, ${p} sockets`, sockets: p, tuning: DEFAULT_TUNING })),
    { label: 'pages, 50 sockets', sockets: 50, tuning: PAGE_TUNING },
  ];
  const rows: Record<string, unknown>[] = [];
  const table: (string | number | null)[][] = [];
  for (const delay of o.delays) {
    const stores = await Promise.all(settings.map((s) => pooledCopy(source, delay, s.sockets)));
    const ms: number[][] = settings.map(() => []);
    const counts = settings.map(() => ({ rounds: 0, gets: 0, bytes: 0 }));
    for (let qi = 0; qi < o.queries; qi++) {
      for (let si = 0; si < settings.length; si++) {
        const svc = freshCoordinator(stores[si], 1, 600_000, settings[si].tuning);
        const request: QueryRequest = {
          vector: Array.from(ds.queries.subarray(qi * ds.dim, (qi + 1) * ds.dim)),
          limit: 10,
          offset: 0,
          params: { exact: false, hnsw_ef: 128 },
          with_payload: false,
          with_vector: false,
        };
        const trace = { stats: emptyQueryStats(), io: new IoScope() };
        const t = performance.now();
        await svc.query(NAME, request, trace);
        ms[si].push(performance.now() - t);
        const c = costReport(trace, 0).total;
        counts[si].rounds += c.rounds / o.queries;
        counts[si].gets += c.gets / o.queries;
        counts[si].bytes += c.bytes / o.queries;
      }
    }
    settings.forEach((s, si) => {
      const row = {
        delayMs: delay,
        setting: s.label,
        medianMs: median(ms[si]),
        maxMs: Math.max(...ms[si]),
        ...counts[si],
      };
      rows.push(row);
      table.push([
        delay,
        s.label,
        fixed(row.medianMs, 0),
        fixed(row.maxMs, 0),
        `${fixed(row.rounds, 2)}/${fixed(row.gets, 0)}/${fixed(row.bytes / 1e6, 2)}`,
      ]);
    });
  }
  console.log(formatTable(['D ms', 'setting', 'median ms', 'max ms', 'rounds/GETs/MB (mean)'], table));
  const path = writeResults('cold-sockets', { options: o, machine: machineInfo(), code: codeVersion(), rows });
  console.log(`results: ${path}`);
}
