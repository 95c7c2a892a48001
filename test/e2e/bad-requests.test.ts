/**
 * Bad input through the official client (and raw fetch where the client cannot send it) against the real local server
 * (`npm start`'s composition on a free port): each gets Qdrant's status code and error envelope
 * `{"status":{"error":"..."},"time":...}`, and NOTHING is written (DESIGN.md §4.6): the point count, every object under
 * the collection (WAL included) and the manifest's ETag are the same before and after the whole barrage.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';
import { startStrata, type StrataUnderTest, type LegacyQdrantClient } from '../support/strata-server.js';

const DIM = 4;
const N = 20;
let dir: string;
let coordinator: Coordinator;
let strata: StrataUnderTest;
let client: QdrantClient;
let client118: LegacyQdrantClient;

const vec = (i: number): number[] => [Math.cos(i), Math.sin(i), (i % 7) / 7, 1];

/** The client's rejection: HTTP status plus the parsed error body. */
async function rejection(call: Promise<unknown>): Promise<{ status: number; error: string; body: unknown }> {
  try {
    await call;
  } catch (e) {
    const err = e as { status?: number; data?: { status?: { error?: string }; time?: unknown } };
    if (typeof err.status !== 'number') throw e;
    expect(typeof err.data?.time).toBe('number');
    return { status: err.status, error: err.data?.status?.error ?? '', body: err.data };
  }
  throw new Error('the request succeeded');
}

/** A raw request (bodies the client would never produce). */
async function raw(method: string, path: string, body: string): Promise<{ status: number; error: string }> {
  const res = await fetch(`${strata.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body }),
  });
  const json = (await res.json()) as { status?: { error?: string }; time?: unknown };
  expect(typeof json.time).toBe('number');
  return { status: res.status, error: json.status?.error ?? '' };
}

/** Every object under the collection (key, size, mtime) and the manifest's ETag, from the store, plus the WAL folder. */
async function storeState(name: string): Promise<unknown> {
  const prefix = collectionPrefix('', name);
  const objects = (await coordinator.store.list(`${prefix}/`)).map((e) => [e.key, e.size, e.lastModified.getTime()]);
  const manifest = await coordinator.store.head(manifestKey(prefix));
  const walDir = join(dir, prefix, 'wal');
  const wal = await readdir(walDir).catch(() => [] as string[]);
  const walStats = await Promise.all(wal.sort().map(async (f) => [f, (await stat(join(walDir, f))).size]));
  return { objects, manifestEtag: manifest?.etag, wal: walStats };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-bad-'));
  // no idle seal: the second half must stay in the WAL while the tests watch it (sealing is requested explicitly)
  const config = loadConfig(
    { STRATA_DATA_DIR: dir, STRATA_WORKERS: '1', STRATA_LOG_LEVEL: 'silent', STRATA_OPTIMIZE_IDLE_MS: '0' },
    { port: 0 },
  );
  coordinator = await createCoordinator(config, { logger: createLogger(config, 'server'), fallback: 'threads' });
  strata = await startStrata(coordinator.service);
  client = strata.client;
  client118 = strata.client118;
  await client.createCollection('c', { vectors: { size: DIM, distance: 'Cosine' } });
  // half sealed into a segment, half left in the WAL, so both kinds of objects are watched
  await client.upsert('c', {
    wait: true,
    points: Array.from({ length: N / 2 }, (_, i) => ({ id: i, vector: vec(i), payload: { n: i } })),
  });
  await coordinator.trigger.flush();
  coordinator.trigger.request('c');
  await coordinator.trigger.flush();
  await coordinator.collections.upsertPoints(
    'c',
    Array.from({ length: N / 2 }, (_, j) => ({ id: N / 2 + j, vector: vec(N / 2 + j), payload: { n: N / 2 + j } })),
    true,
  );
});

afterAll(async () => {
  await strata?.close();
  await coordinator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bad requests get Qdrant status codes and messages', () => {
  it('wrong vector size: 400 Wrong input, on upsert and on query', async () => {
    expect(await rejection(client.upsert('c', { points: [{ id: 100, vector: [1, 2, 3] }] }))).toMatchObject({
      status: 400,
      error: 'Wrong input: Vector dimension error: expected dim: 4, got 3',
    });
    expect(
      await rejection(client.upsert('c', { batch: { ids: [100, 101], vectors: [vec(1), [1, 2, 3, 4, 5]] } })),
    ).toMatchObject({
      status: 400,
      error: 'Wrong input: Vector dimension error: expected dim: 4, got 5',
    });
    expect(await rejection(client.query('c', { query: [1, 2] }))).toMatchObject({
      status: 400,
      error: 'Wrong input: Vector dimension error: expected dim: 4, got 2',
    });
    expect((await rejection(client118.search('c', { vector: [1, 2, 3, 4, 5], limit: 3 }))).status).toBe(400);
  });

  it('NaN and infinities: the client sends NaN as null; raw NaN, "NaN" and 1e999 are refused too', async () => {
    const viaClient = await rejection(client.upsert('c', { points: [{ id: 100, vector: [1, NaN, 0, 0] }] }));
    expect(viaClient.status).toBe(400);
    expect(viaClient.error).toBe('Format error in JSON body: points[0].vector[1]: expected a number, got null');
    const rawNaN = await raw('PUT', '/collections/c/points?wait=true', '{"points":[{"id":100,"vector":[1,NaN,0,0]}]}');
    expect(rawNaN.status).toBe(400);
    expect(rawNaN.error).toMatch(/^Format error in JSON body: /);
    const asString = await raw(
      'PUT',
      '/collections/c/points?wait=true',
      '{"points":[{"id":100,"vector":[1,"NaN",0,0]}]}',
    );
    expect(asString.status).toBe(400);
    expect(asString.error).toMatch(/^Format error in JSON body: /);
    // JSON.parse turns 1e999 into Infinity; serde refuses it as out of range
    const huge = await raw('PUT', '/collections/c/points?wait=true', '{"points":[{"id":100,"vector":[1,1e999,0,0]}]}');
    expect(huge).toEqual({
      status: 400,
      error: 'Format error in JSON body: points[0].vector[1]: expected a finite number, got Infinity',
    });
    const hugeQuery = await raw('POST', '/collections/c/points/query', '{"query":[1,-1e999,0,0]}');
    expect(hugeQuery.status).toBe(400);
  });

  it('unknown collection: 404 Not found on every route', async () => {
    const missing = { status: 404, error: "Not found: Collection `nope` doesn't exist!" };
    expect(await rejection(client.getCollection('nope'))).toMatchObject(missing);
    expect(await rejection(client.upsert('nope', { points: [{ id: 1, vector: vec(1) }] }))).toMatchObject(missing);
    expect(await rejection(client.query('nope', { query: vec(1) }))).toMatchObject(missing);
    expect(await rejection(client.retrieve('nope', { ids: [1] }))).toMatchObject(missing);
    expect(await rejection(client.count('nope'))).toMatchObject(missing);
    expect(await rejection(client.delete('nope', { points: [1] }))).toMatchObject(missing);
    expect(await rejection(client.setPayload('nope', { payload: { a: 1 }, points: [1] }))).toMatchObject(missing);
    expect(
      await rejection(client.updateCollection('nope', { optimizers_config: { indexing_threshold: 1 } })),
    ).toMatchObject(missing);
    expect(await client.deleteCollection('nope')).toBe(false);
  });

  it('bad filters: 400 Format error, on query, scroll, count, delete and set-payload', async () => {
    const bad = [
      { must: [{ key: 'n', match: { nope: 1 } }] },
      { must: [{ key: 'n', range: { gt: 'not a number or a date' } }] },
      { must: { key: 'n' } },
      { should: [{ has_id: ['not-an-id'] }] },
    ] as unknown as { must: [] }[];
    for (const filter of bad) {
      for (const call of [
        client.query('c', { query: vec(1), filter }),
        client.scroll('c', { filter }),
        client.count('c', { filter }),
        client.delete('c', { filter }),
        client.setPayload('c', { payload: { a: 1 }, filter }),
      ]) {
        const r = await rejection(call);
        expect(r.status, JSON.stringify(filter)).toBe(400);
        expect(r.error).toMatch(/^Format error in JSON body: filter[.:]/);
      }
    }
    // the path is named once, from the body's root (it used to read `filter: filter.must[0].match: …`)
    expect((await rejection(client.query('c', { query: vec(1), filter: bad[0] }))).error).toBe(
      'Format error in JSON body: filter.must[0].match: expected one of value, any, except, text, text_any, phrase',
    );
    expect(
      (await rejection(client.queryBatch('c', { searches: [{ query: vec(1) }, { query: vec(1), filter: bad[3] }] })))
        .error,
    ).toBe(
      'Format error in JSON body: searches[1].filter.should[0].has_id[0]: value "not-an-id" is not a valid point ID, valid values are either an unsigned integer or a UUID',
    );
  });

  it('bad ids: negative, fractional, not a UUID → 400 on upsert, retrieve, delete', async () => {
    for (const id of [-1, 1.5, 'not-a-uuid', '']) {
      const up = await rejection(client.upsert('c', { points: [{ id, vector: vec(1) }] }));
      expect(up.status, String(id)).toBe(400);
      expect(up.error).toBe(
        `Format error in JSON body: points[0].id: value ${JSON.stringify(id)} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
      );
      expect((await rejection(client.retrieve('c', { ids: [id] }))).status).toBe(400);
      expect((await rejection(client.delete('c', { points: [id] }))).status).toBe(400);
    }
    expect((await raw('GET', '/collections/c/points/abc', '')).status).toBe(400);
  });

  it('one bad point spoils the whole batch', async () => {
    const r = await rejection(
      client.upsert('c', {
        points: [
          { id: 200, vector: vec(200) },
          { id: 201, vector: [1, 2] },
          { id: 202, vector: vec(202) },
        ],
      }),
    );
    expect(r.status).toBe(400);
    expect(await client.retrieve('c', { ids: [200, 202] })).toEqual([]);
  });

  it('oversized batches: 400 Bad request naming the limit', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ id: 1000 + i, vector: vec(i) }));
    const r = await rejection(client.upsert('c', { points: many }));
    expect(r).toMatchObject({
      status: 400,
      error: 'Bad request: upsert of 10001 points exceeds the limit of 10000 points per request',
    });
    const searches = Array.from({ length: 101 }, () => ({ query: vec(1) }));
    const b = await rejection(client.queryBatch('c', { searches }));
    expect(b.status).toBe(400);
    expect(b.error).toMatch(/^Bad request: .*100/);
    // a body over Qdrant's default max_request_size_mb (32): refused before it is parsed
    const padding = ' '.repeat(32 * 1024 * 1024);
    const big = await raw(
      'PUT',
      '/collections/c/points?wait=true',
      `{"points":[{"id":300,"vector":[1,0,0,0]}]}${padding}`,
    );
    expect(big.status).toBe(400);
    expect(big.error).toMatch(/^JSON payload \(\d+ bytes\) is larger than allowed \(limit: 33554432 bytes\)\.$/);
  });

  it('malformed JSON, empty body and wrong shapes: 400 Format error', async () => {
    for (const body of ['{"points": [', 'not json', '', '[]', '{"points": {"id": 1}}']) {
      const r = await raw('PUT', '/collections/c/points', body);
      expect(r.status, body).toBe(400);
      expect(r.error).toMatch(/^Format error in JSON body: /);
    }
    expect((await raw('POST', '/collections/c/points/query', '{"query": [1,0,0,0],}')).status).toBe(400);
    expect((await raw('PUT', '/collections/d', '{"vectors": {"size": 4, "distance": "Cosine"')).status).toBe(400);
    expect(await client.collectionExists('d')).toEqual({ exists: false });
  });

  it('duplicate create: 409; bad collection configs: 4xx and no collection', async () => {
    expect(await rejection(client.createCollection('c', { vectors: { size: DIM, distance: 'Cosine' } }))).toMatchObject(
      {
        status: 409,
        error: 'Wrong input: Collection `c` already exists!',
      },
    );
    const badSize = await rejection(client.createCollection('e', { vectors: { size: 0, distance: 'Cosine' } }));
    expect(badSize).toMatchObject({
      status: 422,
      error: 'Validation error in JSON body: [vectors.size: value 0 invalid, must be 1 or larger]',
    });
    const badDistance = await rejection(
      client.createCollection('e', { vectors: { size: 4, distance: 'Hamming' as 'Dot' } }),
    );
    expect(badDistance.status).toBe(400);
    expect(await client.collectionExists('e')).toEqual({ exists: false });
  });

  it('a collection name over 255 UTF-8 bytes (64 emoji) is refused with 422 and never reaches the file system', async () => {
    const name = '😀'.repeat(64);
    expect(
      await rejection(client.createCollection(name, { vectors: { size: DIM, distance: 'Cosine' } })),
    ).toMatchObject({
      status: 422,
      error: 'Validation error in path parameters: [name: must be at most 255 bytes in UTF-8, got 256]',
    });
    expect((await rejection(client.getCollection(name))).status).toBe(422);
    expect(await readdir(join(dir, 'collections'))).toEqual(['c']);
  });

  it('limit 0: 422 Validation error, on query, search and scroll', async () => {
    const q = await rejection(client.query('c', { query: vec(1), limit: 0 }));
    expect(q.status).toBe(422);
    expect(q.error).toBe('Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]');
    expect((await rejection(client118.search('c', { vector: vec(1), limit: 0 }))).status).toBe(422);
    expect((await rejection(client.scroll('c', { limit: 0 }))).status).toBe(422);
  });
});

describe('nothing was written', () => {
  it('every bad request above left the point count, the WAL, the segments and the manifest ETag as they were', async () => {
    // runs last in this file: compare with a state taken before any bad request
    expect(await client.count('c')).toEqual({ count: N });
    const info = await client.getCollection('c');
    expect(info.points_count).toBe(N);
    expect(stateBefore).not.toBeNull();
    expect(await storeState('c')).toEqual(stateBefore);
    const before = stateBefore as { wal: unknown[]; objects: [string][] };
    expect(before.wal.length).toBeGreaterThan(0);
    expect(before.objects.some(([key]) => key.includes('/segments/'))).toBe(true);
    expect((await client.getCollections()).collections.map((c) => c.name)).toEqual(['c']);
  });
});

let stateBefore: unknown = null;
beforeAll(async () => {
  stateBefore = await storeState('c');
});
