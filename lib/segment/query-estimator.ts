/**
 * How many points of one segment a filter matches, estimated as Qdrant's query estimator does
 * (lib/segment/src/index/query_estimator.rs): each condition gets a cardinality estimation {min, exp, max} from
 * the caller (an index's count, an id table's, or `unknown(total)` for a condition no index serves), and the
 * clauses combine them under Qdrant's independence assumptions:
 * - must: min = max(0, Σ min − (k−1)·total) (folded pairwise), max = the smallest max, exp = total · Π (expᵢ/total);
 * - should: min = the largest min, max = min(Σ max, total), exp = total · (1 − Π (1 − expᵢ/total));
 * - min_should(k of n): the should of the must of every k-combination (none when k > n: exactly 0);
 * - must_not: each condition inverted ({total − max, total − exp, total − min}), then combined as must;
 * - the clauses of one filter combine as must; a nested filter condition is estimated recursively.
 * Rounding is Rust's `f64::round` (half away from zero; the values are never negative, so Math.round's half-up
 * agrees).
 *
 * Invariant: when every condition's estimation bounds its true count (min ≤ true ≤ max), so does the filter's:
 * the combination rules are the inclusion-exclusion bounds; only `exp` rests on the independence assumption.
 */
import { type Condition, type Filter, isClauseGroup } from '../model/filter.js';

export interface CardinalityEstimation {
  min: number;
  exp: number;
  max: number;
}

export function exactEstimation(n: number): CardinalityEstimation {
  return { min: n, exp: n, max: n };
}

/** Qdrant's `CardinalityEstimation::unknown`: nothing known but the total (exp is half of it, floored). */
export function unknownEstimation(total: number): CardinalityEstimation {
  return { min: 0, exp: Math.floor(total / 2), max: total };
}

/** A leaf condition (not a nested Filter) → its estimation over `total` points. */
export type ConditionEstimator = (c: Exclude<Condition, Filter>) => CardinalityEstimation;

export function estimateFilter(filter: Filter, estimate: ConditionEstimator, total: number): CardinalityEstimation {
  const parts: CardinalityEstimation[] = [];
  const each = (cs: Condition[]): CardinalityEstimation[] => cs.map((c) => estimateCondition(c, estimate, total));
  if (filter.must && filter.must.length > 0) parts.push(combineMust(each(filter.must), total));
  if (filter.should && filter.should.length > 0) parts.push(combineShould(each(filter.should), total));
  if (filter.min_should) {
    parts.push(combineMinShould(each(filter.min_should.conditions), filter.min_should.min_count, total));
  }
  if (filter.must_not && filter.must_not.length > 0) {
    parts.push(
      combineMust(
        each(filter.must_not).map((e) => invert(e, total)),
        total,
      ),
    );
  }
  return combineMust(parts, total);
}

function estimateCondition(c: Condition, estimate: ConditionEstimator, total: number): CardinalityEstimation {
  return isClauseGroup(c) ? estimateFilter(c, estimate, total) : estimate(c);
}

export function combineMust(es: readonly CardinalityEstimation[], total: number): CardinalityEstimation {
  let min = total;
  let max = total;
  let prob = 1;
  for (const e of es) {
    min = Math.max(0, min + e.min - total);
    max = Math.min(max, e.max);
    prob *= total === 0 ? 0 : e.exp / total;
  }
  // Qdrant: an empty list keeps max = total (unwrap_or(total)) and exp = total (the empty product is 1)
  return { min, exp: Math.round(prob * total), max };
}

export function combineShould(es: readonly CardinalityEstimation[], total: number): CardinalityEstimation {
  let notHit = 1;
  for (const e of es) notHit *= total === 0 ? 1 : 1 - e.exp / total;
  return {
    min: es.reduce((m, e) => Math.max(m, e.min), 0),
    exp: total === 0 ? 0 : Math.round((1 - notHit) * total),
    max: Math.min(
      es.reduce((s, e) => s + e.max, 0),
      total,
    ),
  };
}

export function combineMinShould(
  es: readonly CardinalityEstimation[],
  minCount: number,
  total: number,
): CardinalityEstimation {
  if (minCount > es.length) return exactEstimation(0);
  const intersections: CardinalityEstimation[] = [];
  const pick: CardinalityEstimation[] = [];
  const choose = (from: number): void => {
    if (pick.length === minCount) {
      intersections.push(combineMust(pick, total));
      return;
    }
    for (let i = from; i <= es.length - (minCount - pick.length); i++) {
      pick.push(es[i]);
      choose(i + 1);
      pick.pop();
    }
  };
  choose(0);
  return combineShould(intersections, total);
}

export function invert(e: CardinalityEstimation, total: number): CardinalityEstimation {
  return { min: Math.max(0, total - e.max), exp: Math.max(0, total - e.exp), max: Math.max(0, total - e.min) };
}
