/**
 * Baseline: Qdrant's own engine, Qdrant Edge (`qdrant-edge-py`, pinned in bench/support/python-bench.ts), in the same
 * three modes as Strata, driven in a Python process this adapter starts (qdrant-edge-driver.py; the protocol is in
 * its header):
 *   - "qdrant f32":          a shard without quantization, HNSW walk on float32;
 *   - "qdrant i8":           a shard with scalar int8 (quantile 0.99, always_ram), `rescore: false`;
 *   - "qdrant i8+rescore":   the same int8 shard, `rescore: true, oversampling` as Strata's.
 *   - "qdrant b1|b1.5|b2[+rescore]": binary shards (one_bit, one_and_half_bits, two_bits, always_ram), as Strata's.
 * Every shard uses m / ef_construct of the run, one indexing thread and one search thread (`max_search_threads: 1`),
 * vectors and graph in RAM, one segment. Qdrant builds a quantized segment's graph on the int8 codes, so the i8
 * build figure is the int8 shard's optimize(): graph + codes (upserting the rows is not part of it, as Strata's build
 * starts from rows in memory). The i8 modes share that shard as Strata's i8 modes share their graph.
 *
 * One driver process per dataset serves the three engines. Timings come from the driver (wall and process CPU around
 * its own loop), so the pipe and JSON are never on the clock; the bench interleaves its passes with Strata's, ef by ef.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../../test/support/datasets.js';
import { BENCH_PYTHON_REQUIREMENTS, qdrantEdgePython } from '../support/python-bench.js';
import type { BuildResult, EngineFactory, HnswParams, OutOfProcessEngine, TimedPass } from './types.js';

const QUANTILE = 0.99;
const DRIVER = fileURLToPath(new URL('./qdrant-edge-driver.py', import.meta.url));

type Mode = string;

/** Qdrant's binary shards of the b1 / b1.5 / b2 modes (the same names as Strata's, adapters/strata.ts). */
const BINARY_SHARDS: Record<string, string> = { b1: 'one_bit', 'b1.5': 'one_and_half_bits', b2: 'two_bits' };

/** One Python process holding the dataset and the shards built so far, answering one request at a time (bench/codes.ts drives one too). */
export class Driver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  private stderr = '';
  readonly dir = mkdtempSync(join(tmpdir(), 'strata-bench-qdrant-'));
  readonly builds = new Map<string, Promise<BuildResult>>();
  private loaded: Promise<unknown> | undefined;
  private closed = false;

  constructor(private readonly ds: Dataset) {
    this.child = spawn(qdrantEdgePython(), [DRIVER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
    this.child.on('exit', (code) => {
      const waiting = this.pending.splice(0);
      for (const w of waiting) w(JSON.stringify({ error: `driver exited (${code}): ${this.stderr}` }));
    });
  }

  request<T>(msg: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push((line) => {
        const reply = JSON.parse(line) as T & { error?: string };
        if (reply.error) reject(new Error(`qdrant-edge driver: ${reply.error}`));
        else resolve(reply);
      });
      this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    });
  }

  /** Hands the base rows and the queries to the driver once, as raw float32 files. */
  load(): Promise<unknown> {
    this.loaded ??= (() => {
      const base = join(this.dir, 'base.f32');
      const queries = join(this.dir, 'queries.f32');
      writeFileSync(base, new Uint8Array(this.ds.base.buffer, this.ds.base.byteOffset, this.ds.base.byteLength));
      const q = this.ds.queries;
      writeFileSync(queries, new Uint8Array(q.buffer, q.byteOffset, q.byteLength));
      return this.request({
        cmd: 'load',
        base,
        queries,
        n: this.ds.nBase,
        nq: this.ds.nQueries,
        dim: this.ds.dim,
      });
    })();
    return this.loaded;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin.end();
    this.lines.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const drivers = new WeakMap<Dataset, Driver>();

function driverFor(ds: Dataset): Driver {
  let d = drivers.get(ds);
  if (!d) drivers.set(ds, (d = new Driver(ds)));
  return d;
}

function createQdrant(mode: Mode, oversampling: number): EngineFactory {
  return (ds: Dataset, params: HnswParams): OutOfProcessEngine => {
    const shard = mode.replace('+rescore', '');
    const binary = BINARY_SHARDS[shard];
    const rescore = mode.endsWith('+rescore');
    let driver: Driver | undefined;
    return {
      name: `qdrant ${mode}`,
      kind: 'qdrant',
      mode,
      config:
        `Qdrant Edge (${BENCH_PYTHON_REQUIREMENTS.join(' ')}) m=${params.m} ef_construct=${params.efConstruct}, ` +
        '1 indexing + 1 search thread, RAM, 1 segment; ' +
        (mode === 'f32'
          ? 'no quantization'
          : (binary === undefined ? `scalar int8 quantile ${QUANTILE} always_ram, ` : `binary ${binary} always_ram, `) +
            (rescore ? `rescore true oversampling ${oversampling}` : 'rescore false')),
      async build() {
        driver = driverFor(ds);
        await driver.load();
        const reused = driver.builds.get(shard);
        if (reused) return { reusedSeconds: (await reused).seconds };
        const built = driver.request<BuildResult>({
          cmd: 'build',
          name: shard,
          dir: join(driver.dir, shard),
          distance: ds.distance,
          m: params.m,
          ef_construct: params.efConstruct,
          int8: shard === 'i8',
          quantile: QUANTILE,
          binary: binary === undefined ? null : { encoding: binary },
        });
        driver.builds.set(shard, built);
        return await built;
      },
      async timedPass(ef, k, queries, warmup, from): Promise<TimedPass> {
        const reply = await driver!.request<{ seconds: number; cpuSeconds: number; ids: number[][] }>({
          cmd: 'run',
          name: shard,
          ef,
          k,
          nq: queries,
          start: from,
          warmup,
          rescore: mode === 'f32' ? null : rescore,
          oversampling: rescore ? oversampling : null,
        });
        return { found: reply.ids, seconds: reply.seconds, cpuSeconds: reply.cpuSeconds };
      },
      close() {
        driver?.close();
      },
    };
  };
}

export function qdrantFactories(oversampling: number): EngineFactory[] {
  return [
    createQdrant('f32', oversampling),
    createQdrant('i8', oversampling),
    createQdrant('i8+rescore', oversampling),
    ...Object.keys(BINARY_SHARDS).flatMap((m) => [
      createQdrant(m, oversampling),
      createQdrant(`${m}+rescore`, oversampling),
    ]),
  ];
}
