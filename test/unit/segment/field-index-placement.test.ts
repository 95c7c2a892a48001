import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Filter } from '../../../lib/model/filter.js';
import type { Payload } from '../../../lib/model/payload.js';
import type { PayloadSchema } from '../../../lib/model/payload-schema.js';
import { parseFilter } from '../../../lib/segment/filter-parse.js';
import { fieldIndexName, segmentObjectKey } from '../../../lib/segment/keys.js';
import { openSegment } from '../../../lib/segment/open.js';
import type { Segment } from '../../../lib/segment/segment.js';
import { writeSegment } from '../../../lib/segment/writer.js';
import { IoScope } from '../../../lib/storage/io-stats.js';
import type { FileSystemStore } from '../../../lib/storage/fs-store.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { COLLECTION, makeConfig, seededVectors, tempStore } from '../../support/segment-fixtures.js';

const N = 20_000;
const DIM = 4;
const COLD = '0000000000000001-cold';
const PINNED = '0000000000000002-pinned';
const OLD = '0000000000000003-old';
const CACHED = '0000000000000004-cached';
const prefixOf = (id: string) => `${COLLECTION}/segments/${id}`;
const words = ['alpha', 'beta', 'gamma', 'delta', 'omega'];
const payloadOf = (i: number): Payload => ({
  tenant: `t${i % 100}`,
  n: (i * 7919) % 10_000,
  txt: `${words[i % 5]} ${words[(i >> 3) % 5]} ${i % 11 === 0 ? 'rare' : ''}`,
  ...(i % 13 === 0 ? { other: 1 } : {}),
});
const PINNED_SCHEMA: PayloadSchema = { tenant: 'keyword', n: 'integer', txt: 'text' };
const COLD_SCHEMA: PayloadSchema = {
  tenant: { type: 'keyword', on_disk: true },
  n: { type: 'integer', memory: 'cold' },
  txt: { type: 'text', memory: 'cold' },
};

let store: FileSystemStore;
let cleanup: () => void;

async function write(id: string, schema: PayloadSchema): Promise<void> {
  const payloads = Array.from({ length: N }, (_, i) => payloadOf(i));
  const ids = Array.from({ length: N }, (_, i) => i);
  const config = { ...makeConfig(DIM, 'Cosine', { indexingThreshold: 1_000_000 }), payload_schema: schema };
  await writeSegment(store, prefixOf(id), {
    ids,
    versions: ids.map((i) => i + 1),
    vectors: seededVectors(N, DIM, 4),
    payloads,
    seed: 1,
    config,
  });
}

const open = (
  id: string,
  cache = new PageCache(store, { maxBytes: 64 * 1024 * 1024 }),
  io?: IoScope,
): Promise<Segment> => openSegment(store, cache, prefixOf(id), undefined, { io });

async function objectBytes(id: string, field: string): Promise<number> {
  return (await store.get(segmentObjectKey(prefixOf(id), fieldIndexName(field))))!.body.byteLength;
}

beforeAll(async () => {
  ({ store, cleanup } = tempStore());
  await write(COLD, COLD_SCHEMA);
  await write(PINNED, PINNED_SCHEMA);
  await write(OLD, COLD_SCHEMA);
  await write(CACHED, { ...PINNED_SCHEMA, tenant: { type: 'keyword', memory: 'cached' } });
  // a cold index written before the paged layout existed: the version 2 object (the one a paged object embeds)
  const paged = (await store.get(segmentObjectKey(prefixOf(OLD), fieldIndexName('tenant'))))!.body;
  const table = new DataView(paged.buffer, paged.byteOffset + 32, 32);
  const v2 = paged.slice(table.getUint32(16, true), table.getUint32(16, true) + table.getUint32(20, true));
  expect(new DataView(v2.buffer).getUint32(8, true)).toBe(2);
  await store.put(segmentObjectKey(prefixOf(OLD), fieldIndexName('tenant')), v2);
});
afterAll(() => cleanup());

describe('field index placement (memory: cold / on_disk: true)', () => {
  it('answers every filter exactly as the pinned (whole) index does', async () => {
    const cold = await open(COLD);
    const pinned = await open(PINNED);
    const filters: Filter[] = [
      { must: [{ key: 'tenant', match: { value: 't7' } }] },
      {
        must: [
          { key: 'tenant', match: { any: ['t1', 't2', 'nope'] } },
          { key: 'n', range: { gte: 100, lt: 2500 } },
        ],
      },
      { must_not: [{ key: 'tenant', match: { except: ['t3'] } }] },
      {
        should: [
          { key: 'txt', match: { text: 'alpha rare' } },
          { key: 'txt', match: { text_any: 'omega' } },
        ],
      },
      { must: [{ is_empty: { key: 'tenant' } }] },
      {
        must: [
          { key: 'other', match: { value: 1 } },
          { key: 'tenant', match: { value: 't26' } },
        ],
      },
      {
        must: [
          { key: 'n', values_count: { gte: 1 } },
          { key: 'n', range: { gt: 9990 } },
        ],
      },
    ];
    for (const raw of filters) {
      const f = parseFilter(raw);
      const a = await cold.filterMask(f, undefined, PINNED_SCHEMA);
      const b = await pinned.filterMask(f, undefined, PINNED_SCHEMA);
      expect(a.cardinality, JSON.stringify(raw)).toBe(b.cardinality);
      expect(Array.from(a.offsets)).toEqual(Array.from(b.offsets));
    }
  });

  it('a 1% tenant filter reads the directory, then only its posting page: 2 ranged GETs, a few KB', async () => {
    const cold = await open(COLD);
    const whole = await objectBytes(COLD, 'tenant');
    const io = new IoScope();
    const m = await cold.filterMask(parseFilter({ must: [{ key: 'tenant', match: { value: 't42' } }] }), io);
    expect(m.cardinality).toBe(N / 100);
    expect(io.counts.gets).toBe(0);
    expect(io.counts.rangedGets).toBe(2);
    expect(io.rounds).toBe(2);
    expect(io.counts.bytesIn).toBeLessThan(whole / 8);
    // the directory is kept: a tenant on another page costs one ranged GET of its posting page, in one round
    const again = new IoScope();
    await cold.filterMask(parseFilter({ must: [{ key: 'tenant', match: { value: 't90' } }] }), again);
    expect(again.counts.rangedGets).toBe(1);
    expect(again.rounds).toBe(1);
    expect(again.counts.bytesIn).toBeLessThanOrEqual(4096);
    // two cold keys in one filter: their directories in one round, their pages in the next
    const two = new IoScope();
    await cold.filterMask(
      parseFilter({
        must: [
          { key: 'tenant', match: { value: 't9' } },
          { key: 'txt', match: { text: 'rare' } },
        ],
      }),
      two,
      COLD_SCHEMA,
    );
    expect(two.rounds).toBe(2);
    expect(two.counts.gets).toBe(0);
    // a directory larger than the first read (10,000 distinct integers: 80 KB of dictionary) costs one more round
    const range = new IoScope();
    const small = await cold.filterMask(parseFilter({ must: [{ key: 'n', range: { lt: 50 } }] }), range);
    expect(small.cardinality).toBe(100);
    expect(range.rounds).toBe(3);
    expect(range.counts.gets).toBe(0);
    expect(range.counts.bytesIn).toBeLessThan((await objectBytes(COLD, 'n')) / 2);
  });

  it('a pinned index is one whole GET; conditions needing per-point data read the cold object’s per-point part', async () => {
    const pinned = await open(PINNED);
    const io = new IoScope();
    await pinned.filterMask(parseFilter({ must: [{ key: 'tenant', match: { value: 't42' } }] }), io);
    expect(io.counts.gets).toBe(1);
    expect(io.counts.bytesIn).toBe(await objectBytes(PINNED, 'tenant'));
    const cold = await open(COLD);
    const ex = new IoScope();
    const m = await cold.filterMask(parseFilter({ must: [{ key: 'tenant', match: { except: ['t1'] } }] }), ex);
    expect(m.cardinality).toBe(N - N / 100);
    expect(ex.counts.gets).toBe(0);
    expect(ex.counts.rangedGets).toBe(2);
  });

  it('a cold schema over an index object written before the paged layout still opens (read whole)', async () => {
    const old = await open(OLD);
    const pinned = await open(PINNED);
    const f = parseFilter({ must: [{ key: 'tenant', match: { value: 't5' } }] });
    const io = new IoScope();
    const m = await old.filterMask(f, io);
    expect(Array.from(m.offsets)).toEqual(Array.from((await pinned.filterMask(f, undefined)).offsets));
    expect(io.counts.rangedGets + io.counts.gets).toBe(2);
  });

  it('a cached index is read once at warm-up into the page cache (evictable), not held by the segment', async () => {
    const bytes = await objectBytes(CACHED, 'tenant');
    const f = parseFilter({ must: [{ key: 'tenant', match: { value: 't42' } }] });
    const pinnedSeg = await open(PINNED);
    const cache = new PageCache(store, { maxBytes: 64 * 1024 * 1024 });
    const warm = new IoScope();
    const cached = await open(CACHED, cache, warm);
    // the warm-up: one whole read of the index object in the open's object round (after meta.json), kept by the
    // page cache
    expect(cached.meta.fieldIndexBytes).toEqual({ tenant: bytes });
    expect(pinnedSeg.meta.fieldIndexBytes).toBeUndefined();
    expect(warm.rounds).toBe(2);
    expect(cache.stats.bytes).toBeGreaterThanOrEqual(bytes);
    const io = new IoScope();
    const m = await cached.filterMask(f, io);
    expect(m.cardinality).toBe(N / 100);
    expect(io.counts.gets + io.counts.rangedGets).toBe(0);
    expect(Array.from(m.offsets)).toEqual(Array.from((await pinnedSeg.filterMask(f, undefined)).offsets));
    // pinned: the segment holds the index; cached: the page cache does, the segment does not
    const masks = 2 * (m.mask.byteLength + m.offsets.byteLength);
    expect(pinnedSeg.memoryBytes()).toBeGreaterThanOrEqual(cached.memoryBytes() - masks + bytes);
    // a page cache too small to keep it: read at warm-up, evicted, read again (one whole GET of its bytes) by a query
    const tiny = new PageCache(store, { maxBytes: 1024 });
    const evicting = await open(CACHED, tiny);
    const again = new IoScope();
    const other = await evicting.filterMask(parseFilter({ must: [{ key: 'tenant', match: { value: 't7' } }] }), again);
    expect(other.cardinality).toBe(N / 100);
    expect(again.counts.gets + again.counts.rangedGets).toBe(1);
    expect(again.counts.bytesIn).toBe(bytes);
  });
});
