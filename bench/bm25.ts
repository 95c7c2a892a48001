/**
 * `npm run bench -- bm25 [--limit N] [--rounds R] [--languages english,german,...]`: the cost of server-side BM25
 * inference (lib/api/inference) against Qdrant's own embedder (qdrant-edge-py's `Bm25`, the code Qdrant's server runs
 * for `qdrant/bm25` Documents) in the same run, over the same real sentences (the machine's GNU message catalogs, as
 * in test/unit/api-bm25-parity.test.ts). Both sides embed every sentence as a document and as a query, R rounds, best
 * round kept, single-threaded; Qdrant's side is timed inside its Python driver (its per-call FFI cost included, the
 * process start excluded). Reports texts/s and MB/s of text per side, Strata ÷ Qdrant, and how many vectors differ
 * (expected 0). Writes bench/results/bm25-<timestamp>.json.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Bm25, type SparseEmbedding } from '../lib/api/inference/bm25.js';
import { parseBm25Options } from '../lib/api/inference/bm25-config.js';
import { qdrantEdgePython } from './support/python-bench.js';
import { codeVersion, fixed, formatTable, machineInfo, writeResults } from './support/results.js';
import { benchArgs } from './support/args.js';

export const description = "BM25 Document inference: Strata's embedder vs Qdrant's (qdrant-edge-py), same sentences";

const DRIVER = fileURLToPath(new URL('./adapters/bm25-edge-driver.py', import.meta.url));
type Mode = 'document' | 'query';
const MODES: Mode[] = ['document', 'query'];

interface EdgeRun {
  texts: string[];
  seconds: Record<Mode, number>;
  vectors: Record<Mode, SparseEmbedding[]>;
}

function runEdge(python: string, job: unknown): EdgeRun {
  const r = spawnSync(python, [DRIVER], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`bm25-edge-driver.py failed:\n${r.stderr.slice(-4000)}`);
  return JSON.parse(r.stdout) as EdgeRun;
}

const same = (a: SparseEmbedding, b: SparseEmbedding): boolean =>
  a.indices.length === b.indices.length &&
  a.indices.every((x, i) => x === b.indices[i]) &&
  a.values.every((x, i) => Math.abs(x - b.values[i]) <= 1e-6 * Math.max(1, Math.abs(b.values[i])));

export async function main(argv: string[]): Promise<void> {
  const { limit, rounds, ...values } = benchArgs(argv, {
    limit: 3000,
    rounds: 5,
    languages: 'english,german,russian,french',
  });
  const languages = values.languages.split(',');
  const machine = machineInfo();
  const code = codeVersion();
  console.log('# bm25 inference benchmark');
  console.log(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}`);
  console.log(`code: commit ${code.commit}${code.libDirty ? ' + uncommitted changes in lib/' : ''}`);
  console.log(
    `config: up to ${limit} sentences per language, ${rounds} rounds (best kept), default options + language; baseline qdrant-edge-py 0.9.0`,
  );
  const python = qdrantEdgePython();
  const rows: Record<string, unknown>[] = [];
  for (const language of languages) {
    const options = language === 'english' ? {} : { language };
    const edge = runEdge(python, { source: language, limit, rounds, options });
    const model = new Bm25(parseBm25Options(options));
    const bytes = edge.texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
    for (const mode of MODES) {
      const embed = (t: string) => (mode === 'document' ? model.embedDocument(t) : model.embedQuery(t));
      for (const t of edge.texts.slice(0, 200)) embed(t); // warm-up: JIT and stemmer tables
      let best = Number.POSITIVE_INFINITY;
      let first = 0;
      let out: SparseEmbedding[] = [];
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        out = edge.texts.map(embed);
        const s = (performance.now() - t0) / 1000;
        if (r === 0) first = s;
        best = Math.min(best, s);
      }
      const differ = out.filter((v, i) => !same(v, edge.vectors[mode][i])).length;
      rows.push({
        language,
        mode,
        texts: edge.texts.length,
        textMB: bytes / 1e6,
        strataTextsPerSec: edge.texts.length / best,
        // the first round meets most words for the first time: the tokenizer's stem memo is cold (the document
        // round of a language warms it for its query round)
        strataFirstTextsPerSec: edge.texts.length / first,
        qdrantTextsPerSec: edge.texts.length / edge.seconds[mode],
        strataMBPerSec: bytes / 1e6 / best,
        qdrantMBPerSec: bytes / 1e6 / edge.seconds[mode],
        ratio: edge.seconds[mode] / best,
        differ,
      });
    }
  }
  console.log(
    formatTable(
      [
        'language',
        'mode',
        'texts',
        'Strata texts/s',
        'first pass',
        'Qdrant texts/s',
        'Strata MB/s',
        'Qdrant MB/s',
        'Strata÷Qdrant',
        'differ',
      ],
      rows.map((r) => [
        r.language as string,
        r.mode as string,
        r.texts as number,
        fixed(r.strataTextsPerSec as number, 0),
        fixed(r.strataFirstTextsPerSec as number, 0),
        fixed(r.qdrantTextsPerSec as number, 0),
        fixed(r.strataMBPerSec as number, 2),
        fixed(r.qdrantMBPerSec as number, 2),
        `${fixed(r.ratio as number, 2)}x`,
        r.differ as number,
      ]),
    ),
  );
  console.log(
    "Strata÷Qdrant (best rounds): > 1 means Strata embeds faster; first pass: Strata's first round (its stem memo cold; a language's document round warms it for its query round); differ: vectors not identical to Qdrant's (expected 0).",
  );
  const path = writeResults('bm25', { machine, code, config: { limit, rounds, languages }, rows });
  console.log(`results: ${path}`);
}
