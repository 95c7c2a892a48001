/**
 * A `Document`'s `options` for the `qdrant/bm25` model, read as Qdrant 1.19 reads them (api::rest::Bm25Config,
 * deserialized from the options map by serde, then src/common/inference/bm25_inference.rs `build_tokens_processor`):
 *
 * | option          | default                         | meaning                                                     |
 * |-----------------|---------------------------------|-------------------------------------------------------------|
 * | `k`             | 1.2                             | term-frequency saturation (finite, >= 0)                    |
 * | `b`             | 0.75                            | length normalization (0..=1)                                |
 * | `avg_len`       | 256                             | expected average document length in tokens (> 0)           |
 * | `tokenizer`     | `word`                          | `word`, `whitespace`, `prefix`, `multilingual`              |
 * | `language`      | `english`                       | picks the default stemmer and stopwords (exact name/alias) |
 * | `lowercase`     | true                            |                                                             |
 * | `ascii_folding` | false                           |                                                             |
 * | `stopwords`     | the language's list, if it has one | a language, or `{languages, custom}`                     |
 * | `stemmer`       | the language's snowball stemmer, if any | `{type: snowball, language}` or `{type: none}`     |
 * | `min_token_len`, `max_token_len` | none           | token length limits in characters                           |
 *
 * A `language` that names no stemmer or stopword list silently disables that part (Qdrant's deprecated
 * `"language": "none"` idiom). Unknown keys are ignored and null means "not set", as serde does for these fields.
 * Errors are Qdrant's words: a wrong type or value is `Invalid BM25 config: Error("<serde message>", line: 0, column:
 * 0)`, an out-of-range parameter is its `Bm25Params::validate` message; both are 400 "Wrong input".
 */
import {
  languageOf,
  STEMMER_LANGUAGES,
  STOPWORD_LANGUAGES,
  type Stemmer,
  type Stopwords,
  type TextIndexParams,
  TOKENIZERS,
  type TokenizerType,
} from '../../model/payload-schema.js';
import { wrongInput } from '../errors.js';

export interface Bm25Config {
  k: number;
  b: number;
  avgLen: number;
  /** the token pipeline, in the shape lib/segment/text's Tokenizer takes */
  text: TextIndexParams;
}

const DEFAULT_LANGUAGE = 'english';

/** serde's wording of a value it did not expect, as serde_json prints it (`JsonUnexpected`). */
function unexpected(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return `boolean \`${v}\``;
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return `integer \`${v}\``;
    return `floating point \`${Number.isInteger(v) ? `${v}.0` : v}\``;
  }
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return Array.isArray(v) ? 'sequence' : 'map';
}

/** Qdrant's message for a config serde refused: the error's Debug form, wrapped. */
function serdeError(message: string): Error {
  return wrongInput(`Invalid BM25 config: Error(${JSON.stringify(message)}, line: 0, column: 0)`);
}

const invalidType = (v: unknown, expected: string): Error =>
  serdeError(`invalid type: ${unexpected(v)}, expected ${expected}`);

function float(v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw invalidType(v, 'f64');
  return v;
}

function optionalBool(v: unknown): boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw invalidType(v, 'a boolean');
  return v;
}

function optionalUsize(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidType(v, 'usize');
  if (v < 0) throw serdeError(`invalid value: ${unexpected(v)}, expected usize`);
  return v;
}

function tokenizer(v: unknown): TokenizerType {
  if (v === undefined) return 'word';
  if (typeof v !== 'string') throw invalidType(v, 'string or map');
  if (!(TOKENIZERS as readonly string[]).includes(v)) {
    throw serdeError(`unknown variant \`${v}\`, expected one of ${TOKENIZERS.map((t) => `\`${t}\``).join(', ')}`);
  }
  return v as TokenizerType;
}

const noVariant = (name: string): Error => serdeError(`data did not match any variant of untagged enum ${name}`);

/** StopwordsInterface: a language (name or alias), or `{languages?, custom?}` (other keys ignored). */
function stopwords(v: unknown): Stopwords | null {
  if (v === undefined || v === null) return null;
  const single = languageOf(v, STOPWORD_LANGUAGES);
  if (single !== null) return single;
  if (typeof v !== 'object' || Array.isArray(v)) throw noVariant('StopwordsInterface');
  const o = v as Record<string, unknown>;
  const out: { languages?: string[]; custom?: string[] } = {};
  if (o.languages != null) {
    if (!Array.isArray(o.languages)) throw noVariant('StopwordsInterface');
    out.languages = o.languages.map((l) => languageOf(l, STOPWORD_LANGUAGES) ?? '');
    if (out.languages.includes('')) throw noVariant('StopwordsInterface');
  }
  if (o.custom != null) {
    if (!Array.isArray(o.custom) || !o.custom.every((w) => typeof w === 'string')) {
      throw noVariant('StopwordsInterface');
    }
    out.custom = o.custom;
  }
  return out;
}

/** StemmingAlgorithm: `{type: "snowball", language}` or `{type: "none"}`. */
function stemmer(v: unknown): Stemmer | null | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw noVariant('StemmingAlgorithm');
  const o = v as Record<string, unknown>;
  if (o.type === 'snowball') {
    const language = languageOf(o.language, STEMMER_LANGUAGES);
    if (language !== null) return { type: 'snowball', language };
  }
  if (o.type === 'none') return null;
  throw noVariant('StemmingAlgorithm');
}

/** Rust's `{}` of an f64 for the values JSON can carry (integers print without a fraction). */
const rustFloat = (v: number): string => String(v);

/** Qdrant's Bm25Params::validate: the parameters that would make weights NaN or meaningless. */
function validate(k: number, b: number, avgLen: number): void {
  if (!Number.isFinite(k) || k < 0) throw wrongInput(`BM25 k1 must be finite and >= 0, got ${rustFloat(k)}`);
  if (!Number.isFinite(b) || b < 0 || b > 1) {
    throw wrongInput(`BM25 b must be finite and in [0.0, 1.0], got ${rustFloat(b)}`);
  }
  if (!Number.isFinite(avgLen) || avgLen <= 0) {
    throw wrongInput(`BM25 avg_len must be finite and > 0, got ${rustFloat(avgLen)}`);
  }
}

/**
 * The config a Document's `options` ask for (null/undefined = every default). `options` must already be a JSON
 * object or absent: anything else is not a Document (the request schema refuses it).
 */
export function parseBm25Options(options: Readonly<Record<string, unknown>> | null | undefined): Bm25Config {
  const o = options ?? {};
  const k = float(o.k, 1.2);
  const b = float(o.b, 0.75);
  const avgLen = float(o.avg_len, 256);
  const tok = tokenizer(o.tokenizer);
  if (o.language !== undefined && o.language !== null && typeof o.language !== 'string') {
    throw invalidType(o.language, 'a string');
  }
  const language = (o.language as string | null | undefined) ?? DEFAULT_LANGUAGE;
  const lowercase = optionalBool(o.lowercase) ?? true;
  const asciiFolding = optionalBool(o.ascii_folding) ?? false;
  const explicitStopwords = stopwords(o.stopwords);
  const explicitStemmer = stemmer(o.stemmer);
  const minTokenLen = optionalUsize(o.min_token_len);
  const maxTokenLen = optionalUsize(o.max_token_len);
  validate(k, b, avgLen);

  // unset stemmer/stopwords fall back to the language's; a language without one gets none (never an error)
  const stemLanguage = languageOf(language, STEMMER_LANGUAGES);
  const stem: Stemmer | null =
    explicitStemmer !== undefined
      ? explicitStemmer
      : stemLanguage !== null
        ? { type: 'snowball', language: stemLanguage }
        : null;
  const stop: Stopwords | null = explicitStopwords ?? languageOf(language, STOPWORD_LANGUAGES);

  return {
    k,
    b,
    avgLen,
    text: {
      tokenizer: tok,
      lowercase,
      ascii_folding: asciiFolding,
      phrase_matching: false,
      min_token_len: minTokenLen,
      max_token_len: maxTokenLen,
      stopwords: stop,
      stemmer: stem,
    },
  };
}
