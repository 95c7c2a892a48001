/**
 * The WAL listing floor (wal.ts, manifest.ts `walFloor`): readers and optimizers list `wal/` from the floor the last
 * seal recorded, so a query's listing skips the sealed history, yet no acknowledged write is ever below it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey, walKey, walListStart, walPrefix } from '../../../lib/collection/keys.js';
import { loadManifest } from '../../../lib/collection/manifest.js';
import { CollectionOptimizer, optimize } from '../../../lib/collection/optimizer.js';
import { FLOOR_REFRESH_MS } from '../../../lib/collection/optimizers/execute.js';
import { COLD_LIST_WINDOW_MS, FLOOR_TRUST_MS } from '../../../lib/collection/tail.js';
import { MAX_CLOCK_SKEW_MS, WAL_ACK_WINDOW_MS, WAL_FLOOR_LAG_MS, encodeWal } from '../../../lib/collection/wal.js';
import { isStrataError } from '../../../lib/model/errors.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import type { ListOptions } from '../../../lib/storage/object-store.js';
import { config, directInvoker, service, tempStore } from '../../support/collection-harness.js';

const C = collectionPrefix('', 'c');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const T0 = 1_800_000_000_000;

/** A folder store whose WAL listings are recorded (prefix, startAfter, keys returned). */
function setup() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const lists: { startAfter?: string; keys: number }[] = [];
  const list = t.store.list.bind(t.store);
  t.store.list = async (prefix: string, options?: ListOptions) => {
    const out = await list(prefix, options);
    if (prefix === walPrefix(C)) lists.push({ startAfter: options?.startAfter, keys: out.length });
    return out;
  };
  const faults = new FaultStore(t.store);
  return { store: t.store, faults, lists };
}

const vec = (x: number) => [x, 1, 0, 0];
const query = {
  vector: vec(0),
  limit: 100,
  offset: 0,
  params: { exact: true },
  with_payload: true,
  with_vector: false,
};

describe('WAL listing floor', () => {
  it('a seal records a floor lagging its clock; later listings start there and skip the sealed history', async () => {
    const { store, lists } = setup();
    let now = T0;
    const svc = service(store, directInvoker(store), { writerId: 'w', now: () => now });
    await svc.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    for (let i = 0; i < 40; i++) {
      now += 1000;
      await svc.upsertPoints('c', [{ id: i, vector: vec(i) }], true);
    }
    now += 10 * 60_000;
    // a warm optimizer, as the optimizer function's container keeps one (its WAL reader remembers the floor)
    const optimizer = new CollectionOptimizer({ store, now: () => now, skipGc: true });
    await optimizer.optimize('c');
    const m = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(m.walFloor).toBe(now - WAL_FLOOR_LAG_MS);
    // every sealed object is still in the store (no GC), yet the next reader's listing starts above them all
    expect((await store.list(walPrefix(C))).length).toBe(40);
    await svc.query('c', query); // learns the floor
    lists.length = 0;
    now += 1000;
    await svc.upsertPoints('c', [{ id: 100, vector: vec(100) }], true);
    const hits = await svc.query('c', query);
    expect(hits).toHaveLength(41);
    expect(lists).toEqual([{ startAfter: walListStart(C, m.walFloor!), keys: 1 }]);
    // the optimizer lists from the floor too
    lists.length = 0;
    await optimizer.optimize('c');
    expect(lists).toEqual([{ startAfter: walListStart(C, m.walFloor!), keys: 1 }]);
    const next = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(next.walFloor).toBe(now - WAL_FLOOR_LAG_MS);
  });

  it('a late writer (clock behind by the largest skew, stalled before its PUT) is above the floor a seal set meanwhile', async () => {
    const { store, faults } = setup();
    const T = T0 + 3_600_000;
    const reader = service(store, directInvoker(store), { writerId: 'r', now: () => T });
    const late = service(faults, directInvoker(faults), { writerId: 'late', now: () => T - MAX_CLOCK_SKEW_MS });
    await reader.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    await reader.upsertPoints('c', [{ id: 1, vector: vec(1) }], true);
    await reader.query('c', query);
    // the late writer has chosen its seq and stalls; meanwhile an optimizer seals with a clock ahead by the skew
    const gate = faults.gate({ op: 'put', key: /\/wal\// });
    const write = late.upsertPoints('c', [{ id: 2, vector: vec(2) }], true);
    await gate.reached();
    await optimize(store, C, { now: () => T + MAX_CLOCK_SKEW_MS, skipGc: true });
    const floor = (await loadManifest(store, manifestKey(C)))!.manifest.walFloor!;
    expect(floor).toBeGreaterThan(0);
    gate.release();
    await write;
    // its object sorts below the sealed one, yet at or above the floor: the bounded listing finds it
    const keys = (await store.list(walPrefix(C))).map((e) => e.key);
    expect(keys[0]).toContain('.late');
    expect(keys[0] > walListStart(C, floor)!).toBe(true);
    expect((await reader.query('c', query)).map((p) => p.id).sort()).toEqual([1, 2]);
    await optimize(store, C, { now: () => T + MAX_CLOCK_SKEW_MS, skipGc: true });
    const sealed = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(sealed.segments.reduce((n, s) => n + s.points, 0)).toBe(2);
    expect((await reader.query('c', query)).map((p) => p.id).sort()).toEqual([1, 2]);
  });

  it('refuses to acknowledge a write whose PUT outlasted the window (it could land below a floor)', async () => {
    const { faults } = setup();
    let now = T0;
    const svc = service(faults, directInvoker(faults), { writerId: 'w', now: () => now });
    await svc.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    const gate = faults.gate({ op: 'put', key: /\/wal\// });
    const write = svc.upsertPoints('c', [{ id: 1, vector: vec(1) }], true).then(
      () => null,
      (e: unknown) => e,
    );
    await gate.reached();
    now += WAL_ACK_WINDOW_MS + 1;
    gate.release();
    const error = await write;
    expect(isStrataError(error, 'unavailable')).toBe(true);
    expect(String(error)).toMatch(/may not apply; retry/);
    // a write inside the window is acknowledged as ever
    await expect(svc.upsertPoints('c', [{ id: 2, vector: vec(2) }], true)).resolves.toMatchObject({
      status: 'completed',
    });
  });

  it('a reader that remembers a higher floor lists again when the collection was re-created with a lower one', async () => {
    const { store, lists } = setup();
    const T = T0 + 3_600_000;
    const reader = service(store, directInvoker(store), { writerId: 'r', now: () => T });
    await reader.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    await reader.upsertPoints('c', [{ id: 1, vector: vec(1) }], true);
    await optimize(store, C, { now: () => T, skipGc: true });
    await reader.query('c', query); // remembers the floor T − lag
    // another process re-creates the collection; its writer's clock legitimately sits below the old floor
    const other = service(store, directInvoker(store), { writerId: 'o', now: () => T - 10 * WAL_FLOOR_LAG_MS });
    await other.deleteCollection('c');
    await other.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    await other.upsertPoints('c', [{ id: 7, vector: vec(7) }], true);
    lists.length = 0;
    expect((await reader.query('c', query)).map((p) => p.id)).toEqual([7]);
    // the re-created collection's floor (its creation, less the lag) is below the one remembered: listed again
    expect(lists.map((l) => l.startAfter)).toEqual([
      walListStart(C, T - WAL_FLOOR_LAG_MS),
      walListStart(C, T - 11 * WAL_FLOOR_LAG_MS),
    ]);
  });

  it('a cold reader, or one whose floor is older than FLOOR_TRUST_MS, lists from its clock in parallel with the manifest', async () => {
    const { store, lists } = setup();
    let now = T0;
    const writer = service(store, directInvoker(store), { writerId: 'w', now: () => now });
    await writer.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    for (let i = 0; i < 20; i++) {
      now += 1000;
      await writer.upsertPoints('c', [{ id: i, vector: vec(i) }], true);
    }
    const idle = service(store, directInvoker(store), { writerId: 'i', now: () => now });
    await idle.query('c', query); // learns the creation floor
    now += 10 * 60_000;
    await new CollectionOptimizer({ store, now: () => now, skipGc: true }).optimize('c');
    const floor = (await loadManifest(store, manifestKey(C)))!.manifest.walFloor!;
    expect(floor).toBeGreaterThan(T0 + 20_000);
    // a cold container knows no floor: it lists from its clock less the window, in the same round as the manifest
    // read; the floor the manifest then shows is above that start, so this one listing is the tail's
    const cold = service(store, directInvoker(store), { writerId: 'c', now: () => now });
    lists.length = 0;
    expect(await cold.query('c', query)).toHaveLength(20);
    expect(lists.map((l) => l.startAfter)).toEqual([walListStart(C, now - COLD_LIST_WINDOW_MS)]);
    // an idle one: its floor was learned ten minutes ago, so it starts from its clock too
    lists.length = 0;
    expect(await idle.query('c', query)).toHaveLength(20);
    expect(lists.map((l) => l.startAfter)).toEqual([walListStart(C, now - COLD_LIST_WINDOW_MS)]);
    // a busy one (floor learned just now) lists from the floor it knows
    lists.length = 0;
    now += FLOOR_TRUST_MS;
    expect(await idle.query('c', query)).toHaveLength(20);
    expect(lists).toEqual([{ startAfter: walListStart(C, floor), keys: 0 }]);
  });

  it('a collection idle beyond the window costs a cold reader a second listing until an optimizer pass raises its floor', async () => {
    const { store, lists } = setup();
    let now = T0;
    const writer = service(store, directInvoker(store), { writerId: 'w', now: () => now });
    await writer.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    await writer.upsertPoints('c', [{ id: 1, vector: vec(1) }], true);
    const optimizer = new CollectionOptimizer({ store, now: () => now, skipGc: true });
    await optimizer.optimize('c');
    const sealed = (await loadManifest(store, manifestKey(C)))!.manifest;
    now += 3 * COLD_LIST_WINDOW_MS;
    // an acknowledged write that no pass has sealed (the optimizer is down): above the floor, below the cold start
    const late = service(store, directInvoker(store), { writerId: 'l', now: () => now - 2 * COLD_LIST_WINDOW_MS });
    await late.upsertPoints('c', [{ id: 2, vector: vec(2) }], true);
    lists.length = 0;
    const cold = () => service(store, directInvoker(store), { writerId: 'c', now: () => now });
    expect((await cold().query('c', query)).map((p) => p.id).sort()).toEqual([1, 2]);
    expect(lists.map((l) => l.startAfter)).toEqual([
      walListStart(C, now - COLD_LIST_WINDOW_MS),
      walListStart(C, sealed.walFloor!),
    ]);
    // a pass seals it (its floor is then the pass's clock less the lag); a pass over an idle collection raises the
    // floor alone only once it could move by FLOOR_REFRESH_MS
    await optimizer.optimize('c');
    const after = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(after.walFloor).toBe(now - WAL_FLOOR_LAG_MS);
    now += FLOOR_REFRESH_MS - 1;
    await optimizer.optimize('c');
    expect((await loadManifest(store, manifestKey(C)))!.manifest.epoch).toBe(after.epoch);
    now += COLD_LIST_WINDOW_MS;
    await optimizer.optimize('c');
    const raised = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(raised.epoch).toBe(after.epoch + 1);
    expect(raised.walFloor).toBe(now - WAL_FLOOR_LAG_MS);
    expect(raised.segments).toEqual(after.segments);
    lists.length = 0;
    expect((await cold().query('c', query)).map((p) => p.id).sort()).toEqual([1, 2]);
    expect(lists.map((l) => l.startAfter)).toEqual([walListStart(C, now - COLD_LIST_WINDOW_MS)]);
  });

  it('a cold listing that fills its one parallel page lists the rest from past the loaded floor, not through history', async () => {
    const { store, lists } = setup();
    const now = T0 + 4 * 60_000;
    const svc = service(store, directInvoker(store), { writerId: 'w', now: () => T0 });
    await svc.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    const { incarnation } = (await loadManifest(store, manifestKey(C)))!.manifest;
    // 1,100 batches in the second after creation (more than one page), sealed by a pass four minutes later
    const seqs = Array.from({ length: 1100 }, (_, i) => T0 + 1 + i);
    for (let i = 0; i < seqs.length; i += 100) {
      await Promise.all(
        seqs.slice(i, i + 100).map((seq) => {
          const batch = { incarnation, seq, writer: 'h', ids: [], payloads: [], vectors: [], deletes: [seq] };
          return store.put(walKey(C, seq, 'h'), encodeWal(batch), { ifNoneMatch: '*' });
        }),
      );
    }
    await optimize(store, C, { now: () => now, skipGc: true, sealSlice: 2000 });
    const floor = (await loadManifest(store, manifestKey(C)))!.manifest.walFloor!;
    expect(floor).toBe(now - WAL_FLOOR_LAG_MS);
    expect(floor).toBeGreaterThan(seqs.at(-1)!);
    await service(store, directInvoker(store), { writerId: 'x', now: () => now }).upsertPoints(
      'c',
      [{ id: 5, vector: vec(5) }],
      true,
    );
    lists.length = 0;
    const cold = service(store, directInvoker(store), { writerId: 'c', now: () => now });
    expect((await cold.query('c', query)).map((p) => p.id)).toEqual([5]);
    expect(lists).toEqual([
      { startAfter: walListStart(C, now - COLD_LIST_WINDOW_MS), keys: 1000 },
      { startAfter: walListStart(C, floor), keys: 1 },
    ]);
  });

  it('a writer whose clock lags far beyond the skew bound still writes above the committed floor', async () => {
    const { store, lists } = setup();
    const T = T0 + 3_600_000;
    const reader = service(store, directInvoker(store), { writerId: 'r', now: () => T });
    await reader.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    // only deletes sealed: no point version (sealedHigh) lifts a writer's clock, only the floor can
    await reader.deletePoints('c', { points: [1] }, true);
    await optimize(store, C, { now: () => T, skipGc: true });
    const floor = (await loadManifest(store, manifestKey(C)))!.manifest.walFloor!;
    expect(floor).toBe(T - WAL_FLOOR_LAG_MS);
    const lagging = service(store, directInvoker(store), { writerId: 'lag', now: () => T - 10 * WAL_FLOOR_LAG_MS });
    const { operation_id } = await lagging.upsertPoints('c', [{ id: 2, vector: vec(2) }], true);
    expect(operation_id).toBeGreaterThan(floor);
    lists.length = 0;
    expect((await reader.query('c', query)).map((p) => p.id)).toEqual([2]);
    // the reader knew no floor: it listed from its clock less the window, below the committed floor (one listing)
    expect(lists.map((l) => l.startAfter)).toEqual([walListStart(C, T - COLD_LIST_WINDOW_MS)]);
  });
});
