/**
 * BM25 inference (lib/api/inference): the token hash against MurmurHash3's published reference values, the weight
 * formula against Qdrant's own lib/bm25 test, and the options parser's defaults, language fallbacks and Qdrant's
 * error wording. Agreement with Qdrant's embedder over real text is test/unit/api-bm25-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { type HttpError, toHttpError } from '../../lib/api/errors.js';
import { Bm25 } from '../../lib/api/inference/bm25.js';
import { parseBm25Options } from '../../lib/api/inference/bm25-config.js';
import { bm25TokenId, murmur3x86_32 } from '../../lib/api/inference/murmur3.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const model = (options: Record<string, unknown> = {}) => new Bm25(parseBm25Options(options));
const plain = { stemmer: { type: 'none' }, stopwords: {} };

function refused(options: Record<string, unknown>): HttpError {
  try {
    model(options);
  } catch (e) {
    return toHttpError(e); // as the API answers it
  }
  throw new Error(`options ${JSON.stringify(options)} were accepted`);
}

describe('murmur3 (x86, 32-bit)', () => {
  it('matches the reference implementation on its published values (every tail length)', () => {
    expect(murmur3x86_32(utf8(''), 0)).toBe(0);
    expect(murmur3x86_32(utf8(''), 1)).toBe(0x514e28b7);
    expect(murmur3x86_32(utf8('hello'), 0)).toBe(0x248bfa47);
    expect(murmur3x86_32(utf8('The quick brown fox jumps over the lazy dog'), 0)).toBe(0x2e4ff723);
    expect(['a', 'ab', 'abc', 'abcd'].map((s) => murmur3x86_32(utf8(s)))).toEqual([
      0x3c2569b2, 0x9bbfd75f, 0xb3dd93fa, 0x43ed676a,
    ]);
  });

  it('token ids are |hash as i32| over UTF-8 bytes, as Qdrant (and fastembed) index BM25 tokens', () => {
    expect(bm25TokenId('hello')).toBe(613153351);
    expect(bm25TokenId('привет')).toBe(993413998);
    // a hash with the top bit set is a negative i32: its id is 2^32 - hash
    const h = murmur3x86_32(utf8('abc'));
    expect(h).toBeGreaterThan(2 ** 31);
    expect(bm25TokenId('abc')).toBe(2 ** 32 - h);
  });
});

describe('BM25 embedding', () => {
  it('weighs a document term as n(k+1) / (k(1 - b + b·len/avg_len) + n) (Qdrant lib/bm25 reference: 1.375)', () => {
    const e = model({ ...plain, avg_len: 5 }).embedDocument('the cat sat on the');
    expect(e.indices).toEqual([...e.indices].sort((a, b) => a - b));
    expect(e.indices).toHaveLength(4);
    const the = e.values[e.indices.indexOf(bm25TokenId('the'))];
    expect(the).toBeCloseTo(1.375, 6);
    const cat = e.values[e.indices.indexOf(bm25TokenId('cat'))];
    expect(cat).toBeCloseTo((1 * 2.2) / (1.2 * 1 + 1), 6);
  });

  it('a longer document weighs a repeated term less; b = 0 turns length normalization off', () => {
    const foo = bm25TokenId('foo');
    const weight = (text: string, o: Record<string, unknown> = {}) => {
      const e = model({ ...plain, avg_len: 5, ...o }).embedDocument(text);
      return e.values[e.indices.indexOf(foo)];
    };
    const long = 'foo bar foo lorem ipsum dolor sit amet consectetur adipiscing';
    expect(weight(long)).toBeLessThan(weight('foo bar foo'));
    expect(weight(long, { b: 0 })).toBe(weight('foo bar foo', { b: 0 }));
  });

  it('a query is its distinct tokens at weight 1, indices ascending; no token is the empty vector', () => {
    const q = model(plain).embedQuery('foo bar foo baz bar');
    expect(q.indices).toEqual([bm25TokenId('foo'), bm25TokenId('bar'), bm25TokenId('baz')].sort((a, b) => a - b));
    expect(q.values).toEqual([1, 1, 1]);
    expect(model().embedQuery('  ,;  ')).toEqual({ indices: [], values: [] });
    expect(model().embedDocument('the and of')).toEqual({ indices: [], values: [] });
  });

  it('defaults to English: lowercase, English stopwords, English snowball stemmer', () => {
    expect(model().embedQuery('The Running DOGS')).toEqual(model(plain).embedQuery('run dog'));
    expect(model().embedDocument('running run').indices).toHaveLength(1);
    expect(model({ stemmer: { type: 'none' } }).embedDocument('running run').indices).toHaveLength(2);
  });

  it('prefix tokenizer: documents index every prefix, queries the word cut to max_token_len', () => {
    const m = model({ ...plain, tokenizer: 'prefix', min_token_len: 2, max_token_len: 4 });
    expect(m.embedDocument('hello').indices).toEqual(['he', 'hel', 'hell'].map(bm25TokenId).sort((a, b) => a - b));
    expect(m.embedQuery('hello').indices).toEqual([bm25TokenId('hell')]);
  });
});

describe('BM25 options', () => {
  it("takes Qdrant's defaults: k 1.2, b 0.75, avg_len 256, word tokenizer, english", () => {
    const c = parseBm25Options(undefined);
    expect(c).toMatchObject({ k: 1.2, b: 0.75, avgLen: 256 });
    expect(c.text).toMatchObject({
      tokenizer: 'word',
      lowercase: true,
      ascii_folding: false,
      stopwords: 'english',
      stemmer: { type: 'snowball', language: 'english' },
      min_token_len: null,
      max_token_len: null,
    });
    // null means unset; unknown keys are ignored, as serde does for Bm25Config
    expect(parseBm25Options({ lowercase: null, stemmer: null, anything: 1 })).toEqual(c);
  });

  it('language picks the stemmer and stopwords; aliases work, a name serde does not know disables both', () => {
    expect(parseBm25Options({ language: 'de' }).text).toMatchObject({
      stopwords: 'german',
      stemmer: { type: 'snowball', language: 'german' },
    });
    // stopwords but no stemmer, and a stemmer but no stopwords
    expect(parseBm25Options({ language: 'chinese' }).text).toMatchObject({ stopwords: 'chinese', stemmer: null });
    expect(parseBm25Options({ language: 'tamil' }).text).toMatchObject({ stopwords: null });
    // Qdrant's deprecated `"language": "none"`, and names are case-sensitive (serde's exact variant names)
    for (const language of ['none', 'English']) {
      expect(model({ language }).embedDocument('The running dogs')).toEqual(
        model(plain).embedDocument('The running dogs'),
      );
    }
    // explicit settings win over the language's
    expect(
      parseBm25Options({ language: 'german', stopwords: { custom: ['x'] }, stemmer: { type: 'none' } }).text,
    ).toMatchObject({ stopwords: { custom: ['x'] }, stemmer: null });
  });

  it("refuses out-of-range parameters with Qdrant's Bm25Params messages", () => {
    expect(refused({ k: -1 })).toMatchObject({
      status: 400,
      message: 'Wrong input: BM25 k1 must be finite and >= 0, got -1',
    });
    expect(refused({ b: 1.5 })).toMatchObject({
      status: 400,
      message: 'Wrong input: BM25 b must be finite and in [0.0, 1.0], got 1.5',
    });
    expect(refused({ avg_len: 0 })).toMatchObject({
      status: 400,
      message: 'Wrong input: BM25 avg_len must be finite and > 0, got 0',
    });
  });

  it("refuses wrong types and values with serde's message inside Qdrant's 'Invalid BM25 config'", () => {
    const serde = (m: string) => `Wrong input: Invalid BM25 config: Error(${JSON.stringify(m)}, line: 0, column: 0)`;
    expect(refused({ k: 'x' }).message).toBe(serde('invalid type: string "x", expected f64'));
    expect(refused({ lowercase: 'yes' }).message).toBe(serde('invalid type: string "yes", expected a boolean'));
    expect(refused({ language: 5 }).message).toBe(serde('invalid type: integer `5`, expected a string'));
    expect(refused({ min_token_len: -1 }).message).toBe(serde('invalid value: integer `-1`, expected usize'));
    expect(refused({ max_token_len: 2.5 }).message).toBe(serde('invalid type: floating point `2.5`, expected usize'));
    expect(refused({ tokenizer: 'code' }).message).toBe(
      serde('unknown variant `code`, expected one of `prefix`, `whitespace`, `word`, `multilingual`'),
    );
    expect(refused({ stopwords: 'klingon' }).message).toBe(
      serde('data did not match any variant of untagged enum StopwordsInterface'),
    );
    expect(refused({ stopwords: { languages: ['english', 'klingon'] } }).message).toBe(
      serde('data did not match any variant of untagged enum StopwordsInterface'),
    );
    expect(refused({ stemmer: { type: 'porter' } }).message).toBe(
      serde('data did not match any variant of untagged enum StemmingAlgorithm'),
    );
    expect(refused({ stemmer: { type: 'snowball', language: 'klingon' } }).status).toBe(400);
  });

  it('a language whose snowball stemmer Strata lacks (greek) is refused, not silently left unstemmed', () => {
    expect(refused({ language: 'greek' })).toMatchObject({
      status: 400,
      message: 'Wrong input: Stemmer for greek is not supported',
    });
    // without its stemmer, Greek stopwords still apply
    expect(model({ language: 'greek', stemmer: { type: 'none' } }).embedQuery('και το').indices).toEqual([]);
  });
});
