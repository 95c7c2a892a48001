/**
 * Aliases through the official `@qdrant/js-client-rest` against the composed server (createCoordinator over a
 * filesystem store, over TCP): the alias API round trip, and Qdrant's blue/green re-index pattern under load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

let dir: string;
let coordinator: Coordinator;
let strata: StrataUnderTest;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-aliases-e2e-'));
  const config = loadConfig(
    { STRATA_DATA_DIR: dir, STRATA_WORKERS: '2', STRATA_LOG_LEVEL: 'silent', STRATA_OPTIMIZE_AFTER_POINTS: '40' },
    {},
  );
  coordinator = await createCoordinator(config, { logger: createLogger(config, 'server'), fallback: 'direct' });
  strata = await startStrata(coordinator.service);
});

afterAll(async () => {
  await strata?.close();
  await coordinator?.close();
  await rm(dir, { recursive: true, force: true });
});

async function fill(name: string, offset: number): Promise<void> {
  const { client } = strata;
  await client.createCollection(name, { vectors: { size: 4, distance: 'Cosine' } });
  await client.upsert(name, {
    wait: true,
    points: Array.from({ length: 60 }, (_, i) => ({
      id: offset + i,
      vector: [Math.cos(i), Math.sin(i), (i % 7) / 7, 1],
      payload: { from: name },
    })),
  });
}

describe('aliases through the official client', () => {
  it('create, list, query through, rename, delete', async () => {
    const { client } = strata;
    await fill('books-v1', 0);
    expect(
      await client.updateCollectionAliases({
        actions: [{ create_alias: { collection_name: 'books-v1', alias_name: 'books' } }],
      }),
    ).toBe(true);
    expect((await client.getAliases()).aliases).toEqual([{ alias_name: 'books', collection_name: 'books-v1' }]);
    expect((await client.getCollectionAliases('books-v1')).aliases).toEqual([
      { alias_name: 'books', collection_name: 'books-v1' },
    ]);
    expect((await client.getCollection('books')).points_count).toBe(60);
    expect((await client.collectionExists('books')).exists).toBe(true);
    const hits = await client.query('books', { query: [1, 0, 0, 1], limit: 3, with_payload: true });
    expect(hits.points.map((p) => p.payload?.from)).toEqual(['books-v1', 'books-v1', 'books-v1']);

    await client.updateCollectionAliases({
      actions: [{ rename_alias: { old_alias_name: 'books', new_alias_name: 'library' } }],
    });
    expect((await client.getAliases()).aliases).toEqual([{ alias_name: 'library', collection_name: 'books-v1' }]);
    await expect(client.getCollection('books')).rejects.toMatchObject({ status: 404 });
    await expect(
      client.updateCollectionAliases({
        actions: [{ create_alias: { collection_name: 'missing', alias_name: 'x' } }],
      }),
    ).rejects.toMatchObject({ status: 404 });
    await client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: 'library' } }] });
    expect((await client.getAliases()).aliases).toEqual([]);
  });

  it('blue/green: queries through the alias while it is switched 20 times never fail, each from one collection', async () => {
    const { client } = strata;
    await fill('blue', 1000);
    await fill('green', 2000);
    await client.updateCollectionAliases({
      actions: [{ create_alias: { collection_name: 'blue', alias_name: 'live' } }],
    });

    let switching = true;
    const failures: unknown[] = [];
    const seen = { blue: 0, green: 0 };
    const loop = async (): Promise<void> => {
      while (switching) {
        try {
          const r = await client.query('live', { query: [0.3, 0.2, 0.1, 1], limit: 5, with_payload: true });
          const from = new Set(r.points.map((p) => p.payload?.from));
          // one collection per answer, never a mix or an empty answer
          if (from.size !== 1 || r.points.length !== 5) failures.push(r.points);
          const only = [...from][0];
          if (only === 'blue' || only === 'green') seen[only]++;
          else failures.push(r.points);
        } catch (e) {
          failures.push(e);
        }
      }
    };
    const loops = Array.from({ length: 4 }, loop);

    for (let i = 0; i < 20; i++) {
      const to = i % 2 === 0 ? 'green' : 'blue';
      await client.updateCollectionAliases({
        actions: [
          { delete_alias: { alias_name: 'live' } },
          { create_alias: { collection_name: to, alias_name: 'live' } },
        ],
      });
      // let some queries see this side before the next switch
      await new Promise((r) => setTimeout(r, 15));
    }
    switching = false;
    await Promise.all(loops);

    expect(failures).toEqual([]);
    expect(seen.blue).toBeGreaterThan(0);
    expect(seen.green).toBeGreaterThan(0);
    expect((await client.getAliases()).aliases).toEqual([{ alias_name: 'live', collection_name: 'blue' }]);
  });
});
