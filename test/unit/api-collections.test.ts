import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { RecordingService } from '../support/recording-service.js';
import { expectError, resultOf, send } from '../support/api-request.js';

let service: RecordingService;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  service = new RecordingService({ docs: 4 });
  app = createApp({ service });
});

describe('PUT /collections/{name}', () => {
  it('applies Qdrant defaults and passes a complete config to the service', async () => {
    const r = await send(app, 'PUT', '/collections/new', { vectors: { size: 8, distance: 'Dot' } });
    expect(resultOf(r)).toBe(true);
    expect(service.writes()).toEqual([
      {
        method: 'createCollection',
        args: [
          'new',
          {
            vectors: { size: 8, distance: 'Dot', on_disk: false },
            hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10_000, on_disk: false },
            quantization_config: null,
            optimizers_config: { default_segment_number: 0, indexing_threshold: 20_000, max_segment_size: null },
          },
        ],
      },
    ]);
  });

  it('takes every knob of the three scenarios', async () => {
    const r = await send(app, 'PUT', '/collections/tuned?timeout=10', {
      vectors: { size: 4, distance: 'Euclid', on_disk: true },
      hnsw_config: { m: 32, ef_construct: 200, on_disk: true, full_scan_threshold: 500 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.95, always_ram: true } },
      optimizers_config: { default_segment_number: 4, indexing_threshold: 0 },
      shard_number: 1,
      on_disk_payload: true,
    });
    resultOf(r);
    expect(service.writes()[0].args[1]).toEqual({
      vectors: { size: 4, distance: 'Euclid', on_disk: true },
      hnsw_config: { m: 32, ef_construct: 200, full_scan_threshold: 500, on_disk: true },
      quantization_config: { scalar: { type: 'int8', quantile: 0.95, always_ram: true } },
      optimizers_config: { default_segment_number: 4, indexing_threshold: 0, max_segment_size: null },
      on_disk_payload: true,
    });
  });

  it('keeps the unnamed vector spelled as a map a map holding "" (Qdrant\'s VectorsConfig::Multi), scalar defaults', async () => {
    resultOf(
      await send(app, 'PUT', '/collections/m', {
        vectors: { '': { size: 3, distance: 'Cosine' } },
        quantization_config: { scalar: { type: 'int8' } },
      }),
    );
    const config = service.writes()[0].args[1] as { vectors: unknown };
    expect(config.vectors).toEqual({ '': { size: 3, distance: 'Cosine', on_disk: false } });
    expect(config).toMatchObject({
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: false } },
    });
  });

  it('409 with Qdrant message when the collection exists, refused before the write', async () => {
    expectError(
      await send(app, 'PUT', '/collections/docs', { vectors: { size: 4, distance: 'Cosine' } }),
      409,
      'Wrong input: Collection `docs` already exists!',
    );
    expect(service.methods()).toEqual(['collectionExists']);
  });

  it('409 also when the service loses a create race (its own conflict)', async () => {
    service.collectionExists = async () => false;
    expectError(
      await send(app, 'PUT', '/collections/docs', { vectors: { size: 4, distance: 'Cosine' } }),
      409,
      'Wrong input: Collection `docs` already exists!',
    );
  });

  it.each([
    [{ vectors: { size: '4', distance: 'Cosine' } }, 400, 'Format error in JSON body: vectors.size'],
    [{ vectors: { size: 4, distance: 'cosine' } }, 400, 'Format error in JSON body: vectors.distance'],
    [{ vectors: { size: 4.5, distance: 'Cosine' } }, 400, 'vectors.size'],
    // `vectors` may be left out (Qdrant's serde default: no dense vectors), but not given a wrong type
    [{ vectors: 'x' }, 400, 'Format error in JSON body: vectors'],
    [
      { vectors: { size: 0, distance: 'Cosine' } },
      422,
      'Validation error in JSON body: [vectors.size: value 0 invalid, must be 1 or larger]',
    ],
    [{ vectors: { size: 70_000, distance: 'Cosine' } }, 422, 'must be 65536 or smaller'],
    [{ vectors: { size: 4, distance: 'Cosine' }, hnsw_config: { ef_construct: 2 } }, 422, 'hnsw_config.ef_construct'],
    [
      { vectors: { size: 4, distance: 'Cosine' }, quantization_config: { scalar: { type: 'int8', quantile: 0.2 } } },
      422,
      'quantile',
    ],
    [
      { vectors: { size: 4, distance: 'Cosine' }, quantization_config: { product: { compression: 'x3' } } },
      400,
      'quantization_config',
    ],
    [{ vectors: { size: 4, distance: 'Cosine' }, sparse_vectors: { s: { modifier: 'bm25' } } }, 400, 'modifier'],
    [
      { vectors: { s: { size: 4, distance: 'Cosine' } }, sparse_vectors: { s: {} } },
      400,
      "Dense and sparse vector names must be unique - duplicate found with 's'",
    ],
    [
      { vectors: { image: { size: 0, distance: 'Cosine' } } },
      422,
      'vectors.image.size: value 0 invalid, must be 1 or larger',
    ],
    [{ vectors: { image: { size: 4, distance: 'Cos' } } }, 400, 'vectors.image.distance'],
  ])('rejects %j with %i', async (body, status, message) => {
    expectError(await send(app, 'PUT', '/collections/bad', body), status, message);
    expect(service.calls).toEqual([]);
  });

  it('rejects malformed JSON, an empty body and a bad timeout before calling the service', async () => {
    expectError(await send(app, 'PUT', '/collections/bad', '{"vectors": {'), 400, 'Format error in JSON body');
    expectError(await send(app, 'PUT', '/collections/bad', ''), 400, 'Format error in JSON body');
    expectError(
      await send(app, 'PUT', '/collections/bad?timeout=abc', { vectors: { size: 4, distance: 'Cosine' } }),
      400,
      'Format error in query parameters',
    );
    expect(service.calls).toEqual([]);
  });

  it('rejects an over-long collection name', async () => {
    expectError(
      await send(app, 'PUT', `/collections/${'x'.repeat(256)}`, { vectors: { size: 4, distance: 'Cosine' } }),
      422,
      'name',
    );
    expect(service.calls).toEqual([]);
  });

  it('counts a name in UTF-8 bytes: 64 four-byte emoji (256 bytes) are refused before the service is called', async () => {
    const emoji = '😀'.repeat(64);
    expectError(
      await send(app, 'PUT', `/collections/${encodeURIComponent(emoji)}`, { vectors: { size: 4, distance: 'Cosine' } }),
      422,
      'Validation error in path parameters: [name: must be at most 255 bytes in UTF-8, got 256]',
    );
    expectError(await send(app, 'GET', `/collections/${encodeURIComponent(emoji)}`), 422, 'name');
    expect(service.calls).toEqual([]);
    // 63 of them (252 bytes) are a valid name
    const r = await send(app, 'PUT', `/collections/${encodeURIComponent('😀'.repeat(63))}`, {
      vectors: { size: 4, distance: 'Cosine' },
    });
    expect(resultOf(r)).toBe(true);
  });

  it('refuses names the store cannot hold with 400 before the service is called', async () => {
    for (const name of ['a:b', 'a*b', ' lead', 'a?b']) {
      expectError(
        await send(app, 'PUT', `/collections/${encodeURIComponent(name)}`, {
          vectors: { size: 4, distance: 'Cosine' },
        }),
        400,
        `Wrong input: Collection name \`${name}\``,
      );
    }
    expect(service.calls).toEqual([]);
  });
});

describe('other collection routes', () => {
  it('GET /collections lists names', async () => {
    expect(resultOf(await send(app, 'GET', '/collections'))).toEqual({ collections: [{ name: 'docs' }] });
  });

  it("GET /collections/{name} answers Qdrant's CollectionInfo shape", async () => {
    const info = resultOf(await send(app, 'GET', '/collections/docs')) as Record<string, any>;
    expect(info.status).toBe('green');
    expect(info.config.params.vectors).toEqual({ size: 4, distance: 'Cosine', on_disk: false });
    expect(info.config.hnsw_config.m).toBe(16);
    expect(info.config.optimizer_config.indexing_threshold).toBe(20_000);
    expect(info.config.quantization_config).toBeNull();
    expect(info.points_count).toBe(0);
  });

  it("404 with Qdrant's message for an unknown collection", async () => {
    expectError(await send(app, 'GET', '/collections/nope'), 404, "Not found: Collection `nope` doesn't exist!");
  });

  it('exists', async () => {
    expect(resultOf(await send(app, 'GET', '/collections/docs/exists'))).toEqual({ exists: true });
    expect(resultOf(await send(app, 'GET', '/collections/nope/exists'))).toEqual({ exists: false });
  });

  it('DELETE returns whether a collection was deleted', async () => {
    expect(resultOf(await send(app, 'DELETE', '/collections/docs'))).toBe(true);
    expect(resultOf(await send(app, 'DELETE', '/collections/docs'))).toBe(false);
  });

  it('PATCH passes only the changed parameters; "Disabled" turns quantization off', async () => {
    resultOf(
      await send(app, 'PATCH', '/collections/docs', {
        hnsw_config: { ef_construct: 123 },
        optimizers_config: { indexing_threshold: 1000 },
        quantization_config: 'Disabled',
        vectors: { '': { on_disk: true } },
      }),
    );
    expect(service.calls[0]).toEqual({
      method: 'updateCollection',
      args: [
        'docs',
        {
          hnsw_config: { ef_construct: 123 },
          optimizers_config: { indexing_threshold: 1000 },
          quantization_config: null,
          vectors: { on_disk: true },
        },
      ],
    });
  });

  it('PATCH rejects bad values before calling the service', async () => {
    expectError(await send(app, 'PATCH', '/collections/docs', { hnsw_config: { m: -1 } }), 422, 'hnsw_config.m');
    expect(service.calls).toEqual([]);
  });
});

describe('metadata and on_disk_payload', () => {
  it('keeps metadata and on_disk_payload in the config only when given', async () => {
    resultOf(
      await send(app, 'PUT', '/collections/m', {
        vectors: { size: 3, distance: 'Dot' },
        on_disk_payload: false,
        metadata: { owner: 'search-team', model: { name: 'e5', dim: 3 } },
      }),
    );
    expect(service.writes()[0].args[1]).toMatchObject({
      on_disk_payload: false,
      metadata: { owner: 'search-team', model: { name: 'e5', dim: 3 } },
    });
    expectError(
      await send(app, 'PUT', '/collections/n', { vectors: { size: 3, distance: 'Dot' }, metadata: 3 }),
      400,
      'metadata',
    );
  });

  it('PATCH passes metadata on; a metadata-only PATCH changes nothing else', async () => {
    resultOf(await send(app, 'PATCH', '/collections/docs', { metadata: { version: 2 } }));
    expect(service.writes()).toEqual([{ method: 'updateCollection', args: ['docs', { metadata: { version: 2 } }] }]);
  });
});

describe('payload index routes', () => {
  it('PUT /collections/{name}/index passes the parsed schema on, as given (shorthand or params)', async () => {
    expect(
      resultOf(
        await send(app, 'PUT', '/collections/docs/index?wait=true', {
          field_name: 'meta.color',
          field_schema: 'keyword',
        }),
      ),
    ).toEqual({
      // the service's id for the change, passed on (the recording service numbers its calls: this is the first)
      operation_id: 1,
      status: 'completed',
    });
    resultOf(
      await send(app, 'PUT', '/collections/docs/index', {
        field_name: 'n',
        field_schema: { type: 'integer', range: true, lookup: null },
      }),
    );
    resultOf(await send(app, 'PUT', '/collections/docs/index', { field_name: 'b', field_type: 'bool' }));
    resultOf(await send(app, 'DELETE', '/collections/docs/index/n'));
    // Qdrant 1.19's placements (its Memory enum): cold, cached, pinned
    for (const memory of ['cold', 'cached', 'pinned']) {
      resultOf(
        await send(app, 'PUT', '/collections/docs/index', {
          field_name: 't',
          field_schema: { type: 'keyword', memory, on_disk: true },
        }),
      );
    }
    expect(service.writes()).toEqual([
      { method: 'createFieldIndex', args: ['docs', 'meta.color', 'keyword'] },
      { method: 'createFieldIndex', args: ['docs', 'n', { type: 'integer', range: true }] },
      { method: 'createFieldIndex', args: ['docs', 'b', 'bool'] },
      { method: 'deleteFieldIndex', args: ['docs', 'n'] },
      ...['cold', 'cached', 'pinned'].map((memory) => ({
        method: 'createFieldIndex',
        args: ['docs', 't', { type: 'keyword', memory, on_disk: true }],
      })),
    ]);
  });

  it("answers Qdrant's errors for schemas it cannot take", async () => {
    expectError(
      await send(app, 'PUT', '/collections/docs/index', { field_name: 'a' }),
      400,
      "Bad request: Can't auto-detect field type, please specify `field_schema` in the request",
    );
    expectError(
      await send(app, 'PUT', '/collections/docs/index', {
        field_name: 'a',
        field_schema: { type: 'text', tokenizer: 'x' },
      }),
      400,
      'Format error in JSON body: field_schema: data did not match any variant of untagged enum PayloadFieldSchema',
    );
    expectError(
      await send(app, 'PUT', '/collections/docs/index', {
        field_name: 'a',
        field_schema: { type: 'integer', lookup: false, range: false },
      }),
      422,
      "Validation error in JSON body: [field_schema.lookup: the 'lookup' and 'range' capabilities can't be both disabled]",
    );
    expectError(
      await send(app, 'PUT', '/collections/docs/index', {
        field_name: 'a',
        field_schema: { type: 'text', stemmer: { type: 'snowball', language: 'klingon' } },
      }),
      400,
      'PayloadFieldSchema',
    );
    // `on_disk` is a flag, not a placement
    expectError(
      await send(app, 'PUT', '/collections/docs/index', {
        field_name: 'a',
        field_schema: { type: 'keyword', memory: 'on_disk' },
      }),
      400,
      'PayloadFieldSchema',
    );
    expect(service.writes()).toEqual([]);
  });

  it('rejects bad field names and schemas, 404 for unknown collections', async () => {
    expectError(
      await send(app, 'PUT', '/collections/docs/index', { field_name: 'a..b', field_schema: 'keyword' }),
      400,
      'field_name',
    );
    expectError(
      await send(app, 'PUT', '/collections/docs/index', { field_name: 'a', field_schema: 'vector' }),
      400,
      'field_schema',
    );
    expectError(
      await send(app, 'PUT', '/collections/nope/index', { field_name: 'a', field_schema: 'keyword' }),
      404,
      'nope',
    );
    expectError(await send(app, 'DELETE', '/collections/nope/index/a'), 404, 'nope');
    resultOf(await send(app, 'DELETE', '/collections/docs/index/a'));
  });
});

describe('aliases', () => {
  it('lists aliases and 404s the aliases of a missing collection', async () => {
    expect(resultOf(await send(app, 'GET', '/aliases'))).toEqual({ aliases: [] });
    expect(resultOf(await send(app, 'GET', '/collections/docs/aliases'))).toEqual({ aliases: [] });
    expectError(await send(app, 'GET', '/collections/nope/aliases'), 404, 'nope');
    expect(service.writes()).toEqual([]);
  });

  it("passes one request's actions to the service together, in order", async () => {
    const actions = [
      { delete_alias: { alias_name: 'prod' } },
      { create_alias: { collection_name: 'docs', alias_name: 'prod' } },
      { rename_alias: { old_alias_name: 'old', new_alias_name: 'new' } },
    ];
    expect(resultOf(await send(app, 'POST', '/collections/aliases?timeout=5', { actions }))).toBe(true);
    expect(service.writes()).toEqual([{ method: 'updateAliases', args: [actions] }]);
  });

  it('refuses a malformed action before the service sees it', async () => {
    for (const actions of [
      [{ create_alias: { collection_name: 'docs' } }],
      [{ create_alias: { collection_name: 'docs', alias_name: 'a' }, delete_alias: { alias_name: 'a' } }],
      [{ switch_alias: { alias_name: 'a' } }],
    ]) {
      const r = await send(app, 'POST', '/collections/aliases', { actions });
      expect([400, 422]).toContain(r.status);
    }
    expectError(await send(app, 'POST', '/collections/aliases', {}), 400, 'actions');
    expect(service.writes()).toEqual([]);
  });
});
