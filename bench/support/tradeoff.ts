/**
 * Recall/QPS trade-off helpers. Comparing two engines at the same `ef` is unfair when their recall differs, so the
 * headline ratio is "QPS at equal recall": the baseline's QPS interpolated at the recall Strata reached, from the
 * baseline's own (recall, QPS) points measured in the same run. Interpolation is linear in recall and in log(QPS)
 * (QPS falls roughly geometrically as ef doubles).
 */

export interface TradeoffPoint {
  recall: number;
  qps: number;
}

/**
 * - `within`: the recall lies inside the baseline's measured range; `qps` is interpolated.
 * - `below`: the baseline's lowest ef already beats this recall; `qps` is the QPS of that lowest point, so the true
 *   baseline QPS at this recall is at least this and Strata/baseline is an upper bound (shown as "≤").
 * - `above`: the baseline never reached this recall at any ef measured; no ratio (shown as "n/r").
 */
export interface BaselineAtRecall {
  qps: number | null;
  bound: 'within' | 'below' | 'above';
}

export function qpsAtRecall(points: TradeoffPoint[], recall: number): BaselineAtRecall {
  if (points.length === 0) return { qps: null, bound: 'above' };
  // Pareto frontier: for each recall keep the fastest point, then drop points that a higher-recall point outruns.
  const sorted = [...points].sort((a, b) => a.recall - b.recall || b.qps - a.qps);
  const frontier: TradeoffPoint[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i];
    if (frontier.length === 0 || p.qps > frontier[0].qps) frontier.unshift(p);
  }
  const lo = frontier[0];
  const hi = frontier[frontier.length - 1];
  if (recall > hi.recall) return { qps: null, bound: 'above' };
  if (recall <= lo.recall) return { qps: lo.qps, bound: recall === lo.recall ? 'within' : 'below' };
  for (let i = 1; i < frontier.length; i++) {
    const a = frontier[i - 1];
    const b = frontier[i];
    if (recall === b.recall) return { qps: b.qps, bound: 'within' };
    if (recall < b.recall) {
      const t = (recall - a.recall) / (b.recall - a.recall);
      return { qps: Math.exp(Math.log(a.qps) + t * (Math.log(b.qps) - Math.log(a.qps))), bound: 'within' };
    }
  }
  return { qps: hi.qps, bound: 'within' };
}
