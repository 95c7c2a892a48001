/**
 * HNSW layer-0 search built for object storage: a BEAM walk (DiskANN's beam search) that expands up to W candidates
 * per round. Each round pops the W best candidates still worth expanding, makes their layer-0 records resident in ONE
 * load (their pages fetched in parallel), then the rows of all their unvisited neighbours in ONE scorer prefetch
 * (paged float originals), then expands them one after another with the in-memory walk's step (`expand`).
 * A sequential walk over a paged graph pays one dependent store round per hop (≈ 100–200 per query); the beam pays
 * about hops / W, for some extra expansions (a later node of a round may no longer qualify once the earlier ones
 * have raised the result bar; it is expanded anyway, which only adds candidates).
 *
 * One round per step when both are paged: the layer-0 records of the rows a step scores are fetched WITH those rows
 * (`graph.load` beside `scorer.prefetch`), since every node a later step expands is one a step scored before. Without
 * it a step costs two dependent rounds (its beam's records, then their neighbours' rows); with it, more graph pages
 * (the records of every scored row, not only of the ~10% expanded) for half the rounds.
 *
 * The upper levels are descended as in the async walk (they are in memory: the graph header). While they are, the
 * layer-0 records of the entry point are already being fetched (`graph.load`, which the segment may turn into a
 * whole-graph read for a small graph), so that first load costs no round of its own. The ENTRY REGION: when the seal
 * numbered the upper-level nodes first (rows 0..U-1, lib/segment/entry-order.ts), their rows and layer-0 records
 * are fetched in that same first round, as one contiguous range each: the descent then scores resident rows only
 * (instead of one round per greedy hop, ~10 at 25k points) and the layer-0 entry's record is resident too.
 *
 * Invariants: the same termination rule and result heap as the sequential walk (searchHnsw), so with W = 1 the walk
 * IS the sequential walk, decision for decision; results are the best k found, best first; `accept` filters during
 * the walk; `checkpoint` runs between rounds only (a deadline: cancelling there loses no fetched page).
 */
import { internal } from '../model/errors.js';
import { type GraphAccessor, NO_NODE } from './graph.js';
import type { SearchResult } from './heap.js';
import type { QueryScorer } from './scorer.js';
import { type SearchOptions, SearchContext, checkOptions, descendAsync, expand, finish, seedLayer0 } from './search.js';

export interface BeamOptions extends SearchOptions {
  /** W: candidates expanded per round (≥ 1) */
  beamWidth: number;
}

export async function searchHnswBeam(
  graph: GraphAccessor,
  scorer: QueryScorer,
  options: BeamOptions,
  ctx: SearchContext = new SearchContext(graph.meta.n),
): Promise<SearchResult> {
  checkOptions(options);
  const width = Math.max(1, Math.floor(options.beamWidth));
  const { meta } = graph;
  ctx.prepare(meta.n);
  const given = options.entry ?? null;
  if (meta.entryPoint === NO_NODE && given === null) return { ids: new Uint32Array(0), scores: new Float64Array(0) };
  const ef = Math.max(options.ef, options.k);
  const accept = options.accept ?? null;
  const checkpoint = options.checkpoint ?? null;

  // the entry region's layer-0 pages travel with the descent's first rows (one round for both); a given entry
  // (a block graph's, found by the caller) has no descent left, and its block's walk needs no other block's region
  const region = given === null ? entryRegion(graph) : null;
  const start = given?.id ?? meta.entryPoint;
  const warming = Promise.all([
    // with a region, asked even when resident (read at open): a whole-graph read then starts in this round too
    graph.load && (region !== null || graph.layer0(start) === null) ? graph.load(region ?? [start]) : undefined,
    region !== null && scorer.prefetch ? scorer.prefetch(region, 0, region.length) : undefined,
  ]);
  // a rejected warm-up must not surface as unhandled while the descent is awaited; it is awaited below
  warming?.catch(() => undefined);
  const [entry, entryScore] =
    given !== null ? [given.id, given.score] : await descendAsync(graph, scorer, ctx, checkpoint);
  await warming;
  seedLayer0(ctx, entry, entryScore, accept);

  const { candidates, results } = ctx;
  const beam = new Uint32Array(width);
  let wanted = new Uint32Array(64);
  for (;;) {
    let size = 0;
    while (size < width && candidates.size > 0) {
      if (results.size >= ef && candidates.topScore() < results.topScore()) break;
      beam[size++] = candidates.topId();
      candidates.pop();
    }
    if (size === 0) break;

    if (graph.load) {
      let missing = 0;
      for (let i = 0; i < size; i++) if (graph.layer0(beam[i]) === null) missing++;
      if (missing > 0) {
        await graph.load(beam.subarray(0, size));
        checkpoint?.();
      }
    }
    if (scorer.prefetch) {
      // the unvisited neighbours of the whole beam: their rows in one prefetch
      let n = 0;
      for (let i = 0; i < size; i++) {
        const records = layer0Of(graph, beam[i]);
        const off = graph.layer0Offset(beam[i]);
        const count = records[off];
        if (wanted.length < n + count) {
          const grown = new Uint32Array(Math.max(2 * wanted.length, n + count));
          grown.set(wanted.subarray(0, n));
          wanted = grown;
        }
        for (let j = off + 1; j <= off + count; j++) {
          if (ctx.visited[records[j]] !== ctx.tag) wanted[n++] = records[j];
        }
      }
      // their layer-0 records in the same round: the later beams are drawn from these rows
      const p = n > 0 ? scorer.prefetch(wanted, 0, n) : undefined;
      const records = n > 0 && graph.load ? graph.load(wanted.subarray(0, n)) : undefined;
      if (p || records) {
        await Promise.all([p, records]);
        checkpoint?.();
      }
    }
    for (let i = 0; i < size; i++) {
      const c = beam[i];
      ctx.hops++;
      expand(ctx, layer0Of(graph, c), graph.layer0Offset(c), scorer, ef, accept);
    }
  }
  return finish(ctx, options.k);
}

/**
 * The upper-level nodes as one contiguous id range 0..U-1 (the seal's entry order), or null when they are not (an
 * older segment, or a graph without upper levels): prefetching scattered rows would read most of a paged object.
 */
export function entryRegion(graph: GraphAccessor): Uint32Array | null {
  const ids = graph.upper.ids;
  const u = ids.length;
  if (u === 0 || ids[u - 1] !== u - 1) return null;
  return ids;
}

function layer0Of(graph: GraphAccessor, id: number): Uint32Array {
  const records = graph.layer0(id);
  if (records === null) throw internal(`layer-0 record of node ${id} still missing after load`);
  return records;
}
