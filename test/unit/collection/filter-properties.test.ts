import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../../lib/collection/service.js';
import type { PayloadSchema } from '../../../lib/model/payload-schema.js';
import { parseFilter } from '../../../lib/segment/filter-parse.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';
import { SCHEMA, TEXT_ONLY, filterArb, payloadArb } from '../../support/filter-arbitraries.js';
import { referenceMatch, textIndexes } from '../../support/filter-reference.js';

// The acceptance's property: random filters over random payloads give the same matches with and without field
// indexes, and the reference model's, through the whole collection: sealed segments (answered from their indexes
// where they can) and the WAL tail (the coordinator's scan) together, after overwrites, payload rewrites and deletes.
const DIM = 4;
const SEALED = 60;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const stateArb = fc.record({
  sealed: fc.array(payloadArb, { minLength: SEALED, maxLength: SEALED }),
  /** later upserts: some overwrite sealed points, some are new */
  tail: fc.array(fc.tuple(fc.nat(SEALED + 20), payloadArb), { minLength: 5, maxLength: 25 }),
  rewritten: fc.tuple(fc.uniqueArray(fc.nat(SEALED + 20), { maxLength: 4 }), payloadArb),
  deleted: fc.uniqueArray(fc.nat(SEALED + 20), { maxLength: 8 }),
  filters: fc.array(filterArb, { minLength: 10, maxLength: 10 }),
});
type State = typeof stateArb extends fc.Arbitrary<infer T> ? T : never;

async function build(svc: StrataCollectionService, name: string, schema: PayloadSchema, s: State, store: unknown) {
  await svc.createCollection(name, config(DIM, 'Euclid', { segments: 2, indexingKb: 1 }));
  for (const [key, field] of Object.entries(schema)) await svc.createFieldIndex(name, key, field);
  const vectors = randomVectors(SEALED + 21, DIM, 5);
  await svc.upsertPoints(
    name,
    s.sealed.map((payload, id) => ({ id, vector: vectors[id], payload })),
    true,
  );
  await optimize(store as Parameters<typeof optimize>[0], collectionPrefix('', name), {
    now: () => 1_000_000,
    skipGc: true,
  });
  for (const [id, payload] of s.tail) await svc.upsertPoints(name, [{ id, vector: vectors[id], payload }], true);
  const [ids, payload] = s.rewritten;
  if (ids.length > 0) await svc.overwritePayload(name, payload, { points: ids }, true);
  if (s.deleted.length > 0) await svc.deletePoints(name, { points: s.deleted }, true);
}

/** What the collection should hold: id -> payload, replaying the same operations. */
function model(s: State): Map<number, Record<string, unknown>> {
  const m = new Map<number, Record<string, unknown>>();
  s.sealed.forEach((p, id) => m.set(id, p));
  for (const [id, p] of s.tail) m.set(id, p);
  for (const id of s.rewritten[0]) if (m.has(id)) m.set(id, s.rewritten[1]);
  for (const id of s.deleted) m.delete(id);
  return m;
}

describe('filters through the collection: segments and WAL tail, with and without indexes', () => {
  it('count, scroll and exact search equal the reference model for random filters', async () => {
    const text = textIndexes(SCHEMA);
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(stateArb, async (s) => {
        const t = tempStore();
        cleanups.push(t.cleanup);
        const svc = service(t.store, directInvoker(t.store));
        await build(svc, 'indexed', SCHEMA, s, t.store);
        // the text index stays on the other side too: it changes what text conditions mean, not only their speed
        await build(svc, 'plain', TEXT_ONLY, s, t.store);
        const live = model(s);
        for (const raw of s.filters) {
          const filter = parseFilter(raw);
          const expected = [...live]
            .filter(([id, p]) => referenceMatch(filter, id, p, text))
            .map(([id]) => id)
            .sort((a, b) => a - b);
          if (expected.length > 0) nonEmpty++;
          for (const name of ['indexed', 'plain']) {
            expect(await svc.count(name, filter, true)).toBe(expected.length);
            const page = await svc.scroll(name, { filter, limit: 1000, with_payload: false, with_vector: false });
            expect(page.points.map((p) => p.id)).toEqual(expected);
            const hits = await svc.query(name, {
              vector: [0, 0, 0, 0],
              limit: 1000,
              offset: 0,
              filter,
              params: { exact: true },
              with_payload: false,
              with_vector: false,
            });
            expect(hits.map((h) => h.id as number).sort((a, b) => a - b)).toEqual(expected);
          }
        }
      }),
      { seed: 4242, numRuns: 6 },
    );
    expect(nonEmpty).toBeGreaterThan(15);
  }, 120_000);
});
