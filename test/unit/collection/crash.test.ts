/**
 * §4.4 crash anywhere, lose nothing: a child process (tsx) writes and optimizes the same collection and is killed
 * with SIGKILL at a random moment, 20 times in a row, each round starting from what the previous one left (half
 * written temp files, stale lock files, orphan segments and tombstones, unsealed WAL). After every kill a fresh
 * reader must find every batch the child acknowledged, with its exact vector, and must never read a segment the
 * manifest does not name.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../../lib/collection/keys.js';
import { segmentIdOfKey } from '../../../lib/segment/keys.js';
import { loadManifest } from '../../../lib/collection/manifest.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { config, directInvoker, rng, service, tempStore } from '../../support/collection-harness.js';
import { roundFloat16 } from '../../../lib/model/datatype.js';
import { CRASH_DIM, crashPointVector } from '../../support/crash-points.js';

const ROUNDS = 20;
const FLOAT16_ROUNDS = 6;
const CHILD = fileURLToPath(new URL('../../support/collection-crash-child.ts', import.meta.url));
const C = collectionPrefix('', 'c');

/**
 * Runs one child and kills it: `delayMs` after it is ready, or, with `inOptimizer`, `delayMs` after the first
 * optimizer run that starts once it is ready (so the kill lands inside a run: planning, segment writes, the swap or
 * garbage collection).
 */
function runAndKill(
  root: string,
  round: number,
  delayMs: number,
  inOptimizer: boolean,
): Promise<{ acked: number[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, root, String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let out = '';
    let stderr = '';
    let optRuns = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line === 'READY' && !inOptimizer && timer === undefined)
          timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
        if (line === 'OPT' && inOptimizer && timer === undefined && ++optRuns === 2) {
          timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
        const m = /^ACK (\d+) (\d+)$/.exec(line);
        if (m) for (let i = 0; i < Number(m[2]); i++) acked.push(Number(m[1]) + i);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code}/${signal} before the kill: ${stderr}`));
      else resolve({ acked, stderr });
    });
  });
}

/**
 * `rounds` kills over one collection; with `datatype` float16 its WAL records are version 5 (rows stored as float16,
 * wal.ts) and every read must give back exactly the float16 value of each coordinate, in the tail and sealed.
 */
async function crashRounds(t: ReturnType<typeof tempStore>, rounds: number, datatype?: 'float16'): Promise<void> {
  const admin = service(t.store, directInvoker(t.store));
  const base = config(CRASH_DIM, 'Euclid', { segments: 2 });
  const vectors = { size: CRASH_DIM, distance: 'Euclid' as const, on_disk: false, datatype };
  await admin.createCollection('c', datatype === undefined ? base : { ...base, vectors });
  const expected = (id: number) => crashPointVector(id).map((x) => (datatype === undefined ? x : roundFloat16(x)));
  let typedRecords = 0;
  {
    const acked = new Set<number>();
    const r = rng(2026);
    let segmentReads = 0;
    let orphansSeen = 0;
    for (let round = 0; round < rounds; round++) {
      const inOptimizer = round % 2 === 1;
      const delay = inOptimizer ? Math.floor(r() * 60) : 150 + Math.floor(r() * 900);
      const res = await runAndKill(t.root, round, delay, inOptimizer);
      for (const id of res.acked) acked.add(id);

      // restart: a fresh process state reads through a store that records every key it touches
      const spy = new FaultStore(t.store);
      const reader = service(spy, directInvoker(spy, 2));
      const current = (await loadManifest(t.store, manifestKey(C)))!.manifest;
      const named = new Set(current.segments.map((s) => s.id));
      const known = new Set([...current.segments, ...current.retiredSegments].map((s) => s.id));
      const folders = new Set((await t.store.list(`${C}/segments/`)).map((e) => segmentIdOfKey(C, e.key)));
      const orphans = [...folders].filter((f) => f !== null && !known.has(f)).length;
      orphansSeen += orphans;
      const got = await reader.getPoints('c', [...acked], false, true);
      expect(got.length).toBe(acked.size);
      for (const p of got) {
        const want = expected(p.id as number);
        if (datatype === undefined) (p.vector as number[]).forEach((x, i) => expect(x).toBeCloseTo(want[i], 5));
        else expect(p.vector).toEqual(want);
      }
      for (const e of await t.store.list(`${C}/wal/`)) {
        const body = (await t.store.get(e.key))?.body;
        if (
          body !== undefined &&
          body.length >= 24 &&
          new DataView(body.buffer, body.byteOffset).getUint16(4, true) === 5
        )
          typedRecords++;
      }
      const all = await reader.scroll('c', { limit: 1_000_000, with_payload: false, with_vector: false });
      const ids = new Set(all.points.map((p) => p.id as number));
      for (const id of acked) expect(ids.has(id)).toBe(true);
      for (const id of [...acked].slice(0, 3)) {
        const top = await reader.query('c', {
          vector: expected(id),
          limit: 1,
          offset: 0,
          params: { exact: true },
          with_payload: false,
          with_vector: false,
        });
        expect(top[0].id).toBe(id);
      }
      // the manifest did not move (no child runs): every segment read was one it names
      for (const call of spy.calls) {
        const seg = segmentIdOfKey(C, call.key);
        if (seg !== null && call.op !== 'list') {
          expect(named.has(seg)).toBe(true);
          segmentReads++;
        }
      }
      console.log(
        `[crash] round ${round}: killed ${delay} ms after ${inOptimizer ? 'an optimizer run started' : 'start'}, ${res.acked.length} acks this round, ${acked.size} in all, ` +
          `${orphans} orphan segment folders, manifest epoch ${current.epoch}`,
      );
    }
    expect(acked.size).toBeGreaterThan(rounds * 5);
    expect(segmentReads).toBeGreaterThan(0);
    // float16 records are version 5 (float32 collections keep version 1, checked by formats.test.ts)
    if (datatype !== undefined) expect(typedRecords).toBeGreaterThan(0);
    else expect(typedRecords).toBe(0);

    console.log(`[crash] orphan segment folders seen after kills, summed over rounds: ${orphansSeen}`);

    // a final optimizer run in this process seals everything left; still nothing lost
    await optimize(t.store, C);
    const final = await admin.scroll('c', { limit: 1_000_000, with_payload: false, with_vector: true });
    const finalIds = new Set(final.points.map((p) => p.id as number));
    for (const id of acked) expect(finalIds.has(id)).toBe(true);
    if (datatype !== undefined) for (const p of final.points) expect(p.vector).toEqual(expected(p.id as number));
  }
}

describe('crash anywhere, lose nothing', () => {
  const t = tempStore();
  const t16 = tempStore();
  afterAll(() => {
    t.cleanup();
    t16.cleanup();
  });

  it(
    `${ROUNDS} SIGKILLs during upserts and optimizer runs lose no acknowledged point`,
    () => crashRounds(t, ROUNDS),
    300_000,
  );

  it(
    `${FLOAT16_ROUNDS} SIGKILLs over a float16 collection (version 5 records) lose no point and no float16 bit`,
    () => crashRounds(t16, FLOAT16_ROUNDS, 'float16'),
    300_000,
  );
});
