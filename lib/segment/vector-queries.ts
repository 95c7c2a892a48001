/**
 * Scoring of the example-based query forms, as Qdrant defines them (lib/segment/src/vector_storage/query/
 * reco_query.rs, discover_query.rs, context_query.rs; lib/collection/src/recommendations.rs). Each scorer takes
 * `sim(example)`: the internal similarity (larger = closer, lib/distance) between the scored point and one example,
 * so the same functions serve the segment workers and the coordinator's exact scan.
 *
 * - average_vector: a plain nearest search for avg(positives) + (avg(positives) - avg(negatives)) (no negatives:
 *   avg(positives)).
 * - best_score: s+ = max over positives, s- = max over negatives (−∞ when empty); s+ > s- ? σ(s+) : −σ(s-) with
 *   σ(x) = 0.5·(x / (1 + |x|) + 1) (Qdrant's scaled fast sigmoid).
 * - sum_scores: Σ positives − Σ negatives.
 * - discover: rank = Σ over pairs of sign(sim(pos) − sim(neg)) (−1, 0, 1), score = rank + σ(sim(target)).
 * - context: Σ over pairs of fastSigmoid(min(sim(pos) − sim(neg) − ε, 0)) with ε the f32 epsilon: 0 is the best.
 * - relevance feedback (naive; Qdrant's feedback_query.rs): a·sim(target) + Σ over ordered pairs of judged examples
 *   whose judge scores differ (better, worse) of (Δscore)^b·c·(sim(better) − sim(worse)).
 */
export const F32_EPSILON = 1.1920929e-7;

export function fastSigmoid(x: number): number {
  return x / (1 + Math.abs(x));
}

export function scaledFastSigmoid(x: number): number {
  return 0.5 * (fastSigmoid(x) + 1);
}

export type Sim<V> = (example: V) => number;

export interface ContextPair<V> {
  positive: V;
  negative: V;
}

/** The search vector of the average_vector strategy; `positives` must be non-empty (the caller checks). */
export function averageVector(positives: readonly ArrayLike<number>[], negatives: readonly ArrayLike<number>[]) {
  const avg = (vs: readonly ArrayLike<number>[]): Float64Array => {
    const out = new Float64Array(vs[0].length);
    for (const v of vs) for (let i = 0; i < out.length; i++) out[i] += v[i];
    for (let i = 0; i < out.length; i++) out[i] /= vs.length;
    return out;
  };
  const p = avg(positives);
  if (negatives.length > 0) {
    const n = avg(negatives);
    for (let i = 0; i < p.length; i++) p[i] = p[i] + p[i] - n[i];
  }
  return Array.from(p);
}

export function bestScore<V>(positives: readonly V[], negatives: readonly V[], sim: Sim<V>): number {
  let maxPos = Number.NEGATIVE_INFINITY;
  for (const v of positives) maxPos = Math.max(maxPos, sim(v));
  let maxNeg = Number.NEGATIVE_INFINITY;
  for (const v of negatives) maxNeg = Math.max(maxNeg, sim(v));
  return maxPos > maxNeg ? scaledFastSigmoid(maxPos) : -scaledFastSigmoid(maxNeg);
}

export function sumScores<V>(positives: readonly V[], negatives: readonly V[], sim: Sim<V>): number {
  let s = 0;
  for (const v of positives) s += sim(v);
  for (const v of negatives) s -= sim(v);
  return s;
}

export function discoverScore<V>(target: V, pairs: readonly ContextPair<V>[], sim: Sim<V>): number {
  let rank = 0;
  for (const p of pairs) rank += Math.sign(sim(p.positive) - sim(p.negative));
  return rank + scaledFastSigmoid(sim(target));
}

export function contextScore<V>(pairs: readonly ContextPair<V>[], sim: Sim<V>): number {
  let s = 0;
  for (const p of pairs) s += fastSigmoid(Math.min(sim(p.positive) - sim(p.negative) - F32_EPSILON, 0));
  return s;
}

/** A pair of judged examples, the better one first, weighted (Δscore)^b·c as Qdrant precomputes it. */
export interface FeedbackPair<V> extends ContextPair<V> {
  weight: number;
}

/** Every ordered pair whose judge scores differ by more than 0 (Qdrant's margin), better example first. */
export function feedbackPairs<V>(
  items: readonly { vector: V; score: number }[],
  b: number,
  c: number,
): FeedbackPair<V>[] {
  const pairs: FeedbackPair<V>[] = [];
  for (const better of items) {
    for (const worse of items) {
      const confidence = Math.fround(better.score - worse.score);
      if (better === worse || confidence <= 0) continue;
      pairs.push({ positive: better.vector, negative: worse.vector, weight: Math.fround(confidence ** b * c) });
    }
  }
  return pairs;
}

export function feedbackScore<V>(target: V, a: number, pairs: readonly FeedbackPair<V>[], sim: Sim<V>): number {
  let s = a * sim(target);
  for (const p of pairs) s += p.weight * (sim(p.positive) - sim(p.negative));
  return s;
}
