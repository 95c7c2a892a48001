/**
 * `query/groups`, `search/groups`, `recommend/groups`: the universal query asked for ever longer ranked lists until
 * the groups are full or the source is exhausted, then the groups assembled (groups.ts) and their hits fetched.
 *
 * Invariant: the answer equals grouping the full ranking of the query (the brute-force reference): a list is
 * lengthened while some group could still change (assembleGroups' `complete`) and the last list was full.
 */
import type { GroupsRequest } from '../../model/query.js';
import type { ScoredPoint } from '../../model/search.js';
import type { Record_ } from '../../model/points.js';
import type { PointId } from '../../model/point-id.js';
import { canonicalPointId } from '../../model/point-id.js';
import type { ServiceContext } from '../context.js';
import { snapshotOf } from '../context.js';
import type { QueryTrace } from '../query.js';
import { getPoints, loadPoints, lookup } from '../reads.js';
import type { Snapshot } from '../snapshot.js';
import { rankUniversal, toScoredPoints } from './execute.js';
import type { Hit } from './execute.js';
import { assembleGroups, groupKeys } from './groups.js';
import type { GroupKey } from './groups.js';

export interface PointGroup {
  id: GroupKey;
  hits: ScoredPoint[];
  lookup?: Record_;
}

/** The longest ranked list asked for (a safety bound: beyond it the groups are answered from what was found). */
const MAX_CANDIDATES = 100_000;

export async function runGroups(
  ctx: ServiceContext,
  snap: Snapshot,
  req: GroupsRequest,
  trace: QueryTrace = {},
): Promise<{ groups: PointGroup[] }> {
  let want = Math.max(req.limit * req.group_size * 2, 16);
  for (;;) {
    const ranked = await rankUniversal(ctx, snap, { ...req.query, offset: 0, limit: want }, trace);
    const located = await lookup(
      ctx,
      snap,
      ranked.hits.map((h) => h.id),
    );
    const payloads = await loadPoints(ctx, snap, located, { payload: true, vector: false }, trace.io);
    const payloadOf = new Map(payloads.map((p) => [p.id, p.payload]));
    const { groups, complete } = assembleGroups(
      ranked.hits,
      (h: Hit) => groupKeys(req.group_by, payloadOf.get(h.id) ?? null),
      req.limit,
      req.group_size,
    );
    if (complete || ranked.hits.length < want || want >= MAX_CANDIDATES) {
      const out: PointGroup[] = [];
      for (const g of groups) {
        const hits = await toScoredPoints(ctx, snap, { hits: g.hits, nearest: ranked.nearest }, req.query, trace);
        out.push({ id: g.id, hits });
      }
      if (req.with_lookup) await attachLookups(ctx, req.with_lookup, out);
      return { groups: out };
    }
    want = Math.min(want * 4, MAX_CANDIDATES);
  }
}

/** `with_lookup`: the point of another collection whose id is the group key (groups whose key is no id get none). */
async function attachLookups(
  ctx: ServiceContext,
  lookupReq: NonNullable<GroupsRequest['with_lookup']>,
  groups: PointGroup[],
): Promise<void> {
  const other = await snapshotOf(ctx, lookupReq.collection);
  const ids: PointId[] = [];
  for (const g of groups) {
    const id = canonicalPointId(g.id);
    if (id !== null) ids.push(id);
  }
  const records = await getPoints(ctx, other, ids, lookupReq.with_payload, lookupReq.with_vectors);
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const g of groups) {
    const id = canonicalPointId(g.id);
    const r = id === null ? undefined : byId.get(id);
    if (r !== undefined) g.lookup = r;
  }
}
