/**
 * The entry region (lib/segment/entry-order.ts): the seal numbers the graph's upper-level nodes first, and every
 * row-keyed object follows that one order — ids and versions, payloads, field indexes, every vector space's rows
 * (a named space some points lack included), sparse rows — while the graph is the same graph under new ids.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/index/rng.js';
import { buildHnsw } from '../../../lib/index/build.js';
import type { HnswGraph } from '../../../lib/index/graph.js';
import { deserializeGraph } from '../../../lib/index/graph-format.js';
import { permuteGraph } from '../../../lib/index/graph-permute.js';
import { deserializeVectors } from '../../../lib/index/vectors-format.js';
import type { CollectionConfig } from '../../../lib/model/collection-config.js';
import type { SparseVector } from '../../../lib/model/sparse-vector.js';
import { entryOrder } from '../../../lib/segment/entry-order.js';
import { FieldIndex } from '../../../lib/segment/field-index-format.js';
import { IdTable } from '../../../lib/segment/ids-format.js';
import { PayloadIndex } from '../../../lib/segment/payload-format.js';
import { decodeSpaceOffsets } from '../../../lib/segment/space-offsets.js';
import { SparseIndex } from '../../../lib/segment/sparse-index.js';
import { encodeSegment } from '../../../lib/segment/writer.js';
import { seededVectors } from '../../support/segment-fixtures.js';

/** Every edge of g as "level:from>to" under the id map `name` (old id -> new id). */
function edges(g: HnswGraph, name: (id: number) => number): Set<string> {
  const out = new Set<string>();
  const rec = 1 + g.m0;
  for (let v = 0; v < g.n; v++)
    for (let j = 1; j <= g.layer0[v * rec]; j++) out.add(`0:${name(v)}>${name(g.layer0[v * rec + j])}`);
  const u = g.upper;
  u.ids.forEach((id, k) => {
    for (let level = 1; level <= u.levels[k]; level++) {
      const at = u.offsets[k] + (level - 1) * (1 + g.m);
      for (let j = 1; j <= u.links[at]; j++) out.add(`${level}:${name(id)}>${name(u.links[at + j])}`);
    }
  });
  return out;
}

describe('entry order', () => {
  it('permuting a graph renames its nodes and keeps every edge, level and the entry point', () => {
    const g = buildHnsw(seededVectors(600, 8, 3), 8, 'Cosine', { m: 6, efConstruct: 40, seed: 2 });
    const order = entryOrder(g)!;
    expect(order).not.toBeNull();
    const p = permuteGraph(g, order);
    const inv = new Uint32Array(g.n);
    order.forEach((old, i) => {
      inv[old] = i;
    });
    expect(p.entryPoint).toBe(inv[g.entryPoint]);
    expect(p.maxLevel).toBe(g.maxLevel);
    // the upper nodes are now 0..U-1, ascending, with their own levels
    expect(Array.from(p.upper.ids)).toEqual(Array.from({ length: g.upper.ids.length }, (_, i) => i));
    expect(Array.from(p.upper.levels)).toEqual(Array.from(g.upper.ids, (_, k) => g.upper.levels[k]));
    expect(edges(p, (id) => id)).toEqual(edges(g, (id) => inv[id]));
    // a graph already in entry order needs no second permutation
    expect(entryOrder(p)).toBeNull();
  });

  it('the seal writes the upper nodes first and every row-keyed object in that same order', () => {
    const n = 1500;
    const rnd = mulberry32(11);
    const a = seededVectors(n, 8, 5);
    const holdersB = Uint32Array.from({ length: n / 2 }, (_, i) => 2 * i);
    const b = seededVectors(holdersB.length, 4, 6, 'Dot');
    const holdersS = Uint32Array.from({ length: n / 3 }, (_, i) => 3 * i);
    const sparseRows: SparseVector[] = Array.from(holdersS, (p) => ({
      indices: Uint32Array.of(p % 17, 20 + (p % 5)),
      values: Float32Array.of(p, 1),
    }));
    const ids = Array.from({ length: n }, (_, i) => 10_000 + i);
    const payloads = ids.map((id) => ({ id, tag: rnd() < 0.5 ? 'x' : 'y' }));
    const config: CollectionConfig = {
      vectors: { a: { size: 8, distance: 'Cosine', on_disk: true }, b: { size: 4, distance: 'Dot', on_disk: false } },
      hnsw_config: { m: 8, ef_construct: 40, on_disk: true, full_scan_threshold: 10 },
      quantization_config: null,
      optimizers_config: { default_segment_number: 1, indexing_threshold: 1 },
      sparse_vectors: { s: {} },
      payload_schema: { id: 'integer' },
    };
    const { objects } = encodeSegment({
      config,
      ids,
      versions: ids.map((id) => id + 1),
      spaces: [
        { name: 'a', points: null, data: a },
        { name: 'b', points: holdersB, data: b },
      ],
      sparse: [{ name: 's', points: holdersS, rows: sparseRows }],
      payloads,
      seed: 4,
    });
    const graph = deserializeGraph(objects.get('vectors/a/graph')!);
    const u = graph.upper.ids.length;
    expect(u).toBeGreaterThan(0);
    expect(Array.from(graph.upper.ids)).toEqual(Array.from({ length: u }, (_, i) => i));

    const table = new IdTable(objects.get('ids')!);
    const rowsA = deserializeVectors(objects.get('vectors/a/vectors')!).data;
    const rowsB = deserializeVectors(objects.get('vectors/b/vectors')!).data;
    const offsetsB = decodeSpaceOffsets(objects.get('vectors/b/offsets')!, 'offsets');
    const payloadBytes = objects.get('payload')!;
    const payloadIndex = new PayloadIndex(payloadBytes);
    const sparse = SparseIndex.decode(objects.get('sparse/s')!, 'sparse');
    const idIndex = FieldIndex.decode(objects.get('index/id')!, 'index/id');
    const indexed = (o: number) => {
      const dict = idIndex.dict as { values: Float64Array };
      return Array.from(idIndex.refs.subarray(idIndex.starts[o], idIndex.starts[o + 1]), (r) => dict.values[r]);
    };
    let offsetChanged = 0;
    for (let o = 0; o < n; o++) {
      const i = (table.externalId(o) as number) - 10_000;
      if (i !== o) offsetChanged++;
      expect(table.version(o)).toBe(ids[i] + 1);
      expect(Array.from(rowsA.subarray(o * 8, o * 8 + 8))).toEqual(Array.from(a.subarray(i * 8, i * 8 + 8)));
      expect(payloadIndex.decode(payloadBytes, 0, o)).toEqual(payloads[i]);
      const rb = offsetsB.offsetRows[o];
      if (i % 2 === 0) {
        const k = i / 2;
        expect(Array.from(rowsB.subarray(rb * 4, rb * 4 + 4))).toEqual(Array.from(b.subarray(k * 4, k * 4 + 4)));
      } else expect(rb).toBe(-1);
      expect(sparse.vectorOf(o)).toEqual(i % 3 === 0 ? sparseRows[i / 3] : null);
      expect(indexed(o)).toEqual([ids[i]]);
    }
    expect(offsetChanged).toBeGreaterThan(0);
  });
});
