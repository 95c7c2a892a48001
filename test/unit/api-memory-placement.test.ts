/**
 * Qdrant 1.19's `memory: cold | cached | pinned` at the REST door: accepted at create and PATCH beside every
 * deprecated flag (vectors, hnsw_config, scalar quantization, payload storage), validated with Qdrant's wording
 * (nothing reaches the service when refused), echoed in collection info in both forms, and resolved into the
 * placement each component gets (lib/model/memory.ts, vector-spaces.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { presentCollectionInfo } from '../../lib/api/schemas/collections.js';
import type { CollectionConfig } from '../../lib/model/collection-config.js';
import { vectorSpaces } from '../../lib/model/vector-spaces.js';
import { expectError, resultOf, send } from '../support/api-request.js';
import { RecordingService } from '../support/recording-service.js';

let service: RecordingService;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  service = new RecordingService({ docs: 4 });
  app = createApp({ service });
});

async function created(body: unknown): Promise<CollectionConfig> {
  resultOf(await send(app, 'PUT', '/collections/new', body));
  return service.writes()[0].args[1] as CollectionConfig;
}

describe('memory placement at create', () => {
  it('keeps each `memory` as given, with the deprecated flag that agrees with it', async () => {
    const config = await created({
      vectors: { size: 4, distance: 'Cosine', memory: 'cold' },
      hnsw_config: { memory: 'pinned' },
      quantization_config: { scalar: { type: 'int8', memory: 'cached' } },
      payload: { memory: 'cached' },
    });
    expect(config.vectors).toEqual({ size: 4, distance: 'Cosine', on_disk: true, memory: 'cold' });
    expect(config.hnsw_config).toMatchObject({ on_disk: false, memory: 'pinned' });
    expect(config.quantization_config).toEqual({
      scalar: { type: 'int8', quantile: 0.99, always_ram: false, memory: 'cached' },
    });
    expect(config.payload).toEqual({ memory: 'cached' });
    expect(vectorSpaces(config)[0].placement).toEqual({ vectors: 'cold', graph: 'pinned', quantized: 'cached' });
  });

  it('maps the deprecated flags as Qdrant does: on_disk = cold, else cached; always_ram = pinned, else follow', async () => {
    const flags = await created({
      vectors: { size: 4, distance: 'Cosine', on_disk: true },
      hnsw_config: { on_disk: false },
      quantization_config: { scalar: { type: 'int8', always_ram: true } },
    });
    expect(flags.vectors).toEqual({ size: 4, distance: 'Cosine', on_disk: true });
    expect(vectorSpaces(flags)[0].placement).toEqual({ vectors: 'cold', graph: 'cached', quantized: 'pinned' });

    service = new RecordingService({});
    app = createApp({ service });
    const follow = await created({
      vectors: { size: 4, distance: 'Cosine', on_disk: true },
      quantization_config: { scalar: { type: 'int8', always_ram: false } },
    });
    expect(vectorSpaces(follow)[0].placement).toEqual({ vectors: 'cold', graph: 'cached', quantized: 'cold' });
  });

  it('lets an explicit `memory` win over a deprecated flag that disagrees', async () => {
    const config = await created({
      vectors: { size: 4, distance: 'Cosine', on_disk: true, memory: 'cached' },
      hnsw_config: { on_disk: true, memory: 'pinned' },
      quantization_config: { scalar: { type: 'int8', always_ram: true, memory: 'cold' } },
    });
    expect(vectorSpaces(config)[0].placement).toEqual({ vectors: 'cached', graph: 'pinned', quantized: 'cold' });
  });

  it('takes a placement per named vector, each resolved on its own', async () => {
    const config = await created({
      vectors: {
        image: { size: 4, distance: 'Dot', memory: 'cold', hnsw_config: { memory: 'cold' } },
        text: { size: 2, distance: 'Cosine', quantization_config: { scalar: { type: 'int8', memory: 'pinned' } } },
      },
    });
    expect(config.vectors).toMatchObject({
      image: { on_disk: true, memory: 'cold', hnsw_config: { on_disk: true, memory: 'cold' } },
      text: { on_disk: false },
    });
    const [image, text] = vectorSpaces(config);
    expect(image.placement).toEqual({ vectors: 'cold', graph: 'cold', quantized: 'cold' });
    expect(text.placement).toEqual({ vectors: 'cached', graph: 'cached', quantized: 'pinned' });
  });

  it("refuses an unknown placement with serde's 400 and writes nothing", async () => {
    const bodies = [
      { vectors: { size: 4, distance: 'Cosine', memory: 'hot' } },
      { vectors: { size: 4, distance: 'Cosine' }, hnsw_config: { memory: 'hot' } },
      { vectors: { size: 4, distance: 'Cosine' }, quantization_config: { scalar: { type: 'int8', memory: 'hot' } } },
      { vectors: { size: 4, distance: 'Cosine' }, payload: { memory: 'hot' } },
      { vectors: { a: { size: 4, distance: 'Cosine', memory: 'hot' } } },
    ];
    for (const body of bodies) {
      expectError(
        await send(app, 'PUT', '/collections/new', body),
        400,
        'unknown variant `hot`, expected one of `cold`, `cached`, `pinned`',
      );
    }
    expectError(
      await send(app, 'PUT', '/collections/new', { vectors: { size: 4, distance: 'Cosine', memory: 'hot' } }),
      400,
      'Format error in JSON body: vectors.memory: unknown variant `hot`',
    );
    expectError(
      await send(app, 'PUT', '/collections/new', { vectors: { size: 4, distance: 'Cosine', memory: 1 } }),
      400,
      'vectors.memory: invalid type: 1',
    );
    expect(service.writes()).toEqual([]);
  });

  it("refuses pinned originals and pinned payloads with Qdrant's 422 and writes nothing", async () => {
    const r = await send(app, 'PUT', '/collections/new', {
      vectors: { size: 4, distance: 'Cosine', memory: 'pinned' },
    });
    expect(r.status).toBe(422);
    expect((r.body as { status: { error: string } }).status.error).toBe(
      'Validation error in JSON body: [vectors.memory: `pinned` memory placement is not supported for dense vector storage]',
    );
    expectError(
      await send(app, 'PUT', '/collections/new', {
        vectors: { size: 4, distance: 'Cosine' },
        payload: { memory: 'pinned' },
      }),
      422,
      '[payload.memory: `pinned` memory placement is not supported for payload storage]',
    );
    expectError(
      await send(app, 'PUT', '/collections/new', { vectors: { a: { size: 4, distance: 'Cosine', memory: 'pinned' } } }),
      422,
      '`pinned` memory placement is not supported for dense vector storage',
    );
    expect(service.writes()).toEqual([]);
  });
});

describe('memory placement at PATCH', () => {
  it('passes each changed placement on, with its agreeing flag', async () => {
    resultOf(
      await send(app, 'PATCH', '/collections/docs', {
        vectors: { '': { memory: 'cold' } },
        hnsw_config: { memory: 'pinned' },
        quantization_config: { scalar: { type: 'int8', memory: 'pinned' } },
        params: { payload: { memory: 'cached' } },
      }),
    );
    expect(service.writes()[0].args[1]).toEqual({
      vectors: { on_disk: true, memory: 'cold' },
      hnsw_config: { on_disk: false, memory: 'pinned' },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true, memory: 'pinned' } },
      payload: { memory: 'cached' },
    });
  });

  it('passes a named vector placement and the deprecated on_disk_payload on', async () => {
    resultOf(
      await send(app, 'PATCH', '/collections/docs', {
        vectors: { image: { memory: 'cached', hnsw_config: { memory: 'cold' } } },
        params: { on_disk_payload: false },
      }),
    );
    expect(service.writes()[0].args[1]).toEqual({
      named_vectors: { image: { on_disk: false, memory: 'cached', hnsw_config: { on_disk: true, memory: 'cold' } } },
      on_disk_payload: false,
    });
  });

  it('refuses hot and pinned originals before the service is called', async () => {
    expectError(
      await send(app, 'PATCH', '/collections/docs', { vectors: { '': { memory: 'hot' } } }),
      400,
      'unknown variant `hot`',
    );
    expectError(
      await send(app, 'PATCH', '/collections/docs', { vectors: { image: { memory: 'pinned' } } }),
      422,
      '`pinned` memory placement is not supported for dense vector storage',
    );
    expectError(
      await send(app, 'PATCH', '/collections/docs', {
        quantization_config: { scalar: { type: 'int8', memory: 'hot' } },
      }),
      400,
      'quantization_config.scalar.memory: unknown variant `hot`',
    );
    expectError(
      await send(app, 'PATCH', '/collections/docs', { params: { payload: { memory: 'warm' } } }),
      400,
      'unknown variant `warm`',
    );
    expect(service.writes()).toEqual([]);
  });
});

describe('collection info', () => {
  const info = (config: CollectionConfig) =>
    presentCollectionInfo({
      status: 'green',
      optimizer_status: 'ok',
      points_count: 0,
      indexed_vectors_count: 0,
      segments_count: 0,
      config,
    }) as { config: Record<string, any> };

  it('echoes `memory` beside the deprecated flags, as Qdrant reports both', async () => {
    const config = await created({
      vectors: { size: 4, distance: 'Cosine', memory: 'cold' },
      hnsw_config: { memory: 'pinned' },
      quantization_config: { scalar: { type: 'int8', memory: 'cached' } },
      payload: { memory: 'cached' },
    });
    const c = info(config).config;
    expect(c.params.vectors).toEqual({ size: 4, distance: 'Cosine', on_disk: true, memory: 'cold' });
    expect(c.params.on_disk_payload).toBe(false);
    expect(c.params.payload).toEqual({ memory: 'cached' });
    expect(c.hnsw_config).toMatchObject({ on_disk: false, memory: 'pinned' });
    expect(c.quantization_config).toEqual({
      scalar: { type: 'int8', quantile: 0.99, always_ram: false, memory: 'cached' },
    });
  });

  it('reports no `memory` for a collection made with the deprecated flags only', async () => {
    const c = info(await created({ vectors: { size: 4, distance: 'Cosine', on_disk: true } })).config;
    expect(c.params.vectors).toEqual({ size: 4, distance: 'Cosine', on_disk: true });
    expect(c.params.on_disk_payload).toBe(true);
    expect(c.params.payload).toBeUndefined();
    expect(c.hnsw_config.memory).toBeUndefined();
  });
});
