/**
 * Qdrant's score-boosting expression language (REST `{formula, defaults}`; semantics from its
 * lib/segment/src/index/query_optimization/rescore_formula): parsed once into a tree, then evaluated per candidate
 * over that candidate's payload and its scores in the prefetches.
 *
 * Grammar: a number; a string variable (`$score` = `$score[0]`, `$score[i]` the score in prefetch i, anything else a
 * payload key); a filter condition (1 when it matches, else 0); {mult|sum: [e]}; {neg|abs|sqrt|exp|log10|ln: e};
 * {div: {left, right, by_zero_default?}}; {pow: {base, exponent}}; {geo_distance: {origin, to}} (metres, haversine);
 * {datetime: "RFC 3339"} and {datetime_key: key} (seconds since the epoch); {lin_decay|exp_decay|gauss_decay:
 * {x, target?, scale?, midpoint?}}.
 *
 * Invariants (as Qdrant):
 * - Evaluation is in float64; a non-finite intermediate of div/sqrt/pow/exp/log10/ln, or a non-finite result, is an
 *   error, never a NaN score. mult stops at a 0 factor and div at a 0 numerator (so 0·∞ is 0, not an error).
 * - A point missing from prefetch i scores `defaults["$score[i]"]` there, else 0. A payload variable that is absent
 *   takes `defaults[key]`; absent there too, or not a number, is an error naming the key.
 * - Decay: λ = (1 − midpoint) / scale (lin), ln(midpoint) / scale (exp), ln(midpoint) / scale² (gauss); midpoint
 *   defaults to 0.5 and must lie in [0, 1] (lin) or (0, 1) (exp, gauss); scale defaults to 1 and must be > 0.
 * - A `$score[i]` with i ≥ the number of prefetches is refused when the formula is bound to its prefetches
 *   (`checkPrefetchRefs`), before any search runs.
 */
import { invalid } from '../../model/errors.js';
import type { Filter } from '../../model/filter.js';
import { compileFilter, filterVectorNames } from '../../segment/filter.js';
import type { PointPredicate, VectorPresence } from '../../segment/filter.js';
import { parseDateTime, parseFilter } from '../../segment/filter-parse.js';
import { parsePayloadPath, valuesAt } from '../../segment/payload-path.js';
import type { PathStep } from '../../segment/payload-path.js';
import type { PointId } from '../../model/point-id.js';

type Decay = 'lin' | 'exp' | 'gauss';

export type Expr =
  | { t: 'const'; v: number }
  | { t: 'score'; i: number }
  | { t: 'payload'; key: string; steps: PathStep[] }
  | { t: 'cond'; pred: PointPredicate }
  | { t: 'mult' | 'sum'; xs: Expr[] }
  | { t: 'neg' | 'abs' | 'sqrt' | 'exp' | 'log10' | 'ln'; x: Expr }
  | { t: 'div'; left: Expr; right: Expr; byZero?: number }
  | { t: 'pow'; base: Expr; exponent: Expr }
  | { t: 'geo'; lat: number; lon: number; key: string; steps: PathStep[] }
  | { t: 'datetime'; seconds: number }
  | { t: 'datetime_key'; key: string; steps: PathStep[] }
  | { t: 'decay'; kind: Decay; x: Expr; target?: Expr; lambda: number };

export interface Formula {
  root: Expr;
  defaults: Record<string, unknown>;
  /** the highest prefetch index the formula reads, −1 when none */
  maxScoreIndex: number;
  /** a condition asks which vectors a candidate holds (has_vector): the caller loads them */
  readsVectors: boolean;
}

/** What a formula reads of one candidate. */
export interface FormulaInput {
  id: PointId;
  payload: Record<string, unknown> | null;
  /** the candidate's score in each prefetch, undefined where it was not found */
  scores: readonly (number | undefined)[];
  /** the vectors the candidate holds; needed (not null) only when the formula `readsVectors` */
  vectors: VectorPresence | null;
}

/** What parsing learns on the way: the highest prefetch read, and whether a condition reads vector presence. */
interface ParseContext {
  max: number;
  vectors: boolean;
}

const fail = (path: string, detail: string): never => {
  throw invalid({ code: 'format', path, detail });
};

const UNARY = ['neg', 'abs', 'sqrt', 'exp', 'log10', 'ln'] as const;
const CONDITION_KEYS = [
  'key',
  'has_id',
  'is_empty',
  'is_null',
  'must',
  'should',
  'must_not',
  'min_should',
  'nested',
  'has_vector',
];

function keyPath(key: unknown, path: string): PathStep[] {
  if (typeof key !== 'string') return fail(path, 'expected a payload key');
  try {
    return parsePayloadPath(key);
  } catch (e) {
    return fail(path, (e as Error).message);
  }
}

function variable(name: string, path: string, ctx: ParseContext): Expr {
  const m = /^\$score(?:\[(\d+)\])?$/.exec(name);
  if (m !== null) {
    const i = m[1] === undefined ? 0 : Number(m[1]);
    ctx.max = Math.max(ctx.max, i);
    return { t: 'score', i };
  }
  if (name.startsWith('$')) return fail(path, `invalid variable \`${name}\`: expected $score or $score[i]`);
  return { t: 'payload', key: name, steps: keyPath(name, path) };
}

function decayLambda(kind: Decay, scale: number, midpoint: number, path: string): number {
  if (kind === 'lin' ? midpoint < 0 || midpoint > 1 : midpoint <= 0 || midpoint >= 1) {
    fail(
      `${path}.midpoint`,
      kind === 'lin'
        ? `Linear decay midpoint should be in the range [0.0, 1.0], got ${midpoint}.`
        : `Decay midpoint should be in the range (0.0, 1.0), got ${midpoint}.`,
    );
  }
  if (!(scale > 0)) fail(`${path}.scale`, `Decay scale should be non-zero positive, got ${scale}.`);
  if (kind === 'lin') return (1 - midpoint) / scale;
  if (kind === 'exp') return Math.log(midpoint) / scale;
  return Math.log(midpoint) / (scale * scale);
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail(path, 'expected a finite number');
  return v;
}

function parseExpr(e: unknown, path: string, ctx: ParseContext, depth: number): Expr {
  if (depth > 64) return fail(path, 'expression nested too deeply');
  if (typeof e === 'number') return { t: 'const', v: num(e, path) };
  if (typeof e === 'string') return variable(e, path, ctx);
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return fail(path, 'expected an expression');
  const o = e as Record<string, unknown>;
  const sub = (v: unknown, p: string) => parseExpr(v, p, ctx, depth + 1);
  if ('mult' in o || 'sum' in o) {
    const t = 'mult' in o ? 'mult' : 'sum';
    const xs = o[t];
    if (!Array.isArray(xs)) return fail(`${path}.${t}`, 'expected an array of expressions');
    return { t, xs: xs.map((x, i) => sub(x, `${path}.${t}[${i}]`)) };
  }
  for (const t of UNARY) if (t in o) return { t, x: sub(o[t], `${path}.${t}`) };
  if ('div' in o) {
    const d = o.div as Record<string, unknown> | null;
    if (d === null || typeof d !== 'object') return fail(`${path}.div`, 'expected {left, right}');
    return {
      t: 'div',
      left: sub(d.left, `${path}.div.left`),
      right: sub(d.right, `${path}.div.right`),
      ...(d.by_zero_default != null ? { byZero: num(d.by_zero_default, `${path}.div.by_zero_default`) } : {}),
    };
  }
  if ('pow' in o) {
    const p = o.pow as Record<string, unknown> | null;
    if (p === null || typeof p !== 'object') return fail(`${path}.pow`, 'expected {base, exponent}');
    return { t: 'pow', base: sub(p.base, `${path}.pow.base`), exponent: sub(p.exponent, `${path}.pow.exponent`) };
  }
  if ('geo_distance' in o) {
    const g = o.geo_distance as { origin?: { lat?: unknown; lon?: unknown }; to?: unknown } | null;
    if (g === null || typeof g !== 'object' || g.origin == null)
      return fail(`${path}.geo_distance`, 'expected {origin, to}');
    return {
      t: 'geo',
      lat: num(g.origin.lat, `${path}.geo_distance.origin.lat`),
      lon: num(g.origin.lon, `${path}.geo_distance.origin.lon`),
      key: String(g.to),
      steps: keyPath(g.to, `${path}.geo_distance.to`),
    };
  }
  if ('datetime' in o) {
    const ms = typeof o.datetime === 'string' ? parseDateTime(o.datetime) : Number.NaN;
    if (Number.isNaN(ms)) return fail(`${path}.datetime`, 'expected an RFC 3339 datetime');
    return { t: 'datetime', seconds: ms / 1000 };
  }
  if ('datetime_key' in o) {
    return { t: 'datetime_key', key: String(o.datetime_key), steps: keyPath(o.datetime_key, `${path}.datetime_key`) };
  }
  for (const kind of ['lin', 'exp', 'gauss'] as const) {
    const name = `${kind}_decay`;
    if (!(name in o)) continue;
    const d = o[name] as Record<string, unknown> | null;
    const p = `${path}.${name}`;
    if (d === null || typeof d !== 'object') return fail(p, 'expected {x, target?, scale?, midpoint?}');
    const scale = d.scale == null ? 1 : num(d.scale, `${p}.scale`);
    const midpoint = d.midpoint == null ? 0.5 : num(d.midpoint, `${p}.midpoint`);
    return {
      t: 'decay',
      kind,
      x: sub(d.x, `${p}.x`),
      ...(d.target != null ? { target: sub(d.target, `${p}.target`) } : {}),
      lambda: decayLambda(kind, scale, midpoint, p),
    };
  }
  if (CONDITION_KEYS.some((k) => k in o)) {
    // a condition is a filter of one `must` clause: filter-parse.ts owns its shape, filter.ts its semantics
    const filter: Filter = parseFilter({ must: [o] }, path);
    if (filterVectorNames(filter).size > 0) ctx.vectors = true;
    return { t: 'cond', pred: compileFilter(filter) };
  }
  return fail(path, 'unknown expression');
}

export function parseFormula(formula: unknown, defaults: unknown, path = 'query.formula'): Formula {
  if (defaults != null && (typeof defaults !== 'object' || Array.isArray(defaults))) {
    fail('query.defaults', 'expected an object');
  }
  const ctx: ParseContext = { max: -1, vectors: false };
  const root = parseExpr(formula, path, ctx, 0);
  return {
    root,
    defaults: (defaults ?? {}) as Record<string, unknown>,
    maxScoreIndex: ctx.max,
    readsVectors: ctx.vectors,
  };
}

/** Refuses a formula that reads a prefetch the query does not have. */
export function checkPrefetchRefs(f: Formula, prefetches: number): void {
  if (prefetches === 0 || f.maxScoreIndex >= prefetches) {
    throw invalid(
      prefetches === 0
        ? 'cannot apply Formula without prefetches'
        : `$score[${f.maxScoreIndex}] refers to prefetch ${f.maxScoreIndex}, but the query has ${prefetches} prefetch${prefetches === 1 ? '' : 'es'}`,
    );
  }
}

const nonFinite = (what: string): never => {
  throw invalid(`The expression ${what} produced a non-finite number`);
};

function payloadValue(f: Formula, key: string, steps: PathStep[], input: FormulaInput): unknown {
  const values = input.payload === null ? [] : valuesAt(input.payload, steps);
  if (values.length === 1) return values[0];
  if (values.length > 1) return values;
  if (key in f.defaults) return f.defaults[key];
  return undefined;
}

function typeError(key: string, expected: string, detail: string): never {
  throw invalid(
    `Expected ${expected} value for ${key} in the payload and/or in the formula defaults. Error: ${detail}`,
  );
}

const EARTH_RADIUS_M = 6371008.8;

function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(a));
}

function evalExpr(f: Formula, e: Expr, input: FormulaInput): number {
  switch (e.t) {
    case 'const':
      return e.v;
    case 'score': {
      const s = input.scores[e.i];
      if (s !== undefined) return s;
      // `$score` and `$score[0]` name the same variable, in defaults too
      const d = f.defaults[`$score[${e.i}]`] ?? (e.i === 0 ? f.defaults.$score : undefined);
      return typeof d === 'number' ? d : 0;
    }
    case 'payload': {
      const v = payloadValue(f, e.key, e.steps, input);
      if (v === undefined) return typeError(e.key, 'number', 'No value found in a payload nor defaults');
      if (typeof v !== 'number') return typeError(e.key, 'number', 'Value is not a number');
      return v;
    }
    case 'cond':
      return e.pred(input.id, input.payload, input.vectors) ? 1 : 0;
    case 'mult': {
      let p = 1;
      for (const x of e.xs) {
        const v = evalExpr(f, x, input);
        if (v === 0) return 0;
        p *= v;
      }
      return p;
    }
    case 'sum': {
      let s = 0;
      for (const x of e.xs) s += evalExpr(f, x, input);
      return s;
    }
    case 'neg':
      return -evalExpr(f, e.x, input);
    case 'abs':
      return Math.abs(evalExpr(f, e.x, input));
    case 'sqrt':
    case 'exp':
    case 'log10':
    case 'ln': {
      const v = evalExpr(f, e.x, input);
      const r =
        e.t === 'sqrt' ? Math.sqrt(v) : e.t === 'exp' ? Math.exp(v) : e.t === 'log10' ? Math.log10(v) : Math.log(v);
      return Number.isFinite(r) ? r : nonFinite(`${e.t}(${v}) = ${r}`);
    }
    case 'div': {
      const l = evalExpr(f, e.left, input);
      if (l === 0) return 0;
      const r = evalExpr(f, e.right, input);
      if (r === 0 && e.byZero !== undefined) return e.byZero;
      const q = l / r;
      return Number.isFinite(q) ? q : nonFinite(`${l}/${r} = ${q}`);
    }
    case 'pow': {
      const b = evalExpr(f, e.base, input);
      const x = evalExpr(f, e.exponent, input);
      const r = b ** x;
      return Number.isFinite(r) ? r : nonFinite(`${b}^${x} = ${r}`);
    }
    case 'geo': {
      const v = payloadValue(f, e.key, e.steps, input) as { lat?: unknown; lon?: unknown } | undefined;
      if (v === undefined) return typeError(e.key, 'geo point', 'No value found in a payload nor defaults');
      if (v === null || typeof v !== 'object' || typeof v.lat !== 'number' || typeof v.lon !== 'number') {
        return typeError(e.key, 'geo point', 'Value is not a geo point');
      }
      return haversine(e.lat, e.lon, v.lat, v.lon);
    }
    case 'datetime':
      return e.seconds;
    case 'datetime_key': {
      const v = payloadValue(f, e.key, e.steps, input);
      if (v === undefined) return typeError(e.key, 'datetime', 'No value found in a payload nor defaults');
      const ms = typeof v === 'string' ? parseDateTime(v) : Number.NaN;
      if (Number.isNaN(ms)) return typeError(e.key, 'datetime', 'Value is not a datetime');
      return ms / 1000;
    }
    case 'decay': {
      const x = evalExpr(f, e.x, input);
      const target = e.target === undefined ? 0 : evalExpr(f, e.target, input);
      if (e.kind === 'exp') return Math.exp(e.lambda * Math.abs(x - target));
      if (e.kind === 'gauss') return Math.exp(e.lambda * (x - target) * (x - target));
      return Math.max(0, 1 - e.lambda * Math.abs(x - target));
    }
  }
}

/** The formula's score of one candidate (float64 evaluation; the result must be finite as a float32). */
export function evaluateFormula(f: Formula, input: FormulaInput): number {
  const s = evalExpr(f, f.root, input);
  const s32 = Math.fround(s);
  return Number.isFinite(s32) ? s32 : nonFinite(`${s} as f32 = ${s32}`);
}
