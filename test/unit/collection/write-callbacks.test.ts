/**
 * The service reports writes through its own callbacks (the optimizer trigger is wired to them), instead of an
 * entry point wrapping it method by method: a wrapper listed methods by hand and silently dropped the ones it did
 * not know (collectionConfig, queryBatch), so the served app was not the app the tests checked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StrataCollectionService } from '../../../lib/collection/service.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { config, directInvoker, tempStore } from '../../support/collection-harness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const faults = new FaultStore(t.store);
  const writes: [string, number][] = [];
  const changes: string[] = [];
  const svc = new StrataCollectionService({
    store: faults,
    invoker: directInvoker(t.store),
    onWrite: (c, n) => writes.push([c, n]),
    onConfigChange: (c) => changes.push(c),
  });
  return { svc, faults, writes, changes };
}

describe('service write callbacks', () => {
  it('reports every acknowledged write with its point count, and nothing for reads', async () => {
    const { svc, writes, changes } = setup();
    await svc.createCollection('c', config(2, 'Dot'));
    await svc.upsertPoints(
      'c',
      [
        { id: 1, vector: [1, 0], payload: { a: 1 } },
        { id: 2, vector: [0, 1] },
      ],
      true,
    );
    await svc.deletePoints('c', { points: [2, 3, 4] }, true);
    await svc.setPayload('c', { b: 2 }, { points: [1] }, true);
    // a filter that matches nothing still writes a WAL object, which the optimizer must seal
    await svc.deletePoints('c', { filter: { must: [{ key: 'a', match: { value: 99 } }] } }, true);
    await svc.query('c', {
      vector: [1, 0],
      limit: 1,
      offset: 0,
      params: { exact: true },
      with_payload: false,
      with_vector: false,
    });
    await svc.getPoints('c', [1], true, false);
    await svc.collectionConfig('c');
    expect(writes).toEqual([
      ['c', 2],
      ['c', 3],
      ['c', 1],
      ['c', 1],
    ]);
    expect(changes).toEqual([]);
  });

  it('reports nothing for a refused or failed write, and config changes only once committed', async () => {
    const { svc, faults, writes, changes } = setup();
    await svc.createCollection('c', config(2, 'Dot'));
    await expect(svc.upsertPoints('c', [{ id: 1, vector: [1, 0, 0] }], true)).rejects.toThrow();
    await expect(svc.upsertPoints('missing', [{ id: 1, vector: [1, 0] }], true)).rejects.toThrow();
    // every attempt fails (putWal retries an unavailable store before giving up)
    const heal = faults.inject({ op: 'put', key: /\/wal\// });
    await expect(svc.upsertPoints('c', [{ id: 1, vector: [1, 0] }], true)).rejects.toThrow();
    expect(writes).toEqual([]);
    heal();
    await svc.upsertPoints('c', [{ id: 1, vector: [1, 0] }], true);
    expect(writes).toEqual([['c', 1]]);

    await expect(svc.updateCollection('missing', { hnsw_config: { m: 8 } })).rejects.toThrow();
    expect(changes).toEqual([]);
    await svc.updateCollection('c', { hnsw_config: { m: 8 } });
    expect(changes).toEqual(['c']);
  });
});
