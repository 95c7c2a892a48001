/**
 * Payload indexes through the official `@qdrant/js-client-rest` over TCP: indexes of every type, payload_schema read
 * back, facet, order_by scroll, text match with stopwords and phrases, geo radius and polygon — each compared with
 * a brute-force answer computed here from the payloads the test wrote (its own great-circle distance, its own
 * tokenization of the fixed texts). Points live in sealed segments and in the WAL tail at once.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix } from '../../lib/collection/keys.js';
import { optimize } from '../../lib/collection/optimizer.js';
import { directInvoker, randomVectors, service, tempStore } from '../support/collection-harness.js';
import { type StrataUnderTest, startStrata } from '../support/strata-server.js';

const N = 240;
const SEALED = 200;
const DIM = 4;
const TEXTS = [
  'The cat sat on the mat',
  'A quick brown fox',
  'the brown cat and the dog',
  'Dogs are not cats',
  'brown bread',
];
const payloadOf = (i: number) => ({
  color: ['red', 'green', 'blue', 'black'][i % 4],
  size: i % 13,
  price: (i % 17) + 0.5,
  stock: i % 3 === 0,
  made: new Date(Date.UTC(2024, 0, 1 + (i % 50))).toISOString(),
  sku: `00000000-0000-0000-0000-${String(i % 9).padStart(12, '0')}`,
  place: { lon: ((i * 7) % 360) - 180, lat: ((i * 11) % 160) - 80 },
  text: TEXTS[i % TEXTS.length],
});

let strata: StrataUnderTest;
let client: QdrantClient;
let cleanup: () => void;
const payloads = Array.from({ length: N }, (_, i) => payloadOf(i));

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  const svc = service(t.store, directInvoker(t.store));
  strata = await startStrata(svc);
  client = strata.client;
  await client.createCollection('c', { vectors: { size: DIM, distance: 'Euclid' } });
  const schemas: [string, unknown][] = [
    ['color', 'keyword'],
    ['size', { type: 'integer', lookup: true, range: true }],
    ['price', 'float'],
    ['stock', 'bool'],
    ['made', 'datetime'],
    ['sku', { type: 'uuid', is_tenant: false }],
    ['place', 'geo'],
    ['text', { type: 'text', tokenizer: 'word', lowercase: true, stopwords: 'english', phrase_matching: true }],
  ];
  for (const [field_name, field_schema] of schemas) {
    await client.createPayloadIndex('c', { field_name, field_schema: field_schema as never, wait: true });
  }
  const vectors = randomVectors(N, DIM, 5);
  const upsert = (from: number, to: number) =>
    client.upsert('c', {
      wait: true,
      points: vectors.slice(from, to).map((vector, k) => ({ id: from + k, vector, payload: payloads[from + k] })),
    });
  await upsert(0, SEALED);
  await optimize(t.store, collectionPrefix('', 'c'), { now: () => Date.now(), skipGc: true });
  await upsert(SEALED, N); // stays in the WAL tail
});

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

/** the ids whose payload passes `keep`; never empty and never everything, so a comparison means something */
function idsWhere(keep: (p: ReturnType<typeof payloadOf>) => boolean): number[] {
  const ids = payloads.flatMap((p, i) => (keep(p) ? [i] : []));
  expect(ids.length).toBeGreaterThan(0);
  expect(ids.length).toBeLessThan(N);
  return ids;
}

async function matchingIds(filter: Record<string, unknown>): Promise<number[]> {
  const r = await client.scroll('c', { filter: filter as never, limit: N + 10, with_payload: false });
  return r.points.map((p) => p.id as number).sort((a, b) => a - b);
}

/** great-circle distance by the spherical law of cosines (not the server's haversine) */
function meters(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const r = Math.PI / 180;
  const c =
    Math.sin(a.lat * r) * Math.sin(b.lat * r) +
    Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.cos((b.lon - a.lon) * r);
  return 6371008.8 * Math.acos(Math.min(1, Math.max(-1, c)));
}

describe('payload indexes with the official client', () => {
  it('reads payload_schema back with data_type, params and points', async () => {
    const info = await client.getCollection('c');
    expect(info.payload_schema.color).toEqual({ data_type: 'keyword', points: N });
    expect(info.payload_schema.size).toEqual({
      data_type: 'integer',
      params: { type: 'integer', lookup: true, range: true },
      points: N,
    });
    expect(info.payload_schema.text).toEqual({
      data_type: 'text',
      params: { type: 'text', tokenizer: 'word', lowercase: true, stopwords: 'english', phrase_matching: true },
      points: N,
    });
    for (const k of ['price', 'stock', 'made', 'sku', 'place']) expect(info.payload_schema[k]?.points).toBe(N);
  });

  it('facets a keyword and a bool index like a brute-force count', async () => {
    const r = await client.facet('c', { key: 'color', filter: { must: [{ key: 'size', range: { lt: 6 } }] } });
    const counts = new Map<string, number>();
    for (const p of payloads) if (p.size < 6) counts.set(p.color, (counts.get(p.color) ?? 0) + 1);
    const expected = [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    expect(r.hits).toEqual(expected);
    const b = await client.facet('c', { key: 'stock', limit: 1 });
    expect(b.hits).toEqual([{ value: false, count: payloads.filter((p) => !p.stock).length }]);
  });

  it('scrolls by an integer index, descending from start_from, ties by id', async () => {
    const r = await client.scroll('c', {
      order_by: { key: 'size', direction: 'desc', start_from: 9 },
      limit: 15,
      with_payload: true,
    });
    const expected = payloads
      .map((p, i) => ({ i, v: p.size }))
      .filter((x) => x.v <= 9)
      .sort((a, b) => b.v - a.v || b.i - a.i)
      .slice(0, 15);
    expect(r.points.map((p) => p.id)).toEqual(expected.map((x) => x.i));
    expect(r.points.map((p) => p.order_value)).toEqual(expected.map((x) => x.v));
    expect(r.next_page_offset ?? null).toBeNull();
  });

  it('matches text through the index tokenizer: stopwords dropped, phrases in order', async () => {
    // "the" is an English stopword: the query is just "cat", a whole token ("cats" is another token)
    expect(await matchingIds({ must: [{ key: 'text', match: { text: 'the CAT' } }] })).toEqual(
      idsWhere((p) => /\bcat\b/i.test(p.text)),
    );
    expect(await matchingIds({ must: [{ key: 'text', match: { phrase: 'brown cat' } }] })).toEqual(
      idsWhere((p) => p.text === 'the brown cat and the dog'),
    );
    expect(await matchingIds({ must: [{ key: 'text', match: { phrase: 'cat brown' } }] })).toEqual([]);
    expect(await matchingIds({ must: [{ key: 'text', match: { text_any: 'bread fox' } }] })).toEqual(
      idsWhere((p) => /bread|fox/.test(p.text)),
    );
  });

  it('geo radius and polygon equal brute force', async () => {
    const center = { lon: 10.5, lat: 20.5 };
    const radius = 4_000_000;
    expect(await matchingIds({ must: [{ key: 'place', geo_radius: { center, radius } }] })).toEqual(
      idsWhere((p) => meters(center, p.place) < radius),
    );
    const exterior = {
      points: [
        { lon: -100.5, lat: -50.5 },
        { lon: 100.5, lat: -50.5 },
        { lon: 100.5, lat: 50.5 },
        { lon: -100.5, lat: 50.5 },
        { lon: -100.5, lat: -50.5 },
      ],
    };
    const hole = {
      points: [
        { lon: -20.5, lat: -20.5 },
        { lon: 20.5, lat: -20.5 },
        { lon: 20.5, lat: 20.5 },
        { lon: -20.5, lat: 20.5 },
        { lon: -20.5, lat: -20.5 },
      ],
    };
    const inBox = (p: { lon: number; lat: number }, h: number, v: number) => Math.abs(p.lon) < h && Math.abs(p.lat) < v;
    expect(await matchingIds({ must: [{ key: 'place', geo_polygon: { exterior, interiors: [hole] } }] })).toEqual(
      idsWhere((p) => inBox(p.place, 100.5, 50.5) && !inBox(p.place, 20.5, 20.5)),
    );
  });

  it('counts with range, datetime and uuid conditions like brute force', async () => {
    const f = {
      must: [
        { key: 'made', range: { gte: '2024-01-10T00:00:00Z', lt: '2024-02-01' } },
        { key: 'price', range: { gt: 3 } },
      ],
      must_not: [{ key: 'sku', match: { value: '00000000-0000-0000-0000-000000000004' } }],
    };
    const expected = idsWhere(
      (p) =>
        p.made >= '2024-01-10T00:00:00.000Z' &&
        p.made < '2024-02-01T00:00:00.000Z' &&
        p.price > 3 &&
        p.sku !== '00000000-0000-0000-0000-000000000004',
    );
    expect((await client.count('c', { filter: f as never, exact: true })).count).toBe(expected.length);
    expect(await matchingIds(f)).toEqual(expected);
  });

  it("answers Qdrant's errors for what needs a missing index or a bad shape", async () => {
    const status = async (p: Promise<unknown>) => {
      try {
        await p;
        return null;
      } catch (e) {
        return (e as { status?: number; data?: { status?: { error?: string } } }).data?.status?.error ?? String(e);
      }
    };
    expect(await status(client.facet('c', { key: 'price' }))).toContain('No appropriate index for faceting: `price`');
    expect(await status(client.scroll('c', { order_by: 'color' }))).toContain('No range index for `order_by` key');
    expect(
      await status(
        client.scroll('c', {
          filter: { must: [{ key: 'place', geo_radius: { center: { lon: 0, lat: 91 }, radius: 1 } }] },
        }),
      ),
    ).toContain('Wrong format of GeoPoint payload');
    expect(
      await status(client.createPayloadIndex('c', { field_name: 'x', field_schema: 'vector' as never })),
    ).toContain('PayloadFieldSchema');
  });
});
