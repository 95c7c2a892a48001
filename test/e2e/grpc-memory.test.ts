/**
 * Qdrant 1.19's `memory` placements over gRPC (`@qdrant/js-client-grpc` 1.19, the first client whose messages carry
 * them), each checked against the same request made over REST: a collection created with `memory` on the vector
 * params, the HNSW config, the scalar quantization and the payload storage, a keyword index with `memory`, and an
 * UpdateCollection that moves a named vector's placement. Both collections must report the same config over REST, and
 * gRPC's Get must answer the placements back as the enum.
 */
import { Distance, Memory, FieldType, QuantizationType, type QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedRestAndGrpc, serveRestAndGrpc } from '../support/rest-and-grpc.js';

let served: ServedRestAndGrpc;
let client: GrpcClient;

const rest = (method: string, path: string, body?: unknown) => served.rest(method, path, body);

type Info = {
  config: { params: unknown; hnsw_config: unknown; quantization_config: unknown };
  payload_schema: unknown;
};
const infoOf = async (name: string) => (await rest('GET', `/collections/${name}`)) as Info;

beforeAll(async () => {
  served = await serveRestAndGrpc(2);
  ({ grpcClient: client } = served);
}, 60_000);

afterAll(async () => {
  await served?.close();
});

describe('memory placements over gRPC equal REST', () => {
  it('Create with memory on vectors, HNSW, scalar codes and payload: same config as REST, answered back by Get', async () => {
    await client.api('collections').create({
      collectionName: 'mem-grpc',
      vectorsConfig: {
        config: {
          case: 'paramsMap',
          value: {
            map: {
              dense: { size: 4n, distance: Distance.Cosine, memory: Memory.Cold },
              small: { size: 3n, distance: Distance.Dot, memory: Memory.Cached },
            },
          },
        },
      },
      hnswConfig: { memory: Memory.Cold },
      quantizationConfig: {
        quantization: { case: 'scalar', value: { type: QuantizationType.Int8, memory: Memory.Pinned } },
      },
      payload: { memory: Memory.Cached },
    });
    await rest('PUT', '/collections/mem-rest', {
      vectors: {
        dense: { size: 4, distance: 'Cosine', memory: 'cold' },
        small: { size: 3, distance: 'Dot', memory: 'cached' },
      },
      hnsw_config: { memory: 'cold' },
      quantization_config: { scalar: { type: 'int8', memory: 'pinned' } },
      payload: { memory: 'cached' },
    });
    const a = await infoOf('mem-grpc');
    const b = await infoOf('mem-rest');
    expect(a.config).toEqual(b.config);
    // what REST reports for the placements, with the deprecated flags that agree with them
    expect(a.config.params).toMatchObject({
      vectors: { dense: { memory: 'cold', on_disk: true }, small: { memory: 'cached' } },
      on_disk_payload: false,
    });
    expect(a.config.hnsw_config).toMatchObject({ memory: 'cold', on_disk: true });
    expect(a.config.quantization_config).toMatchObject({ scalar: { memory: 'pinned', always_ram: true } });

    const got = (await client.api('collections').get({ collectionName: 'mem-grpc' })).result?.config;
    const map = ((got?.params?.vectorsConfig?.config.value ?? {}) as { map: Record<string, { memory?: Memory }> }).map;
    expect(map.dense.memory).toBe(Memory.Cold);
    expect(map.small.memory).toBe(Memory.Cached);
    expect(got?.hnswConfig?.memory).toBe(Memory.Cold);
    const scalar = got?.quantizationConfig?.quantization;
    expect(scalar?.case).toBe('scalar');
    expect(((scalar?.value ?? {}) as { memory?: Memory }).memory).toBe(Memory.Pinned);
    expect(got?.params?.payload?.memory).toBe(Memory.Cached);
  });

  it('a field index with memory, and UpdateCollection moving a vector: same as REST', async () => {
    await client.api('points').createFieldIndex({
      collectionName: 'mem-grpc',
      fieldName: 'tenant',
      wait: true,
      fieldType: FieldType.FieldTypeKeyword,
      fieldIndexParams: { indexParams: { case: 'keywordIndexParams', value: { isTenant: true, memory: Memory.Cold } } },
    });
    await rest('PUT', '/collections/mem-rest/index?wait=true', {
      field_name: 'tenant',
      field_schema: { type: 'keyword', is_tenant: true, memory: 'cold' },
    });
    await client.api('collections').update({
      collectionName: 'mem-grpc',
      vectorsConfig: { config: { case: 'paramsMap', value: { map: { small: { memory: Memory.Cold } } } } },
    });
    await rest('PATCH', '/collections/mem-rest', { vectors: { small: { memory: 'cold' } } });
    const a = await infoOf('mem-grpc');
    const b = await infoOf('mem-rest');
    expect(a.config).toEqual(b.config);
    expect(a.payload_schema).toEqual(b.payload_schema);
    expect(a.config.params).toMatchObject({ vectors: { small: { memory: 'cold', on_disk: true } } });
    expect(a.payload_schema).toMatchObject({ tenant: { params: { memory: 'cold' } } });
  });

  it('pinned dense originals are refused over gRPC with REST’s message (REST: 422), and nothing is created', async () => {
    const refused = await client
      .api('collections')
      .create({
        collectionName: 'mem-pinned',
        vectorsConfig: {
          config: { case: 'params', value: { size: 4n, distance: Distance.Cosine, memory: Memory.Pinned } },
        },
      })
      .then(
        () => null,
        (e: Error) => e.message,
      );
    const viaRest = await rest('PUT', '/collections/mem-pinned-rest', {
      vectors: { size: 4, distance: 'Cosine', memory: 'pinned' },
    }).then(
      () => '',
      (e: Error) => e.message,
    );
    // rest() throws `${status} ${JSON.stringify(status)}`
    const [status, body] = [viaRest.slice(0, 3), JSON.parse(viaRest.slice(4)) as { error: string }];
    expect(status).toBe('422');
    expect(body.error).toContain('`pinned` memory placement is not supported for dense vector storage');
    expect(refused).toContain(body.error);
    expect((await client.api('collections').collectionExists({ collectionName: 'mem-pinned' })).result?.exists).toBe(
      false,
    );
  });
});
