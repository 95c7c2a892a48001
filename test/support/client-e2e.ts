/**
 * One end-to-end contract for the official gRPC clients built outside Node (Java: test/clients/java, Rust:
 * test/clients/rust): the test writes a job as JSON on the program's stdin, the program drives a served Strata over
 * gRPC with its own client library and prints one JSON object with everything the server answered, and the
 * assertions here compare those answers with brute force over the job's data and with Strata's state read back over
 * REST. The programs check nothing themselves, so a wrong answer can only pass if both the program and this file
 * are wrong the same way.
 *
 * The operations, in order (collections and aliases are named `{prefix}-...` so the two suites never collide): the
 * health check; the calls of Qdrant's "Optimize Performance" guide (the three scenarios' creates, the two
 * segment-number configs, the rescore:false and the hnsw_ef/exact queries on the first scenario's collection); create
 * `plain` (unnamed Cosine vector) and `named` (`image`: Dot, `text`: Euclid, two sizes); upsert both with payloads
 * (nested values, one UUID id); collection info of both; a keyword payload index and a config update; Search (legacy
 * RPC) and Query (exact) with a keyword filter (Rust: again from a gzip-compressing client); Query over the named
 * `text` vector with a range filter; retrieve with vectors (unnamed and named); scroll a filtered page; count; set
 * payload; delete by ids and by filter; create / list / query through / rename / delete an alias; a wrong dimension,
 * an unknown collection, a malformed filter and a wrong api-key (status code and message); delete a collection.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { type RunningGrpcServer, startGrpcServer } from '../../lib/api/grpc/server.js';
import { directInvoker, rng, service, tempStore } from './collection-harness.js';
import { type StrataUnderTest, startStrata } from './strata-server.js';

const DIM = 8;
const TEXT_DIM = 4;
const KEY = 'client-e2e-key';
/** gRPC status codes by number, as both programs print them */
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const UNAUTHENTICATED = 16;
const UUID = '5e1d6f1c-8c1b-4a5e-9a43-2f0c6b1d7e90';

type Payload = Record<string, unknown>;
interface Point {
  id: number;
  vector: number[];
  payload: Payload;
}
interface NamedPoint {
  id: number | string;
  image: number[];
  text: number[];
  payload: Payload;
}
interface Scored {
  id: number | string;
  score: number;
  payload: Payload;
}
interface Rec {
  id: number | string;
  payload: Payload;
  vectors?: unknown;
}
interface Status {
  code: number | null;
  message: string;
}
/** What a client program prints (see the module header for the calls behind each field). */
export interface ClientAnswers {
  health: { title: string; version: string };
  guide: { no_rescore: Scored[]; exact: Scored[] };
  info_plain: { status: number; points_count: number; vectors: unknown };
  info_named: { status: number; points_count: number; vectors: unknown };
  /** the plain collection's payload schema after a keyword index on `g` and an update of its optimizer config */
  indexed: Record<string, string>;
  search: Scored[];
  query: Scored[];
  /** Rust only: the same query from a client that gzips its messages */
  query_gzip?: Scored[];
  query_named: Scored[];
  get: Rec[];
  get_named: Rec[];
  scroll: { points: Rec[]; next: number | null };
  count: number;
  after_set: Rec[];
  count_after_delete: number;
  aliases: {
    created: { alias: string; collection: string }[];
    via_alias: number[];
    of_collection: string[];
    renamed: { alias: string; collection: string }[];
    deleted: { alias: string; collection: string }[];
  };
  bad_dim: Status | null;
  wrong_key: Status | null;
  missing: Status | null;
  malformed_filter: Status | null;
  exists_after_delete: boolean;
  collections: string[];
}

const r = rng(16);
const vec = (n: number) => Array.from({ length: n }, () => Math.fround(r() - 0.5));
const POINTS: Point[] = Array.from({ length: 40 }, (_, id) => ({
  id,
  vector: vec(DIM),
  payload: { g: `g${id % 4}`, rank: id },
}));
// nested payloads (a list, an object, a double) and one UUID id: what the payload Value and PointId messages carry
const NAMED: NamedPoint[] = [
  ...Array.from({ length: 30 }, (_, id) => ({
    id,
    image: vec(DIM),
    text: vec(TEXT_DIM),
    payload: { rank: id, tags: [`t${id % 3}`, 'all'], meta: { even: id % 2 === 0, weight: id + 0.5 } },
  })),
  { id: UUID, image: vec(DIM), text: vec(TEXT_DIM), payload: { rank: 100, tags: [], meta: { note: null } } },
];
const QUERY = vec(DIM);
const TEXT_QUERY = vec(TEXT_DIM);

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const unit = (a: number[]) => {
  const n = Math.sqrt(dot(a, a));
  return a.map((x) => x / n);
};
const euclid = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0));

/** Brute force: the top `limit` of `points` by cosine to QUERY, best first. */
function cosineTop(points: Point[], limit: number): { id: number; score: number }[] {
  const q = unit(QUERY);
  return points
    .map((p) => ({ id: p.id, score: dot(q, unit(p.vector)) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}

function expectScored(got: Scored[], want: { id: number; score: number }[], withPayload: boolean): void {
  expect(got.map((p) => p.id)).toEqual(want.map((p) => p.id));
  got.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 5));
  for (const p of got) expect(p.payload).toEqual(withPayload ? POINTS[p.id as number].payload : {});
}

function expectVector(got: unknown, want: number[]): void {
  expect(Array.isArray(got)).toBe(true);
  const v = got as number[];
  expect(v.length).toBe(want.length);
  v.forEach((x, i) => expect(x).toBeCloseTo(want[i], 6));
}

/** The REST bodies of the guide's five create calls, by collection name suffix; each program makes the same calls. */
const GUIDE_CREATES: Record<string, unknown> = {
  'speed-low-memory': {
    vectors: { size: DIM, distance: 'Cosine', on_disk: true },
    quantization_config: { scalar: { type: 'int8', always_ram: true } },
  },
  'precision-low-memory': { vectors: { size: DIM, distance: 'Cosine', on_disk: true }, hnsw_config: { on_disk: true } },
  'precision-speed': {
    vectors: { size: DIM, distance: 'Cosine' },
    quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
  },
  'many-segments': { vectors: { size: DIM, distance: 'Cosine' }, optimizers_config: { default_segment_number: 16 } },
  'large-segments': {
    vectors: { size: DIM, distance: 'Cosine' },
    optimizers_config: { default_segment_number: 2, max_segment_size: 5_000_000 },
  },
};

/** Scores as float32 (each client prints its f32 in its own shortest form), ids and payloads as they are. */
const f32 = (points: Scored[]) =>
  points.map((p) => ({ id: p.id, score: Math.fround(p.score), payload: p.payload ?? {} }));

/** Starts a Strata (REST + gRPC over a temp folder), runs the program once, and hands its answers to the `it`s. */
export function clientE2e(prefix: string, command: () => { file: string; args: string[] }) {
  let strata: StrataUnderTest;
  let grpc: RunningGrpcServer;
  let cleanup: () => void;
  let answers: ClientAnswers;

  async function rest(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${strata.url}${path}`, {
      method,
      headers: { 'api-key': KEY, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as { result?: unknown; status?: unknown };
    if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(json.status)}`);
    return json.result;
  }

  async function start(): Promise<void> {
    const t = tempStore();
    cleanup = t.cleanup;
    const svc = service(t.store, directInvoker(t.store, 2));
    strata = await startStrata(svc, { apiKey: KEY });
    grpc = await startGrpcServer({ service: svc, apiKey: KEY, port: 0 });
    const { file, args } = command();
    answers = await runProgram(file, args, {
      port: Number(new URL(grpc.url).port),
      api_key: KEY,
      prefix,
      dim: DIM,
      text_dim: TEXT_DIM,
      points: POINTS,
      named_points: NAMED,
      query: QUERY,
      text_query: TEXT_QUERY,
      uuid: UUID,
    });
  }

  async function stop(): Promise<void> {
    await grpc?.close();
    await strata?.close();
    cleanup?.();
  }

  function tests(): void {
    it('health check: the title and version REST answers at /', async () => {
      const res = await fetch(`${strata.url}/`, { headers: { 'api-key': KEY } });
      const root = (await res.json()) as { title: string; version: string };
      expect(answers.health).toEqual({ title: root.title, version: root.version });
    });

    it("creates the guide's five collections with the configs REST gives the same calls", async () => {
      for (const [suffix, body] of Object.entries(GUIDE_CREATES)) {
        await rest('PUT', `/collections/rest-${prefix}-${suffix}`, body);
        const viaClient = (await rest('GET', `/collections/${prefix}-${suffix}`)) as { config: unknown };
        const viaRest = (await rest('GET', `/collections/rest-${prefix}-${suffix}`)) as { config: unknown };
        expect(viaClient.config, suffix).toEqual(viaRest.config);
      }
    });

    it("answers the guide's rescore:false and hnsw_ef/exact queries as REST does (and the exact one as brute force)", async () => {
      const speed = `/collections/${prefix}-speed-low-memory/points/query`;
      const noRescore = (await rest('POST', speed, {
        query: QUERY,
        params: { quantization: { rescore: false } },
      })) as { points: Scored[] };
      expect(noRescore.points.length).toBe(10);
      expect(f32(answers.guide.no_rescore)).toEqual(f32(noRescore.points));
      const exact = (await rest('POST', speed, {
        query: QUERY,
        filter: { must: [{ key: 'g', match: { value: 'g1' } }] },
        params: { hnsw_ef: 128, exact: true },
        with_payload: true,
        limit: 5,
      })) as { points: Scored[] };
      expect(f32(answers.guide.exact)).toEqual(f32(exact.points));
      expectScored(
        answers.guide.exact,
        cosineTop(
          POINTS.filter((p) => p.payload.g === 'g1'),
          5,
        ),
        true,
      );
    });

    it('creates collections with an unnamed and with named vectors; collection info says what was created', () => {
      // Yellow: the upserts are still in the WAL tail, which waits for the optimizer (this Strata runs none)
      expect(answers.info_plain).toEqual({
        status: 2,
        points_count: POINTS.length,
        vectors: { size: DIM, distance: 'Cosine' },
      });
      expect(answers.info_named).toEqual({
        status: 2,
        points_count: NAMED.length,
        vectors: { image: { size: DIM, distance: 'Dot' }, text: { size: TEXT_DIM, distance: 'Euclid' } },
      });
    });

    it('creates a payload index and updates the collection config; REST reads both back', async () => {
      expect(answers.indexed).toEqual({ g: 'Keyword' });
      const info = (await rest('GET', `/collections/${prefix}-plain`)) as {
        payload_schema: Record<string, { data_type: string }>;
        config: { optimizer_config: { indexing_threshold: number } };
      };
      expect(info.payload_schema.g?.data_type).toBe('keyword');
      expect(info.config.optimizer_config.indexing_threshold).toBe(10_000);
    });

    it('answers Search and Query with filters as brute force does', () => {
      const inGroup = (g: string) => POINTS.filter((p) => p.payload.g === g);
      expectScored(answers.search, cosineTop(inGroup('g1'), 5), true);
      expectScored(answers.query, cosineTop(inGroup('g2'), 5), true);
      if (answers.query_gzip !== undefined) expect(answers.query_gzip).toEqual(answers.query);
      // Euclid: the score is the distance, smallest first
      const want = NAMED.filter((p) => (p.payload.rank as number) >= 10)
        .map((p) => ({ id: p.id, score: euclid(TEXT_QUERY, p.text) }))
        .sort((a, b) => a.score - b.score)
        .slice(0, 3);
      expect(answers.query_named.map((p) => p.id)).toEqual(want.map((p) => p.id));
      answers.query_named.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 5));
    });

    it('retrieves points with payloads and vectors (cosine vectors normalized, named vectors by name)', () => {
      expect(answers.get.map((p) => [p.id, p.payload])).toEqual([
        [1, POINTS[1].payload],
        [7, POINTS[7].payload],
      ]);
      expectVector(answers.get[0].vectors, unit(POINTS[1].vector));
      expectVector(answers.get[1].vectors, unit(POINTS[7].vector));
      const named = [...answers.get_named].sort((a, b) => String(a.id).localeCompare(String(b.id)));
      expect(named.map((p) => [p.id, p.payload])).toEqual([
        [2, NAMED[2].payload],
        [UUID, NAMED[30].payload],
      ]);
      for (const [i, p] of [NAMED[2], NAMED[30]].entries()) {
        const v = named[i].vectors as { image: number[]; text: number[] };
        expectVector(v.image, p.image);
        expectVector(v.text, p.text);
      }
    });

    it('scrolls a filtered page with its next offset and counts', () => {
      expect(answers.scroll.points.map((p) => [p.id, p.payload])).toEqual(
        [2, 6, 10, 14].map((id) => [id, POINTS[id].payload]),
      );
      expect(answers.scroll.next).toBe(18);
      expect(answers.count).toBe(POINTS.filter((p) => p.payload.g === 'g2').length);
    });

    it('sets payload and deletes points by ids and by filter; REST reads the same state back', async () => {
      expect(answers.after_set.map((p) => [p.id, p.payload])).toEqual([
        [1, { ...POINTS[1].payload, color: 'red' }],
        [2, { ...POINTS[2].payload, color: 'red' }],
      ]);
      const left = POINTS.filter((p) => p.id !== 4 && p.payload.g !== 'g3');
      expect(answers.count_after_delete).toBe(left.length);
      const viaRest = (await rest('POST', `/collections/${prefix}-plain/points/scroll`, {
        limit: 100,
        with_payload: true,
      })) as { points: Rec[] };
      expect(viaRest.points.map((p) => p.id)).toEqual(left.map((p) => p.id));
      expect(viaRest.points.find((p) => p.id === 2)?.payload).toEqual({ g: 'g2', rank: 2, color: 'red' });
    });

    it('creates, lists, queries through, renames and deletes an alias', async () => {
      const left = POINTS.filter((p) => p.id !== 4 && p.payload.g !== 'g3');
      expect(answers.aliases).toEqual({
        created: [{ alias: `${prefix}-alias`, collection: `${prefix}-plain` }],
        via_alias: cosineTop(left, 3).map((p) => p.id),
        of_collection: [`${prefix}-alias`],
        renamed: [{ alias: `${prefix}-alias2`, collection: `${prefix}-plain` }],
        deleted: [],
      });
      expect(await rest('GET', '/aliases')).toEqual({ aliases: [] });
    });

    it("rejects a wrong dimension, an unknown collection, a malformed filter and a wrong api-key with Qdrant's codes; nothing written", async () => {
      expect(answers.bad_dim).toEqual({
        code: INVALID_ARGUMENT,
        message: `Wrong input: Vector dimension error: expected dim: ${DIM}, got 2`,
      });
      expect(answers.missing).toEqual({
        code: NOT_FOUND,
        message: `Not found: Collection \`${prefix}-missing\` doesn't exist!`,
      });
      expect(answers.malformed_filter).toEqual({ code: INVALID_ARGUMENT, message: 'Malformed Condition type' });
      expect(answers.wrong_key).toEqual({ code: UNAUTHENTICATED, message: 'Invalid API key or JWT' });
      expect(await rest('POST', `/collections/${prefix}-plain/points`, { ids: [900] })).toEqual([]);
    });

    it('deletes a collection', async () => {
      expect(answers.exists_after_delete).toBe(false);
      const left = [`${prefix}-plain`, ...Object.keys(GUIDE_CREATES).map((s) => `${prefix}-${s}`)].sort();
      expect(answers.collections).toEqual(left);
      const listed = (await rest('GET', '/collections')) as { collections: { name: string }[] };
      expect(listed.collections.map((c) => c.name).filter((n) => n.startsWith(`${prefix}-`))).toEqual(left);
    });
  }

  return { start, stop, tests };
}

function runProgram(file: string, args: string[], job: unknown): Promise<ClientAnswers> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${file} exited ${code}:\n${err.slice(-4000)}`));
      else resolve(JSON.parse(out) as ClientAnswers);
    });
    child.stdin.end(JSON.stringify(job));
  });
}
