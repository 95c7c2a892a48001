/**
 * One vector space of an opened segment (one vector name; '' is the unnamed vector): its int8 set, graph and
 * originals in whichever tier its meta says, and the per-query accessors over what it does not keep.
 *
 * Rows: a space holds one row per point that has its vector. When every point has it, row = point offset; else
 * `rowOffsets`/`offsetRows` (space-offsets.ts) map between them. Searches run over rows; the segment maps results
 * back to point offsets (`offsetOf`), and filters, tombstones and exclusions (per point offset) to rows.
 *
 * Multivectors: a multivector space's `quantized` and `vectors` hold inner rows (every vector of every row) and
 * `starts` (multi-rows.ts) maps rows to them; its scorers are MaxSim scorers (lib/index/max-sim-scorer.ts) over one
 * inner scorer per query row, so searches over it run the same pipeline on rows.
 *
 * Invariant: the same space answers identically whichever tier holds its data.
 */
import { internal } from '../model/errors.js';
import type { InMemoryGraph, GraphAccessor, UpperLevels } from '../index/graph.js';
import { type GraphFileMeta, PagedGraph, decodeGraphPage, graphPageRange } from '../index/graph-format.js';
import { PagedFloatScorer, type QueryScorer, floatScorer } from '../index/scorer.js';
import type { PagedRows, VectorsFileMeta } from '../index/vectors-format.js';
import { MaxSimScorer, queryRows } from '../index/max-sim-scorer.js';
import { Int8Scorer, type QuantizedSet } from '../quantization/index.js';
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
  quantized: QuantizedSet | null;
  graph: InMemoryGraph | null;
  graphHeader: { meta: GraphFileMeta; upper: UpperLevels } | null;
  vectors: Float32Array | null;
  vectorsHeader: VectorsFileMeta;
  /** null: every point has this vector (row = offset) */
  offsets: SpaceOffsets | null;
  /** a multivector space's row -> inner rows starts (multi-rows.ts); null for a dense space */
  starts: Uint32Array | null;
}

export class SegmentSpace {
  readonly name: string;
  readonly meta: SpaceMeta;
  readonly quantized: QuantizedSet | null;
  readonly offsets: SpaceOffsets | null;
  readonly starts: Uint32Array | null;
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
    this.starts = p.starts;
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

  int8Scorer(vector: Float32Array): QueryScorer {
    const quantized = this.quantized;
    if (quantized === null) throw internal(`segment ${this.prefix} vector "${this.name}" is not quantized`);
    return this.multi(vector, (row) => new Int8Scorer(quantized, row));
  }

  /** A MaxSim scorer of a multivector space over one inner scorer per query row; the plain scorer otherwise. */
  private multi(vector: Float32Array, inner: (row: Float32Array) => QueryScorer): QueryScorer {
    if (this.starts === null) return inner(vector);
    return new MaxSimScorer(queryRows(vector, this.meta.dim).map(inner), this.starts);
  }

  /**
   * Originals: in memory, or a paged row source charged to this query (`maxGets` per load, see rowSource). The size
   * rule of a walk over paged originals: pages of at most `wholeBytes` are read whole on the first miss
   * (whole-rows.ts).
   */
  floatScorer(vector: Float32Array, q: QueryIo, maxGets?: number, wholeBytes = 0): QueryScorer {
    const vectors = this.vectors;
    if (vectors !== null)
      return this.multi(vector, (row) => floatScorer(vectors, this.meta.dim, this.meta.distance, row));
    const rows = this.rowSource(q, maxGets);
    // one source for every query row of a multivector, so one prefetch makes the rows resident for all
    const source = vectorPagesBytes(rows) <= wholeBytes ? new WholeRowsOnFirstTouch(rows) : rows;
    return this.multi(vector, (row) => new PagedFloatScorer(source, this.meta.distance, row));
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
    if (this.quantized !== null) b += this.quantized.codes.byteLength + this.quantized.corrections.byteLength;
    if (this.graph !== null) b += graphBytes(this.graph);
    if (this.graphHeader !== null)
      b += 4 * (this.graphHeader.upper.links.length + 2 * this.graphHeader.upper.ids.length);
    if (this.vectors !== null) b += this.vectors.byteLength;
    if (this.offsets !== null) b += this.offsets.rowOffsets.byteLength + this.offsets.offsetRows.byteLength;
    if (this.starts !== null) b += this.starts.byteLength;
    return b;
  }
}

function graphBytes(g: InMemoryGraph): number {
  const rec = 1 + g.meta.m0;
  return 4 * (g.meta.n * rec + g.upper.links.length + 2 * g.upper.ids.length);
}
