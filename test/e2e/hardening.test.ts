/**
 * Issue 14's defects through the official client against the real local server over a folder: vectors come back as
 * the float32 they are (`0.15`, not `0.15000000596046448`) from query, retrieve and scroll, nested `with_payload`
 * paths select inside objects, `set_payload` follows JSON paths into arrays, and a deleted collection leaves no folder
 * once its background purge ran.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

let dir: string;
let coordinator: Coordinator;
let strata: StrataUnderTest;
let client: QdrantClient;
const VEC = [0.15, 0.1, -0.7, 0.3];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-hard-'));
  const config = loadConfig(
    { STRATA_DATA_DIR: dir, STRATA_WORKERS: '1', STRATA_LOG_LEVEL: 'silent', STRATA_OPTIMIZE_IDLE_MS: '0' },
    { port: 0 },
  );
  coordinator = await createCoordinator(config, { logger: createLogger(config, 'server'), fallback: 'threads' });
  strata = await startStrata(coordinator.service);
  client = strata.client;
  await client.createCollection('h', { vectors: { size: 4, distance: 'Dot' } });
  await client.upsert('h', {
    wait: true,
    points: [{ id: 1, vector: VEC, payload: { country: { name: 'Germany', code: 'DE' }, a: { arr: [{ x: 1 }] } } }],
  });
}, 60_000);

afterAll(async () => {
  await strata?.close();
  await coordinator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('issue 14 through the official client', () => {
  it('prints stored vectors as their float32, in the WAL and after a seal', async () => {
    const check = async () => {
      const hits = await client.query('h', { query: VEC, with_vector: true, limit: 1 });
      expect(hits.points[0].vector).toEqual(VEC);
      expect((await client.retrieve('h', { ids: [1], with_vector: true }))[0].vector).toEqual(VEC);
      expect((await client.scroll('h', { with_vector: true })).points[0].vector).toEqual(VEC);
      const raw = await fetch(`${strata.url}/collections/h/points/1`);
      expect(await raw.text()).toContain('"vector":[0.15,0.1,-0.7,0.3]');
    };
    await check();
    coordinator.trigger.request('h');
    await coordinator.trigger.flush();
    expect((await client.getCollection('h')).segments_count).toBeGreaterThan(0);
    await check();
  });

  it('selects nested payload paths and sets payload through a JSON path into an array', async () => {
    const [p] = await client.retrieve('h', { ids: [1], with_payload: { include: ['country.name'] } });
    expect(p.payload).toEqual({ country: { name: 'Germany' } });
    await client.setPayload('h', { wait: true, points: [1], key: 'a.arr[0].b', payload: { y: 2 } });
    const [q] = await client.retrieve('h', { ids: [1], with_payload: ['a'] });
    expect(q.payload).toEqual({ a: { arr: [{ x: 1, b: { y: 2 } }] } });
  });

  it('leaves no folder behind when a collection is deleted (the objects go in the background)', async () => {
    await client.createCollection('gone', { vectors: { size: 4, distance: 'Dot' } });
    await client.upsert('gone', { wait: true, points: [{ id: 1, vector: VEC }] });
    expect(existsSync(join(dir, 'collections', 'gone'))).toBe(true);
    await client.deleteCollection('gone');
    expect(await client.collectionExists('gone')).toEqual({ exists: false });
    // the run the delete asked for purges the folder (collection-delete.ts)
    await coordinator.trigger.flush();
    expect(existsSync(join(dir, 'collections', 'gone'))).toBe(false);
    expect(existsSync(join(dir, 'deleting', 'gone'))).toBe(false);
  });
});
