/**
 * Server-side inference on request bodies (lib/api/inference/request-inference.ts) and its routes: where Documents
 * are found in each request shape, which weights they get (document vs query), and Qdrant's answers for what cannot
 * be inferred here (other models, images, objects, unnamed targets, dense targets), with nothing written.
 */
import { create } from '@bufbuild/protobuf';
import { QueryPointsSchema, UpsertPointsSchema } from '@qdrant/js-client-grpc';
import { beforeEach, describe, expect, it } from 'vitest';
import { messageToRest } from '../../lib/api/grpc/to-rest.js';
import { createApp } from '../../lib/api/index.js';
import { Bm25 } from '../../lib/api/inference/bm25.js';
import { parseBm25Options } from '../../lib/api/inference/bm25-config.js';
import { inferRequestVectors } from '../../lib/api/inference/request-inference.js';
import type { CollectionConfig } from '../../lib/model/collection-config.js';
import { expectError, send } from '../support/api-request.js';
import { configOf, RecordingService } from '../support/recording-service.js';

const TEXT = 'The quick brown foxes were jumping over lazy dogs';
const doc = (text = TEXT, options?: Record<string, unknown>) => ({
  text,
  model: 'qdrant/bm25',
  ...(options ? { options } : {}),
});
const bm25 = (options: Record<string, unknown> = {}) => new Bm25(parseBm25Options(options));
const asDocument = (text = TEXT, options = {}) => bm25(options).embedDocument(text);
const asQuery = (text = TEXT, options = {}) => bm25(options).embedQuery(text);

describe('inferRequestVectors: where Documents are', () => {
  it('upsert: named vectors of a points list and of a batch get document weights', async () => {
    const body = {
      points: [
        { id: 1, vector: { text: doc(), dense: [1, 2] } },
        { id: 2, vector: { text: doc('running', { language: 'german' }) } },
      ],
    };
    expect(await inferRequestVectors(body, 'upsert')).toEqual([
      { using: 'text', path: 'points[0].vector.text' },
      { using: 'text', path: 'points[1].vector.text' },
    ]);
    expect(body.points[0].vector).toEqual({ text: asDocument(), dense: [1, 2] });
    expect(body.points[1].vector.text).toEqual(asDocument('running', { language: 'german' }));
    expect(asDocument().values.some((v) => v !== 1)).toBe(true);

    const batch = { batch: { ids: [1, 2], vectors: { sparse: [doc('a fox'), { indices: [1], values: [2] }] } } };
    expect(await inferRequestVectors(batch, 'upsert')).toEqual([{ using: 'sparse', path: 'batch.vectors.sparse[0]' }]);
    expect(batch.batch.vectors.sparse).toEqual([asDocument('a fox'), { indices: [1], values: [2] }]);
  });

  it('update_vectors and the upsert / update_vectors operations of a batch update', async () => {
    const update = { points: [{ id: 1, vector: { s: doc() } }] };
    expect(await inferRequestVectors(update, 'update_vectors')).toHaveLength(1);
    expect(update.points[0].vector.s).toEqual(asDocument());
    const ops = {
      operations: [
        { upsert: { points: [{ id: 1, vector: { s: doc('one') } }] } },
        { delete: { points: [1] } },
        { update_vectors: { points: [{ id: 2, vector: { s: doc('two') } }] } },
      ],
    };
    expect((await inferRequestVectors(ops, 'batch_update')).map((t) => t.path)).toEqual([
      'operations[0].upsert.points[0].vector.s',
      'operations[2].update_vectors.points[0].vector.s',
    ]);
    expect(ops.operations[2]).toEqual({ update_vectors: { points: [{ id: 2, vector: { s: asDocument('two') } }] } });
  });

  it('queries: every vector input of every query form and nested prefetch gets query weights, against its using', async () => {
    const body = {
      prefetch: [
        { query: doc('alpha'), using: 'text', limit: 20 },
        { prefetch: { query: { nearest: doc('beta') }, using: 'title' }, query: [0.1, 0.2], using: 'dense' },
      ],
      query: { fusion: 'rrf' },
    };
    expect(await inferRequestVectors(body, 'query')).toEqual([
      { using: 'text', path: 'prefetch[0].query' },
      { using: 'title', path: 'prefetch[1].prefetch.query.nearest' },
    ]);
    expect(body.prefetch[0].query).toEqual(asQuery('alpha'));
    expect((body.prefetch[1].prefetch as { query: unknown }).query).toEqual({ nearest: asQuery('beta') });
    expect(asQuery('alpha').values.every((v) => v === 1)).toBe(true);

    const forms = {
      searches: [
        { query: { recommend: { positive: [doc('a'), 7], negative: [doc('b')] } }, using: 's' },
        { query: { discover: { target: doc('t'), context: [{ positive: doc('p'), negative: 3 }] } }, using: 's' },
        { query: { context: { positive: doc('p'), negative: doc('n') } }, using: 's' },
        { query: { relevance_feedback: { target: doc('t'), feedback: [{ example: doc('e'), score: 1 }] } } },
      ],
    };
    expect((await inferRequestVectors(forms, 'query_batch')).map((t) => `${t.using}:${t.path}`)).toEqual([
      's:searches[0].query.recommend.positive[0]',
      's:searches[0].query.recommend.negative[0]',
      's:searches[1].query.discover.target',
      's:searches[1].query.discover.context[0].positive',
      's:searches[2].query.context.positive',
      's:searches[2].query.context.negative',
      ':searches[3].query.relevance_feedback.target',
      ':searches[3].query.relevance_feedback.feedback[0].example',
    ]);
    expect(forms.searches[0].query).toEqual({ recommend: { positive: [asQuery('a'), 7], negative: [asQuery('b')] } });
  });

  it('leaves bodies without inference objects untouched (sparse vectors, dense vectors, ids, unknown shapes)', async () => {
    const body = {
      points: [
        { id: 1, vector: { s: { indices: [1], values: [1] }, d: [1, 2] } },
        { id: 2, vector: { s: { text: 5, model: 'qdrant/bm25' } } },
      ],
    };
    const before = structuredClone(body);
    expect(await inferRequestVectors(body, 'upsert')).toEqual([]);
    expect(body).toEqual(before);
    expect(await inferRequestVectors({ query: 3, prefetch: { query: [1, 2] } }, 'query')).toEqual([]);
  });

  it('the model name is case-insensitive, and `bm25` is the same local model', async () => {
    const body = { query: { text: TEXT, model: 'Qdrant/BM25' }, prefetch: { query: { text: TEXT, model: 'bm25' } } };
    await inferRequestVectors(body, 'query');
    expect(body.query).toEqual(asQuery());
    expect(body.prefetch.query).toEqual(asQuery());
  });
  it('yields to the event loop while it embeds a large body (other requests wait a slice, not the body)', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `${TEXT} number ${i}`).join(' ');
    const body = { points: Array.from({ length: 600 }, (_, i) => ({ id: i, vector: { s: doc(`${long} ${i}`) } })) };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    await inferRequestVectors(body, 'upsert');
    clearInterval(timer);
    // the work outlasts several slices, and timers ran in between
    expect(performance.now() - started).toBeGreaterThan(30);
    expect(ticks).toBeGreaterThan(1);
  });
});

describe('inference through the API (nothing written on refusal)', () => {
  let service: RecordingService;
  let app: ReturnType<typeof createApp>;
  /** a collection with one dense name `dense` (sparse names need the sparse-vector config) */
  const named: CollectionConfig = {
    ...configOf(4),
    vectors: { dense: { size: 4, distance: 'Cosine', on_disk: false } },
  };

  beforeEach(() => {
    service = new RecordingService({ docs: 4, named: 4 });
    const unnamedConfig = service.collectionConfig.bind(service);
    service.collectionConfig = async (name: string) => (name === 'named' ? named : unnamedConfig(name));
    app = createApp({ service });
  });

  it("a Document for a dense vector is Qdrant's WrongSparse, for upserts, vector updates, batches and queries", async () => {
    const wrong = 'Wrong input: Conversion between sparse and regular vectors failed';
    expectError(
      await send(app, 'PUT', '/collections/named/points', { points: [{ id: 1, vector: { dense: doc() } }] }),
      400,
      wrong,
    );
    expectError(
      await send(app, 'PUT', '/collections/named/points/vectors', { points: [{ id: 1, vector: { dense: doc() } }] }),
      400,
      wrong,
    );
    expectError(
      await send(app, 'POST', '/collections/named/points/batch', {
        operations: [{ upsert: { points: [{ id: 1, vector: { dense: doc() } }] } }],
      }),
      400,
      wrong,
    );
    expectError(await send(app, 'POST', '/collections/docs/points/query', { query: doc() }), 400, wrong);
    expectError(
      await send(app, 'POST', '/collections/named/points/query', {
        prefetch: [{ query: doc(), using: 'dense' }],
        query: { fusion: 'rrf' },
      }),
      400,
      wrong,
    );
    expectError(
      await send(app, 'POST', '/collections/named/points/query/batch', {
        searches: [{ query: doc(), using: 'dense' }],
      }),
      400,
      wrong,
    );
    expectError(
      await send(app, 'POST', '/collections/named/points/query/groups', {
        query: doc(),
        using: 'dense',
        group_by: 'k',
      }),
      400,
      wrong,
    );
    expect(service.writes()).toEqual([]);
    expect(service.methods().filter((m) => m !== 'collectionConfig')).toEqual([]);
  });

  it("any model but BM25 is Qdrant's answer without an inference service (500), even beside a valid BM25 input", async () => {
    const noService =
      'Service internal error: InferenceService URL not configured - please provide valid address in config';
    const other = { text: TEXT, model: 'sentence-transformers/all-minilm-l6-v2' };
    const r = await send(app, 'PUT', '/collections/named/points', {
      points: [{ id: 1, vector: { a: doc(), b: other } }],
    });
    expectError(r, 500, noService);
    expectError(await send(app, 'POST', '/collections/docs/points/query', { query: other }), 500, noService);
    expectError(
      await send(app, 'POST', '/collections/docs/points/query', { query: { image: 'https://x/y.png', model: 'clip' } }),
      500,
      noService,
    );
    expect(service.calls).toEqual([]);
  });

  it('BM25 takes text only: images and objects are 400 naming the model', async () => {
    expectError(
      await send(app, 'POST', '/collections/docs/points/query', { query: { image: 'https://x/y.png', model: 'bm25' } }),
      400,
      'Wrong input: Only text input is supported for bm25.',
    );
    expectError(
      await send(app, 'PUT', '/collections/named/points', {
        points: [{ id: 1, vector: { s: { object: { a: 1 }, model: 'qdrant/bm25' } } }],
      }),
      400,
      'Wrong input: Only text input is supported for qdrant/bm25.',
    );
    expect(service.calls).toEqual([]);
  });

  it('a bad BM25 option is 400 with the serde / Bm25Params wording, before the collection is read', async () => {
    expectError(
      await send(app, 'POST', '/collections/named/points/query', { query: doc(TEXT, { b: 2 }), using: 's' }),
      400,
      'Wrong input: BM25 b must be finite and in [0.0, 1.0], got 2',
    );
    expectError(
      await send(app, 'PUT', '/collections/named/points', {
        points: [{ id: 1, vector: { s: doc(TEXT, { tokenizer: 'words' }) } }],
      }),
      400,
      'Wrong input: Invalid BM25 config: Error("unknown variant `words`, expected one of',
    );
    expect(service.calls).toEqual([]);
  });

  it('a Document where only named vectors can take a sparse result is refused with Qdrant`s messages', async () => {
    expectError(
      await send(app, 'PUT', '/collections/docs/points', { points: [{ id: 1, vector: doc() }] }),
      400,
      'Bad request: Sparse vector from document inference should be named',
    );
    const batch = await send(app, 'PUT', '/collections/docs/points', {
      batch: { ids: [1, 2], vectors: [doc(), doc()] },
    });
    expectError(
      batch,
      400,
      'Direct Document processing is not supported in top-level batch vectors. Use named vectors.',
    );
    expect((batch.body as { status: { error: string } }).status.error).toMatch(/^Direct Document/);
    expectError(
      await send(app, 'PUT', '/collections/docs/points/vectors', { points: [{ id: 1, vector: doc() }] }),
      400,
      'Direct Document processing not supported for PointVectors. Use named vectors.',
    );
    expect(service.calls).toEqual([]);
  });

  it('an unknown collection is 404 once its Documents are inferred', async () => {
    expectError(
      await send(app, 'POST', '/collections/nope/points/query', { query: doc(), using: 's' }),
      404,
      "Not found: Collection `nope` doesn't exist!",
    );
  });
});

describe('gRPC Documents', () => {
  const skip = new Set(['collection_name']);
  const str = (value: string) => ({ kind: { case: 'stringValue' as const, value } });

  it('a Document in Query / prefetch / UpsertPoints maps to the REST Document its REST twin infers', async () => {
    const query = create(QueryPointsSchema, {
      collectionName: 'c',
      using: 'text',
      query: {
        variant: {
          case: 'nearest',
          value: {
            variant: {
              case: 'document',
              value: { text: TEXT, model: 'qdrant/bm25', options: { language: str('german') } },
            },
          },
        },
      },
      prefetch: [
        {
          using: 'text',
          query: {
            variant: {
              case: 'nearest',
              value: { variant: { case: 'document', value: { text: 'x', model: 'qdrant/bm25' } } },
            },
          },
        },
      ],
    });
    const body = messageToRest(QueryPointsSchema, query as never, skip);
    expect(body).toEqual({
      prefetch: [{ query: doc('x'), using: 'text' }],
      query: doc(TEXT, { language: 'german' }),
      using: 'text',
    });
    expect(await inferRequestVectors(body, 'query')).toHaveLength(2);
    expect(body).toMatchObject({ query: asQuery(TEXT, { language: 'german' }), prefetch: [{ query: asQuery('x') }] });

    const upsert = create(UpsertPointsSchema, {
      collectionName: 'c',
      points: [
        {
          id: { pointIdOptions: { case: 'num', value: 1n } },
          vectors: {
            vectorsOptions: {
              case: 'vectors',
              value: {
                vectors: { text: { vector: { case: 'document', value: { text: TEXT, model: 'qdrant/bm25' } } } },
              },
            },
          },
        },
      ],
    });
    const points = messageToRest(UpsertPointsSchema, upsert as never, skip);
    expect(await inferRequestVectors(points, 'upsert')).toEqual([{ using: 'text', path: 'points[0].vector.text' }]);
    expect(points).toMatchObject({ points: [{ vector: { text: asDocument() } }] });
  });
});
