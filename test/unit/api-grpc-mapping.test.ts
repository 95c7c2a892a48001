/**
 * The gRPC door's message mapping (lib/api/grpc/to-rest.ts, from-rest.ts) and status codes (server.ts), over the
 * descriptors of the pinned `@qdrant/js-client-grpc`: enum names both ways, the REST shapes of the messages whose
 * JSON differs (matches, conditions, selectors, vectors, payload values, lookups, batch operations, group ids), ids
 * past 2^53 kept whole, and the code
 * each REST status becomes.
 */
import { create } from '@bufbuild/protobuf';
import {
  ConnectErrorCode as Code,
  CollectionStatus,
  CollectionStatusSchema,
  CompressionRatio,
  CountPointsSchema,
  Distance,
  DistanceSchema,
  FieldType,
  FieldTypeSchema,
  FilterSchema,
  Fusion,
  FusionSchema,
  GroupIdSchema,
  MultiVectorComparator,
  PayloadSchemaType,
  PayloadSchemaTypeSchema,
  PointIdSchema,
  ProductQuantizationSchema,
  QuantizationType,
  QuantizationTypeSchema,
  RecommendPointGroupsSchema,
  RecommendStrategy,
  RecommendStrategySchema,
  ScoredPointSchema,
  UpdateBatchPointsSchema,
  UpdateStatus,
  UpdateStatusSchema,
  VectorParamsSchema,
  VectorSchema,
} from '@qdrant/js-client-grpc';
import { describe, expect, it } from 'vitest';
import { enumFromRest, messageFromRest } from '../../lib/api/grpc/from-rest.js';
import { POINT_RPCS } from '../../lib/api/grpc/rpcs.js';
import { grpcCode } from '../../lib/api/grpc/server.js';
import { enumToRest, messageToRest, toJsonText } from '../../lib/api/grpc/to-rest.js';

describe('enums', () => {
  it("map to REST's names: Distance in CamelCase, the rest snake_case, FieldType without its prefix", () => {
    expect(enumToRest(DistanceSchema, Distance.Cosine)).toBe('Cosine');
    expect(enumToRest(CollectionStatusSchema, CollectionStatus.Green)).toBe('green');
    expect(enumToRest(RecommendStrategySchema, RecommendStrategy.BestScore)).toBe('best_score');
    expect(enumToRest(FusionSchema, Fusion.RRF)).toBe('rrf');
    expect(enumToRest(FieldTypeSchema, FieldType.FieldTypeKeyword)).toBe('keyword');
    expect(enumToRest(QuantizationTypeSchema, QuantizationType.Int8)).toBe('int8');
    expect(enumToRest(UpdateStatusSchema, UpdateStatus.Completed)).toBe('completed');
  });

  it('map back from REST names, case and underscores aside', () => {
    expect(enumFromRest(CollectionStatusSchema, 'yellow')).toBe(CollectionStatus.Yellow);
    expect(enumFromRest(DistanceSchema, 'Euclid')).toBe(Distance.Euclid);
    expect(enumFromRest(UpdateStatusSchema, 'acknowledged')).toBe(UpdateStatus.Acknowledged);
    expect(enumFromRest(PayloadSchemaTypeSchema, 'keyword')).toBe(PayloadSchemaType.Keyword);
  });
});

describe('requests to REST bodies', () => {
  it('turns matches and conditions into REST filter JSON', () => {
    const filter = create(FilterSchema, {
      must: [
        {
          conditionOneOf: {
            case: 'field',
            value: { key: 'a', match: { matchValue: { case: 'keyword', value: 'x' } } },
          },
        },
        {
          conditionOneOf: {
            case: 'field',
            value: { key: 'n', match: { matchValue: { case: 'integers', value: { integers: [1n, 2n] } } } },
          },
        },
        { conditionOneOf: { case: 'field', value: { key: 'r', range: { gte: 1.5 } } } },
        { conditionOneOf: { case: 'hasId', value: { hasId: [{ pointIdOptions: { case: 'num', value: 7n } }] } } },
        { conditionOneOf: { case: 'isEmpty', value: { key: 'e' } } },
      ],
      mustNot: [{ conditionOneOf: { case: 'filter', value: { should: [] } } }],
    });
    expect(messageToRest(FilterSchema, filter as never)).toEqual({
      must: [
        { key: 'a', match: { value: 'x' } },
        { key: 'n', match: { any: [1n, 2n] } },
        { key: 'r', range: { gte: 1.5 } },
        { has_id: [7n] },
        { is_empty: { key: 'e' } },
      ],
      must_not: [{}],
    });
  });

  it("refuses a condition or match with no variant with Qdrant's gRPC message", () => {
    const empty = create(FilterSchema, { must: [{}] });
    expect(() => messageToRest(FilterSchema, empty as never)).toThrow('Malformed Condition type');
    const noMatch = create(FilterSchema, {
      must: [{ conditionOneOf: { case: 'field', value: { key: 'a', match: {} } } }],
    });
    expect(() => messageToRest(FilterSchema, noMatch as never)).toThrow('Malformed Match condition');
  });

  it('keeps only the fields the client set, and ids past 2^53 whole in the JSON text', () => {
    const count = create(CountPointsSchema, { collectionName: 'c', exact: false });
    // proto3 optional `exact` was set (to false): REST gets it; collection_name travels in the path
    expect(messageToRest(CountPointsSchema, count as never, new Set(['collection_name']))).toEqual({ exact: false });
    const big = create(PointIdSchema, { pointIdOptions: { case: 'num', value: 18446744073709551615n } });
    expect(toJsonText({ id: messageToRest(PointIdSchema, big as never) })).toBe('{"id":18446744073709551615}');
  });

  it("sends an implicit enum's zero when it is a value (MaxSim, x4), not when it is Qdrant's Unknown placeholder", () => {
    const multi = create(VectorParamsSchema, {
      size: 3n,
      distance: Distance.Dot,
      multivectorConfig: { comparator: MultiVectorComparator.MaxSim },
    });
    expect(messageToRest(VectorParamsSchema, multi as never)).toEqual({
      size: 3n,
      distance: 'Dot',
      multivector_config: { comparator: 'max_sim' },
    });
    const pq = create(ProductQuantizationSchema, { compression: CompressionRatio.x4 });
    expect(messageToRest(ProductQuantizationSchema, pq as never)).toEqual({ compression: 'x4' });
    // distance 0 is UnknownDistance: left out, so REST refuses the missing distance as for a JSON body
    expect(messageToRest(VectorParamsSchema, create(VectorParamsSchema, { size: 3n }) as never)).toEqual({ size: 3n });
  });

  it('turns the deprecated vector fields into REST vectors: data + indices is sparse, data + vectors_count rows', () => {
    const sparse = create(VectorSchema, { data: [0.5, 2], indices: { data: [3, 9] } });
    expect(messageToRest(VectorSchema, sparse as never)).toEqual({ indices: [3, 9], values: [0.5, 2] });
    const multi = create(VectorSchema, { data: [1, 2, 3, 4, 5, 6], vectorsCount: 2 });
    expect(messageToRest(VectorSchema, multi as never)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const zero = create(VectorSchema, { data: [1, 2], vectorsCount: 0 });
    expect(() => messageToRest(VectorSchema, zero as never)).toThrow('vectors count must be greater than 0');
    const both = create(VectorSchema, { data: [1, 2], vectorsCount: 1, indices: { data: [1, 2] } });
    expect(() => messageToRest(VectorSchema, both as never)).toThrow('cannot be both specified');
  });
});

describe('routes whose REST body differs from the message', () => {
  const id = (n: number) => ({ pointIdOptions: { case: 'num' as const, value: BigInt(n) } });
  const ids = (list: number[]) => ({ pointsSelectorOneOf: { case: 'points' as const, value: { ids: list.map(id) } } });
  // the body as REST reads it (ids are bigints until written as JSON text)
  const asText = (b: unknown) => JSON.parse(toJsonText(b as never));

  it("recommend groups: REST's lookup_from {collection, vector}, with_lookup keeping plural with_vectors", () => {
    const req = create(RecommendPointGroupsSchema, {
      collectionName: 'c',
      positive: [id(1)],
      positiveVectors: [{ vector: { case: 'dense', value: { data: [0.5, 1] } } }],
      groupBy: 'g',
      groupSize: 2,
      limit: 3,
      lookupFrom: { collectionName: 'other', vectorName: 'image' },
      withLookup: { collection: 'meta', withVectors: { selectorOptions: { case: 'enable', value: true } } },
    });
    const call = POINT_RPCS.recommendGroups.rest(req as never, RecommendPointGroupsSchema);
    expect(call.path).toBe('/collections/c/points/recommend/groups');
    expect(asText(call.body)).toEqual({
      positive: [1, [0.5, 1]],
      group_by: 'g',
      group_size: 2,
      limit: 3,
      lookup_from: { collection: 'other', vector: 'image' },
      with_lookup: { collection: 'meta', with_vectors: true },
    });
  });

  it("update batch: REST's op keys with flat selectors, deprecated variants included; no operation is refused", () => {
    const req = create(UpdateBatchPointsSchema, {
      collectionName: 'c',
      operations: [
        { operation: { case: 'deletePoints', value: { points: ids([1]) } } },
        { operation: { case: 'deleteDeprecated', value: ids([2]) } },
        { operation: { case: 'clearPayload', value: { points: ids([3]) } } },
        { operation: { case: 'clearPayloadDeprecated', value: ids([4]) } },
        { operation: { case: 'deletePayload', value: { keys: ['k'], pointsSelector: ids([5]) } } },
        { operation: { case: 'deleteVectors', value: { pointsSelector: ids([6]), vectors: { names: ['a', 'b'] } } } },
      ],
    });
    expect(asText(POINT_RPCS.updateBatch.rest(req as never, UpdateBatchPointsSchema).body)).toEqual({
      operations: [
        { delete: { points: [1] } },
        { delete: { points: [2] } },
        { clear_payload: { points: [3] } },
        { clear_payload: { points: [4] } },
        { delete_payload: { keys: ['k'], points: [5] } },
        { delete_vectors: { points: [6], vector: ['a', 'b'] } },
      ],
    });
    const empty = create(UpdateBatchPointsSchema, { collectionName: 'c', operations: [{}] });
    expect(() => POINT_RPCS.updateBatch.rest(empty as never, UpdateBatchPointsSchema)).toThrow(
      'Malformed PointsUpdateOperation',
    );
  });
});

describe('REST answers to responses', () => {
  it('builds a ScoredPoint with its id, payload values and dense vector', () => {
    const init = messageFromRest(ScoredPointSchema, {
      id: 'f7d0b2c4-8a33-4c59-9a0c-3d1c8f2b9e10',
      score: 0.5,
      version: 3,
      payload: { s: 'x', n: 2, f: 1.5, b: true, l: [1, 'a'], o: { k: null } },
      vector: [0.25, -1],
    });
    const p = create(ScoredPointSchema, init as never);
    expect(p.id?.pointIdOptions).toEqual({ case: 'uuid', value: 'f7d0b2c4-8a33-4c59-9a0c-3d1c8f2b9e10' });
    expect(p.version).toBe(3n);
    expect(p.payload.s.kind).toEqual({ case: 'stringValue', value: 'x' });
    expect(p.payload.n.kind).toEqual({ case: 'integerValue', value: 2n });
    expect(p.payload.f.kind).toEqual({ case: 'doubleValue', value: 1.5 });
    expect(p.payload.b.kind).toEqual({ case: 'boolValue', value: true });
    expect(p.payload.l.kind.case).toBe('listValue');
    expect(p.payload.o.kind.case).toBe('structValue');
    const v = p.vectors?.vectorsOptions;
    expect(v?.case === 'vector' && v.value.vector).toEqual({
      case: 'dense',
      value: expect.objectContaining({ data: [0.25, -1] }),
    });
  });

  it('builds group ids as Qdrant does: non-negative integers unsigned, negative ones signed, strings', () => {
    expect(create(GroupIdSchema, messageFromRest(GroupIdSchema, 7) as never).kind).toEqual({
      case: 'unsignedValue',
      value: 7n,
    });
    expect(create(GroupIdSchema, messageFromRest(GroupIdSchema, -2) as never).kind).toEqual({
      case: 'integerValue',
      value: -2n,
    });
    expect(create(GroupIdSchema, messageFromRest(GroupIdSchema, 'g1') as never).kind).toEqual({
      case: 'stringValue',
      value: 'g1',
    });
  });

  it('drops REST keys the proto has no field for', () => {
    expect(messageFromRest(ScoredPointSchema, { id: 1, score: 1, strata_only: true })).not.toHaveProperty(
      'strata_only',
    );
  });
});

describe('status codes', () => {
  it('map REST statuses to the codes Qdrant answers', () => {
    expect(grpcCode(400)).toBe(Code.InvalidArgument);
    expect(grpcCode(422)).toBe(Code.InvalidArgument);
    expect(grpcCode(401)).toBe(Code.Unauthenticated);
    expect(grpcCode(403)).toBe(Code.PermissionDenied);
    expect(grpcCode(404)).toBe(Code.NotFound);
    expect(grpcCode(409)).toBe(Code.AlreadyExists);
    expect(grpcCode(412)).toBe(Code.FailedPrecondition);
    expect(grpcCode(429)).toBe(Code.ResourceExhausted);
    expect(grpcCode(503)).toBe(Code.Unavailable);
    expect(grpcCode(504)).toBe(Code.DeadlineExceeded);
    expect(grpcCode(500)).toBe(Code.Internal);
  });
});
