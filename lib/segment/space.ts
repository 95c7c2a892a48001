/**
 * One vector space of an opened segment (one vector name; '' is the unnamed vector): its quantized codes, graph and
 * originals in whichever tier its meta says, and the per-query accessors over what it does not keep.
 *
 * Placements (lib/model/memory.ts, meta.ts placementOf): a `pinned` component is held here; a `cached` one was put
 * whole into the page cache at open and is looked up per query (when evicted: the graph and originals are read as
 * pages, the codes whole, on demand); a `cold` one is read by the queries that need it (pages, or the codes
 * whole), then stays in the page cache while it fits.
 *
 * Rows: a space holds one row per point that has its vector. When every point has it, row = point offset; else
 * `rowOffsets`/`offsetRows` (space-offsets.ts) map between them. Searches run over rows; the segment maps results
 * back to point offsets (`offsetOf`), and filters, tombstones and exclusions (per point offset) to rows.
 *
 * Multivectors: a multivector space's `quantized` and `vectors` hold inner rows (every vector of every row) and
 * `starts` (multi-rows.ts) maps rows to them; its scorers are MaxSim scorers (lib/index/max-sim-scorer.ts) over one
 * inner scorer per query row, so searches over it run the same pipeline on rows.
 *
 * Datatypes: originals are held in their stored type (meta `datatype`: float32 rows, float16 bit patterns or bytes,
 * vectors-format.ts), in memory and in pages alike; a float16 or uint8 space scores them with the stored-type
 * scorers (lib/index/stored-scorer.ts), bit-identical to float32 kernels over the decoded rows.
 *
 * Invariant: the same space answers identically whichever tier holds its data.
 */
import type { RowArray } from '../distance/index.js';
import { internal } from '../model/errors.js';
import type { SpacePlacement } from '../model/memory.js';
import type { InMemoryGraph, GraphAccessor } from '../index/graph.js';
import { PagedGraph, decodeGraphPage, graphPageRange } from '../index/graph-format.js';
import { PagedFloatScorer, type QueryScorer, floatScorer } from '../index/scorer.js';
import { ResidentRows, storedScorer } from '../index/stored-scorer.js';
import type { PagedRows, VectorsFileMeta } from '../index/vectors-format.js';
import { MaxSimScorer, queryRows } from '../index/max-sim-scorer.js';
import { type CodeSet, codeMemoryBytes, codeScorer } from '../quantization/index.js';
import { GRAPH, QUANTIZED, VECTORS, spaceObjectKey } from './keys.js';
import type { SpaceMeta } from './meta.js';
import { RecordGraph, RecordRows } from './cold-records.js';
import { type PageSource, loadWhole, pageReader, peekWhole } from './page-io.js';
import { pagedRows } from './paged-rows.js';
import type { QueryIo } from './segment.js';
import type { SpaceOffsets } from './space-offsets.js';
import { WholeGraphOnFirstTouch, layer0Bytes } from './whole-graph.js';
import {
  type GraphHeader,
  type WholeGraph,
  type WholeQuantized,
  checker,
  decodeWholeQuantized,
  inMemoryGraphBytes,
} from './whole-objects.js';
import { WholeRowsOnFirstTouch, vectorPagesBytes } from './whole-rows.js';

export interface SpaceParts {
  name: string;
  pages: PageSource;
  prefix: string;
  meta: SpaceMeta;
  placement: SpacePlacement;
  /** the codes (of whichever kind the config chose, quantization/codes.ts) when pinned */
  quantized: CodeSet | null;
  /** the graph when pinned */
  graph: InMemoryGraph | null;
  /** the graph's header when the graph is cached or cold (its pages come through `pages`) */
  graphHeader: GraphHeader | null;
  /** the originals when pinned, in their stored type */
  vectors: RowArray | null;
  vectorsHeader: VectorsFileMeta;
  /** null: every point has this vector (row = offset) */
  offsets: SpaceOffsets | null;
  /** a multivector space's row -> inner rows starts (multi-rows.ts); null for a dense space */
  starts: Uint32Array | null;
}

export class SegmentSpace {
  readonly name: string;
  readonly meta: SpaceMeta;
  readonly placement: SpacePlacement;
  readonly offsets: SpaceOffsets | null;
  readonly starts: Uint32Array | null;
  private readonly pages: PageSource;
  private readonly prefix: string;
  private readonly quantized: CodeSet | null;
  private readonly graph: InMemoryGraph | null;
  private readonly graphHeader: GraphHeader | null;
  private readonly vectors: RowArray | null;
  private readonly vectorsHeader: VectorsFileMeta;
  /**
   * walks this worker has finished over this space: its first walk reads only what it needs (cold-records.ts), the
   * later ones take the warm size rule (SearchTuning.warmWhole*), since the worker keeps serving this segment
   */
  walksDone = 0;

  constructor(p: SpaceParts) {
    this.name = p.name;
    this.meta = p.meta;
    this.placement = p.placement;
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
    return spaceObjectKey(this.prefix, this.name, object, this.meta.nested);
  }

  /** The point offset of a row. */
  offsetOf(row: number): number {
    return this.offsets === null ? row : this.offsets.rowOffsets[row];
  }

  /** The row of a point offset, -1 when the point lacks this vector. */
  rowOf(offset: number): number {
    return this.offsets === null ? offset : this.offsets.offsetRows[offset];
  }

  /** Whether the space has quantized codes (wherever they live). */
  get isQuantized(): boolean {
    return this.meta.quantization !== null;
  }

  /**
   * The codes: held (pinned), resident in the page cache (cached, or cold and read before), or read whole now,
   * in one GET charged to `io` (cold, or cached and evicted).
   */
  async quantizedSet(io: QueryIo): Promise<CodeSet> {
    if (this.quantized !== null) return this.quantized;
    const q = this.meta.quantization;
    if (q === null) throw internal(`segment ${this.prefix} vector "${this.name}" is not quantized`);
    const decode = decodeWholeQuantized(this.meta, checker(this.prefix, this.name));
    return (await loadWhole<WholeQuantized>(this.pages, this.key(QUANTIZED), q.bytes, decode, io)).set;
  }

  /** The scorer on the space's codes (int8, binary, ...): the codec seam picks it. */
  codeScorer(set: CodeSet, vector: Float32Array): QueryScorer {
    return this.multi(vector, (row) => codeScorer(set, row));
  }

  /** A MaxSim scorer of a multivector space over one inner scorer per query row; the plain scorer otherwise. */
  private multi(vector: Float32Array, inner: (row: Float32Array) => QueryScorer): QueryScorer {
    if (this.starts === null) return inner(vector);
    return new MaxSimScorer(queryRows(vector, this.meta.dim).map(inner), this.starts);
  }

  /**
   * Originals: in memory, or a paged row source charged to this query (`maxGets` per load, see rowSource). The size
   * rule of a walk over paged originals: pages of at most `wholeBytes` are read whole on the first miss
   * (whole-rows.ts); larger ones row by row when `recordGap` is given (cold-records.ts, rows at most that many bytes
   * apart sharing a GET), else page by page.
   */
  floatScorer(
    vector: Float32Array,
    q: QueryIo,
    maxGets?: number,
    wholeBytes = 0,
    recordGap: number | null = null,
  ): QueryScorer {
    const { dim, distance, datatype } = this.meta;
    const resident = this.inMemoryVectors();
    if (resident !== null) {
      if (resident instanceof Float32Array)
        return this.multi(vector, (row) => floatScorer(resident, dim, distance, row));
      const rows = new ResidentRows(resident, dim);
      // rows not in float32 are the meta's datatype (decodeWholeVectors checked it)
      const type = resident instanceof Uint16Array ? 'float16' : 'uint8';
      return this.multi(vector, (row) => storedScorer(rows, type, distance, row));
    }
    const paged = this.rowSource(q, maxGets);
    // one source for every query row of a multivector, so one prefetch makes the rows resident for all
    let source: PagedRows<RowArray> | WholeRowsOnFirstTouch<RowArray> | RecordRows<RowArray> = paged;
    if (vectorPagesBytes(paged) <= wholeBytes) {
      // the whole read starts with the walk, so it shares the whole graph read's round (whole-rows.ts)
      const whole = new WholeRowsOnFirstTouch(paged);
      whole.start();
      source = whole;
    } else if (recordGap !== null) {
      source = new RecordRows(paged, this.pages, this.key(VECTORS), q, recordGap);
    }
    if (datatype !== undefined) return this.multi(vector, (row) => storedScorer(source, datatype, distance, row));
    // a space without `datatype` stores float32 rows: its pages are Float32Arrays
    const floats = source as PagedRows | WholeRowsOnFirstTouch | RecordRows;
    return this.multi(vector, (row) => new PagedFloatScorer(floats, distance, row));
  }

  /**
   * The originals when they are in memory (pinned, or cached and not evicted), in their stored type; else null
   * (read them as pages).
   */
  inMemoryVectors(): RowArray | null {
    if (this.vectors !== null) return this.vectors;
    if (this.placement.vectors === 'cold') return null;
    return peekWhole<RowArray>(this.pages, this.key(VECTORS)) ?? null;
  }

  /**
   * A per-query paged view of the originals in their stored type (rescoring and float search when `vectors.on_disk`);
   * one load costs at most `maxGets` ranged GETs when given.
   */
  rowSource(q: QueryIo, maxGets?: number): PagedRows<RowArray> {
    return pagedRows(this.pages, this.key(VECTORS), this.vectorsHeader, q, maxGets);
  }

  /**
   * The in-memory graph, or a per-query paged accessor whose pages come through the PageCache. The size rule: a
   * layer 0 of at most `wholeBytes` is read whole on the first load that misses (whole-graph.ts), in one round; a
   * larger one record by record when `recordGap` is given (cold-records.ts), else page by page.
   */
  graphAccessor(q: QueryIo, wholeBytes = 0, recordGap: number | null = null): GraphAccessor {
    if (this.graph !== null) return this.graph;
    if (this.placement.graph !== 'cold') {
      const whole = peekWhole<WholeGraph>(this.pages, this.key(GRAPH));
      if (whole !== undefined) return whole.graph;
    }
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
    if (layer0Bytes(meta) <= wholeBytes) return new WholeGraphOnFirstTouch(paged);
    return recordGap === null ? paged : new RecordGraph(paged, this.pages, this.key(GRAPH), q, recordGap);
  }

  /** What the space holds itself (pinned components, headers); cached components are charged to the page cache. */
  memoryBytes(): number {
    let b = 256;
    if (this.quantized !== null) b += codeMemoryBytes(this.quantized);
    if (this.graph !== null) b += inMemoryGraphBytes(this.graph);
    if (this.graphHeader !== null)
      b += 4 * (this.graphHeader.upper.links.length + 2 * this.graphHeader.upper.ids.length);
    if (this.vectors !== null) b += this.vectors.byteLength;
    if (this.offsets !== null) b += this.offsets.rowOffsets.byteLength + this.offsets.offsetRows.byteLength;
    if (this.starts !== null) b += this.starts.byteLength;
    return b;
  }
}
