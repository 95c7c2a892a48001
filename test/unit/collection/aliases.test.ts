import { afterEach, describe, expect, it } from 'vitest';
import { aliasesKey } from '../../../lib/collection/keys.js';
import { isStrataError } from '../../../lib/model/errors.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 4;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** `n` services over one store, each with its own caches: n processes of one deployment. */
async function processes(n: number) {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const faults = new FaultStore(t.store);
  const svcs = Array.from({ length: n }, () => service(faults, directInvoker(faults)));
  return { store: t.store, faults, svcs };
}

async function expectKind(p: Promise<unknown>, kind: 'not_found' | 'conflict' | 'invalid'): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(isStrataError(e, kind), String(e)).toBe(true);
}

describe('collection aliases', () => {
  it('routes reads and writes through an alias to its collection', async () => {
    const { svcs } = await processes(1);
    const [s] = svcs;
    await s.createCollection('blue', config(DIM));
    await s.updateAliases([{ create_alias: { collection_name: 'blue', alias_name: 'prod' } }]);
    await s.upsertPoints('prod', [{ id: 7, vector: randomVectors(1, DIM, 1)[0] }], true);
    const all = { limit: 10, with_payload: false, with_vector: false };
    expect((await s.scroll('blue', all)).points.map((p) => p.id)).toEqual([7]);
    expect((await s.scroll('prod', all)).points.map((p) => p.id)).toEqual([7]);
    expect(await s.collectionExists('prod')).toBe(true);
    expect((await s.getCollection('prod')).points_count).toBe(1);
    expect(await s.listAliases()).toEqual([{ alias_name: 'prod', collection_name: 'blue' }]);
    expect(await s.collectionAliases('blue')).toEqual([{ alias_name: 'prod', collection_name: 'blue' }]);
    expect(await s.listCollections()).toEqual(['blue']);
  });

  it('applies a request all or nothing: a failing action leaves every alias as it was', async () => {
    const { svcs } = await processes(1);
    const [s] = svcs;
    await s.createCollection('blue', config(DIM));
    await s.updateAliases([{ create_alias: { collection_name: 'blue', alias_name: 'a' } }]);
    await expectKind(
      s.updateAliases([
        { delete_alias: { alias_name: 'a' } },
        { rename_alias: { old_alias_name: 'missing', new_alias_name: 'b' } },
      ]),
      'not_found',
    );
    await expectKind(s.updateAliases([{ create_alias: { collection_name: 'nope', alias_name: 'c' } }]), 'not_found');
    await expectKind(s.updateAliases([{ create_alias: { collection_name: 'blue', alias_name: 'blue' } }]), 'conflict');
    await expectKind(s.updateAliases([{ create_alias: { collection_name: 'blue', alias_name: 'a/b' } }]), 'invalid');
    expect(await s.listAliases()).toEqual([{ alias_name: 'a', collection_name: 'blue' }]);
  });

  it('renames, overwrites on create (the switch), ignores deleting a missing alias', async () => {
    const { svcs } = await processes(1);
    const [s] = svcs;
    await s.createCollection('blue', config(DIM));
    await s.createCollection('green', config(DIM));
    await s.updateAliases([
      { delete_alias: { alias_name: 'never-existed' } },
      { create_alias: { collection_name: 'blue', alias_name: 'prod' } },
      { create_alias: { collection_name: 'blue', alias_name: 'tmp' } },
      { rename_alias: { old_alias_name: 'tmp', new_alias_name: 'staging' } },
    ]);
    await s.updateAliases([{ create_alias: { collection_name: 'green', alias_name: 'prod' } }]);
    expect(await s.listAliases()).toEqual([
      { alias_name: 'prod', collection_name: 'green' },
      { alias_name: 'staging', collection_name: 'blue' },
    ]);
  });

  it('a collection cannot take an alias name; deleting a collection drops its aliases', async () => {
    const { svcs } = await processes(1);
    const [s] = svcs;
    await s.createCollection('blue', config(DIM));
    await s.updateAliases([{ create_alias: { collection_name: 'blue', alias_name: 'prod' } }]);
    await expectKind(s.createCollection('prod', config(DIM)), 'conflict');
    await s.deleteCollection('blue');
    expect(await s.listAliases()).toEqual([]);
    await expectKind(s.count('prod', undefined, true), 'not_found');
  });

  it('another process sees a switch on its next request (the map is revalidated, not trusted)', async () => {
    const { svcs } = await processes(2);
    const [a, b] = svcs;
    await a.createCollection('blue', config(DIM));
    await a.createCollection('green', config(DIM));
    await a.upsertPoints('green', [{ id: 2, vector: [1, 0, 0, 0] }], true);
    await a.updateAliases([{ create_alias: { collection_name: 'blue', alias_name: 'prod' } }]);
    expect(await b.count('prod', undefined, true)).toBe(0);
    await a.updateAliases([{ create_alias: { collection_name: 'green', alias_name: 'prod' } }]);
    expect(await b.count('prod', undefined, true)).toBe(1);
  });

  it('concurrent alias changes from many processes never lose each other', async () => {
    const { svcs } = await processes(4);
    await svcs[0].createCollection('blue', config(DIM));
    await Promise.all(
      svcs.flatMap((s, p) =>
        Array.from({ length: 6 }, (_, i) =>
          s.updateAliases([{ create_alias: { collection_name: 'blue', alias_name: `p${p}-a${i}` } }]),
        ),
      ),
    );
    const names = (await svcs[0].listAliases()).map((a) => a.alias_name);
    expect(names).toHaveLength(24);
    expect(names).toEqual(svcs.flatMap((_, p) => Array.from({ length: 6 }, (_, i) => `p${p}-a${i}`)).sort());
  });

  it('a change held at its PUT while another lands re-applies itself on top of it', async () => {
    const { faults, svcs } = await processes(2);
    const [a, b] = svcs;
    await a.createCollection('blue', config(DIM));
    await a.createCollection('green', config(DIM));
    await a.updateAliases([{ create_alias: { collection_name: 'blue', alias_name: 'prod' } }]);
    const gate = faults.gate({ op: 'put', key: aliasesKey(''), limit: 1 });
    const held = a.updateAliases([
      { delete_alias: { alias_name: 'prod' } },
      { create_alias: { collection_name: 'green', alias_name: 'prod' } },
    ]);
    await gate.reached();
    await b.updateAliases([{ create_alias: { collection_name: 'blue', alias_name: 'archive' } }]);
    gate.release();
    await held;
    expect(await b.listAliases()).toEqual([
      { alias_name: 'archive', collection_name: 'blue' },
      { alias_name: 'prod', collection_name: 'green' },
    ]);
  });
});
