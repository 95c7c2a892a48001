/**
 * The API's early dimension check answers from a cached manifest. Two coordinators (two api containers) over one
 * store: when one re-creates a collection with another size, the other must neither refuse the new size nor accept
 * the old one.
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
