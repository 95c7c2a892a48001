/**
 * The RPC table: each gRPC method of `qdrant.Collections`, `qdrant.Points` and `qdrant.Snapshots` as its REST twin (HTTP method, path,
 * query string, body) and the reshaping of the REST `result` into the gRPC response. A method missing here has no
 * REST twin in Strata and answers Unimplemented (connect's default for an unregistered method).
 *
 * Invariant: this table is the only place that knows which REST route serves an RPC; request and response fields
 * are converted by to-rest.ts and from-rest.ts over the descriptors, never by hand here beyond the renames REST needs.
 */
import type { DescMessage } from '@bufbuild/protobuf';
import { enumToRest, type Json, messageToRest } from './to-rest.js';

type Msg = Record<string, unknown>;

export interface RestCall {
  readonly method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body?: Json;
}

export interface RpcRoute {
  /** the REST request for a gRPC request message of type `input` */
  rest(req: Msg, input: DescMessage): RestCall;
  /** the REST `result` reshaped to the gRPC response's fields (REST names); `time` is added by the caller */
  reply?(result: unknown): Record<string, unknown>;
}

/** Fields that travel in the path or the query string, never in the body. */
const ROUTING = new Set([
  'collection_name',
  'wait',
  'ordering',
  'timeout',
  'read_consistency',
  'field_name',
  'field_type',
  'field_index_params',
]);

const col = (req: Msg): string => `/collections/${encodeURIComponent(String(req.collectionName))}`;
const body = (req: Msg, input: DescMessage): Json => messageToRest(input, req, ROUTING);
/** The name '' (Qdrant's gRPC takes it) has no REST path segment: the gRPC door's app routes it without one. */
const vectorNamePath = (req: Msg): string => {
  const name = String(req.vectorName ?? '');
  return name === '' ? `${col(req)}/vectors` : `${col(req)}/vectors/${encodeURIComponent(name)}`;
};

/** `wait`, `ordering`, `timeout` and `read_consistency` as REST's query parameters. */
function query(req: Msg, input: DescMessage): Record<string, string> {
  const q: Record<string, string> = {};
  if (req.wait !== undefined) q.wait = String(req.wait);
  if (req.timeout !== undefined) q.timeout = String(req.timeout);
  const ordering = req.ordering as Msg | undefined;
  const orderingEnum = input.fields.find((f) => f.name === 'ordering')?.message?.fields[0];
  if (ordering && orderingEnum?.fieldKind === 'enum')
    q.ordering = enumToRest(orderingEnum.enum, ordering.type as number);
  const rc = (req.readConsistency as Msg | undefined)?.value as { case?: string; value?: unknown } | undefined;
  const rcField = input.fields.find((f) => f.name === 'read_consistency')?.message?.fields[0];
  if (rc?.case === 'factor') q.consistency = String(rc.value);
  else if (rc?.case === 'type' && rcField?.fieldKind === 'enum')
    q.consistency = enumToRest(rcField.enum, rc.value as number);
  return q;
}

const post =
  (suffix: string): RpcRoute['rest'] =>
  (req, input) => ({ method: 'POST', path: `${col(req)}${suffix}`, query: query(req, input), body: body(req, input) });
const put =
  (suffix: string): RpcRoute['rest'] =>
  (req, input) => ({ method: 'PUT', path: `${col(req)}${suffix}`, query: query(req, input), body: body(req, input) });

/** A selector-only body (delete, clear payload): the PointsSelector itself is REST's body. */
const selector =
  (suffix: string, field: string): RpcRoute['rest'] =>
  (req, input) => {
    const b = body(req, input) as Record<string, Json>;
    return { method: 'POST', path: `${col(req)}${suffix}`, query: query(req, input), body: b[field] ?? {} };
  };

/** A payload write: REST takes the selector's `points` / `filter` beside the payload, not nested. */
const payloadWrite =
  (method: 'POST' | 'PUT', suffix: string): RpcRoute['rest'] =>
  (req, input) => {
    const { points_selector, ...rest } = body(req, input) as Record<string, Json>;
    const merged = { ...rest, ...((points_selector as Record<string, Json> | undefined) ?? {}) };
    return { method, path: `${col(req)}${suffix}`, query: query(req, input), body: merged };
  };

const batchOf = (result: unknown) => ({ result: (result as unknown[]).map((r) => ({ result: r })) });

export const COLLECTION_RPCS: Record<string, RpcRoute> = {
  list: {
    rest: () => ({ method: 'GET', path: '/collections', query: {} }),
    reply: (r) => r as Record<string, unknown>,
  },
  get: { rest: (req) => ({ method: 'GET', path: col(req), query: {} }) },
  collectionExists: { rest: (req) => ({ method: 'GET', path: `${col(req)}/exists`, query: {} }) },
  create: { rest: put('') },
  update: {
    rest: (req, input) => ({ method: 'PATCH', path: col(req), query: query(req, input), body: body(req, input) }),
  },
  delete: { rest: (req, input) => ({ method: 'DELETE', path: col(req), query: query(req, input) }) },
  updateAliases: {
    rest: (req, input) => ({
      method: 'POST',
      path: '/collections/aliases',
      query: query(req, input),
      body: body(req, input),
    }),
  },
  listAliases: {
    rest: () => ({ method: 'GET', path: '/aliases', query: {} }),
    reply: (r) => r as Record<string, unknown>,
  },
  listCollectionAliases: {
    rest: (req) => ({ method: 'GET', path: `${col(req)}/aliases`, query: {} }),
    reply: (r) => r as Record<string, unknown>,
  },
  collectionClusterInfo: {
    rest: (req) => ({ method: 'GET', path: `${col(req)}/cluster`, query: {} }),
    reply: (r) => r as Record<string, unknown>,
  },
  updateCollectionClusterSetup: { rest: post('/cluster') },
};

export const POINT_RPCS: Record<string, RpcRoute> = {
  upsert: { rest: put('/points') },
  delete: { rest: selector('/points/delete', 'points') },
  get: { rest: post('/points') },
  setPayload: { rest: payloadWrite('POST', '/points/payload') },
  overwritePayload: { rest: payloadWrite('PUT', '/points/payload') },
  deletePayload: { rest: payloadWrite('POST', '/points/payload/delete') },
  clearPayload: { rest: selector('/points/payload/clear', 'points') },
  createFieldIndex: {
    rest: (req, input) => {
      const params = req.fieldIndexParams as Msg | undefined;
      const typeField = input.fields.find((f) => f.name === 'field_type');
      const paramsField = input.fields.find((f) => f.name === 'field_index_params');
      const schema: Json =
        params && paramsField?.message
          ? messageToRest(paramsField.message, params)
          : typeField?.fieldKind === 'enum' && req.fieldType !== undefined
            ? enumToRest(typeField.enum, req.fieldType as number)
            : null;
      return {
        method: 'PUT',
        path: `${col(req)}/index`,
        query: query(req, input),
        body: { field_name: String(req.fieldName), ...(schema !== null ? { field_schema: schema } : {}) },
      };
    },
  },
  deleteFieldIndex: {
    rest: (req, input) => ({
      method: 'DELETE',
      path: `${col(req)}/index/${encodeURIComponent(String(req.fieldName))}`,
      query: query(req, input),
    }),
  },
  search: { rest: searchRest('/points/search') },
  searchBatch: {
    rest: (req, input) => {
      const searches = (req.searchPoints as Msg[]).map((s) => searchBody(s, input, 'search_points'));
      return { method: 'POST', path: `${col(req)}/points/search/batch`, query: query(req, input), body: { searches } };
    },
    reply: batchOf,
  },
  scroll: {
    rest: post('/points/scroll'),
    reply: (r) => {
      const page = r as { points: unknown; next_page_offset?: unknown };
      return { result: page.points, next_page_offset: page.next_page_offset };
    },
  },
  count: { rest: post('/points/count') },
  query: { rest: post('/points/query'), reply: (r) => ({ result: (r as { points: unknown }).points }) },
  queryBatch: {
    rest: (req, input) => {
      const nested = input.fields.find((f) => f.name === 'query_points')?.message as DescMessage;
      const searches = (req.queryPoints as Msg[]).map((q) => messageToRest(nested, q, ROUTING));
      return { method: 'POST', path: `${col(req)}/points/query/batch`, query: query(req, input), body: { searches } };
    },
    reply: (r) => ({ result: (r as Array<{ points: unknown }>).map((b) => ({ result: b.points })) }),
  },
  recommend: { rest: recommendRest('/points/recommend') },
  recommendBatch: {
    rest: (req, input) => {
      const nested = input.fields.find((f) => f.name === 'recommend_points')?.message as DescMessage;
      const searches = (req.recommendPoints as Msg[]).map((r) => recommendBody(r, nested));
      return {
        method: 'POST',
        path: `${col(req)}/points/recommend/batch`,
        query: query(req, input),
        body: { searches },
      };
    },
    reply: batchOf,
  },
  recommendGroups: { rest: recommendRest('/points/recommend/groups') },
  searchGroups: { rest: searchRest('/points/search/groups') },
  queryGroups: { rest: post('/points/query/groups') },
  discover: { rest: post('/points/discover') },
  discoverBatch: {
    rest: (req, input) => {
      const nested = input.fields.find((f) => f.name === 'discover_points')?.message as DescMessage;
      const searches = (req.discoverPoints as Msg[]).map((d) => messageToRest(nested, d, ROUTING));
      return {
        method: 'POST',
        path: `${col(req)}/points/discover/batch`,
        query: query(req, input),
        body: { searches },
      };
    },
    reply: batchOf,
  },
  searchMatrixPairs: { rest: post('/points/search/matrix/pairs') },
  searchMatrixOffsets: { rest: post('/points/search/matrix/offsets') },
  updateVectors: { rest: put('/points/vectors') },
  // the selector's `points` / `filter` beside `vector` (the names), as REST takes them
  deleteVectors: { rest: payloadWrite('POST', '/points/vectors/delete') },
  updateBatch: { rest: post('/points/batch') },
  // gRPC's oneof `dense_config` / `sparse_config` is REST's `{dense}` / `{sparse}`; `Datatype.Default` is none
  createVectorName: {
    rest: (req, input) => {
      const b = body(req, input) as Record<string, Record<string, Json> | undefined>;
      const inner = (c: Record<string, Json>) => {
        const { datatype, ...rest } = c;
        return datatype === undefined || datatype === 'default' ? rest : { ...rest, datatype };
      };
      const config: Json =
        b.dense_config !== undefined
          ? { dense: inner(b.dense_config) }
          : b.sparse_config !== undefined
            ? { sparse: inner(b.sparse_config) }
            : {};
      return { method: 'PUT', path: vectorNamePath(req), query: query(req, input), body: config };
    },
  },
  deleteVectorName: {
    rest: (req, input) => ({ method: 'DELETE', path: vectorNamePath(req), query: query(req, input) }),
  },
  facet: { rest: post('/facet'), reply: (r) => r as Record<string, unknown> },
};

/** Collection snapshots and the full-storage ones (REST's `/snapshots`). */
export const SNAPSHOT_RPCS: Record<string, RpcRoute> = {
  createFull: {
    rest: () => ({ method: 'POST', path: '/snapshots', query: { wait: 'true' } }),
    reply: (r) => ({ snapshot_description: r }),
  },
  listFull: {
    rest: () => ({ method: 'GET', path: '/snapshots', query: {} }),
    reply: (r) => ({ snapshot_descriptions: r }),
  },
  deleteFull: {
    rest: (req) => ({
      method: 'DELETE',
      path: `/snapshots/${encodeURIComponent(String(req.snapshotName))}`,
      query: { wait: 'true' },
    }),
    reply: () => ({}),
  },
  create: {
    rest: (req) => ({ method: 'POST', path: `${col(req)}/snapshots`, query: { wait: 'true' } }),
    reply: (r) => ({ snapshot_description: r }),
  },
  list: {
    rest: (req) => ({ method: 'GET', path: `${col(req)}/snapshots`, query: {} }),
    reply: (r) => ({ snapshot_descriptions: r }),
  },
  delete: {
    rest: (req) => ({
      method: 'DELETE',
      path: `${col(req)}/snapshots/${encodeURIComponent(String(req.snapshotName))}`,
      query: { wait: 'true' },
    }),
    reply: () => ({}),
  },
};

/** gRPC's SearchPoints → REST's search body: `vector_name` + `vector` is REST's named vector form. */
function searchBody(req: Msg, input: DescMessage, nestedField?: string): Json {
  const desc = nestedField ? (input.fields.find((f) => f.name === nestedField)?.message as DescMessage) : input;
  const { vector_name, vector, sparse_indices, ...rest } = messageToRest(desc, req, ROUTING) as Record<string, Json>;
  const values = vector ?? [];
  const v: Json =
    sparse_indices !== undefined ? { indices: (sparse_indices as Record<string, Json>).data ?? [], values } : values;
  return { ...rest, vector: vector_name !== undefined ? { name: vector_name, vector: v } : v };
}

/** gRPC keeps example ids and example vectors in separate lists; REST takes both in `positive` / `negative`. */
function recommendBody(req: Msg, desc: DescMessage): Json {
  const { positive_vectors, negative_vectors, ...rest } = messageToRest(desc, req, ROUTING) as Record<string, Json[]>;
  return {
    ...rest,
    ...(positive_vectors || rest.positive ? { positive: [...(rest.positive ?? []), ...(positive_vectors ?? [])] } : {}),
    ...(negative_vectors || rest.negative ? { negative: [...(rest.negative ?? []), ...(negative_vectors ?? [])] } : {}),
  };
}

function recommendRest(suffix: string): RpcRoute['rest'] {
  return (req, input) => ({
    method: 'POST',
    path: `${col(req)}${suffix}`,
    query: query(req, input),
    body: recommendBody(req, input),
  });
}

function searchRest(suffix: string): RpcRoute['rest'] {
  return (req, input) => ({
    method: 'POST',
    path: `${col(req)}${suffix}`,
    query: query(req, input),
    body: searchBody(req, input),
  });
}
