/**
 * Group assembly for `query/groups`, `search/groups`, `recommend/groups` (Qdrant's lib/collection/src/grouping):
 * ranked hits are poured, best first, into groups keyed by the `group_by` payload value.
 *
 * Invariants (as Qdrant):
 * - Only keyword (string) and integer values group; a point whose value is an array joins the group of each of
 *   its keyword/integer elements; a point without such a value joins none.
 * - At most `limit` groups, opened in the order of their best hit; each keeps at most `groupSize` hits in rank
 *   order. A hit for a new group once `limit` groups exist is dropped.
 * - `complete` tells the caller whether more hits could still change the answer (some group short of `groupSize`
 *   or fewer than `limit` groups): the caller then asks for a longer ranked list, until the source is exhausted.
 * - An object value at `group_by` is refused: it can never form a group key, and silently returning no groups for
 *   a misspelt path hides the mistake.
 */
import { invalid } from '../../model/errors.js';
import { parsePayloadPath, valuesAt } from '../../segment/payload-path.js';

export type GroupKey = string | number;

export interface Group<T> {
  id: GroupKey;
  hits: T[];
}

export function groupKeyPath(groupBy: string) {
  try {
    return parsePayloadPath(groupBy);
  } catch (e) {
    throw invalid({ code: 'format', path: 'group_by', detail: (e as Error).message });
  }
}

/** The group keys of one payload. */
export function groupKeys(groupBy: string, payload: Record<string, unknown> | null): GroupKey[] {
  if (payload === null) return [];
  const out: GroupKey[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) {
      if (!out.includes(v)) out.push(v);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      throw invalid(`field \`${groupBy}\` holds an object; only keyword and integer values can be grouped by`);
    }
  };
  for (const v of valuesAt(payload, groupKeyPath(groupBy))) {
    if (Array.isArray(v)) v.forEach(add);
    else add(v);
  }
  return out;
}

export function assembleGroups<T>(
  ranked: readonly T[],
  keysOf: (hit: T) => readonly GroupKey[],
  limit: number,
  groupSize: number,
): { groups: Group<T>[]; complete: boolean } {
  const groups: Group<T>[] = [];
  const byKey = new Map<GroupKey, Group<T>>();
  for (const hit of ranked) {
    for (const key of keysOf(hit)) {
      let g = byKey.get(key);
      if (g === undefined) {
        if (groups.length >= limit) continue;
        g = { id: key, hits: [] };
        byKey.set(key, g);
        groups.push(g);
      }
      if (g.hits.length < groupSize) g.hits.push(hit);
    }
  }
  const complete = groups.length >= limit && groups.every((g) => g.hits.length >= groupSize);
  return { groups, complete };
}
