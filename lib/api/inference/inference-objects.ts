/**
 * Qdrant's inference objects (api::rest::{Document, Image, InferenceObject}) and what Qdrant 1.19 does with them when
 * no remote inference service is configured, which is Strata's only mode (src/common/inference/service.rs,
 * local_model.rs):
 *
 * | object                     | model `qdrant/bm25` or `bm25` (any case) | any other model                    |
 * |----------------------------|------------------------------------------|------------------------------------|
 * | Document `{text, model, options?}` | its BM25 sparse vector (bm25.ts) | 500 `Service internal error: InferenceService URL not configured - please provide valid address in config` |
 * | Image `{image, model}`, InferenceObject `{object, model}` | 400 `Wrong input: Only text input is supported for <model>.` | the same 500 |
 *
 * As in Qdrant, every local (BM25) object of a request is inferred before the remote ones would be sent, so a bad
 * BM25 input is reported ahead of the missing service. `kind` is Qdrant's InferenceType: `document` (Update: upserts
 * and vector updates, term-frequency weights) or `query` (Search: every query form, unit weights).
 */
import { HttpError, wrongInput } from '../errors.js';
import { Bm25, type SparseEmbedding } from './bm25.js';
import { parseBm25Options } from './bm25-config.js';

export type InferenceKind = 'document' | 'query';

export interface InferenceObject {
  type: 'document' | 'image' | 'object';
  model: string;
  /** Document text; undefined for images and objects */
  text?: string;
  options?: Record<string, unknown> | null;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The inference object `v` is, or null: Qdrant's untagged Vector/VectorInput tries a sparse vector first, then
 * Document (string `text` and `model`, `options` an object if set), Image (`image`), InferenceObject (`object`).
 * Anything else is left for the request schema to refuse with its own message.
 */
export function inferenceObjectOf(v: unknown): InferenceObject | null {
  if (!isPlainObject(v) || typeof v.model !== 'string' || ('indices' in v && 'values' in v)) return null;
  if (typeof v.text === 'string') {
    if (v.options !== undefined && v.options !== null && !isPlainObject(v.options)) return null;
    return { type: 'document', model: v.model, text: v.text, options: v.options as Record<string, unknown> | null };
  }
  if ('image' in v) return { type: 'image', model: v.model };
  if ('object' in v) return { type: 'object', model: v.model };
  return null;
}

const LOCAL_MODELS = new Set(['qdrant/bm25', 'bm25']);
const isLocal = (o: InferenceObject): boolean => LOCAL_MODELS.has(o.model.toLowerCase());

/** What Qdrant answers when a request needs a model it would send to the (unconfigured) inference service. */
export const NO_INFERENCE_SERVICE = new HttpError(
  500,
  'Service internal error: InferenceService URL not configured - please provide valid address in config',
);

/** Longest stretch of embedding between two yields to the event loop (the local server serves every request on it). */
const SLICE_MS = 10;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The sparse vector of every object, in order; throws Qdrant's error for the first object that cannot be inferred
 * locally (local inputs first, then any remote one). Equal documents are embedded once per call. A body of text
 * takes ~1-2 MB/s of one core (`npm run bench -- bm25`), so the work is cut into slices of at most SLICE_MS with
 * a yield between them: a large upsert of Documents delays other requests by a slice, never by the whole body.
 */
export async function inferAll(objects: readonly InferenceObject[], kind: InferenceKind): Promise<SparseEmbedding[]> {
  const out: SparseEmbedding[] = [];
  let sliceStart = performance.now();
  const models = new Map<string, Bm25>();
  const cache = new Map<string, SparseEmbedding>();
  for (const o of objects) {
    if (!isLocal(o)) continue;
    if (o.type !== 'document' || o.text === undefined) {
      throw wrongInput(`Only text input is supported for ${o.model}.`);
    }
    const optionsKey = JSON.stringify(o.options ?? {});
    const key = `${optionsKey}\u0000${o.text}`;
    let v = cache.get(key);
    if (v === undefined) {
      let model = models.get(optionsKey);
      if (model === undefined) {
        model = new Bm25(parseBm25Options(o.options));
        models.set(optionsKey, model);
      }
      v = kind === 'document' ? model.embedDocument(o.text) : model.embedQuery(o.text);
      cache.set(key, v);
    }
    out.push(v);
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  if (out.length < objects.length) throw NO_INFERENCE_SERVICE;
  return out;
}
