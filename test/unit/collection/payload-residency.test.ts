/**
 * `on_disk_payload` honoured (lib/collection/segment-access.ts `residentPayloads`, lib/collection/reads.ts): with
 * `false` the coordinator keeps each segment's payloads in memory after one whole GET, so later queries, gets and
 * scrolls read no payload bytes; with `true` (Qdrant's default) every query reads its page's payloads by ranged GET.
 * Both answer the same payloads. A segment too large for the budget is read per query instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { emptyQueryStats } from '../../../lib/collection/query.js';
import { SegmentAccess } from '../../../lib/collection/segment-access.js';
import type { QueryRequest, ScoredPoint } from '../../../lib/model/search.js';
import { IoScope } from '../../../lib/storage/io-stats.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 8;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function collection(onDiskPayload: boolean) {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const svc = service(t.store, directInvoker(t.store, 2));
  await svc.createCollection('c', { ...config(DIM), on_disk_payload: onDiskPayload });
  const vectors = randomVectors(400, DIM, 7);
  await svc.upsertPoints(
    'c',
    vectors.map((vector, i) => ({ id: i + 1, vector, payload: { i, tag: `t${i % 5}` } })),
    true,
  );
  await optimize(t.store, collectionPrefix('', 'c'), { skipGc: true });
  return { ...t, svc };
}

function query(seed: number): QueryRequest {
  const [vector] = randomVectors(1, DIM, seed);
  return { vector, limit: 10, offset: 0, params: { exact: true }, with_payload: true, with_vector: false };
}

async function measured(svc: Awaited<ReturnType<typeof collection>>['svc'], seed: number) {
  const io = new IoScope();
  const points = await svc.query('c', query(seed), { io, stats: emptyQueryStats() });
  return { points, io: io.snapshot() };
}

describe('on_disk_payload', () => {
  it('false: one whole GET per segment, then queries read no payload bytes', async () => {
    const { svc } = await collection(false);
    const first = await measured(svc, 1);
    expect(first.io.gets).toBeGreaterThanOrEqual(1);
    for (const seed of [2, 3, 4]) {
      const warm = await measured(svc, seed);
      expect(warm.io.gets).toBe(0);
      expect(warm.io.rangedGets).toBe(0);
      for (const p of warm.points)
        expect(p.payload).toEqual({ i: (p.id as number) - 1, tag: `t${((p.id as number) - 1) % 5}` });
    }
    // gets and scrolls use the same resident payloads
    const [rec] = await svc.getPoints('c', [17], true, false);
    expect(rec.payload).toEqual({ i: 16, tag: 't1' });
  });

  it('true: every query reads its page of payloads from the store', async () => {
    const { svc } = await collection(true);
    await measured(svc, 1);
    for (const seed of [2, 3]) {
      const warm = await measured(svc, seed);
      expect(warm.io.rangedGets + warm.io.gets).toBeGreaterThan(0);
      expect(warm.io.bytesIn).toBeGreaterThan(0);
      for (const p of warm.points)
        expect(p.payload).toEqual({ i: (p.id as number) - 1, tag: `t${((p.id as number) - 1) % 5}` });
    }
  });

  it('answers the same payloads either way', async () => {
    const resident = await collection(false);
    const onDisk = await collection(true);
    // versions are write times, so they differ between the two collections
    const shown = (ps: ScoredPoint[]) => ps.map(({ id, score, payload }) => ({ id, score, payload }));
    for (const seed of [5, 6]) {
      expect(shown((await measured(resident.svc, seed)).points)).toEqual(
        shown((await measured(onDisk.svc, seed)).points),
      );
    }
  });

  it('a segment too large for the budget is read per query, not kept', async () => {
    const { store, svc } = await collection(false);
    const [segment] = (await svc.segmentLayout('c')).segments;
    const access = new SegmentAccess(store, 1024);
    const prefix = collectionPrefix('', 'c');
    const first = await access.residentPayloads(prefix, segment.id);
    expect(first?.length).toBe(segment.points);
    expect(await access.residentPayloads(prefix, segment.id)).toBeNull();
    const roomy = new SegmentAccess(store);
    const kept = await roomy.residentPayloads(prefix, segment.id);
    expect(await roomy.residentPayloads(prefix, segment.id)).toBe(kept);
  });
});
