/**
 * `default_segment_number: 0` means "let the engine choose" (Qdrant: one segment per CPU). Strata's analogue of a CPU
 * is a segment worker, so the optimizer seals such a collection into one segment per worker (`autoSegments`).
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

async function sealedSegments(segments: number, autoSegments: number | undefined): Promise<number[]> {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const svc = service(t.store, directInvoker(t.store));
  await svc.createCollection('c', config(4, 'Dot', { segments }));
  await svc.upsertPoints('c', randomVectors(120, 4, 3).map((v, i) => ({ id: i, vector: v })), true);
  await optimize(t.store, C, { skipGc: true, ...(autoSegments === undefined ? {} : { autoSegments }) });
  const m = (await loadManifest(t.store, manifestKey(C)))!.manifest;
  return m.segments.map((s) => s.points);
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
