/**
 * Bounded fuzzing of every route of the served app (`npm start`'s composition over TCP): random malformed bodies for
 * the routes that write must get a 4xx, random bodies of any shape for the routes that only read must never get a
 * 5xx, the server must stay up, and NOTHING may be written: the store's listing (keys, sizes, times) is the same
 * before and after the whole run (DESIGN.md §4.6). Seeded, so a failure replays; ~10 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, startServer, type RunningServer } from '../../lib/api/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';

const SEED = 1414;
let dir: string;
let coordinator: Coordinator;
let server: RunningServer;

/** A route that writes, a body it accepts, and its fields that a wrong-typed value must make invalid. */
interface WriteRoute {
  method: string;
  path: string;
  valid: Record<string, unknown>;
  /** fields whose replacement by a value of another type (null included unless `optional`) is malformed */
  required: string[];
  optional: string[];
}

const WRITES: WriteRoute[] = [
  {
    method: 'PUT',
    path: '/collections/fz',
    valid: { vectors: { size: 4, distance: 'Dot' } },
    required: ['vectors'],
    optional: ['hnsw_config', 'optimizers_config', 'shard_number'],
  },
  {
    method: 'PATCH',
    path: '/collections/c',
    valid: {},
    required: [],
    optional: ['optimizers_config', 'hnsw_config', 'vectors'],
  },
  {
    method: 'PUT',
    path: '/collections/c/index',
    valid: { field_name: 'a', field_schema: 'keyword' },
    // Qdrant refuses a missing or null schema ("Can't auto-detect field type"): it never infers one
    required: ['field_name', 'field_schema'],
    optional: [],
  },
  {
    method: 'PUT',
    path: '/collections/c/points',
    valid: { points: [{ id: 9, vector: [1, 2, 3, 4] }] },
    required: ['points'],
    optional: [],
  },
  {
    method: 'POST',
    path: '/collections/c/points/delete',
    valid: { points: [1] },
    required: [],
    optional: ['points', 'filter'],
  },
  {
    method: 'POST',
    path: '/collections/c/points/payload',
    valid: { payload: { a: 1 }, points: [1] },
    required: ['payload'],
    optional: ['points', 'key'],
  },
  {
    method: 'PUT',
    path: '/collections/c/points/payload',
    valid: { payload: { a: 1 }, points: [1] },
    required: ['payload'],
    optional: ['points'],
  },
  {
    method: 'POST',
    path: '/collections/c/points/payload/delete',
    valid: { keys: ['a'], points: [1] },
    required: ['keys'],
    optional: ['points'],
  },
  {
    method: 'POST',
    path: '/collections/c/points/payload/clear',
    valid: { points: [1] },
    required: [],
    optional: ['points', 'filter'],
  },
];

const READS: Array<{ method: string; path: string; fields: string[] }> = [
  { method: 'POST', path: '/collections/c/points', fields: ['ids', 'with_payload', 'with_vector'] },
  {
    method: 'POST',
    path: '/collections/c/points/scroll',
    fields: ['limit', 'offset', 'filter', 'with_payload', 'with_vector'],
  },
  { method: 'POST', path: '/collections/c/points/count', fields: ['filter', 'exact'] },
  {
    method: 'POST',
    path: '/collections/c/points/query',
    fields: ['query', 'limit', 'offset', 'filter', 'params', 'with_payload', 'with_vector', 'score_threshold'],
  },
  { method: 'POST', path: '/collections/c/points/query/batch', fields: ['searches'] },
  { method: 'POST', path: '/collections/c/points/search', fields: ['vector', 'limit', 'filter', 'params'] },
  { method: 'POST', path: '/collections/c/points/search/batch', fields: ['searches'] },
];

/** Values of no type a field of a valid body has at the top level: scalars, strings, and objects/arrays of junk. */
const notThisType = (v: unknown): fc.Arbitrary<unknown> => {
  const scalars: fc.Arbitrary<unknown>[] = [
    fc.string(),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -5, max: -1 }),
  ];
  if (Array.isArray(v)) scalars.push(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }));
  else if (v !== null && typeof v === 'object') scalars.push(fc.array(fc.string(), { maxLength: 3 }));
  return fc.oneof(...scalars).filter((x) => typeof x !== typeof v || Array.isArray(x) !== Array.isArray(v));
};

const SAMPLE: Record<string, unknown> = {
  vectors: { size: 4, distance: 'Dot' },
  hnsw_config: { m: 8 },
  optimizers_config: { indexing_threshold: 1 },
  shard_number: 1,
  field_name: 'a',
  field_schema: 'keyword',
  points: [1],
  filter: { must: [] },
  payload: { a: 1 },
  key: 'a',
  keys: ['a'],
};

/** A malformed body for a write route: broken JSON text, a non-object, or one field with a value of another type. */
const malformedWrite = (route: WriteRoute): fc.Arbitrary<string> => {
  const text = JSON.stringify(route.valid);
  const broken = fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((n) => text.slice(0, n));
  const garbage = fc.string({ minLength: 1 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  });
  const topLevel = fc
    .oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.integer(), fc.string(), fc.constant(null))
    .map((v) => JSON.stringify(v));
  const fields = [...route.required, ...route.optional];
  const arbitraries: fc.Arbitrary<string>[] = [broken, garbage, topLevel];
  if (fields.length > 0) {
    arbitraries.push(
      fc
        .constantFrom(...fields)
        .chain((field) => {
          const wrong = notThisType(SAMPLE[field]);
          return (route.required.includes(field) ? fc.oneof(wrong, fc.constant(null)) : wrong).map((value) => ({
            field,
            value,
          }));
        })
        .map(({ field, value }) => JSON.stringify({ ...route.valid, [field]: value })),
    );
  }
  return fc.oneof(...arbitraries);
};

/** Any JSON object mixing a read route's real fields with junk values, or any JSON text at all. */
const anyRead = (fields: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    fc
      .dictionary(fc.constantFrom(...fields, 'x'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 })
      .map((o) => JSON.stringify(o)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.string(),
  );

async function listing(): Promise<string> {
  const entries = await coordinator.store.list('');
  return JSON.stringify(entries.map((e) => [e.key, e.size, e.lastModified.getTime()]));
}

async function send(method: string, path: string, body: string): Promise<number> {
  const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  // every answer is Qdrant's envelope (or a probe's text): never a stack or a filesystem path
  expect(text).not.toContain(dir);
  expect(text).not.toMatch(/\n\s+at /);
  return res.status;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-fuzz-'));
  const config = loadConfig(
    { STRATA_DATA_DIR: dir, STRATA_WORKERS: '1', STRATA_LOG_LEVEL: 'silent', STRATA_OPTIMIZE_IDLE_MS: '0' },
    { port: 0 },
  );
  coordinator = await createCoordinator(config, { logger: createLogger(config, 'server'), fallback: 'threads' });
  server = await startServer({ app: createApp({ service: coordinator.service }), port: 0 });
  await coordinator.service.createCollection('c', {
    vectors: { size: 4, distance: 'Cosine', on_disk: false },
  } as never);
  await coordinator.service.upsertPoints(
    'c',
    Array.from({ length: 10 }, (_, id) => ({ id, vector: [1, id, 2, 3], payload: { a: id, t: `p${id}` } })),
    true,
  );
  await coordinator.trigger.flush();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await coordinator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fuzzed requests', () => {
  it('malformed bodies on every write route get a 4xx and write nothing', async () => {
    const before = await listing();
    for (const route of WRITES) {
      await fc.assert(
        fc.asyncProperty(malformedWrite(route), async (body) => {
          const status = await send(route.method, route.path, body);
          expect(status, `${route.method} ${route.path} ${body}`).toBeGreaterThanOrEqual(400);
          expect(status, `${route.method} ${route.path} ${body}`).toBeLessThan(500);
        }),
        { seed: SEED, numRuns: 60 },
      );
    }
    await coordinator.trigger.flush();
    expect(await listing()).toBe(before);
  }, 60_000);

  it('any body on a read route never gets a 5xx, and reading writes nothing', async () => {
    const before = await listing();
    for (const route of READS) {
      await fc.assert(
        fc.asyncProperty(anyRead(route.fields), async (body) => {
          const status = await send(route.method, route.path, body);
          expect(status, `${route.method} ${route.path} ${body}`).toBeLessThan(500);
        }),
        { seed: SEED, numRuns: 80 },
      );
    }
    expect(await listing()).toBe(before);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  }, 60_000);
});
