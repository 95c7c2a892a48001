/**
 * A vector space's objects read WHOLE and decoded: the quantized codes, the graph and the originals. A `pinned` component
 * is held by the opened segment; a `cached` one (and `cold` codes once a query needed it) is held by the
 * worker's page cache as ONE evictable entry under page-io.ts's WHOLE_OBJECT (lib/model/memory.ts).
 *
 * Invariant: every decoder checks the object (magic, version, checksums inside the format's deserializer) and its
 * sizes against meta.json before the value exists, so a page cache never holds an object that disagrees with the
 * meta; a mismatch is StrataError 'internal' naming the object.
 */
import { internal } from '../model/errors.js';
import { InMemoryGraph, type UpperLevels } from '../index/graph.js';
import { type GraphFileMeta, deserializeGraph, parseGraphHeader } from '../index/graph-format.js';
import type { RowArray } from '../distance/index.js';
import { deserializeStoredVectors } from '../index/vectors-format.js';
import { type CodeSet, codeCount, codeDim, codeMemoryBytes, deserializeCodes } from '../quantization/index.js';
import type { SpaceMeta } from './meta.js';

export interface GraphHeader {
  meta: GraphFileMeta;
  upper: UpperLevels;
}

/** The codes (of any kind, quantization/codes.ts) as a cache entry. */
export interface WholeQuantized {
  set: CodeSet;
  byteLength: number;
}

/** The graph as a cache entry, with its header (a paged accessor needs it once the entry is evicted). */
export interface WholeGraph {
  graph: InMemoryGraph;
  header: GraphHeader;
  byteLength: number;
}

type Check = (ok: boolean, what: string) => void;

export function checker(prefix: string, name: string): Check {
  return (ok, what) => {
    if (!ok) throw internal(`segment ${prefix}: ${what} of vector "${name}" does not match meta.json`);
  };
}

export function decodeWholeQuantized(m: SpaceMeta, check: Check): (bytes: Uint8Array) => WholeQuantized {
  return (bytes) => {
    const set = deserializeCodes(bytes);
    check(codeCount(set) === (m.multivector?.vectors ?? m.count) && codeDim(set) === m.dim, 'quantized');
    return { set, byteLength: codeMemoryBytes(set) };
  };
}

export function decodeWholeGraph(m: SpaceMeta, check: Check): (bytes: Uint8Array) => WholeGraph {
  return (bytes) => {
    const g = deserializeGraph(bytes);
    check(g.n === m.count && g.entryPoint === m.hnsw?.entryPoint, 'graph');
    const graph = new InMemoryGraph(g);
    return { graph, header: parseGraphHeader(bytes), byteLength: inMemoryGraphBytes(graph) };
  };
}

export function decodeGraphHeader(m: SpaceMeta, check: Check): (bytes: Uint8Array) => GraphHeader {
  return (bytes) => {
    const header = parseGraphHeader(bytes);
    check(header.meta.n === m.count && header.meta.entryPoint === m.hnsw?.entryPoint, 'graph header');
    return header;
  };
}

/** The originals in their stored type (meta `datatype`; float32 when absent). */
export function decodeWholeVectors(m: SpaceMeta, check: Check): (bytes: Uint8Array) => RowArray {
  return (bytes) => {
    const v = deserializeStoredVectors(bytes);
    check(
      v.meta.n === (m.multivector?.vectors ?? m.count) &&
        v.meta.dim === m.dim &&
        v.meta.pageSize === m.vectors.pageSize &&
        v.meta.datatype === (m.datatype ?? 'float32'),
      'vectors',
    );
    return v.data;
  };
}

export function inMemoryGraphBytes(g: InMemoryGraph): number {
  const rec = 1 + g.meta.m0;
  return 4 * (g.meta.n * rec + g.upper.links.length + 2 * g.upper.ids.length);
}
