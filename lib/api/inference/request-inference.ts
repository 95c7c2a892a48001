/**
 * Server-side inference on request bodies, as Qdrant 1.19's REST layer does it before a request reaches the
 * collection (src/common/inference/update_requests.rs, batch_processing.rs, query_requests_rest.rs): every Document
 * given where a vector is expected is replaced, in the parsed JSON body, by its sparse vector `{indices, values}`, so
 * the request schema and the collection then see an ordinary sparse vector. Nothing else in the body changes.
 *
 * Where a vector is expected (names are REST's):
 * - writes (document weights): `points[i].vector` of upsert and update_vectors, a named vector `vector[name]`;
 *   `batch.vectors[name][j]`; the `upsert` / `update_vectors` operations of `points/batch`;
 * - queries (query weights): `query` and every `prefetch[..].query` (nested), in any form that holds vectors:
 *   a bare vector input, `nearest`, `recommend.positive/negative`, `discover.target/context`, `context`,
 *   `relevance_feedback.target/feedback[].example`; `searches[i]` of a batch.
 *
 * Inferred vectors are sparse, so they can only fill a named (sparse) vector. As Qdrant: a Document as a point's whole
 * `vector` is 400 `Bad request: Sparse vector from document inference should be named`; a list of Documents as
 * `batch.vectors`, or a Document as update_vectors' whole `vector`, are refused before inference with Qdrant's
 * "Direct Document processing ..." 400. Returns the target of every inferred vector (its vector name: the key, or a
 * query's `using`, '' when unset) so the route can refuse a dense target with Qdrant's wording before any work.
 *
 * No I/O and no collection access; the work is bounded by the body size limit and yields to the event loop between
 * slices (inference-objects.ts).
 */
import { HttpError } from '../errors.js';
import type { SparseEmbedding } from './bm25.js';
import { type InferenceKind, type InferenceObject, inferAll, inferenceObjectOf } from './inference-objects.js';

export type InferenceRequest = 'upsert' | 'update_vectors' | 'batch_update' | 'query' | 'query_batch';

/** An inferred vector's place in the body and the vector name it fills. */
export interface InferredTarget {
  using: string;
  path: string;
}

interface Slot {
  holder: Record<string, unknown> | unknown[];
  key: string | number;
  object: InferenceObject;
  target: InferredTarget;
  /** a point's whole `vector`: a sparse result there is refused after inference */
  unnamed?: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const inferenceError = (message: string): HttpError => new HttpError(400, message);

class Collector {
  readonly slots: Slot[] = [];

  /** `holder[key]` when it is an inference object; `using` is the vector name it fills. */
  at(holder: Json | unknown[], key: string | number, using: string, path: string, unnamed = false): void {
    const object = inferenceObjectOf((holder as Record<string | number, unknown>)[key]);
    if (object !== null)
      this.slots.push({ holder, key, object, target: { using, path }, ...(unnamed ? { unnamed } : {}) });
  }

  /** A point's `vector` (VectorStruct): a whole inference object, or named vectors any of which may be one. */
  pointVector(point: unknown, path: string, wholeObject: 'infer' | 'refuse'): void {
    if (!isObject(point)) return;
    const object = inferenceObjectOf(point.vector);
    if (object !== null) {
      if (wholeObject === 'refuse') throw directRefusal(object.type, 'PointVectors');
      this.at(point, 'vector', '', `${path}.vector`, true);
      return;
    }
    if (!isObject(point.vector)) return;
    for (const name of Object.keys(point.vector)) this.at(point.vector, name, name, `${path}.vector.${name}`);
  }

  upsert(body: unknown, path: string): void {
    if (!isObject(body)) return;
    if (Array.isArray(body.points)) {
      body.points.forEach((p, i) => this.pointVector(p, `${path}points[${i}]`, 'infer'));
      return;
    }
    const vectors = isObject(body.batch) ? body.batch.vectors : undefined;
    if (Array.isArray(vectors)) {
      const objects = vectors.map(inferenceObjectOf);
      if (objects.length > 0 && objects.every((o) => o !== null && o.type === objects[0]?.type)) {
        throw directRefusal((objects[0] as InferenceObject).type, 'batch');
      }
      return;
    }
    if (!isObject(vectors)) return;
    for (const [name, list] of Object.entries(vectors)) {
      if (!Array.isArray(list)) continue;
      for (let j = 0; j < list.length; j++) this.at(list, j, name, `${path}batch.vectors.${name}[${j}]`);
    }
  }

  updateVectors(body: unknown, path: string): void {
    if (!isObject(body) || !Array.isArray(body.points)) return;
    body.points.forEach((p, i) => this.pointVector(p, `${path}points[${i}]`, 'refuse'));
  }

  batchUpdate(body: unknown): void {
    if (!isObject(body) || !Array.isArray(body.operations)) return;
    body.operations.forEach((op, i) => {
      if (!isObject(op)) return;
      if ('upsert' in op) this.upsert(op.upsert, `operations[${i}].upsert.`);
      if ('update_vectors' in op) this.updateVectors(op.update_vectors, `operations[${i}].update_vectors.`);
    });
  }

  /** A query request (or one prefetch): its `query` against its own `using`, then its prefetches. */
  query(request: unknown, path: string): void {
    if (!isObject(request)) return;
    const using = typeof request.using === 'string' ? request.using : '';
    if (request.query !== undefined) this.queryForm(request, 'query', using, `${path}query`);
    const prefetch = request.prefetch;
    if (Array.isArray(prefetch)) prefetch.forEach((p, i) => this.query(p, `${path}prefetch[${i}].`));
    else if (isObject(prefetch)) this.query(prefetch, `${path}prefetch.`);
  }

  /** Qdrant's QueryInterface at `holder[key]`: a vector input, or a query object holding vector inputs. */
  private queryForm(holder: Json, key: string, using: string, path: string): void {
    const q = holder[key];
    if (inferenceObjectOf(q) !== null || !isObject(q)) {
      this.at(holder, key, using, path);
      return;
    }
    if ('nearest' in q) this.at(q, 'nearest', using, `${path}.nearest`);
    if (isObject(q.recommend)) {
      for (const side of ['positive', 'negative'] as const) {
        const list = q.recommend[side];
        if (Array.isArray(list)) list.forEach((_, j) => this.at(list, j, using, `${path}.recommend.${side}[${j}]`));
      }
    }
    if (isObject(q.discover)) {
      this.at(q.discover, 'target', using, `${path}.discover.target`);
      this.pairs(q.discover.context, using, `${path}.discover.context`);
    }
    if ('context' in q) this.pairs(q.context, using, `${path}.context`);
    if (isObject(q.relevance_feedback)) {
      const rf = q.relevance_feedback;
      this.at(rf, 'target', using, `${path}.relevance_feedback.target`);
      if (Array.isArray(rf.feedback)) {
        rf.feedback.forEach((item, j) => {
          if (isObject(item)) this.at(item, 'example', using, `${path}.relevance_feedback.feedback[${j}].example`);
        });
      }
    }
  }

  /** A context pair or a list of them. */
  private pairs(v: unknown, using: string, path: string): void {
    const list = Array.isArray(v) ? v : [v];
    list.forEach((pair, j) => {
      if (!isObject(pair)) return;
      const at = Array.isArray(v) ? `${path}[${j}]` : path;
      this.at(pair, 'positive', using, `${at}.positive`);
      this.at(pair, 'negative', using, `${at}.negative`);
    });
  }
}

const TYPE_NAME = { document: 'Document', image: 'Image', object: 'Object' } as const;

/** Qdrant's refusal of an inference object where only named vectors can take its result (an InferenceError). */
function directRefusal(type: InferenceObject['type'], where: 'batch' | 'PointVectors'): HttpError {
  return inferenceError(
    where === 'batch'
      ? `Direct ${TYPE_NAME[type]} processing is not supported in top-level batch vectors. Use named vectors.`
      : `Direct ${TYPE_NAME[type]} processing not supported for PointVectors. Use named vectors.`,
  );
}

const KIND: Record<InferenceRequest, InferenceKind> = {
  upsert: 'document',
  update_vectors: 'document',
  batch_update: 'document',
  query: 'query',
  query_batch: 'query',
};

/**
 * Infers every inference object of `body` (a request of kind `request`) in place; returns the targets of the
 * vectors it wrote (empty, and the body untouched, when it holds none).
 */
export async function inferRequestVectors(body: unknown, request: InferenceRequest): Promise<InferredTarget[]> {
  const c = new Collector();
  switch (request) {
    case 'upsert':
      c.upsert(body, '');
      break;
    case 'update_vectors':
      c.updateVectors(body, '');
      break;
    case 'batch_update':
      c.batchUpdate(body);
      break;
    case 'query':
      c.query(body, '');
      break;
    case 'query_batch':
      if (isObject(body) && Array.isArray(body.searches))
        body.searches.forEach((s, i) => c.query(s, `searches[${i}].`));
      break;
  }
  if (c.slots.length === 0) return [];
  const vectors = await inferAll(
    c.slots.map((s) => s.object),
    KIND[request],
  );
  c.slots.forEach((s, i) => {
    if (s.unnamed) throw new HttpError(400, 'Bad request: Sparse vector from document inference should be named');
    (s.holder as Record<string | number, unknown>)[s.key] = copy(vectors[i]);
  });
  return c.slots.map((s) => s.target);
}

/** Each place gets its own arrays: equal documents share one embedding in inferAll's cache. */
const copy = (v: SparseEmbedding): SparseEmbedding => ({ indices: [...v.indices], values: [...v.values] });
