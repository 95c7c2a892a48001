/**
 * Payload field indexes as Qdrant declares them (`PUT /collections/{c}/index`): the collection's `payload_schema`,
 * one entry per indexed key, stored in the manifest's config exactly as the client gave it (the string shorthand
 * stays a string, the object form keeps only the parameters that were set), because Qdrant reports it back the same
 * way (`data_type`, plus `params` only for the object form).
 *
 * Semantics that depend on the schema: a `text` index changes what match.text / text_any / phrase mean on its key
 * (tokens instead of substrings, lib/segment/text); every other index type only makes a condition faster, never
 * changes its answer.
 */
import { invalid, malformed } from './errors.js';
import { type Memory, MEMORY_PLACEMENTS } from './memory.js';

export const PAYLOAD_SCHEMA_TYPES = ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid'] as const;
export type PayloadSchemaType = (typeof PAYLOAD_SCHEMA_TYPES)[number];

export const TOKENIZERS = ['prefix', 'whitespace', 'word', 'multilingual'] as const;
export type TokenizerType = (typeof TOKENIZERS)[number];

/** Qdrant's stopword languages (its `Language` enum), with the ISO 639-1 aliases it accepts. */
export const STOPWORD_LANGUAGES: Readonly<Record<string, string>> = {
  arabic: 'ar',
  azerbaijani: 'az',
  basque: 'eu',
  bengali: 'bn',
  catalan: 'ca',
  chinese: 'zh',
  danish: 'da',
  dutch: 'nl',
  english: 'en',
  finnish: 'fi',
  french: 'fr',
  german: 'de',
  greek: 'el',
  hebrew: 'he',
  hinglish: 'hi',
  hungarian: 'hu',
  indonesian: 'id',
  italian: 'it',
  japanese: 'ja',
  kazakh: 'kk',
  nepali: 'ne',
  norwegian: 'no',
  portuguese: 'pt',
  romanian: 'ro',
  russian: 'ru',
  slovene: 'sl',
  spanish: 'es',
  swedish: 'sv',
  tajik: 'tg',
  turkish: 'tr',
};

/** Qdrant's snowball stemmer languages (its `SnowballLanguage` enum) with their aliases. */
export const STEMMER_LANGUAGES: Readonly<Record<string, string>> = {
  arabic: 'ar',
  armenian: 'hy',
  danish: 'da',
  dutch: 'nl',
  english: 'en',
  finnish: 'fi',
  french: 'fr',
  german: 'de',
  greek: 'el',
  hungarian: 'hu',
  italian: 'it',
  norwegian: 'no',
  portuguese: 'pt',
  romanian: 'ro',
  russian: 'ru',
  spanish: 'es',
  swedish: 'sv',
  tamil: 'ta',
  turkish: 'tr',
};

export type Stopwords = string | { languages?: string[] | null; custom?: string[] | null };
export type Stemmer = { type: 'snowball'; language: string } | { type: 'none' };

/** The object form; only the parameters the client set are present (absent = Qdrant's default). */
export interface FieldParams {
  type: PayloadSchemaType;
  is_tenant?: boolean;
  is_principal?: boolean;
  on_disk?: boolean;
  memory?: string;
  enable_hnsw?: boolean;
  /** keyword */
  prefix?: boolean;
  /** integer */
  lookup?: boolean;
  range?: boolean;
  /** text */
  tokenizer?: TokenizerType;
  min_token_len?: number;
  max_token_len?: number;
  lowercase?: boolean;
  ascii_folding?: boolean;
  phrase_matching?: boolean;
  stopwords?: Stopwords;
  stemmer?: Stemmer;
}

export type PayloadFieldSchema = PayloadSchemaType | FieldParams;

/** key -> schema; absent from a config = no index. */
export type PayloadSchema = Record<string, PayloadFieldSchema>;

/** Text-index settings with Qdrant's defaults applied (its `Tokenizer::new_from_text_index_params`). */
export interface TextIndexParams {
  tokenizer: TokenizerType;
  lowercase: boolean;
  ascii_folding: boolean;
  phrase_matching: boolean;
  min_token_len: number | null;
  max_token_len: number | null;
  stopwords: Stopwords | null;
  stemmer: Stemmer | null;
}

export function schemaType(s: PayloadFieldSchema): PayloadSchemaType {
  return typeof s === 'string' ? s : s.type;
}

/** The text index on `key`, defaults applied, or null when `key` has no text index. */
export function textIndexOf(schema: PayloadSchema | undefined, key: string): TextIndexParams | null {
  const s = schema?.[key];
  if (s === undefined || schemaType(s) !== 'text') return null;
  const p: FieldParams = typeof s === 'string' ? { type: 'text' } : s;
  return {
    tokenizer: p.tokenizer ?? 'word',
    lowercase: p.lowercase ?? true,
    ascii_folding: p.ascii_folding ?? false,
    phrase_matching: p.phrase_matching ?? false,
    min_token_len: p.min_token_len ?? null,
    max_token_len: p.max_token_len ?? null,
    stopwords: p.stopwords ?? null,
    stemmer: p.stemmer ?? null,
  };
}

/**
 * Where a segment worker holds the index of a schema entry (Qdrant's field-index `memory`, over the deprecated
 * `on_disk`): default `pinned`, `on_disk: true` = `cold`. Cold indexes are written in the paged layout
 * (lib/segment/field-index-paged.ts); `cached` is held like `pinned` (read whole on first use).
 */
export function fieldIndexMemory(s: PayloadFieldSchema): Memory {
  if (typeof s === 'string') return 'pinned';
  return (s.memory as Memory | undefined) ?? (s.on_disk === true ? 'cold' : 'pinned');
}

// ------------------------------------------------------------------------------------------------ parsing

const COMMON = ['type', 'on_disk', 'memory', 'enable_hnsw'];
const ALLOWED: Record<PayloadSchemaType, readonly string[]> = {
  keyword: [...COMMON, 'is_tenant', 'prefix'],
  integer: [...COMMON, 'lookup', 'range', 'is_principal'],
  float: [...COMMON, 'is_principal'],
  geo: COMMON,
  text: [
    ...COMMON,
    'tokenizer',
    'min_token_len',
    'max_token_len',
    'lowercase',
    'ascii_folding',
    'phrase_matching',
    'stopwords',
    'stemmer',
  ],
  bool: COMMON,
  datetime: [...COMMON, 'is_principal'],
  uuid: [...COMMON, 'is_tenant'],
};
const BOOLEAN_PARAMS = new Set([
  'on_disk',
  'enable_hnsw',
  'is_tenant',
  'is_principal',
  'prefix',
  'lookup',
  'range',
  'lowercase',
  'ascii_folding',
  'phrase_matching',
]);
const MEMORY_MODES: readonly string[] = MEMORY_PLACEMENTS;

/** serde's message for a body matching neither the shorthand nor the object form of Qdrant's untagged enum */
const NO_VARIANT = 'data did not match any variant of untagged enum PayloadFieldSchema';

/**
 * Qdrant's PayloadFieldSchema from untrusted JSON, kept in the form given (nulls dropped). Throws StrataError
 * 'invalid' with code `format` (serde's 400) for a shape error, or `validation` (its validator's 422).
 */
export function parseFieldSchema(value: unknown, path = 'field_schema'): PayloadFieldSchema {
  if (typeof value === 'string') {
    if ((PAYLOAD_SCHEMA_TYPES as readonly string[]).includes(value)) return value as PayloadSchemaType;
    throw malformed(path, NO_VARIANT);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed(path, NO_VARIANT);
  const obj = value as Record<string, unknown>;
  const type = obj.type;
  if (typeof type !== 'string' || !(PAYLOAD_SCHEMA_TYPES as readonly string[]).includes(type)) {
    throw malformed(path, NO_VARIANT);
  }
  const allowed = ALLOWED[type as PayloadSchemaType];
  const out: Record<string, unknown> = { type };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'type' || v === null || v === undefined) continue;
    // serde ignores unknown fields of these structs, so does Strata (nothing stored)
    if (!allowed.includes(k)) continue;
    if (BOOLEAN_PARAMS.has(k)) {
      if (typeof v !== 'boolean') throw malformed(path, NO_VARIANT);
      out[k] = v;
    } else if (k === 'memory') {
      if (typeof v !== 'string' || !MEMORY_MODES.includes(v)) throw malformed(path, NO_VARIANT);
      out[k] = v;
    } else if (k === 'tokenizer') {
      if (typeof v !== 'string' || !(TOKENIZERS as readonly string[]).includes(v)) {
        throw malformed(path, NO_VARIANT);
      }
      out[k] = v;
    } else if (k === 'min_token_len' || k === 'max_token_len') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw malformed(path, NO_VARIANT);
      out[k] = v;
    } else if (k === 'stopwords') {
      out[k] = parseStopwords(v, path);
    } else if (k === 'stemmer') {
      out[k] = parseStemmer(v, path);
    }
  }
  if (out.lookup === false && out.range === false) {
    throw invalid({
      code: 'validation',
      path: `${path}.lookup`,
      detail: "the 'lookup' and 'range' capabilities can't be both disabled",
    });
  }
  return out as unknown as FieldParams;
}

/** A language name or its ISO alias, as its name in `table` (STOPWORD_LANGUAGES, STEMMER_LANGUAGES), or null. */
export function languageOf(v: unknown, table: Readonly<Record<string, string>>): string | null {
  if (typeof v !== 'string') return null;
  if (Object.hasOwn(table, v)) return v;
  for (const [name, alias] of Object.entries(table)) if (alias === v) return name;
  return null;
}

function parseStopwords(v: unknown, path: string): Stopwords {
  const single = languageOf(v, STOPWORD_LANGUAGES);
  if (single !== null) return single;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw malformed(path, NO_VARIANT);
  const o = v as Record<string, unknown>;
  const out: { languages?: string[]; custom?: string[] } = {};
  if (o.languages !== undefined && o.languages !== null) {
    if (!Array.isArray(o.languages)) throw malformed(path, NO_VARIANT);
    out.languages = o.languages.map((l) => {
      const name = languageOf(l, STOPWORD_LANGUAGES);
      if (name === null) throw malformed(path, NO_VARIANT);
      return name;
    });
  }
  if (o.custom !== undefined && o.custom !== null) {
    if (!Array.isArray(o.custom) || !o.custom.every((w) => typeof w === 'string')) {
      throw malformed(path, NO_VARIANT);
    }
    out.custom = o.custom as string[];
  }
  return out;
}

function parseStemmer(v: unknown, path: string): Stemmer {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw malformed(path, NO_VARIANT);
  const o = v as Record<string, unknown>;
  if (o.type === 'none') return { type: 'none' };
  if (o.type !== 'snowball') throw malformed(path, NO_VARIANT);
  const language = languageOf(o.language, STEMMER_LANGUAGES);
  if (language === null) throw malformed(path, NO_VARIANT);
  return { type: 'snowball', language };
}
