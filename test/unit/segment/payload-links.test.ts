import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatScorer } from '../../../lib/index/scorer.js';
import { blockConnectivity, withPayloadLinks } from '../../../lib/index/payload-links.js';
import { buildHnsw } from '../../../lib/index/build.js';
import type { Filter } from '../../../lib/model/filter.js';
import type { PayloadSchema } from '../../../lib/model/payload-schema.js';
import { payloadBlocks } from '../../../lib/segment/payload-blocks.js';
import { runSegmentTaskDetailed, type SegmentTaskContext } from '../../../lib/segment/task.js';
import type { SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import { writeSegment } from '../../../lib/segment/writer.js';
import { GRAPH, META, segmentObjectKey } from '../../../lib/segment/keys.js';
import { parseMeta } from '../../../lib/segment/meta.js';
import type { ObjectStore } from '../../../lib/storage/object-store.js';
import { COLLECTION, makeConfig, seededVectors, taskContext, tempStore } from '../../support/segment-fixtures.js';

const N = 8000;
const DIM = 16;
const TENANTS = 100; // 1% each
const PLAIN = '0000000000000001-plain';
const LINKED = '0000000000000002-linked';
const DEFAULT = '0000000000000003-default';
const AS_M = '0000000000000004-as-m';
const prefixOf = (id: string) => `${COLLECTION}/segments/${id}`;
const SCHEMA: PayloadSchema = { tenant: { type: 'keyword', is_tenant: true } };

let cleanup: () => void;
let ctx: SegmentTaskContext;
let vectors: Float32Array;
const payloads = Array.from({ length: N }, (_, i) => ({ tenant: `t${(i * 7) % TENANTS}` }));

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  vectors = seededVectors(N, DIM, 11);
  const ids = Array.from({ length: N }, (_, i) => i);
  // a sparse graph (m 4) with a small full-scan threshold (2 KB = 32 vectors): a 1% filter walks the graph
  const base = makeConfig(DIM, 'Cosine', { m: 4, efConstruct: 40, fullScanThreshold: 2, quantized: false });
  const input = { ids, versions: ids.map((i) => i + 1), vectors, payloads, seed: 5 };
  // payload_m 0: no block links (unset, Qdrant's default, is m)
  await writeSegment(t.store, prefixOf(PLAIN), {
    ...input,
    config: { ...base, hnsw_config: { ...base.hnsw_config, payload_m: 0 }, payload_schema: SCHEMA },
  });
  await writeSegment(t.store, prefixOf(LINKED), {
    ...input,
    config: { ...base, hnsw_config: { ...base.hnsw_config, payload_m: 8 }, payload_schema: SCHEMA },
  });
  // payload_m unset is m (Qdrant's `payload_m.unwrap_or(m)`): the same graph as payload_m = m
  await writeSegment(t.store, prefixOf(DEFAULT), { ...input, config: { ...base, payload_schema: SCHEMA } });
  await writeSegment(t.store, prefixOf(AS_M), {
    ...input,
    config: { ...base, hnsw_config: { ...base.hnsw_config, payload_m: 4 }, payload_schema: SCHEMA },
  });
  store = t.store;
  ctx = taskContext(t.store);
});

let store: ObjectStore;
const metaOf = async (id: string) =>
  parseMeta((await store.get(segmentObjectKey(prefixOf(id), META)))?.body as Uint8Array);
afterAll(() => cleanup());

function task(segment: string, q: Float32Array, filter: Filter): SegmentSearchTask {
  return {
    collectionPrefix: COLLECTION,
    segments: [{ id: segment, deletedVersion: 0 }],
    vector: Array.from(q),
    limit: 10,
    filter,
    params: { exact: false, hnsw_ef: 16 },
  };
}

describe('payload_m: extra HNSW links per tenant block', () => {
  it('connects every tenant block of a sparse graph', () => {
    const g = buildHnsw(vectors, DIM, 'Cosine', { m: 4, efConstruct: 40, seed: 5 });
    const blocks = payloadBlocks(SCHEMA, payloads, null, 32, N);
    expect(blocks.length).toBe(TENANTS);
    const before = blocks.map((b) => blockConnectivity(g, b.rows));
    const subBuild = (rows: Uint32Array) => {
      const sub = new Float32Array(rows.length * DIM);
      rows.forEach((r, i) => sub.set(vectors.subarray(r * DIM, (r + 1) * DIM), i * DIM));
      return buildHnsw(sub, DIM, 'Cosine', { m: 8, efConstruct: 40, seed: 5 });
    };
    const linked = withPayloadLinks(g, blocks, subBuild);
    const after = blocks.map((b) => blockConnectivity(linked, b.rows));
    expect(Math.max(...before)).toBeLessThan(0.9);
    expect(Math.min(...after)).toBe(1);
    expect(linked.m0).toBeGreaterThan(g.m0);
    // the main links are kept, in their order, ahead of the new ones
    const rec = 1 + g.m0;
    const rec2 = 1 + linked.m0;
    for (let i = 0; i < N; i += 97) {
      const own = g.layer0.subarray(i * rec + 1, i * rec + 1 + g.layer0[i * rec]);
      expect(Array.from(linked.layer0.subarray(i * rec2 + 1, i * rec2 + 1 + own.length))).toEqual(Array.from(own));
    }
    // blocks of a field that is not a tenant are linked only where the graph does not connect them already
    const plain = payloadBlocks({ tenant: 'keyword' }, payloads, null, 32, N);
    expect(plain.every((b) => !b.tenant)).toBe(true);
    const never = () => {
      throw new Error('a connected block was built');
    };
    expect(withPayloadLinks(linked, plain, never)).toBe(linked);
    expect(withPayloadLinks(g, plain, subBuild)).not.toBe(g);
  });

  it('a 1% tenant filter walks to a higher recall with payload_m set (same data, same ef)', async () => {
    const recall: Record<string, number> = {};
    for (const seg of [PLAIN, LINKED]) {
      let hits = 0;
      let total = 0;
      for (let qi = 0; qi < 40; qi++) {
        const tenant = `t${(qi * 13) % TENANTS}`;
        const q = seededVectors(1, DIM, 300 + qi);
        const s = floatScorer(vectors, DIM, 'Cosine', q);
        const truth = payloads
          .map((p, i) => ({ i, ok: p.tenant === tenant, s: s.score(i) }))
          .filter((x) => x.ok)
          .sort((a, b) => b.s - a.s)
          .slice(0, 10)
          .map((x) => x.i);
        const { result, details } = await runSegmentTaskDetailed(
          task(seg, q, { must: [{ key: 'tenant', match: { value: tenant } }] }),
          ctx,
        );
        expect(details[0].path).toBe('hnsw');
        hits += result.candidates.filter((c) => truth.includes(c.id as number)).length;
        total += truth.length;
      }
      recall[seg] = hits / total;
    }
    // measured: 0.77 without, 1.0 with
    expect(recall[LINKED]).toBeGreaterThan(recall[PLAIN]);
    expect(recall[LINKED]).toBeGreaterThanOrEqual(0.95);
  });

  it('unset, payload_m is m (as in Qdrant); 0 builds none; the segment records what it applied', async () => {
    const graph = async (id: string) => (await store.get(segmentObjectKey(prefixOf(id), GRAPH)))?.body as Uint8Array;
    expect(Buffer.from(await graph(DEFAULT)).equals(Buffer.from(await graph(AS_M)))).toBe(true);
    expect(Buffer.from(await graph(DEFAULT)).equals(Buffer.from(await graph(PLAIN)))).toBe(false);
    expect((await metaOf(DEFAULT)).spaces[''].hnsw?.payloadM).toBe(4);
    expect((await metaOf(PLAIN)).spaces[''].hnsw?.payloadM).toBe(0);
    expect((await metaOf(LINKED)).spaces[''].hnsw?.payloadM).toBe(8);
    // main links m 4 (m0 8): the merged block links make layer-0 records longer, only where payload_m applies
    expect((await metaOf(PLAIN)).spaces[''].hnsw?.m0).toBe(8);
    expect((await metaOf(DEFAULT)).spaces[''].hnsw?.m0).toBeGreaterThan(8);
  });

  it('a multivector space gets its payload-block links too, built on MaxSim', async () => {
    const t = tempStore();
    try {
      const docs = 1200;
      const counts = Uint32Array.from({ length: docs }, (_, i) => 1 + (i % 3));
      const rows = seededVectors(
        counts.reduce((a, b) => a + b, 0),
        DIM,
        21,
      );
      const base = makeConfig(DIM, 'Cosine', { m: 4, efConstruct: 40, fullScanThreshold: 1, quantized: false });
      const multi = {
        ...base,
        vectors: {
          size: DIM,
          distance: 'Cosine' as const,
          on_disk: false,
          multivector_config: { comparator: 'max_sim' as const },
        },
        payload_schema: SCHEMA,
      };
      const ids = Array.from({ length: docs }, (_, i) => i);
      const input = {
        ids,
        versions: ids.map((i) => i + 1),
        spaces: [{ name: '', points: null, data: rows, counts }],
        payloads: ids.map((i) => ({ tenant: `t${i % 20}` })),
        seed: 3,
      };
      const at = (id: string) => `${COLLECTION}/segments/${id}`;
      await writeSegment(t.store, at(PLAIN), {
        ...input,
        config: { ...multi, hnsw_config: { ...multi.hnsw_config, payload_m: 0 } },
      });
      await writeSegment(t.store, at(LINKED), { ...input, config: multi });
      const meta = async (id: string) =>
        parseMeta((await t.store.get(segmentObjectKey(at(id), META)))?.body as Uint8Array).spaces[''];
      expect((await meta(PLAIN)).multivector).toBeDefined();
      expect((await meta(PLAIN)).hnsw?.m0).toBe(8);
      expect((await meta(LINKED)).hnsw?.payloadM).toBe(4);
      expect((await meta(LINKED)).hnsw?.m0).toBeGreaterThan(8);
    } finally {
      t.cleanup();
    }
  });
});
