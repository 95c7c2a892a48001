/**
 * Qdrant's own recall for a quantization code, measured in the same run as Strata's: test/python/edge_recall.py
 * builds one Qdrant Edge shard per code (qdrant-edge-py in the `clients` venv, test/support/python-env.ts) over the
 * same rows and runs the same queries at the same ef, with and without rescoring. Runs as a child process, so the
 * caller can build its own graph meanwhile.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from './datasets.js';
import { testPython } from './python-env.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'edge_recall.py');

export type EdgeCode = { name: string; turbo: string } | { name: string; product: string };

export interface EdgeRun {
  ef: number;
  k: number;
  rescore: boolean;
  oversampling: number | null;
}

/** Ids found per code name, per run (in `runs` order), per query. */
export type EdgeResults = Record<string, number[][][]>;

export async function qdrantEdgeRecall(
  ds: Dataset,
  codes: readonly EdgeCode[],
  runs: readonly EdgeRun[],
  hnsw: { m: number; efConstruct: number },
): Promise<EdgeResults> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-edge-recall-'));
  try {
    const base = join(dir, 'base.f32');
    const queries = join(dir, 'queries.f32');
    writeFileSync(base, new Uint8Array(ds.base.buffer, ds.base.byteOffset, ds.nBase * ds.dim * 4));
    writeFileSync(queries, new Uint8Array(ds.queries.buffer, ds.queries.byteOffset, ds.nQueries * ds.dim * 4));
    const msg = {
      base,
      queries,
      n: ds.nBase,
      nq: ds.nQueries,
      dim: ds.dim,
      distance: ds.distance,
      m: hnsw.m,
      ef_construct: hnsw.efConstruct,
      dir,
      codes,
      runs,
    };
    const child = spawn(testPython('clients'), [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.stdin.end(JSON.stringify(msg));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`edge_recall.py exited ${code}: ${stderr}`);
    return JSON.parse(stdout) as EdgeResults;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
