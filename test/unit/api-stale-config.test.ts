/**
 * The API's early dimension check answers from a cached manifest. Two coordinators (two api containers) over one
 * store: when one re-creates a collection with another size, the other must neither refuse the new size nor accept
 * the old one; when it deletes a vector name and creates it again with another size, the other writes the new size
 * under the new generation and shows none of the old rows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { config, directInvoker, service, tempStore } from '../support/collection-harness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const upsert = (app: ReturnType<typeof createApp>, dim: number) =>
  app.request('/collections/c/points?wait=true', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ points: [{ id: 1, vector: Array.from({ length: dim }, (_, i) => i + 1) }] }),
  });

describe('early dimension check over a cached manifest', () => {
  it('follows a collection re-created with another size by another coordinator', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const a = createApp({ service: service(t.store, directInvoker(t.store)) });
    const other = service(t.store, directInvoker(t.store));
    await other.createCollection('c', config(4, 'Dot'));
    expect((await upsert(a, 4)).status).toBe(200); // a's cache now holds size 4

    await other.deleteCollection('c');
    await other.createCollection('c', config(8, 'Dot'));
    expect((await upsert(a, 8)).status).toBe(200);
    const wrong = await upsert(a, 4);
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({
      status: { error: 'Wrong input: Vector dimension error: expected dim: 8, got 4' },
    });
  });
});

describe('vector names changed by another coordinator', () => {
  const call = (app: ReturnType<typeof createApp>, method: string, path: string, body: unknown) =>
    app.request(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('a name deleted and re-created elsewhere is written with its new size and shows no old rows here', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const a = createApp({ service: service(t.store, directInvoker(t.store)) });
    const other = service(t.store, directInvoker(t.store));
    await other.createCollection('c', {
      ...config(2, 'Dot'),
      vectors: { v: { size: 2, distance: 'Dot', on_disk: false } },
    });
    // a's cache holds v at 2-d, generation 0, and a wrote a row of it
    expect(
      (await call(a, 'PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: { v: [1, 2] } }] })).status,
    ).toBe(200);
    await other.deleteVectorName('c', 'v');
    await other.createVectorName('c', 'v', { dense: { size: 3, distance: 'Dot' } });
    const old = await call(a, 'POST', '/collections/c/points', { ids: [1], with_vector: true });
    expect(((await old.json()) as { result: { vector: unknown }[] }).result[0].vector).toEqual({});
    expect(
      (await call(a, 'PUT', '/collections/c/points?wait=true', { points: [{ id: 2, vector: { v: [1, 2, 3] } }] }))
        .status,
    ).toBe(200);
    const stale = await call(a, 'PUT', '/collections/c/points?wait=true', {
      points: [{ id: 3, vector: { v: [1, 2] } }],
    });
    expect(stale.status).toBe(400);
    // the row a wrote after the change is of the live generation: the other coordinator sees it, and only it
    const q = await other.query('c', {
      vector: [1, 1, 1],
      using: 'v',
      limit: 5,
      offset: 0,
      params: { exact: true },
      with_payload: false,
      with_vector: false,
    });
    expect(q.map((p) => [p.id, p.score])).toEqual([[2, 6]]);
  });
});
