/**
 * The paged layout of a payload field index (object `index/{field}`, format version 3), written for a `cold`
 * placement (Qdrant's `memory: cold` / `on_disk: true` of a field index; lib/model/memory.ts). A query reads a small
 * directory first (the dictionary and where each value's posting list lies), then only the posting pages its
 * conditions select, in one parallel round through the page cache, instead of the whole column.
 *
 * Layout (little-endian; header per binary.ts; W = words per posting page, P = posting words in all):
 *
 * | offset    | size              | field                                                                     |
 * |-----------|-------------------|---------------------------------------------------------------------------|
 * | 0         | 32                | header: magic `STRA_FLD`, version 3, n points, CRC-32 of [32, dirEnd),   |
 * |           |                   | a = dictionary kind, b = dictionary entries d, c = P                      |
 * | 32        | 32                | table (u32): dirEnd, W, page count, dictionary bytes, forwardAt, forward  |
 * |           |                   | bytes, the forward object's version (0 in objects written before it was   |
 * |           |                   | recorded: read as 2), 0 (forwardAt / forward bytes at field-index-format's |
 * |           |                   | offsets)                                                                  |
 * | 64        | dictionary, pad 8 | the version 2 dictionary encoding, sorted (field-index-format.ts)         |
 * | …         | 4(d+1), pad 8     | posting starts: value id i's list is postings [starts[i], starts[i+1])    |
 * | …         | 4·pages, pad 8    | CRC-32 of each posting page                                               |
 * | dirEnd    | 4P (pages of W)   | postings: point offsets, ascending and distinct within each value's list  |
 * | forwardAt | forward bytes     | the version 2 (or 4) object of the same key, whole (per-point values,     |
 * |           |                   | flags, and for 4 value counts)                                            |
 *
 * The directory [0, dirEnd) is read first (one ranged GET of DIRECTORY_HEAD bytes; a second only when the
 * dictionary is larger) and kept with the opened segment; posting pages live in the page cache. Conditions that
 * need per-point data (except, is_empty / is_null, values_count, phrase) read the embedded version 2 object into
 * the page cache instead, and then every condition on the key is answered from it (no posting page is read). An object of version 1 or 2 under a cold schema (written before
 * version 3 existed) is read whole, as it was.
 *
 * Invariant: a session answers exactly what the version 2 object answers (the postings are its column inverted);
 * the property tests run every condition over both layouts.
 */
import { internal } from '../model/errors.js';
import { type PayloadFieldSchema, fieldIndexMemory } from '../model/payload-schema.js';
import type { GeoPoint } from '../model/filter.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { HEADER_BYTES, align8, aligned, checkCrc, crc32, readHeader, writeHeader } from './binary.js';
import {
  COUNTS_VERSION,
  type Dictionary,
  FieldIndex,
  PAGED_FORWARD_AT,
  PAGED_FORWARD_BYTES,
  PAGED_TABLE_BYTES,
  PAGED_VERSION,
  VALUE_BOUNDARY,
  decodeDictionary,
  dictionaryBytes,
  dictionarySize,
  idOfString,
  selectPoints,
  selectValues,
} from './field-index-format.js';
import { type PageSource, loadWhole } from './page-io.js';
import { getHead, getRange, getWhole } from './store-io.js';

const MAGIC = 'STRA_FLD';
/**
 * posting words per page: 4 KiB pages, smaller than the other tiers' 64 KiB because a selective value's list is
 * short (1% of 100k points is 4 KB) and adjacent pages are coalesced into one ranged GET anyway
 */
export const POSTING_PAGE_WORDS = 1024;
/**
 * bytes read first: the header, the table and, for a dictionary of up to a few thousand values (tenants,
 * categories), the whole directory; a larger directory costs a second ranged GET
 */
export const DIRECTORY_HEAD = 16 * 1024;
/** the page cache index of the embedded version 2 object (no posting page has it) */
const FORWARD_PAGE = Number.MAX_SAFE_INTEGER - 1;

const T_DIR_END = 0;
const T_PAGE_WORDS = 4;
const T_PAGES = 8;
const T_DICT_BYTES = 12;
const T_FORWARD_VERSION = 24;

/** The paged object of a key, from its version 2 object (the segment writer's output for a cold index). */
export function encodePagedFieldIndex(forward: Uint8Array, pageWords = POSTING_PAGE_WORDS): Uint8Array {
  const idx = FieldIndex.decode(forward, 'field index');
  const raw = aligned(forward);
  const n = idx.count;
  const d = idx.dictionarySize;
  const { starts, refs } = idx;
  // invert the column: count each (value, point) once, then fill in point order (so lists are ascending)
  const last = new Int32Array(d).fill(-1);
  const counts = new Uint32Array(d + 1);
  for (let o = 0; o < n; o++) {
    for (let r = starts[o]; r < starts[o + 1]; r++) {
      const id = refs[r];
      if (id === VALUE_BOUNDARY || last[id] === o) continue;
      last[id] = o;
      counts[id + 1]++;
    }
  }
  for (let i = 0; i < d; i++) counts[i + 1] += counts[i];
  const total = counts[d];
  const postings = new Uint32Array(total);
  const fill = counts.slice(0, d);
  last.fill(-1);
  for (let o = 0; o < n; o++) {
    for (let r = starts[o]; r < starts[o + 1]; r++) {
      const id = refs[r];
      if (id === VALUE_BOUNDARY || last[id] === o) continue;
      last[id] = o;
      postings[fill[id]++] = o;
    }
  }
  const pages = Math.ceil(total / pageWords);
  // the version 2 dictionary section, copied as is
  const v2DictAt = HEADER_BYTES + align8(4 * (n + 1)) + align8(4 * refs.length);
  const kind = new DataView(raw.buffer, raw.byteOffset).getUint32(20, true);
  const dictLen = dictionaryBytes(raw, v2DictAt, kind, d);
  const dictAt = HEADER_BYTES + PAGED_TABLE_BYTES;
  const startsAt = dictAt + align8(dictLen);
  const crcsAt = startsAt + align8(4 * (d + 1));
  const dirEnd = crcsAt + align8(4 * pages);
  const forwardAt = align8(dirEnd + 4 * total);
  const out = new Uint8Array(forwardAt + raw.byteLength);
  out.set(raw.subarray(v2DictAt, v2DictAt + dictLen), dictAt);
  new Uint32Array(out.buffer, startsAt, d + 1).set(counts);
  new Uint32Array(out.buffer, dirEnd, total).set(postings);
  const crcs = new Uint32Array(out.buffer, crcsAt, pages);
  for (let p = 0; p < pages; p++) {
    const from = dirEnd + 4 * p * pageWords;
    crcs[p] = crc32(out.subarray(from, Math.min(from + 4 * pageWords, dirEnd + 4 * total)), 0);
  }
  out.set(raw, forwardAt);
  const table = new DataView(out.buffer, HEADER_BYTES, PAGED_TABLE_BYTES);
  table.setUint32(T_DIR_END, dirEnd, true);
  table.setUint32(T_PAGE_WORDS, pageWords, true);
  table.setUint32(T_PAGES, pages, true);
  table.setUint32(T_DICT_BYTES, dictLen, true);
  table.setUint32(PAGED_FORWARD_AT, forwardAt, true);
  table.setUint32(PAGED_FORWARD_BYTES, raw.byteLength, true);
  table.setUint32(T_FORWARD_VERSION, new DataView(raw.buffer, raw.byteOffset).getUint32(8, true), true);
  writeHeader(out, {
    magic: MAGIC,
    version: PAGED_VERSION,
    count: n,
    crc: crc32(out.subarray(0, dirEnd), HEADER_BYTES),
    a: kind,
    b: d,
    c: total,
  });
  return out;
}

/**
 * A `memory: cached` index (`bytes` long, meta `fieldIndexBytes`) through the page cache, as the vector tiers' cached
 * objects: resident there after the segment's warm-up (open.ts) or a first read, evictable under pressure, and read
 * again (one whole GET) after an eviction. The caller must not keep it: the page cache holds it.
 */
export function loadCachedFieldIndex(
  pages: PageSource,
  key: string,
  bytes: number,
  io: IoScope | undefined,
  what: string,
): Promise<FieldIndex> {
  return loadWhole(pages, key, bytes, (b) => FieldIndex.decode(b, what), io);
}

/**
 * The index `key` as its built schema places it: a cold one's directory (openColdFieldIndex), any other read whole
 * and decoded (one GET; a cached one with a recorded length goes through loadCachedFieldIndex instead).
 */
export async function openFieldIndex(
  store: ObjectStore,
  key: string,
  built: PayloadFieldSchema,
  io: IoScope | undefined,
  what: string,
): Promise<PagedFieldIndex | FieldIndex> {
  if (fieldIndexMemory(built) === 'cold') return openColdFieldIndex(store, key, io, what);
  return FieldIndex.decode(await getWhole(store, key, io, what), key);
}

/** A filter's view of an opened index: the index itself, or a new session (and its load) over a paged one. */
export function viewOf(
  opened: PagedFieldIndex | FieldIndex,
  source: PageSource,
  io: IoScope | undefined,
): { view: FieldIndex | PagedSession; load: (() => Promise<void>) | null } {
  if (opened instanceof FieldIndex) return { view: opened, load: null };
  const session = opened.session();
  return { view: session, load: () => session.load(source, io) };
}

/**
 * A cold index as opened: its directory (kept with the segment), or, for an object written before version 3, the
 * whole decoded index.
 */
export async function openColdFieldIndex(
  store: ObjectStore,
  key: string,
  io: IoScope | undefined,
  what: string,
): Promise<PagedFieldIndex | FieldIndex> {
  let head = await getHead(store, key, DIRECTORY_HEAD, io, what);
  const version = head.byteLength >= 12 ? new DataView(head.buffer, head.byteOffset).getUint32(8, true) : 0;
  if (version !== PAGED_VERSION) {
    const whole = head.byteLength < DIRECTORY_HEAD ? head : await getWhole(store, key, io, what);
    return FieldIndex.decode(whole, what);
  }
  if (head.byteLength < HEADER_BYTES + PAGED_TABLE_BYTES) throw internal(`${what}: truncated directory`);
  const dirEnd = new DataView(head.buffer, head.byteOffset + HEADER_BYTES).getUint32(T_DIR_END, true);
  if (dirEnd > head.byteLength) {
    const rest = await getRange(store, key, head.byteLength, dirEnd, io, what);
    const all = new Uint8Array(dirEnd);
    all.set(head);
    all.set(rest, head.byteLength);
    head = all;
  }
  return new PagedFieldIndex(key, head.subarray(0, dirEnd), what);
}

/** The directory of a paged index: dictionary, posting starts and page checksums. */
export class PagedFieldIndex {
  readonly count: number;
  readonly dict: Dictionary;
  readonly postingStarts: Uint32Array;
  readonly pageCrcs: Uint32Array;
  readonly pageWords: number;
  readonly postingWords: number;
  readonly postingsAt: number;
  readonly forwardAt: number;
  readonly forwardBytes: number;
  /** the embedded object has per-value counts (version 4): values_count on a `[]` path is answered */
  readonly valueCounts: boolean;
  readonly byteLength: number;

  constructor(
    readonly key: string,
    directory: Uint8Array,
    readonly what: string,
  ) {
    const bytes = aligned(directory);
    const h = readHeader(bytes, MAGIC, PAGED_VERSION, what);
    checkCrc(bytes.subarray(HEADER_BYTES), h.crc, what);
    const t = new DataView(bytes.buffer, bytes.byteOffset + HEADER_BYTES, PAGED_TABLE_BYTES);
    const d = h.b;
    this.count = h.count;
    this.postingWords = h.c;
    this.pageWords = t.getUint32(T_PAGE_WORDS, true);
    const pages = t.getUint32(T_PAGES, true);
    const dictAt = HEADER_BYTES + PAGED_TABLE_BYTES;
    const startsAt = dictAt + align8(t.getUint32(T_DICT_BYTES, true));
    const crcsAt = startsAt + align8(4 * (d + 1));
    this.postingsAt = t.getUint32(T_DIR_END, true);
    if (crcsAt + 4 * pages > bytes.byteLength) throw internal(`${what}: truncated directory`);
    this.dict = decodeDictionary(bytes, dictAt, h.a, d, what);
    this.postingStarts = new Uint32Array(bytes.buffer, bytes.byteOffset + startsAt, d + 1);
    this.pageCrcs = new Uint32Array(bytes.buffer, bytes.byteOffset + crcsAt, pages);
    this.forwardAt = t.getUint32(PAGED_FORWARD_AT, true);
    this.forwardBytes = t.getUint32(PAGED_FORWARD_BYTES, true);
    this.valueCounts = t.getUint32(T_FORWARD_VERSION, true) === COUNTS_VERSION;
    this.byteLength = bytes.byteLength;
  }

  /** A per-query reader: conditions are evaluated twice, first to learn what to read, then to answer. */
  session(): PagedSession {
    return new PagedSession(this);
  }
}

/**
 * One query's view of a paged index, with FieldIndex's query methods. Before `load` it records what the
 * conditions need (posting pages of the values they select; the per-point object) and answers empty masks; after
 * `load` it answers from what was read.
 */
export class PagedSession {
  private readonly wantPages = new Set<number>();
  private wantForward = false;
  private pages: Map<number, Uint32Array> | null = null;
  private forward: FieldIndex | null = null;
  readonly flagless = false;

  constructor(private readonly dir: PagedFieldIndex) {}

  get count(): number {
    return this.dir.count;
  }

  get dictionarySize(): number {
    return dictionarySize(this.dir.dict);
  }

  get valueCounts(): boolean {
    return this.dir.valueCounts;
  }

  selectValues(test: (v: number | string) => boolean): Uint8Array {
    return selectValues(this.dir.dict, test);
  }

  selectPoints(inside: (p: GeoPoint) => boolean): Uint8Array {
    return selectPoints(this.dir.dict, inside);
  }

  idOfString(s: string): number {
    return idOfString(this.dir.dict, s);
  }

  /** Whether `load` has anything to read. */
  get needsLoad(): boolean {
    return this.pages === null && (this.wantPages.size > 0 || this.wantForward);
  }

  /** Reads the recorded posting pages and the per-point object, in one round (page cache: resident ones free). */
  async load(source: PageSource, io: IoScope | undefined): Promise<void> {
    const dir = this.dir;
    if (this.wantForward) {
      // the per-point object answers every condition on the key: its posting pages would be read for nothing
      const [forward] = await source.getPages<FieldIndex>(
        dir.key,
        [{ page: FORWARD_PAGE, start: dir.forwardAt, end: dir.forwardAt + dir.forwardBytes }],
        (_p, bytes) => FieldIndex.decode(bytes, dir.what),
        io,
      );
      this.forward = forward;
      this.pages = new Map();
      return;
    }
    const pageList = [...this.wantPages].sort((a, b) => a - b);
    const end = dir.postingsAt + 4 * dir.postingWords;
    const pages = await source.getPages<Uint32Array>(
      dir.key,
      pageList.map((p) => ({
        page: p,
        start: dir.postingsAt + 4 * p * dir.pageWords,
        end: Math.min(dir.postingsAt + 4 * (p + 1) * dir.pageWords, end),
      })),
      (p, bytes) => {
        checkCrc(bytes, dir.pageCrcs[p], `${dir.what} posting page ${p}`);
        const a = aligned(bytes);
        return new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4);
      },
      io,
    );
    this.pages = new Map(pageList.map((p, i) => [p, pages[i]]));
  }

  /** Points with at least one value among `selected` ids: the union of their posting lists. */
  maskAny(selected: Uint8Array): Uint8Array {
    if (this.forward !== null) return this.forward.maskAny(selected);
    const dir = this.dir;
    const mask = new Uint8Array(dir.count);
    const W = dir.pageWords;
    for (let id = 0; id < selected.length; id++) {
      if (selected[id] !== 1) continue;
      const from = dir.postingStarts[id];
      const to = dir.postingStarts[id + 1];
      if (from === to) continue;
      if (this.pages === null) {
        for (let p = Math.floor(from / W); p <= Math.floor((to - 1) / W); p++) this.wantPages.add(p);
        continue;
      }
      for (let w = from; w < to; w++) {
        const page = this.pages.get(Math.floor(w / W));
        if (page === undefined) throw internal(`${dir.what}: posting page ${Math.floor(w / W)} was not loaded`);
        mask[page[w % W]] = 1;
      }
    }
    return mask;
  }

  maskWhere(test: (refs: Uint32Array, from: number, to: number) => boolean): Uint8Array {
    return this.perPoint()?.maskWhere(test) ?? new Uint8Array(this.dir.count);
  }

  maskOfEmptiness(kind: 'is_empty' | 'is_null'): Uint8Array {
    return this.perPoint()?.maskOfEmptiness(kind) ?? new Uint8Array(this.dir.count);
  }

  maskOfForeign(): Uint8Array {
    return this.perPoint()?.maskOfForeign() ?? new Uint8Array(this.dir.count);
  }

  maskOfCount(test: (count: number) => boolean, perValue = false): Uint8Array {
    return this.perPoint()?.maskOfCount(test, perValue) ?? new Uint8Array(this.dir.count);
  }

  /** The per-point object once loaded; before, records that it is needed (null). */
  private perPoint(): FieldIndex | null {
    if (this.pages === null) {
      this.wantForward = true;
      return null;
    }
    if (this.forward === null) throw internal(`${this.dir.what}: per-point data was not loaded`);
    return this.forward;
  }
}
