/**
 * How many segments a seal makes. `default_segment_number: 0` means "let the engine choose" (Qdrant: one segment per
 * CPU); Strata's analogue of a CPU is a segment worker, so the optimizer seals such a collection into one segment per
 * worker (`autoSegments`). `max_segment_size` (KB of vectors) caps every segment the optimizer writes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../../lib/collection/keys.js';
import { loadManifest } from '../../../lib/collection/manifest.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const C = collectionPrefix('', 'c');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function collection(segments: number, maxSegmentKb: number | null = null) {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const svc = service(t.store, directInvoker(t.store));
  const cfg = config(4, 'Dot', { segments });
  cfg.optimizers_config.max_segment_size = maxSegmentKb;
  await svc.createCollection('c', cfg);
  let next = 0;
  return {
    upsert: (n: number) => {
      const first = next;
      next += n;
      return svc.upsertPoints(
        'c',
        randomVectors(n, 4, first + 3).map((v, i) => ({ id: first + i, vector: v })),
        true,
      );
    },
    seal: (autoSegments?: number) =>
      optimize(t.store, C, { skipGc: true, ...(autoSegments === undefined ? {} : { autoSegments }) }),
    sizes: async () =>
      (await loadManifest(t.store, manifestKey(C)))!.manifest.segments.map((s) => s.points - s.deleted),
  };
}

async function sealedSegments(segments: number, autoSegments: number | undefined): Promise<number[]> {
  const c = await collection(segments);
  await c.upsert(120);
  await c.seal(autoSegments);
  return c.sizes();
}

describe('default_segment_number 0', () => {
  it('seals into one balanced segment per worker', async () => {
    expect(await sealedSegments(0, 3)).toEqual([40, 40, 40]);
  });

  it('falls back to one segment when the worker count is unknown', async () => {
    expect(await sealedSegments(0, undefined)).toEqual([120]);
  });

  it('never overrides an explicit default_segment_number', async () => {
    expect(await sealedSegments(2, 8)).toEqual([60, 60]);
  });
});

describe('max_segment_size', () => {
  // dim 4: 16 bytes of vectors per point, so 1 KB holds 64 points
  it('splits a seal so that no segment exceeds it', async () => {
    const c = await collection(2, 1);
    await c.upsert(200);
    await c.seal();
    const sizes = await c.sizes();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64);
    expect(sizes).toHaveLength(4);
  });

  it('skips a merge that would exceed it, and merges as before without it', async () => {
    for (const [limit, expected] of [
      [1, [60, 60, 10]],
      [null, [60, 70]],
    ] as const) {
      const c = await collection(2, limit);
      await c.upsert(120);
      await c.seal();
      await c.upsert(10);
      await c.seal();
      expect((await c.sizes()).sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
    }
  });
});
