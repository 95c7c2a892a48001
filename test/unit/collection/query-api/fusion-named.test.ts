/**
 * A node that only merges or orders its prefetches (fusion, here) searches no vector, so its default `using` ('',
 * the unnamed vector) need not exist: over a collection of named vectors only (the dense + sparse hybrid shape), a
 * fusion of `using` prefetches must run, not answer "Not existing vector name error" for the unnamed vector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rrf } from '../../../../lib/collection/query-api/fusion.js';
import type { StrataCollectionService } from '../../../../lib/collection/service.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../../support/collection-harness.js';

let svc: StrataCollectionService;
let cleanup: () => void;
const a = randomVectors(30, 4, 1);
const b = randomVectors(30, 4, 2);
const q = randomVectors(2, 4, 3);

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  svc = service(t.store, directInvoker(t.store, 2));
  const base = config(4, 'Dot');
  await svc.createCollection('named', {
    ...base,
    vectors: { a: { size: 4, distance: 'Dot', on_disk: false }, b: { size: 4, distance: 'Dot', on_disk: false } },
  } as never);
  await svc.upsertPoints(
    'named',
    a.map((v, i) => ({ id: i + 1, vector: { a: v, b: b[i] }, payload: null })),
    true,
  );
});

afterAll(() => cleanup?.());

describe('fusion over named vectors without an unnamed one', () => {
  it('runs, and equals RRF of its two prefetches', async () => {
    const leaf = (using: string, vector: number[]) => ({
      query: { kind: 'nearest', input: { vector } },
      using,
      limit: 10,
      prefetch: [],
      params: { exact: true },
    });
    const base = { limit: 5, offset: 0, with_payload: false, with_vector: false };
    const [fused] = await svc.queryUniversal('named', [
      { ...base, prefetch: [leaf('a', q[0]), leaf('b', q[1])], query: { kind: 'fusion', method: 'rrf' }, using: '' },
    ] as never);
    const [la] = await svc.queryUniversal('named', [{ ...base, ...leaf('a', q[0]), limit: 10 }] as never);
    const [lb] = await svc.queryUniversal('named', [{ ...base, ...leaf('b', q[1]), limit: 10 }] as never);
    const want = rrf([la, lb].map((l) => l.map((p) => ({ id: p.id, score: p.score, item: p.id })))).slice(0, 5);
    expect(fused.map((p) => p.id)).toEqual(want.map((w) => w.id));
    fused.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 6));
  });
});
