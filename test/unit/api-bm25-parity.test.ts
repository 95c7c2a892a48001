/**
 * Strata's BM25 inference against Qdrant's own embedder (qdrant-edge-py 0.9.0's `Bm25`, the lib/bm25 + segment
 * tokenizer code Qdrant 1.19's server runs for `qdrant/bm25` Documents) over real sentences: test/python/bm25_oracle.py
 * takes them from the machine's GNU message catalogs (English help texts and their German, French, ... translations),
 * embeds each as a document and as a query, and every vector here must have the same indices, in the same order,
 * with values equal to f32 rounding.
 *
 * Not compared: the `multilingual` tokenizer (Qdrant segments with charabia and normalizes lossily; Strata uses ICU's
 * word breaks, README "BM25"), Greek (no snowball stemmer here: refused, see api-bm25.test.ts), and
 * `"language": "none"` (qdrant-edge 0.9 now refuses it; the 1.19 server still treats it as "no stemmer, no stopwords",
 * which api-bm25.test.ts pins).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bm25, type SparseEmbedding } from '../../lib/api/inference/bm25.js';
import { parseBm25Options } from '../../lib/api/inference/bm25-config.js';
import { runPythonJob } from '../support/python-job.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'bm25_oracle.py');

interface Case {
  name: string;
  source: string;
  limit: number;
  options: Record<string, unknown>;
}
interface Oracle {
  texts: string[];
  docs: SparseEmbedding[];
  queries: SparseEmbedding[];
}

const LANGUAGES = [
  'english',
  'german',
  'french',
  'spanish',
  'italian',
  'portuguese',
  'dutch',
  'russian',
  'swedish',
  'danish',
  'finnish',
  'hungarian',
  'romanian',
  'turkish',
  'norwegian',
  'arabic',
];

const CASES: Case[] = [
  { name: 'english, every default', source: 'english', limit: 400, options: {} },
  ...LANGUAGES.map((l) => ({ name: `${l} (language default)`, source: l, limit: 200, options: { language: l } })),
  { name: 'whitespace tokenizer', source: 'english', limit: 200, options: { tokenizer: 'whitespace' } },
  {
    name: 'prefix tokenizer with token lengths',
    source: 'english',
    limit: 200,
    options: { tokenizer: 'prefix', min_token_len: 2, max_token_len: 5 },
  },
  {
    name: 'ascii folding, case kept',
    source: 'french',
    limit: 200,
    options: { language: 'french', ascii_folding: true, lowercase: false },
  },
  {
    name: 'k, b, avg_len, no stemmer, stopword set of languages + custom',
    source: 'english',
    limit: 200,
    options: {
      k: 0.9,
      b: 0.4,
      avg_len: 12,
      stemmer: { type: 'none' },
      stopwords: { languages: ['english', 'german'], custom: ['file', 'The'] },
    },
  },
  {
    name: 'no stemmer, empty stopwords',
    source: 'english',
    limit: 200,
    options: { stemmer: { type: 'none' }, stopwords: {} },
  },
  {
    name: 'english stopwords, german stemmer, min_token_len',
    source: 'german',
    limit: 200,
    options: { stemmer: { type: 'snowball', language: 'german' }, min_token_len: 3 },
  },
];

function runOracle(job: unknown): Promise<{ cases: Oracle[] }> {
  return runPythonJob<{ cases: Oracle[] }>(SCRIPT, job);
}

/** Indices identical; values equal up to one f32 rounding of the weight (Qdrant fuses k·x + n into one FMA). */
function mismatch(got: SparseEmbedding, want: SparseEmbedding): string | null {
  if (JSON.stringify(got.indices) !== JSON.stringify(want.indices)) return 'indices differ';
  for (let i = 0; i < want.values.length; i++) {
    if (Math.abs(got.values[i] - want.values[i]) > 1e-6 * Math.max(1, Math.abs(want.values[i]))) {
      return `value ${i}: ${got.values[i]} vs ${want.values[i]}`;
    }
  }
  return null;
}

let oracle: Oracle[];

beforeAll(async () => {
  oracle = (await runOracle({ cases: CASES })).cases;
}, 120_000);

describe('BM25 inference = Qdrant (qdrant-edge-py) over real sentences', () => {
  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = CASES[i];
    const { texts, docs, queries } = oracle[i];
    // enough real text that a wrong stemmer, stopword list or hash would show (the catalogs are on the machine)
    expect(texts.length).toBeGreaterThanOrEqual(c.limit * 0.75);
    const model = new Bm25(parseBm25Options(c.options));
    const wrong: string[] = [];
    let tokens = 0;
    texts.forEach((text, j) => {
      const doc = model.embedDocument(text);
      const query = model.embedQuery(text);
      tokens += doc.indices.length;
      const d = mismatch(doc, docs[j]);
      const q = mismatch(query, queries[j]);
      if (d) wrong.push(`document ${JSON.stringify(text)}: ${d}`);
      if (q) wrong.push(`query ${JSON.stringify(text)}: ${q}`);
    });
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(tokens).toBeGreaterThan(texts.length * 2);
  });
});
