/**
 * Storage snapshots (Qdrant's full snapshots) through the official `@qdrant/js-client-rest` and plain HTTP against
 * the composed server (createCoordinator over a filesystem store, over TCP): create, list, download; delete a
 * collection; recover the whole storage from the downloaded archive (upload) and from a URL (`PUT
 * /snapshots/recover`, checksum checked), with every collection, the alias and the query answers as they were when the
 * snapshot was taken (a payload index included). The idle seal is off: the test seals one collection itself so the archive holds segments and an
 * unsealed WAL tail.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const DIM = 8;
const vec = (i: number): number[] => Array.from({ length: DIM }, (_, d) => Math.sin(i * 12.9898 + d * 78.233));

let dir: string;
let coordinator: Coordinator;
let strata: StrataUnderTest;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-storage-snapshots-e2e-'));
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

async function upsert(collection: string, from: number, n: number): Promise<void> {
  await strata.client.upsert(collection, {
    wait: true,
    points: Array.from({ length: n }, (_, i) => ({ id: from + i, vector: vec(from + i), payload: { i: from + i } })),
  });
}

/** What the test compares before and after a recover: counts, the alias and 50 queries' top-10 per collection. */
async function state(): Promise<unknown> {
  const { client } = strata;
  const answers: Record<string, unknown[]> = {};
  for (const c of ['docs', 'tags']) {
    const filter = { must: [{ key: 'i', range: { lt: 100 } }] };
    answers[c] = [
      (await client.count(c, { exact: true })).count,
      (await client.count(c, { exact: true, filter })).count,
      (await client.getCollection(c)).payload_schema,
    ];
    for (let q = 0; q < 50; q++) {
      const { points } = await client.query(c, { query: vec(9000 + q), limit: 10, with_payload: true });
      answers[c].push(points.map((p) => [p.id, p.payload, p.score]));
    }
  }
  return { answers, aliases: (await client.getAliases()).aliases };
}

async function upload(archive: Uint8Array): Promise<Response> {
  const form = new FormData();
  form.append('snapshot', new Blob([archive]), 'full.snapshot');
  return fetch(`${strata.url}/snapshots/upload`, { method: 'POST', body: form });
}

async function recover(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${strata.url}/snapshots/recover`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('storage snapshots through the official client', () => {
  it('create, list, download, delete a collection, recover from the archive and from a URL: the same data', async () => {
    const { client } = strata;
    await client.createCollection('docs', { vectors: { size: DIM, distance: 'Cosine' } });
    await client.createCollection('tags', { vectors: { size: DIM, distance: 'Euclid' } });
    // a field index lives in each segment's objects (index/{field}) and in the manifest's payload schema
    await client.createPayloadIndex('docs', { field_name: 'i', field_schema: 'integer', wait: true });
    await upsert('docs', 0, 300);
    coordinator.trigger.request('docs');
    await coordinator.trigger.flush();
    // unsealed writes and deletes are part of the snapshot too
    await upsert('docs', 1000, 5);
    await client.delete('docs', { wait: true, points: [3, 4] });
    await upsert('tags', 0, 40);
    await client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: 'live', collection_name: 'docs' } }],
    });
    const before = await state();

    const created = await client.createFullSnapshot({ wait: true });
    expect(created?.name).toMatch(/\.snapshot$/);
    expect(Date.parse(`${created?.creation_time}Z`)).not.toBeNaN();
    const name = created?.name ?? '';
    expect((await client.listFullSnapshots()).map((s) => s.name)).toEqual([name]);
    // a storage snapshot is not a collection snapshot
    expect(await client.listSnapshots('docs')).toEqual([]);

    const r = await fetch(`${strata.url}/snapshots/${name}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-tar');
    const archive = new Uint8Array(await r.arrayBuffer());

    // after the snapshot: a collection deleted (its alias with it), another written to
    expect(await client.deleteCollection('docs')).toBe(true);
    await upsert('tags', 500, 10);
    expect((await client.getAliases()).aliases).toEqual([]);
    // the snapshot outlives docs: it still downloads, as the same bytes
    const again = await fetch(`${strata.url}/snapshots/${name}`);
    expect(again.status).toBe(200);
    expect(Buffer.compare(new Uint8Array(await again.arrayBuffer()), archive)).toBe(0);

    const up = await upload(archive);
    expect(up.status, await up.clone().text()).toBe(200);
    expect((await client.getCollections()).collections.map((c) => c.name).sort()).toEqual(['docs', 'tags']);
    expect(await state()).toEqual(before);
    expect((await client.getCollection('live')).points_count).toBe(303);
    expect((await client.getCollection('docs')).payload_schema.i).toMatchObject({ data_type: 'integer' });

    // recover by URL (this server's own download of a fresh snapshot), checked against its SHA-256
    const second = await client.createFullSnapshot();
    const location = `${strata.url}/snapshots/${second?.name}`;
    const bytes = new Uint8Array(await (await fetch(location)).arrayBuffer());
    const checksum = createHash('sha256').update(bytes).digest('hex');
    await upsert('tags', 700, 10);
    const wrongSum = await recover({ location, checksum: checksum.replace(/^./, checksum[0] === '0' ? '1' : '0') });
    expect(wrongSum.status).toBe(400);
    expect((await client.count('tags', { exact: true })).count).toBe(50);
    expect((await recover({ location: 'file:///etc/passwd' })).status).toBe(400);
    const byUrl = await recover({ location, checksum });
    expect(byUrl.status, await byUrl.clone().text()).toBe(200);
    expect(await state()).toEqual(before);
    // the restore replaced the collections; the pins this snapshot held survive it: the same bytes again
    const kept = await fetch(location);
    expect(kept.status).toBe(200);
    expect(Buffer.compare(new Uint8Array(await kept.arrayBuffer()), bytes)).toBe(0);

    // a corrupt archive is refused whole: nothing changes
    const corrupt = archive.slice();
    corrupt[600] ^= 0x01;
    await upsert('tags', 800, 3);
    const bad = await upload(corrupt);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { status: { error: string } }).status.error).toMatch(/snapshot archive/);
    expect((await client.count('tags', { exact: true })).count).toBe(43);

    expect(await client.deleteFullSnapshot(name)).toBe(true);
    expect(await client.deleteFullSnapshot(second?.name ?? '')).toBe(true);
    expect(await client.listFullSnapshots()).toEqual([]);
    await expect(client.deleteFullSnapshot(name)).rejects.toMatchObject({ status: 404 });
    expect((await fetch(location)).status).toBe(404);
  });
});
