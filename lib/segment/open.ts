/**
 * Opening a segment: at most TWO sequential rounds to the store, honouring the tiers (DESIGN.md §1); ONE when the
 * caller hands over the meta, which a query's worker gets with its task from the segment's manifest entry
 * (lib/collection/manifest.ts `meta`): the coordinator has read the manifest anyway, so a cold query's critical path
 * loses the meta.json round. (Reading guessed ranges beside meta.json would also save it, but their sizes are
 * meta's; a guess either over-reads a small segment or needs a second round for a large one.)
 *
 *   round 1  meta.json                         (skipped when the caller already has the meta)
 *   round 2  in parallel, for every vector space (the placements are each space's own, meta.ts placementOf):
 *                         `quantized` whole when pinned (held) or cached (into the page cache); nothing when cold
 *                         `graph` whole when pinned or cached, else its header [0, H) (cold)
 *                         `vectors` whole when pinned or cached; nothing when cold
 *                         (a cached object already resident in the page cache costs no GET)
 *                         `offsets` whole (a named vector some points lack)
 *                         the entry region of a paged space written with one (entry-region.ts)
 *                         and once per segment:
 *                         `ids` whole, `payload` index [0, B) (whole when a filter needs every payload),
 *                         `deleted.{v}` when v > 0, every `memory: cached` field index into the page cache
 *
 * A search then needs at most one more round (the first layer-0 page or the entry point's row) before its first
 * distance: ≤ 3 sequential rounds cold (≤ 2 with the meta handed over).
 *
 * Invariants: every object is checked (magic, version, checksums, sizes against meta.json) before the segment is
 * handed out; any mismatch is StrataError 'internal' naming the object; nothing half-opened is cached.
 */
import { internal } from '../model/errors.js';
import { vectorsLayout } from '../index/vectors-format.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { IdTable } from './ids-format.js';
import {
  GRAPH,
  IDS,
  META,
  MULTI,
  OFFSETS,
  PAYLOAD,
  QUANTIZED,
  VECTORS,
  fieldIndexName,
  segmentObjectKey,
  spaceObjectKey,
  tombstoneKeyOf,
} from './keys.js';
import { type SegmentMeta, type SegmentTiers, type SpaceMeta, parseMeta, placementOf } from './meta.js';
import { loadCachedFieldIndex } from './field-index-paged.js';
import { PayloadIndex } from './payload-format.js';
import { type PageSource, loadWhole } from './page-io.js';
import { Segment } from './segment.js';
import { SegmentSpace } from './space.js';
import { decodeSpaceOffsets } from './space-offsets.js';
import { decodeMultiRows } from './multi-rows.js';
import { getRange, getWhole } from './store-io.js';
import { decodeTombstones, type Tombstones } from './tombstones.js';
import { readEntryRegion } from './entry-region.js';
import {
  checker,
  decodeGraphHeader,
  decodeWholeGraph,
  decodeWholeQuantized,
  decodeWholeVectors,
} from './whole-objects.js';

export interface OpenOptions {
  /** override the tiers recorded at birth (e.g. the collection's current on_disk settings), for every space */
  tiers?: Partial<SegmentTiers>;
  /** also load this tombstone version in the same round (0 = none) */
  deletedVersion?: number;
  /** read the whole `payload` object in the same round instead of its index (a filter is coming) */
  withPayloads?: boolean;
  io?: IoScope;
}

export async function readMeta(store: ObjectStore, prefix: string, io?: IoScope): Promise<SegmentMeta> {
  const key = segmentObjectKey(prefix, META);
  return parseMeta(await getWhole(store, key, io, 'meta.json'), key);
}

export async function openSegment(
  store: ObjectStore,
  cache: PageSource,
  prefix: string,
  meta?: SegmentMeta,
  options: OpenOptions = {},
): Promise<Segment> {
  const io = options.io;
  const m = meta ?? (await readMeta(store, prefix, io));
  const key = (o: string) => segmentObjectKey(prefix, o);
  const version = options.deletedVersion ?? 0;

  const [spaces, idsBytes, payloadIndexBytes, tombBytes] = await Promise.all([
    Promise.all(
      Object.entries(m.spaces).map(([name, sm]) =>
        openSpace(store, cache, prefix, name, { ...sm, tiers: { ...sm.tiers, ...options.tiers } }, m.count, io),
      ),
    ),
    getWhole(store, key(IDS), io, 'ids'),
    options.withPayloads
      ? getWhole(store, key(PAYLOAD), io, 'payload')
      : getRange(store, key(PAYLOAD), 0, m.payloadIndexBytes, io, 'payload index'),
    version > 0 ? getWhole(store, tombstoneKeyOf(prefix, version), io, `tombstones v${version}`) : null,
    // the warm-up of `memory: cached` field indexes: into the page cache, as the vector tiers' cached objects
    Promise.all(
      Object.entries(m.fieldIndexBytes ?? {}).map(([field, bytes]) =>
        loadCachedFieldIndex(cache, key(fieldIndexName(field)), bytes, io, `index ${field}`),
      ),
    ),
  ]);

  const check = (ok: boolean, what: string) => {
    if (!ok) throw internal(`segment ${prefix}: ${what} does not match meta.json`);
  };
  const ids = new IdTable(idsBytes, key(IDS));
  check(ids.count === m.count, 'ids');
  const payloadIndex = new PayloadIndex(payloadIndexBytes, key(PAYLOAD));
  check(payloadIndex.count === m.count, 'payload index');

  const tombstones = new Map<number, Tombstones>();
  if (tombBytes !== null) {
    const t = decodeTombstones(tombBytes, tombstoneKeyOf(prefix, version));
    check(t.count === m.count, `tombstones v${version}`);
    tombstones.set(version, t);
  }

  const segment = new Segment({
    store,
    pages: cache,
    prefix,
    meta: m,
    ids,
    payloadIndex,
    spaces: new Map(spaces.map((s) => [s.name, s])),
    tombstones,
  });
  if (options.withPayloads) segment.adoptPayloads(payloadIndexBytes);
  return segment;
}

/** One vector space's objects, in its own placements, checked against its meta. */
async function openSpace(
  store: ObjectStore,
  cache: PageSource,
  prefix: string,
  name: string,
  m: SpaceMeta,
  points: number,
  io: IoScope | undefined,
): Promise<SegmentSpace> {
  const key = (o: string) => spaceObjectKey(prefix, name, o, m.nested);
  const inner = m.multivector?.vectors ?? m.count;
  const place = placementOf(m);
  const check = checker(prefix, name);
  // pinned: read and decoded here, held by the space; cached: read into the page cache (the space looks it up)
  const held = async <T>(object: string, decode: (b: Uint8Array) => T): Promise<T> =>
    decode(await getWhole(store, key(object), io, object));
  const [quantized, graph, graphHeader, vectors, offsetsBytes, multiBytes] = await Promise.all([
    m.quantization === null || place.quantized === 'cold'
      ? null
      : place.quantized === 'pinned'
        ? held(QUANTIZED, decodeWholeQuantized(m, check)).then((w) => w.set)
        : loadWhole(cache, key(QUANTIZED), m.quantization.bytes, decodeWholeQuantized(m, check), io).then(() => null),
    m.hnsw === null || place.graph !== 'pinned' ? null : held(GRAPH, decodeWholeGraph(m, check)).then((w) => w.graph),
    m.hnsw === null || place.graph === 'pinned'
      ? null
      : place.graph === 'cached'
        ? loadWhole(cache, key(GRAPH), m.hnsw.bytes, decodeWholeGraph(m, check), io).then((w) => w.header)
        : getRange(store, key(GRAPH), 0, m.hnsw.headerBytes, io, 'graph header').then(decodeGraphHeader(m, check)),
    place.vectors === 'cold'
      ? null
      : place.vectors === 'pinned'
        ? held(VECTORS, decodeWholeVectors(m, check))
        : loadWhole(cache, key(VECTORS), m.vectors.bytes, decodeWholeVectors(m, check), io).then(() => null),
    m.offsetsBytes > 0 ? getWhole(store, key(OFFSETS), io, 'offsets') : null,
    m.multivector !== undefined ? getWhole(store, key(MULTI), io, 'multi') : null,
    readEntryRegion(cache, key, m, io),
  ] as const);
  const starts = multiBytes === null ? null : decodeMultiRows(multiBytes, key(MULTI));
  if (starts !== null) check(starts.length === m.count + 1 && starts[m.count] === inner, 'multi');
  const offsets = offsetsBytes === null ? null : decodeSpaceOffsets(offsetsBytes, key(OFFSETS));
  if (offsets !== null) check(offsets.rowOffsets.length === m.count && offsets.offsetRows.length === points, 'offsets');
  else check(m.count === points, 'row count');
  return new SegmentSpace({
    name,
    pages: cache,
    prefix,
    meta: m,
    placement: place,
    quantized,
    graph,
    graphHeader,
    vectors,
    vectorsHeader: vectorsLayout(inner, m.dim, m.vectors.pageSize, m.datatype),
    offsets,
    starts,
  });
}
