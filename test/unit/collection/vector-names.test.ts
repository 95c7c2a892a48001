/**
 * Vector names added to and deleted from a live collection, unit by unit: the config changes (generations that only
 * grow, Qdrant's idempotence and refusals), the generation stamp of WAL batches (absent unless needed, so other
 * batches keep their bytes), and the three places stale data is hidden: a WAL batch's blocks (liveBatch), a
 * segment's spaces (liveMeta), and the optimizer's rebuild and re-plan decisions (differs, planBasis).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix, walPrefix } from '../../../lib/collection/keys.js';
import type { Manifest, SegmentBuild } from '../../../lib/collection/manifest.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { directInvoker, service, tempStore } from '../../support/collection-harness.js';
import { planBasis } from '../../../lib/collection/optimizers/execute.js';
import { differs } from '../../../lib/collection/rebuild.js';
import { liveBatch } from '../../../lib/collection/tail.js';
import { checkVectorName, withVectorName, withoutVectorName } from '../../../lib/collection/vector-names.js';
import { type WalBatch, decodeWal, encodeWal } from '../../../lib/collection/wal.js';
import type { CollectionConfig } from '../../../lib/model/collection-config.js';
import { liveGenerations, vectorGeneration } from '../../../lib/model/vector-generations.js';
import { type SegmentMeta, type SpaceMeta, liveMeta, parseMeta } from '../../../lib/segment/meta.js';
import { parseSegmentTask } from '../../../lib/segment/task-schema.js';

const base: CollectionConfig = {
  vectors: { a: { size: 2, distance: 'Dot', on_disk: false } },
  sparse_vectors: { s: {} },
  hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10_000 },
  quantization_config: null,
  optimizers_config: { default_segment_number: 1, indexing_threshold: 0 },
};

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a throw');
};

describe('vector name config changes', () => {
  it('gives every creation a new generation, never reused after a delete', () => {
    const withB = withVectorName(base, 'b', { dense: { size: 3, distance: 'Euclid', datatype: 'uint8' } });
    expect(withB.vectors).toEqual({
      a: { size: 2, distance: 'Dot', on_disk: false },
      b: { size: 3, distance: 'Euclid', on_disk: false, datatype: 'uint8' },
    });
    expect(vectorGeneration(withB, 'b')).toBe(1);
    expect(vectorGeneration(withB, 'a')).toBe(0);
    const gone = withoutVectorName(withB, 'b');
    expect(gone.vectors).toEqual(base.vectors);
    expect(gone.vector_generation_high).toBe(1);
    expect(vectorGeneration(withoutVectorName(gone, 'a'), 'a')).toBe(0);
    // a name given at create (generation 0) deleted and created again gets a generation above every earlier one
    const again = withVectorName(withoutVectorName(gone, 'a'), 'a', { dense: { size: 2, distance: 'Dot' } });
    expect(vectorGeneration(again, 'a')).toBe(2);
    const b2 = withVectorName(again, 'b', { dense: { size: 3, distance: 'Euclid' } });
    expect(vectorGeneration(b2, 'b')).toBe(3);
    expect([...liveGenerations(b2)]).toEqual([
      ['a', 2],
      ['b', 3],
      ['s', 0],
    ]);
  });

  it('adds and deletes sparse names, kept in name order, and an unnamed collection takes sparse ones', () => {
    const c = withVectorName(base, 'r', { sparse: { modifier: 'idf', datatype: 'float16' } });
    expect(c.sparse_vectors).toEqual({ r: { index: { datatype: 'float16' }, modifier: 'idf' }, s: {} });
    expect(Object.keys(c.sparse_vectors ?? {})).toEqual(['r', 's']);
    const none = withoutVectorName(withoutVectorName(c, 'r'), 's');
    expect(none.sparse_vectors).toBeUndefined();
    const unnamed: CollectionConfig = { ...base, vectors: { size: 2, distance: 'Dot', on_disk: false } };
    delete unnamed.sparse_vectors;
    expect(withVectorName(unnamed, 'sp', { sparse: {} }).sparse_vectors).toEqual({ sp: {} });
    // a dense name turns the unnamed vector into the name '' of a map, first (Qdrant's VectorsConfig::insert)
    const mixed = withVectorName(unnamed, 'x', { dense: { size: 3, distance: 'Euclid' } });
    expect(mixed.vectors).toEqual({
      '': { size: 2, distance: 'Dot', on_disk: false },
      x: { size: 3, distance: 'Euclid', on_disk: false },
    });
    expect(Object.keys(mixed.vectors)).toEqual(['', 'x']);
    expect(mixed.vector_generations).toEqual({ x: 1 });
    // the same schema again changes nothing; deleting the name leaves the map holding '' alone, as Qdrant's
    expect(withVectorName(mixed, 'x', { dense: { size: 3, distance: 'Euclid' } })).toBe(mixed);
    expect(withoutVectorName(mixed, 'x').vectors).toEqual({ '': { size: 2, distance: 'Dot', on_disk: false } });
  });

  it("takes the name '' as Qdrant's gRPC does: the unnamed vector itself, or a name added first to a map", () => {
    const unnamed: CollectionConfig = { ...base, vectors: { size: 2, distance: 'Dot', on_disk: false } };
    delete unnamed.sparse_vectors;
    expect(() => checkVectorName('')).not.toThrow();
    // on the unnamed shape '' exists: the same schema is a no-op, another or a sparse '' Qdrant's refusal
    expect(withVectorName(unnamed, '', { dense: { size: 2, distance: 'Dot' } })).toBe(unnamed);
    expect(message(() => withVectorName(unnamed, '', { dense: { size: 3, distance: 'Dot' } }))).toBe(
      'Vector `` already exists with a different configuration',
    );
    expect(message(() => withVectorName(unnamed, '', { sparse: {} }))).toBe(
      'Vector `` already exists as a dense vector',
    );
    // deleting it leaves no dense vector (Qdrant's VectorsConfig::remove of Single); created again, a new generation
    const none = withoutVectorName(unnamed, '');
    expect(none.vectors).toEqual({});
    const again = withVectorName(none, '', { dense: { size: 4, distance: 'Cosine' } });
    expect(again.vectors).toEqual({ '': { size: 4, distance: 'Cosine', on_disk: false } });
    expect(vectorGeneration(again, '')).toBe(1);
    // added to a map it goes first; a sparse '' is refused in Qdrant's create-time words
    const added = withVectorName(base, '', { dense: { size: 3, distance: 'Euclid' } });
    expect(Object.keys(added.vectors)).toEqual(['', 'a']);
    expect(vectorGeneration(added, '')).toBe(1);
    expect(withoutVectorName(added, '').vectors).toEqual(base.vectors);
    expect(message(() => withVectorName(base, '', { sparse: {} }))).toBe('Sparse vector name cannot be empty');
  });

  it("is idempotent for the same schema and refuses another, in Qdrant's words", () => {
    expect(withVectorName(base, 'a', { dense: { size: 2, distance: 'Dot' } })).toBe(base);
    expect(withVectorName(base, 's', { sparse: {} })).toBe(base);
    expect(withoutVectorName(base, 'never')).toBe(base);
    expect(message(() => withVectorName(base, 'a', { dense: { size: 2, distance: 'Dot', datatype: 'float32' } }))).toBe(
      'Vector `a` already exists with a different configuration',
    );
    expect(message(() => withVectorName(base, 'a', { sparse: {} }))).toBe(
      'Vector `a` already exists as a dense vector',
    );
    expect(message(() => withVectorName(base, 's', { dense: { size: 2, distance: 'Dot' } }))).toBe(
      'Vector `s` already exists as a sparse vector',
    );
    expect(message(() => withVectorName(base, 's', { sparse: { modifier: 'idf' } }))).toBe(
      'Sparse vector `s` already exists with a different configuration',
    );
    expect(message(() => checkVectorName('x'.repeat(201)))).toBe(
      `Invalid vector name \`${'x'.repeat(201)}\`: vector name must be at most 200 bytes long`,
    );
    expect(message(() => checkVectorName('a/b'))).toBe(
      'Invalid vector name `a/b`: vector name cannot contain "/" char',
    );
    expect(() => checkVectorName('é'.repeat(100))).not.toThrow();
  });
});

const batch = (generations?: Record<string, number>): WalBatch => ({
  incarnation: 'i',
  seq: 5,
  writer: 'w',
  ids: [1, 2],
  payloads: [null, null],
  vectors: [
    { name: 'a', dim: 2, points: null, data: Float32Array.from([1, 2, 3, 4]) },
    { name: 'b', dim: 1, points: [1], data: Float32Array.from([5]) },
  ],
  sparse: [{ name: 's', points: [0], rows: [{ indices: Uint32Array.from([3]), values: Float32Array.from([1]) }] }],
  deletes: [],
  ...(generations !== undefined ? { generations } : {}),
});

describe('generations in WAL batches', () => {
  it('are written only when given, and read back', () => {
    const plain = encodeWal(batch());
    expect(Buffer.from(plain).includes('generations')).toBe(false);
    expect(decodeWal(plain).generations).toBeUndefined();
    expect(decodeWal(encodeWal(batch({ b: 2 }))).generations).toEqual({ b: 2 });
  });

  it('hide the blocks of deleted and re-created names (liveBatch)', () => {
    const b = batch({ b: 2 });
    const config = withVectorName(
      withoutVectorName(withVectorName(base, 'b', { dense: { size: 1, distance: 'Dot' } }), 'b'),
      'b',
      { dense: { size: 1, distance: 'Dot' } },
    );
    expect(vectorGeneration(config, 'b')).toBe(2);
    // written under b's generation 2, everything is live: the very same batch
    expect(liveBatch(b, liveGenerations(config))).toBe(b);
    // a batch of generation 0 (no stamp) holds b's old rows: hidden
    const old = liveBatch(batch(), liveGenerations(config));
    expect(old.vectors.map((v) => v.name)).toEqual(['a']);
    expect(old.sparse?.map((v) => v.name)).toEqual(['s']);
    // s deleted: its sparse block goes too
    const noS = liveBatch(b, liveGenerations(withoutVectorName(config, 's')));
    expect(noS.sparse).toEqual([]);
    expect(noS.vectors.map((v) => v.name)).toEqual(['a', 'b']);
  });

  it('is refused when malformed', () => {
    const bytes = encodeWal(batch({ b: 0 }));
    expect(() => decodeWal(bytes)).toThrow('generations is not a map');
  });
});

const space = (generation?: number): SpaceMeta => ({
  count: 1,
  dim: 2,
  distance: 'Dot',
  tiers: { vectorsOnDisk: false, graphOnDisk: false },
  fullScanThresholdKb: 10_000,
  quantization: null,
  hnsw: null,
  vectors: { pageSize: 4096, rowsPerPage: 512, pageCount: 1, bytes: 64 },
  offsetsBytes: 0,
  ...(generation !== undefined ? { generation } : {}),
});

const meta = (spaces: Record<string, SpaceMeta>, sparse?: Record<string, number | undefined>): SegmentMeta => ({
  format: sparse ? 4 : 2,
  count: 1,
  seed: 1,
  spaces,
  idsBytes: 8,
  payloadBytes: 8,
  payloadIndexBytes: 8,
  ...(sparse
    ? {
        sparse: Object.fromEntries(
          Object.entries(sparse).map(([n, g]) => [
            n,
            { count: 1, bytes: 10, onDisk: false, ...(g !== undefined ? { generation: g } : {}) },
          ]),
        ),
      }
    : {}),
});

describe('generations in segment spaces', () => {
  it('survive meta.json and hide stale spaces (liveMeta)', () => {
    const m = meta({ a: space(), b: space(1) }, { s: undefined, r: 4 });
    const parsed = parseMeta(new TextEncoder().encode(JSON.stringify(m)));
    expect(parsed.spaces.b.generation).toBe(1);
    expect(parsed.sparse?.r.generation).toBe(4);
    const live = new Map([
      ['a', 0],
      ['b', 1],
      ['s', 0],
      ['r', 4],
    ]);
    expect(liveMeta(parsed, live)).toBe(parsed);
    expect(liveMeta(parsed, undefined)).toBe(parsed);
    // b re-created (generation 2), s deleted
    const hidden = liveMeta(
      parsed,
      new Map([
        ['a', 0],
        ['b', 2],
        ['r', 4],
      ]),
    );
    expect(Object.keys(hidden.spaces)).toEqual(['a']);
    expect(Object.keys(hidden.sparse ?? {})).toEqual(['r']);
    expect(Object.keys(parsed.spaces)).toEqual(['a', 'b']);
    const bad = { ...m, spaces: { a: { ...space(), generation: 0 } } };
    expect(() => parseMeta(new TextEncoder().encode(JSON.stringify(bad)))).toThrow('generation out of range');
  });

  it('reach the workers in the task', () => {
    const task = {
      collectionPrefix: 'p',
      segments: [{ id: 's1', deletedVersion: 0 }],
      vector: [1],
      limit: 1,
      params: {},
      generations: { b: 2 },
    };
    expect(parseSegmentTask(JSON.parse(JSON.stringify(task)))).toEqual(task);
    expect(() => parseSegmentTask({ ...task, generations: { b: -1 } })).toThrow('generations');
  });
});

describe('the optimizer and stale spaces', () => {
  const build = (vectors: Record<string, number | undefined>, sparse?: Record<string, number>): SegmentBuild => {
    const one = (g?: number): SegmentBuild => ({
      m: 0,
      efConstruct: 0,
      vectorsOnDisk: false,
      graphOnDisk: false,
      quantile: null,
      ...(g !== undefined ? { generation: g } : {}),
    });
    return {
      ...one(),
      vectors: Object.fromEntries(Object.entries(vectors).map(([n, g]) => [n, one(g)])),
      ...(sparse ? { sparse } : {}),
    };
  };

  it('rebuilds a segment holding a deleted or re-created name, and only such a one', () => {
    const withB = withVectorName(base, 'b', { dense: { size: 2, distance: 'Dot' } });
    expect(differs(withB, false, 10, build({ a: undefined, b: 1 }, { s: 0 }))).toBe(false);
    expect(differs(withB, false, 10, build({ a: undefined }, { s: 0 }))).toBe(false);
    expect(differs(withoutVectorName(withB, 'b'), false, 10, build({ a: undefined, b: 1 }))).toBe(true);
    const again = withVectorName(withoutVectorName(withB, 'b'), 'b', { dense: { size: 2, distance: 'Dot' } });
    expect(differs(again, false, 10, build({ a: undefined, b: 1 }))).toBe(true);
    expect(differs(withoutVectorName(withB, 's'), false, 10, build({ a: undefined }, { s: 0 }))).toBe(true);
  });

  it('re-plans when a vector name was added or deleted since the plan (planBasis)', () => {
    const m = {
      incarnation: 'i',
      config: base,
      segments: [],
      sealedWal: [],
      retiredSegments: [],
      retiredTombstones: [],
    };
    const before = planBasis(m as unknown as Manifest);
    const tuned = {
      ...m,
      config: { ...base, optimizers_config: { default_segment_number: 4, indexing_threshold: 0 } },
    };
    expect(planBasis(tuned as unknown as Manifest)).toBe(before);
    const added = { ...m, config: withVectorName(base, 'b', { dense: { size: 2, distance: 'Dot' } }) };
    expect(planBasis(added as unknown as Manifest)).not.toBe(before);
  });
});

describe('an optimizer racing a vector name change', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it("re-plans instead of sealing a new name's acknowledged rows under the config it read before", async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const faults = new FaultStore(t.store);
    const plain = service(t.store, directInvoker(t.store));
    await plain.createCollection('c', { ...base, sparse_vectors: undefined } as CollectionConfig);
    await plain.upsertPoints('c', [{ id: 1, vector: { a: [1, 0] } }], true);
    // the optimizer has read the manifest (no name b) and is about to list the WAL
    const gate = faults.gate({ op: 'list', key: walPrefix(collectionPrefix('', 'c')), limit: 1 });
    const running = optimize(faults, collectionPrefix('', 'c'), { skipGc: true });
    await gate.reached();
    await plain.createVectorName('c', 'b', { dense: { size: 2, distance: 'Dot' } });
    await plain.upsertPoints('c', [{ id: 2, vector: { a: [0, 1], b: [3, 4] } }], true);
    gate.release();
    const r = await running;
    // its listing held point 2's batch, folded without b: committing that seal would drop an acknowledged write
    expect(r.replans).toBe(1);
    const got = await plain.getPoints('c', [2], false, true);
    expect(got[0].vector).toEqual({ a: [0, 1], b: [3, 4] });
    expect((await plain.getCollection('c')).points_count).toBe(2);
  });
});
