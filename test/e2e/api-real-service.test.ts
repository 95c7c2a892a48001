/**
 * The official Qdrant JS client against the real stack in one process: HTTP server → API → collection service over a
 * filesystem store, segment searches in-process (DirectInvoker). A smoke of every route's round trip and of the
 * Qdrant error answers with real data; the detailed engine behaviour is tested in the collection/segment suites.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const UUID = '936da01f-9abd-4d9d-80c7-02af85c822a8';
let dir: string;
let coordinator: Coordinator;
let strata: StrataUnderTest;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-api-e2e-'));
  const config = loadConfig({ STRATA_DATA_DIR: dir, STRATA_WORKERS: '1', STRATA_LOG_LEVEL: 'silent' }, {});
  coordinator = await createCoordinator(config, { logger: createLogger(config, 'server'), fallback: 'direct' });
  strata = await startStrata(coordinator.service);
});

afterAll(async () => {
  await strata?.close();
  await coordinator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('official client → Strata (real service)', () => {
  it('create, write, read, search, filter, payload ops, delete', async () => {
    const { client, client118 } = strata;
    expect(
      await client.createCollection('c', {
        vectors: { size: 4, distance: 'Cosine' },
        quantization_config: { scalar: { type: 'int8' } },
      }),
    ).toBe(true);
    await expect(client.createCollection('c', { vectors: { size: 4, distance: 'Cosine' } })).rejects.toMatchObject({
      status: 409,
    });
    await client.upsert('c', {
      points: [
        { id: 1, vector: [1, 0, 0, 0], payload: { color: 'red', n: 1, tags: ['a', 'b'] } },
        { id: UUID.toUpperCase(), vector: [0, 1, 0, 0], payload: { color: 'blue', n: 2 } },
        { id: 3, vector: [0.9, 0.1, 0, 0], payload: { color: 'red', n: 3 } },
      ],
    });
    await expect(client.upsert('c', { points: [{ id: 9, vector: [1, 2, 3] }] })).rejects.toMatchObject({
      status: 400,
      data: { status: { error: 'Wrong input: Vector dimension error: expected dim: 4, got 3' } },
    });

    const got = await client.retrieve('c', { ids: [1, UUID] });
    expect(got.map((p) => p.id).sort()).toEqual([1, UUID]);
    await expect(client.api().getPoint({ collection_name: 'c', id: 77 })).rejects.toMatchObject({ status: 404 });

    const near = await client.query('c', { query: [1, 0, 0, 0], limit: 2, with_payload: true });
    expect(near.points.map((p) => p.id)).toEqual([1, 3]);
    const filtered = await client.query('c', {
      query: [1, 0, 0, 0],
      filter: { must: [{ key: 'n', range: { gte: 2 } }] },
    });
    expect(filtered.points.map((p) => p.id)).toEqual([3, UUID]);
    const legacy = await client118.search('c', { vector: [0, 1, 0, 0], limit: 1 });
    expect(legacy[0].id).toBe(UUID);
    expect(
      (await client.scroll('c', { filter: { must: [{ key: 'tags[]', match: { value: 'a' } }] } })).points.map(
        (p) => p.id,
      ),
    ).toEqual([1]);
    expect(await client.count('c', { filter: { must: [{ key: 'color', match: { value: 'red' } }] } })).toEqual({
      count: 2,
    });

    await client.setPayload('c', { payload: { extra: true }, points: [1] });
    await client.deletePayload('c', { keys: ['color'], points: [1] });
    await client.overwritePayload('c', { payload: { only: 1 }, points: [3] });
    await client.clearPayload('c', { points: [UUID] });
    const after = await client.retrieve('c', { ids: [1, 3, UUID] });
    const byId = new Map(after.map((p) => [p.id, p.payload]));
    expect(byId.get(1)).toEqual({ n: 1, tags: ['a', 'b'], extra: true });
    expect(byId.get(3)).toEqual({ only: 1 });
    expect(byId.get(UUID)).toEqual({});

    await client.delete('c', { wait: true, points: [3] });
    expect(await client.count('c')).toEqual({ count: 2 });
    expect(await client.deleteCollection('c')).toBe(true);
    expect(await client.collectionExists('c')).toEqual({ exists: false });
    await expect(client.query('c', { query: [1, 0, 0, 0] })).rejects.toMatchObject({ status: 404 });
  });
});
