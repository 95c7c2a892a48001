/**
 * One vector space of an opened segment (one vector name; '' is the unnamed vector): its quantized codes, graph and
 * originals in whichever tier its meta says, and the per-query accessors over what it does not keep.
 *
 * Rows: a space holds one row per point that has its vector. When every point has it, row = point offset; else
 * `rowOffsets`/`offsetRows` (space-offsets.ts) map between them. Searches run over rows; the segment maps results
 * back to point offsets (`offsetOf`), and filters, tombstones and exclusions (per point offset) to rows.
 *
 * Invariant: the same space answers identically whichever tier holds its data.
 */
import { internal } from '../model/errors.js';
import type { InMemoryGraph, GraphAccessor, UpperLevels } from '../index/graph.js';
import { type GraphFileMeta, PagedGraph, decodeGraphPage, graphPageRange } from '../index/graph-format.js';
import { PagedFloatScorer, type QueryScorer, floatScorer } from '../index/scorer.js';
import type { PagedRows, VectorsFileMeta } from '../index/vectors-format.js';
import { type CodeSet, codeMemoryBytes, codeScorer } from '../quantization/index.js';
import { GRAPH, VECTORS, spaceObjectKey } from './keys.js';
import type { SpaceMeta } from './meta.js';
import { type PageSource, pageReader } from './page-io.js';
import { pagedRows } from './paged-rows.js';
import type { QueryIo } from './segment.js';
import type { SpaceOffsets } from './space-offsets.js';
import { WholeGraphOnFirstTouch, layer0Bytes } from './whole-graph.js';
import { WholeRowsOnFirstTouch, vectorPagesBytes } from './whole-rows.js';

export interface SpaceParts {
  name: string;
  pages: PageSource;
  prefix: string;
  meta: SpaceMeta;
  quantized: CodeSet | null;
  graph: InMemoryGraph | null;
  graphHeader: { meta: GraphFileMeta; upper: UpperLevels } | null;
  vectors: Float32Array | null;
  vectorsHeader: VectorsFileMeta;
  /** null: every point has this vector (row = offset) */
  offsets: SpaceOffsets | null;
}

export class SegmentSpace {
  readonly name: string;
  readonly meta: SpaceMeta;
  /** the space's codes of whichever kind its config chose (quantization/codes.ts), or null */
  readonly quantized: CodeSet | null;
  readonly offsets: SpaceOffsets | null;
  private readonly pages: PageSource;
  private readonly prefix: string;
  private readonly graph: InMemoryGraph | null;
  private readonly graphHeader: { meta: GraphFileMeta; upper: UpperLevels } | null;
  private readonly vectors: Float32Array | null;
  private readonly vectorsHeader: VectorsFileMeta;

  constructor(p: SpaceParts) {
    this.name = p.name;
    this.meta = p.meta;
    this.quantized = p.quantized;
    this.offsets = p.offsets;
    this.pages = p.pages;
    this.prefix = p.prefix;
    this.graph = p.graph;
    this.graphHeader = p.graphHeader;
    this.vectors = p.vectors;
    this.vectorsHeader = p.vectorsHeader;
  }

  key(object: string): string {
    return spaceObjectKey(this.prefix, this.name, object);
  }

  /** The point offset of a row. */
  offsetOf(row: number): number {
    return this.offsets === null ? row : this.offsets.rowOffsets[row];
  }

  /** The row of a point offset, -1 when the point lacks this vector. */
  rowOf(offset: number): number {
    return this.offsets === null ? offset : this.offsets.offsetRows[offset];
  }

  /** The scorer on the space's codes (int8, binary, ...): the codec seam picks it. */
  codeScorer(vector: Float32Array): QueryScorer {
    if (this.quantized === null) throw internal(`segment ${this.prefix} vector "${this.name}" is not quantized`);
    return codeScorer(this.quantized, vector);
  }

  /**
   * Originals: in memory, or a paged row source charged to this query (`maxGets` per load, see rowSource). The size
   * rule of a walk over paged originals: pages of at most `wholeBytes` are read whole on the first miss
   * (whole-rows.ts).
   */
  floatScorer(vector: Float32Array, q: QueryIo, maxGets?: number, wholeBytes = 0): QueryScorer {
    if (this.vectors !== null) return floatScorer(this.vectors, this.meta.dim, this.meta.distance, vector);
    const rows = this.rowSource(q, maxGets);
    const source = vectorPagesBytes(rows) <= wholeBytes ? new WholeRowsOnFirstTouch(rows) : rows;
    return new PagedFloatScorer(source, this.meta.distance, vector);
  }

  /** Whether the originals are read from the store (`vectors.on_disk`). */
  get vectorsPaged(): boolean {
    return this.vectors === null;
  }

  /** The originals when `vectors.on_disk` is false, else null. */
  inMemoryVectors(): Float32Array | null {
    return this.vectors;
  }

  /**
   * A per-query paged view of the originals (rescoring and float search when `vectors.on_disk`); one load costs at
   * most `maxGets` ranged GETs when given.
   */
  rowSource(q: QueryIo, maxGets?: number): PagedRows {
    return pagedRows(this.pages, this.key(VECTORS), this.vectorsHeader, q, maxGets);
  }

  /**
   * The in-memory graph, or a per-query paged accessor whose pages come through the PageCache. The size rule: a
   * layer 0 of at most `wholeBytes` is read whole on the first load that misses (whole-graph.ts), in one round.
   */
  graphAccessor(q: QueryIo, wholeBytes = 0): GraphAccessor {
    if (this.graph !== null) return this.graph;
    const header = this.graphHeader;
    if (header === null) throw internal(`segment ${this.prefix} vector "${this.name}" has no graph`);
    const meta = header.meta;
    const paged = new PagedGraph(
      header,
      pageReader(
        this.pages,
        this.key(GRAPH),
        (p) => graphPageRange(meta, p),
        (p, bytes) => decodeGraphPage(meta, p, bytes),
        q,
      ),
    );
    return layer0Bytes(meta) <= wholeBytes ? new WholeGraphOnFirstTouch(paged) : paged;
  }

  memoryBytes(): number {
    let b = 256;
    if (this.quantized !== null) b += codeMemoryBytes(this.quantized);
    if (this.graph !== null) b += graphBytes(this.graph);
    if (this.graphHeader !== null)
      b += 4 * (this.graphHeader.upper.links.length + 2 * this.graphHeader.upper.ids.length);
    if (this.vectors !== null) b += this.vectors.byteLength;
    if (this.offsets !== null) b += this.offsets.rowOffsets.byteLength + this.offsets.offsetRows.byteLength;
    return b;
  }
}

function graphBytes(g: InMemoryGraph): number {
  const rec = 1 + g.meta.m0;
  return 4 * (g.meta.n * rec + g.upper.links.length + 2 * g.upper.ids.length);
}
