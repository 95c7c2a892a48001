/**
 * Qdrant's full-text tokenizer (lib/segment/src/index/field_index/full_text_index/tokenizers): the same token
 * stream for documents and queries, so a text index and a payload scan with the same params agree.
 *
 * Per token, in Qdrant's order (TokensProcessor::process_token): drop empty → ASCII folding (if on) → lowercase (if
 * on, the default) → drop stopwords → stem (if a stemmer is set) → drop tokens shorter than min_token_len or (except
 * prefix documents) longer than max_token_len, counted in characters.
 *
 * Tokenizers: `word` splits on every non-alphanumeric character (Rust's char::is_alphanumeric: letters and numbers);
 * `whitespace` on Unicode whitespace; `prefix` emits, for each word of a document, its prefixes of min_token_len
 * (default 1) up to max_token_len characters, and for a query each word cut to max_token_len (no stopwords: a
 * partial word may look like one); `multilingual` segments words with ICU's word break rules (Intl.Segmenter),
 * which separates CJK and Thai text into words where Qdrant uses charabia (so tokens there may differ from Qdrant's).
 *
 * Pure: no I/O. Build one Tokenizer per query (stopword sets and stemmers are built once).
 */
import snowball from 'snowball-stemmers';
import { invalid } from '../../model/errors.js';
import {
  languageOf,
  STEMMER_LANGUAGES,
  STOPWORD_LANGUAGES,
  type Stopwords,
  type TextIndexParams,
} from '../../model/payload-schema.js';
import { ASCII_FOLDING } from './ascii-folding-data.js';
import { STOPWORDS } from './stopwords-data.js';

let foldTable: Map<string, string> | null = null;

/** Lucene's ASCII folding, as Qdrant applies it: characters without an ASCII form are kept. */
export function foldToAscii(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range itself is what is tested
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  if (foldTable === null) {
    foldTable = new Map();
    for (const [repl, chars] of ASCII_FOLDING) for (const c of chars) foldTable.set(c, repl);
  }
  let out = '';
  for (const c of s) out += foldTable.get(c) ?? c;
  return out;
}

const NOT_ALNUM = /[^\p{Alphabetic}\p{N}]+/u;
const WHITESPACE = /\s+/u;

function stopwordSet(option: Stopwords | null, lowercase: boolean): Set<string> {
  const out = new Set<string>();
  if (option === null) return out;
  const add = (w: string): void => {
    out.add(lowercase ? w.toLowerCase() : w);
  };
  const languages = typeof option === 'string' ? [option] : (option.languages ?? []);
  for (const lang of languages) {
    for (const w of (STOPWORDS[languageOf(lang, STOPWORD_LANGUAGES) ?? ''] ?? '').split('\n')) add(w);
  }
  if (typeof option !== 'string') for (const w of option.custom ?? []) add(w);
  return out;
}

/** Languages snowball-stemmers lacks; refused when an index asks for them rather than silently not stemming. */
export function stemmerSupported(language: string): boolean {
  return snowball.algorithms().includes(language);
}

/**
 * snowball-stemmers costs ~40 µs a word; word frequencies are Zipfian, so one memo per language (shared by every
 * Tokenizer of the process) answers most words from a map. Bounded: a full memo is dropped and refilled.
 */
const STEM_MEMO_LIMIT = 65_536;
const stemMemos = new Map<string, (w: string) => string>();

function memoStemmer(language: string): (w: string) => string {
  let stem = stemMemos.get(language);
  if (stem === undefined) {
    const stemmer = snowball.newStemmer(language);
    let memo = new Map<string, string>();
    stem = (w) => {
      let s = memo.get(w);
      if (s === undefined) {
        s = stemmer.stem(w);
        if (memo.size >= STEM_MEMO_LIMIT) memo = new Map();
        memo.set(w, s);
      }
      return s;
    };
    stemMemos.set(language, stem);
  }
  return stem;
}

export class Tokenizer {
  private readonly stopwords: Set<string>;
  private readonly stem: ((w: string) => string) | null;

  constructor(readonly params: TextIndexParams) {
    this.stopwords = stopwordSet(params.stopwords, params.lowercase);
    const st = params.stemmer;
    if (st !== null && st.type === 'snowball') {
      const language = languageOf(st.language, STEMMER_LANGUAGES) ?? st.language;
      if (!stemmerSupported(language)) throw invalid(`Stemmer for ${st.language} is not supported`);
      this.stem = memoStemmer(language);
    } else {
      this.stem = null;
    }
  }

  /** Document tokens, in order (duplicates kept: phrases need the sequence). */
  document(text: string): string[] {
    const out: string[] = [];
    const p = this.params;
    if (p.tokenizer === 'prefix') {
      const min = p.min_token_len ?? 1;
      const max = p.max_token_len ?? Number.POSITIVE_INFINITY;
      for (const word of text.split(NOT_ALNUM)) {
        const t = this.process(word, false);
        if (t === null) continue;
        const chars = Array.from(t);
        for (let n = min; n <= max; n++) {
          if (n >= chars.length) {
            out.push(t);
            break;
          }
          out.push(chars.slice(0, n).join(''));
        }
      }
      return out;
    }
    for (const word of this.words(text)) {
      const t = this.process(word, true);
      if (t !== null) out.push(t);
    }
    return out;
  }

  /** Query tokens (prefix: whole words cut to max_token_len, stopwords kept). */
  query(text: string): string[] {
    const p = this.params;
    if (p.tokenizer !== 'prefix') return this.document(text);
    const out: string[] = [];
    for (const word of text.split(NOT_ALNUM)) {
      if (word === '') continue;
      let t = p.ascii_folding ? foldToAscii(word) : word;
      if (p.lowercase) t = t.toLowerCase();
      if (this.stem !== null) t = this.stem(t);
      const chars = Array.from(t);
      if (p.min_token_len !== null && chars.length < p.min_token_len) continue;
      out.push(
        p.max_token_len !== null && chars.length > p.max_token_len ? chars.slice(0, p.max_token_len).join('') : t,
      );
    }
    return out;
  }

  private words(text: string): string[] {
    switch (this.params.tokenizer) {
      case 'whitespace':
        return text.split(WHITESPACE);
      case 'multilingual': {
        const out: string[] = [];
        for (const s of segmenter().segment(text)) if (s.isWordLike) out.push(s.segment);
        return out;
      }
      default:
        return text.split(NOT_ALNUM);
    }
  }

  private process(token: string, checkMax: boolean): string | null {
    if (token === '') return null;
    const p = this.params;
    let t = p.ascii_folding ? foldToAscii(token) : token;
    if (p.lowercase) t = t.toLowerCase();
    if (this.stopwords.has(t)) return null;
    if (this.stem !== null) t = this.stem(t);
    if (p.min_token_len !== null || (checkMax && p.max_token_len !== null)) {
      const n = Array.from(t).length;
      if (p.min_token_len !== null && n < p.min_token_len) return null;
      if (checkMax && p.max_token_len !== null && n > p.max_token_len) return null;
    }
    return t;
  }
}

let wordSegmenter: Intl.Segmenter | null = null;
function segmenter(): Intl.Segmenter {
  wordSegmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
  return wordSegmenter;
}
