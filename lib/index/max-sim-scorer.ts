/**
 * A QueryScorer over multivector rows (lib/distance/max-sim.ts): row r owns the inner rows [starts[r], starts[r+1])
 * of some inner storage (int8 codes, in-memory or paged float32 originals), and its score is the sum over the
 * query's rows of the best inner score. One inner scorer per query row does the per-vector work, so the walk, the
 * exact scan and rescoring run on multivectors unchanged, on whichever tier holds the inner rows, with that tier's
 * kernels (SIMD where the inner scorer has them).
 *
 * Invariants: score(r) equals MaxSim over exactly the inner scores of r's vectors (same kernels, same float64 sums,
 * whatever the batch shape); `prefetch` makes every inner row of the given rows resident through the FIRST inner
 * scorer, so the inner scorers must share one row source (the segment builds them so).
 */
import type { QueryScorer } from './scorer.js';

export class MaxSimScorer implements QueryScorer {
  readonly prefetch?: QueryScorer['prefetch'];
  /** inner ids of a scoreMany batch and their scores, grown on demand and reused */
  private innerIds = new Uint32Array(256);
  private innerScores = new Float64Array(256);

  constructor(
    private readonly inner: readonly QueryScorer[],
    private readonly starts: Uint32Array,
  ) {
    const first = inner[0];
    if (first?.prefetch) {
      this.prefetch = (ids, start, count) => {
        const n = this.gather(ids, start, count);
        return first.prefetch!(this.innerIds, 0, n);
      };
    }
  }

  /** Copies the inner ids of rows ids[start, start+count) into innerIds; returns how many. */
  private gather(ids: Uint32Array, start: number, count: number): number {
    const starts = this.starts;
    let n = 0;
    for (let j = 0; j < count; j++) n += starts[ids[start + j] + 1] - starts[ids[start + j]];
    if (n > this.innerIds.length) {
      this.innerIds = new Uint32Array(n * 2);
      this.innerScores = new Float64Array(n * 2);
    }
    const out = this.innerIds;
    let at = 0;
    for (let j = 0; j < count; j++) {
      const r = ids[start + j];
      for (let i = starts[r]; i < starts[r + 1]; i++) out[at++] = i;
    }
    return n;
  }

  score(id: number): number {
    const from = this.starts[id];
    const to = this.starts[id + 1];
    let sum = 0;
    for (const s of this.inner) {
      let best = Number.NEGATIVE_INFINITY;
      for (let i = from; i < to; i++) {
        const v = s.score(i);
        if (v > best) best = v;
      }
      sum += best;
    }
    return sum;
  }

  scoreMany(ids: Uint32Array, start: number, count: number, out: Float64Array): void {
    const n = this.gather(ids, start, count);
    const innerIds = this.innerIds;
    const scores = this.innerScores;
    const starts = this.starts;
    out.fill(0, 0, count);
    for (const s of this.inner) {
      if (s.scoreMany !== undefined) s.scoreMany(innerIds, 0, n, scores);
      else for (let i = 0; i < n; i++) scores[i] = s.score(innerIds[i]);
      let at = 0;
      for (let j = 0; j < count; j++) {
        const len = starts[ids[start + j] + 1] - starts[ids[start + j]];
        let best = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < len; i++) if (scores[at + i] > best) best = scores[at + i];
        out[j] += best;
        at += len;
      }
    }
  }
}

/** The query's rows (flat rows × dim) as views, one per inner scorer. */
export function queryRows(query: Float32Array, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let at = 0; at < query.length; at += dim) out.push(query.subarray(at, at + dim));
  return out;
}
