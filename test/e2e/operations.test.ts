/**
 * Operator surface through the official `@qdrant/js-client-rest` and plain HTTP against the composed server
 * (createCoordinator over a filesystem store, over TCP): collection metadata and info fields, `/metrics` parsed by
 * a Prometheus text-format parser, `/telemetry`, `/issues` and `…/optimizations` before and after an optimizer run.
 * The idle seal is off, so the WAL backlog stays until the test asks the optimizer to run.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostReport } from '../../lib/api/cost-header.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

let dir: string;
let coordinator: Coordinator;
let strata: StrataUnderTest;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-ops-e2e-'));
  const config = loadConfig(
    {
      STRATA_DATA_DIR: dir,
      STRATA_WORKERS: '1',
      STRATA_LOG_LEVEL: 'silent',
      STRATA_OPTIMIZE_IDLE_MS: '0',
      STRATA_OPTIMIZE_AFTER_POINTS: '1000000',
    },
    {},
  );
  coordinator = await createCoordinator(config, { logger: createLogger(config, 'server'), fallback: 'direct' });
  strata = await startStrata(coordinator.service, { operations: coordinator.operations });
});

afterAll(async () => {
  await strata?.close();
  await coordinator?.close();
  await rm(dir, { recursive: true, force: true });
});

async function getJson(path: string): Promise<{ status: number; result: Record<string, unknown> }> {
  const r = await fetch(`${strata.url}${path}`);
  const body = (await r.json()) as { result: Record<string, unknown> };
  return { status: r.status, result: body.result };
}

async function scrape(): Promise<PromFamily[]> {
  const r = await fetch(`${strata.url}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('text/plain');
  return parsePrometheusTextFormat(await r.text());
}

function sample(families: PromFamily[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (family === undefined) throw new Error(`no metric ${name}`);
  const m = family.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  if (m === undefined) throw new Error(`no ${name} sample with ${JSON.stringify(labels)}`);
  return Number(m.value ?? m.count);
}

async function metricsText(): Promise<string> {
  return (await fetch(`${strata.url}/metrics`)).text();
}

function histogramCount(text: string, endpoint: string): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith('rest_responses_duration_seconds_count{') && l.includes(`endpoint="${endpoint}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function upsert(name: string, from: number, n: number): Promise<void> {
  await strata.client.upsert(name, {
    wait: true,
    points: Array.from({ length: n }, (_, i) => ({ id: from + i, vector: [1, (from + i) % 5, 0.5, 1] })),
  });
}

describe('collection metadata and info fields', () => {
  it('echoes metadata (merged by PATCH), on_disk_payload as configured, update_queue and payload_schema', async () => {
    const { client } = strata;
    // the 1.18 client's createCollection helper drops fields it does not list (metadata): its API call sends all
    await client.api().createCollection({
      collection_name: 'meta',
      vectors: { size: 4, distance: 'Dot' },
      on_disk_payload: false,
      metadata: { owner: 'search', model: { name: 'e5', dim: 4 } },
    });
    let info = await client.getCollection('meta');
    expect(info.config.params.on_disk_payload).toBe(false);
    expect(info.config.metadata).toEqual({ owner: 'search', model: { name: 'e5', dim: 4 } });
    expect(info.update_queue).toEqual({ length: 0 });
    expect(info.payload_schema).toEqual({});

    await client.updateCollection('meta', { metadata: { owner: 'ranking', release: 3 } });
    info = await client.getCollection('meta');
    expect(info.config.metadata).toEqual({ owner: 'ranking', model: { name: 'e5', dim: 4 }, release: 3 });
    expect(info.config.params.on_disk_payload).toBe(false);

    await client.createCollection('plain', { vectors: { size: 4, distance: 'Dot' } });
    const plain = await client.getCollection('plain');
    expect(plain.config.params.on_disk_payload).toBe(true);
    expect(plain.config.metadata).toBeUndefined();
  });
});

describe('metrics, telemetry, issues, optimizations', () => {
  it('/metrics parses as Prometheus text and its counters move with traffic', async () => {
    const { client } = strata;
    await client.createCollection('m', { vectors: { size: 4, distance: 'Cosine' } });
    const before = await scrape();
    const queryRoute = { method: 'POST', endpoint: '/collections/:name/points/query', status: '200' };
    const queriesBefore = (() => {
      try {
        return sample(before, 'rest_responses_total', queryRoute);
      } catch {
        return 0;
      }
    })();
    const putsBefore = sample(before, 'strata_store_requests_total', { kind: 'put' });

    await upsert('m', 0, 30);
    for (let i = 0; i < 5; i++) await client.query('m', { query: [1, 0, 0, 1], limit: 3 });
    await expect(client.getCollection('nope')).rejects.toMatchObject({ status: 404 });

    const after = await scrape();
    expect(sample(after, 'rest_responses_total', queryRoute)).toBe(queriesBefore + 5);
    expect(
      sample(after, 'rest_responses_total', { method: 'GET', endpoint: '/collections/:name', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    // parse-prometheus-text-format flattens a labelled histogram into one label-less sample (it keeps the buckets of
    // the last series only), so the per-route count is read from its exposition line
    expect(histogramCount(await metricsText(), queryRoute.endpoint)).toBe(queriesBefore + 5);
    expect(sample(after, 'strata_store_requests_total', { kind: 'put' })).toBeGreaterThan(putsBefore);
    expect(sample(after, 'strata_store_bytes_total', { direction: 'in' })).toBeGreaterThan(0);
    expect(sample(after, 'strata_collection_points', { collection: 'm' })).toBe(30);
    expect(sample(after, 'strata_wal_backlog_points', { collection: 'm' })).toBe(30);
    expect(sample(after, 'strata_wal_backlog_objects', { collection: 'm' })).toBe(1);
    expect(sample(after, 'collections_total')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'app_info', { name: 'strata' })).toBe(1);
    const histogram = after.find((f) => f.name === 'rest_responses_duration_seconds');
    expect(histogram?.type).toBe('HISTOGRAM');

    coordinator.trigger.request('m');
    await coordinator.trigger.flush();
    const sealed = await scrape();
    expect(sample(sealed, 'strata_wal_backlog_points', { collection: 'm' })).toBe(0);
    expect(sample(sealed, 'strata_collection_segments', { collection: 'm' })).toBeGreaterThan(0);
    expect(sample(sealed, 'strata_optimizer_runs_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  it('/metrics adds up what queries cost: the same counts as their x-strata-cost headers, a batch once', async () => {
    const { client } = strata;
    await client.createCollection('qc', { vectors: { size: 4, distance: 'Cosine' } });
    await upsert('qc', 0, 40);
    coordinator.trigger.request('qc');
    await coordinator.trigger.flush();
    await upsert('qc', 100, 5); // an unsealed tail the coordinator searches exactly
    const query = (body: unknown, cost: boolean) =>
      fetch(`${strata.url}/collections/qc/points/query${Array.isArray(body) ? '/batch' : ''}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cost ? { 'strata-debug': 'cost' } : {}) },
        body: JSON.stringify(Array.isArray(body) ? { searches: body } : body),
      });
    const one = (i: number) => ({ query: [1, i, 0.5, 1], limit: 3, with_payload: true });
    const histogram = (families: PromFamily[]) => {
      const m = families.find((f) => f.name === 'strata_query_store_rounds')?.metrics[0];
      return { count: Number(m?.count ?? 0), sum: Number(m?.sum ?? 0) };
    };
    const figures = (f: PromFamily[]) => ({
      requests: sample(f, 'strata_query_requests_total'),
      invocations: sample(f, 'strata_query_invocations_total'),
      segments:
        sample(f, 'strata_query_segments_total', { state: 'cold' }) +
        sample(f, 'strata_query_segments_total', { state: 'warm' }),
      cold: sample(f, 'strata_query_segments_total', { state: 'cold' }),
      distances: sample(f, 'strata_query_distances_total'),
      tail: sample(f, 'strata_query_tail_points_total'),
      gets:
        sample(f, 'strata_query_store_gets_total', { side: 'workers' }) +
        sample(f, 'strata_query_store_gets_total', { side: 'coordinator' }),
      bytes:
        sample(f, 'strata_query_store_bytes_total', { side: 'workers' }) +
        sample(f, 'strata_query_store_bytes_total', { side: 'coordinator' }),
      rounds: histogram(f),
    });
    const before = figures(await scrape());

    const reports: CostReport[] = [];
    for (const body of [one(0), one(1), [one(2), one(3)], one(4)]) {
      const r = await query(body, true);
      expect(r.status).toBe(200);
      reports.push(JSON.parse(r.headers.get('x-strata-cost') ?? 'null') as CostReport);
    }
    const after = figures(await scrape());
    const sum = (f: (r: CostReport) => number) => reports.reduce((n, r) => n + f(r), 0);
    expect(after.requests - before.requests).toBe(4);
    expect(after.invocations - before.invocations).toBe(sum((r) => r.invocations));
    expect(after.segments - before.segments).toBe(sum((r) => r.segments));
    expect(after.cold - before.cold).toBe(sum((r) => r.cold));
    expect(after.distances - before.distances).toBe(sum((r) => r.distances));
    expect(after.tail - before.tail).toBe(sum((r) => r.tailPoints));
    expect(sum((r) => r.tailPoints)).toBeGreaterThan(0);
    expect(after.gets - before.gets).toBe(sum((r) => r.total.gets));
    expect(after.bytes - before.bytes).toBe(sum((r) => r.total.bytes));
    expect(after.rounds.count - before.rounds.count).toBe(4);
    expect(after.rounds.sum - before.rounds.sum).toBe(sum((r) => r.total.rounds));
    expect(sum((r) => r.total.rounds)).toBeGreaterThan(0);

    // a query that does not ask for its cost gets no header, and is counted all the same
    const plain = await query(one(5), false);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-strata-cost')).toBeNull();
    const last = figures(await scrape());
    expect(last.requests - after.requests).toBe(1);
    expect(last.rounds.count - after.rounds.count).toBe(1);
    expect(last.invocations).toBeGreaterThan(after.invocations);
  });

  it('/collections/{c}/optimizations: the WAL seal queued, then completed and idle segments', async () => {
    await strata.client.createCollection('o', { vectors: { size: 4, distance: 'Cosine' } });
    await upsert('o', 0, 12);
    let r = await getJson('/collections/o/optimizations?with=queued,completed,idle_segments');
    expect(r.status).toBe(200);
    expect(r.result).toMatchObject({
      summary: { queued_optimizations: 1, queued_segments: 0, queued_points: 12, idle_segments: 0 },
      running: [],
      queued: [{ optimizer: 'wal_seal', segments: [] }],
      completed: [],
      idle_segments: [],
    });

    coordinator.trigger.request('o');
    await coordinator.trigger.flush();
    r = await getJson('/collections/o/optimizations?with=completed,idle_segments');
    const summary = r.result.summary as { queued_optimizations: number; idle_segments: number };
    expect(summary.queued_optimizations).toBe(0);
    expect(summary.idle_segments).toBeGreaterThan(0);
    expect(r.result.queued).toBeUndefined();
    const completed = r.result.completed as { status: unknown; progress: { finished_at: string } }[];
    expect(completed).toHaveLength(1);
    expect(completed[0].status).toBe('done');
    expect(Date.parse(completed[0].progress.finished_at)).not.toBeNaN();
    const idle = r.result.idle_segments as { points_count: number }[];
    expect(idle.reduce((n, s) => n + s.points_count, 0)).toBe(12);

    expect((await getJson('/collections/o/optimizations')).result).not.toHaveProperty('completed');
    expect((await getJson('/collections/o/optimizations?with=everything')).status).toBe(400);
    expect((await getJson('/collections/missing/optimizations')).status).toBe(404);
  });

  it('/telemetry reports app, collections and per-endpoint REST figures; /issues is empty', async () => {
    await strata.client.getCollections();
    const { status, result } = await getJson('/telemetry');
    expect(status).toBe(200);
    expect(result.app).toMatchObject({ name: 'strata', version: '1.19.0' });
    const collections = result.collections as { number_of_collections: number; collections: { id: string }[] };
    expect(collections.number_of_collections).toBe(collections.collections.length);
    expect(collections.collections.map((c) => c.id)).toContain('o');
    const responses = (result.requests as { rest: { responses: Record<string, Record<string, { count: number }>> } })
      .rest.responses;
    expect(responses['GET /collections']['200'].count).toBeGreaterThanOrEqual(1);

    expect(await getJson('/issues')).toEqual({ status: 200, result: { issues: [] } });
  });
});

describe('collection snapshots through the official client', () => {
  it('create, list, delete', async () => {
    const { client } = strata;
    await client.createCollection('snap', { vectors: { size: 4, distance: 'Cosine' } });
    await upsert('snap', 0, 8);
    const created = await client.createSnapshot('snap', { wait: true });
    expect(created?.name).toMatch(/\.snapshot$/);
    expect(Date.parse(`${created?.creation_time}Z`)).not.toBeNaN();
    expect((await client.listSnapshots('snap')).map((s) => s.name)).toEqual([created?.name]);
    expect(await client.deleteSnapshot('snap', created?.name ?? '')).toBe(true);
    expect(await client.listSnapshots('snap')).toEqual([]);
    await expect(client.deleteSnapshot('snap', created?.name ?? '')).rejects.toMatchObject({ status: 404 });
    await expect(client.createSnapshot('missing')).rejects.toMatchObject({ status: 404 });
  });
});

describe('snapshot archive round trip', () => {
  const DIM = 8;
  const vec = (i: number): number[] => Array.from({ length: DIM }, (_, d) => Math.sin(i * 12.9898 + d * 78.233));

  async function upload(name: string, archive: Uint8Array): Promise<Response> {
    const form = new FormData();
    form.append('snapshot', new Blob([archive]), 'a.snapshot');
    return fetch(`${strata.url}/collections/${name}/snapshots/upload`, { method: 'POST', body: form });
  }

  it('download, upload under another name: the same top-10 for 100 queries; corrupt or truncated: 400, nothing', async () => {
    const { client } = strata;
    await client.createCollection('src', { vectors: { size: DIM, distance: 'Cosine' } });
    await client.upsert('src', {
      wait: true,
      points: Array.from({ length: 400 }, (_, i) => ({ id: i, vector: vec(i), payload: { i } })),
    });
    coordinator.trigger.request('src');
    await coordinator.trigger.flush();
    // unsealed writes and deletes are part of the snapshot too
    await client.upsert('src', { wait: true, points: [{ id: 1000, vector: vec(1000), payload: { i: 1000 } }] });
    await client.delete('src', { wait: true, points: [3, 4] });
    const snap = await client.createSnapshot('src');

    const r = await fetch(`${strata.url}/collections/src/snapshots/${snap?.name}`);
    expect(r.status).toBe(200);
    const archive = new Uint8Array(await r.arrayBuffer());

    const up = await upload('restored', archive);
    expect(up.status, await up.clone().text()).toBe(200);
    expect((await client.getCollection('restored')).points_count).toBe(399);
    for (let q = 0; q < 100; q++) {
      const query = vec(5000 + q);
      const [a, b] = await Promise.all(
        ['src', 'restored'].map((c) => client.query(c, { query, limit: 10, with_payload: true })),
      );
      expect(b.points.map((p) => [p.id, p.payload])).toEqual(a.points.map((p) => [p.id, p.payload]));
    }

    // recover from a URL (here: this server's own download URL), checked against the archive's SHA-256
    const location = `${strata.url}/collections/src/snapshots/${snap?.name}`;
    const checksum = createHash('sha256').update(archive).digest('hex');
    expect(await client.recoverSnapshot('from-url', { location, checksum })).toBe(true);
    expect((await client.getCollection('from-url')).points_count).toBe(399);
    await expect(client.recoverSnapshot('bad-url', { location: 'file:///etc/passwd' })).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      client.recoverSnapshot('bad-sum', {
        location,
        checksum: checksum.replace(/^./, checksum[0] === '0' ? '1' : '0'),
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect((await client.collectionExists('bad-sum')).exists).toBe(false);

    const corrupt = archive.slice();
    // inside the first entry's data (snapshot.json follows its 512-byte tar header): a flip tar itself cannot see
    corrupt[600] ^= 0x01;
    for (const [name, bad] of [
      ['corrupt', corrupt],
      ['truncated', archive.slice(0, Math.floor(archive.length / 2))],
      ['garbage', new TextEncoder().encode('not a tar archive at all')],
    ] as const) {
      const res = await upload(name, bad);
      expect(res.status, name).toBe(400);
      expect(((await res.json()) as { status: { error: string } }).status.error).toMatch(/snapshot archive/);
      expect((await client.collectionExists(name)).exists).toBe(false);
      expect(await coordinator.store.list(`collections/${name}/`)).toEqual([]);
    }
  });
});
