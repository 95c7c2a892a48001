/**
 * The official Qdrant JS client, unmodified, against the real Node server over TCP (loopback). The service is the
 * recording double: this pins the request/response shapes the client sends and expects on every route, not storage.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RecordingService } from '../support/recording-service.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

let service: RecordingService;
let strata: StrataUnderTest;
const warn = vi.spyOn(console, 'warn');

beforeAll(async () => {
  service = new RecordingService({ docs: 4 });
  strata = await startStrata(service, { apiKey: 'k3y' });
});

afterAll(async () => {
  await strata.close();
});

const last = (method: string) => service.calls.filter((c) => c.method === method).at(-1);

describe('official client over TCP', () => {
  it('passes the compatibility check (GET /) without warnings', async () => {
    const info = await strata.client.versionInfo();
    expect(info.version).toBe('1.19.0');
    expect(warn).not.toHaveBeenCalled();
  });

  it('collections: create, list, info, exists, update, delete', async () => {
    const { client } = strata;
    expect(
      await client.createCollection('c1', {
        vectors: { size: 4, distance: 'Cosine', on_disk: true },
        hnsw_config: { m: 8, ef_construct: 64, on_disk: true },
        quantization_config: { scalar: { type: 'int8', quantile: 0.98, always_ram: true } },
        optimizers_config: { default_segment_number: 2 },
        timeout: 30,
      }),
    ).toBe(true);
    expect(last('createCollection')?.args[1]).toMatchObject({ hnsw_config: { m: 8, ef_construct: 64, on_disk: true } });
    expect((await client.getCollections()).collections.map((c) => c.name).sort()).toEqual(['c1', 'docs']);
    const info = await client.getCollection('docs');
    expect(info.config.params.vectors).toMatchObject({ size: 4, distance: 'Cosine' });
    expect(await client.collectionExists('c1')).toEqual({ exists: true });
    expect(await client.updateCollection('c1', { hnsw_config: { ef_construct: 80 } })).toBe(true);
    expect(last('updateCollection')?.args).toEqual(['c1', { hnsw_config: { ef_construct: 80 } }]);
    expect(await client.deleteCollection('c1')).toBe(true);
  });

  it('points: upsert (list and batch), retrieve, get one, delete', async () => {
    const { client } = strata;
    const r = await client.upsert('docs', {
      wait: true,
      points: [{ id: 1, vector: [1, 2, 3, 4], payload: { color: 'red' } }],
    });
    expect(r.status).toBe('completed');
    expect(last('upsertPoints')?.args[2]).toBe(true);
    await client.upsert('docs', {
      batch: {
        ids: [2, 3],
        vectors: [
          [1, 1, 1, 1],
          [2, 2, 2, 2],
        ],
      },
    });
    expect(last('upsertPoints')?.args[1]).toHaveLength(2);
    expect(await client.retrieve('docs', { ids: [1] })).toEqual([{ id: 1, payload: { color: 'red' }, vector: null }]);
    expect(last('getPoints')?.args).toEqual(['docs', [1], true, false]);
    const one = await client.api().getPoint({ collection_name: 'docs', id: 1 });
    expect(one.data.result).toMatchObject({ id: 1 });
    await client.delete('docs', { wait: true, points: [1] });
    expect(last('deletePoints')?.args).toEqual(['docs', { points: [1] }, true]);
    await client.delete('docs', { filter: { must: [{ key: 'color', match: { value: 'red' } }] } });
    expect(last('deletePoints')?.args[1]).toEqual({ filter: { must: [{ key: 'color', match: { value: 'red' } }] } });
  });

  it('scroll and count', async () => {
    const { client } = strata;
    const page = await client.scroll('docs', {
      limit: 5,
      filter: { must: [{ key: 'color', match: { any: ['red'] } }] },
    });
    expect(page).toEqual({ points: service.records, next_page_offset: null });
    expect(last('scroll')?.args[1]).toMatchObject({ limit: 5, with_payload: true, with_vector: false });
    expect(await client.count('docs', { exact: true })).toEqual({ count: 1 });
  });

  it('payload: set, overwrite, delete keys, clear', async () => {
    const { client } = strata;
    await client.setPayload('docs', { payload: { a: 1 }, points: [1] });
    expect(last('setPayload')?.args).toEqual(['docs', { a: 1 }, { points: [1] }, true, undefined]);
    await client.overwritePayload('docs', { payload: { b: 2 }, filter: { must: [{ has_id: [1] }] } });
    expect(last('overwritePayload')?.args).toEqual(['docs', { b: 2 }, { filter: { must: [{ has_id: [1] }] } }, true]);
    await client.deletePayload('docs', { keys: ['a'], points: [1] });
    expect(last('deletePayload')?.args).toEqual(['docs', ['a'], { points: [1] }, true]);
    await client.clearPayload('docs', { points: [1] });
    expect(last('clearPayload')?.args).toEqual(['docs', { points: [1] }, true]);
  });

  it('query, query batch, search, search batch', async () => {
    const { client, client118 } = strata;
    const q = await client.query('docs', {
      query: [1, 2, 3, 4],
      limit: 3,
      params: { hnsw_ef: 32, quantization: { rescore: true } },
      with_payload: true,
    });
    expect(q.points).toEqual(service.scored);
    expect(last('query')?.args[1]).toMatchObject({
      limit: 3,
      with_payload: true,
      params: { hnsw_ef: 32, quantization: { rescore: true, ignore: false, oversampling: 1 } },
    });
    const qb = await client.queryBatch('docs', {
      searches: [{ query: { nearest: [1, 2, 3, 4] } }, { query: [4, 3, 2, 1], limit: 1 }],
    });
    expect(qb).toHaveLength(2);
    const s = await client118.search('docs', { vector: [1, 2, 3, 4], limit: 2 });
    expect(s).toEqual(service.scored);
    // the client defaults with_payload to true for search
    expect(last('query')?.args[1]).toMatchObject({ limit: 2, with_payload: true, offset: 0 });
    const sb = await client118.searchBatch('docs', { searches: [{ vector: [1, 2, 3, 4], limit: 1 }] });
    expect(sb).toEqual([service.scored]);
  });

  it('errors arrive as the client expects: status and Qdrant envelope', async () => {
    const { client } = strata;
    const writesBefore = service.writes().length;
    await expect(client.upsert('docs', { points: [{ id: 9, vector: [1, 2, 3] }] })).rejects.toMatchObject({
      status: 400,
      data: { status: { error: 'Wrong input: Vector dimension error: expected dim: 4, got 3' } },
    });
    await expect(client.getCollection('nope')).rejects.toMatchObject({ status: 404 });
    await expect(client.createCollection('docs', { vectors: { size: 4, distance: 'Cosine' } })).rejects.toMatchObject({
      status: 409,
    });
    expect(service.writes().length).toBe(writesBefore);
  });

  it('the health probes answer without the key', async () => {
    const res = await fetch(`${strata.url}/healthz`);
    expect(res.status).toBe(200);
    const denied = await fetch(`${strata.url}/collections`);
    expect(denied.status).toBe(401);
  });
});
