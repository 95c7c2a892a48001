/**
 * The dashboard in a real browser: Debian's chromium (installed by the test set-up, test/support/chromium-env.ts)
 * driven headless by playwright-core, against the composed local server (createCoordinator over a filesystem store,
 * worker threads, over TCP) serving the dashboard's real build (dist/dashboard, built by the set-up). It loads, lists
 * the collections, shows a collection's segments with their tiers, browses points with a filter, runs a query and
 * draws what it cost; for a collection with named vectors it shows each name's config and queries the name chosen
 * in the console's `using` selector. Screenshots of each step go to a fresh temp folder, printed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/runtime/config.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';
import { DASHBOARD_OUT_DIR } from '../../scripts/build-dashboard.js';
import { findChromium } from '../support/chromium-env.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const executablePath = findChromium();
if (executablePath === null) {
  console.warn('dashboard browser test skipped: no system chromium (the test set-up could not install it, see above)');
}

const CITIES = ['Berlin', 'London', 'Paris', 'Rome'];
const DIM = 16;
const SMALL_DIM = 4;
const shots = mkdtempSync(join(tmpdir(), 'strata-dashboard-shots-'));

let dir: string;
let coordinator: Coordinator;
let strata: StrataUnderTest;
let browser: Browser;
let page: Page;

describe.skipIf(executablePath === null)('dashboard in chromium', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-dashboard-e2e-'));
    const config = loadConfig(
      {
        STRATA_DATA_DIR: dir,
        STRATA_WORKERS: '2',
        STRATA_LOG_LEVEL: 'silent',
        STRATA_OPTIMIZE_IDLE_MS: '0',
        STRATA_OPTIMIZE_AFTER_POINTS: '1000000',
      },
      {},
    );
    coordinator = await createCoordinator(config, { logger: createLogger(config, 'server'), fallback: 'direct' });
    strata = await startStrata(coordinator.service, {
      operations: coordinator.operations,
      dashboardDir: DASHBOARD_OUT_DIR,
    });
    await strata.client.createCollection('docs', {
      vectors: { size: DIM, distance: 'Cosine', on_disk: true },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
      hnsw_config: { m: 8, ef_construct: 64 },
      optimizers_config: { default_segment_number: 2, indexing_threshold: 1 },
    });
    await strata.client.createCollection('empty', { vectors: { size: 4, distance: 'Dot' } });
    // named vectors, each in its own tier: dense with its own int8 codes, small in RAM without quantization
    await strata.client.createCollection('named', {
      vectors: {
        dense: {
          size: DIM,
          distance: 'Cosine',
          on_disk: true,
          quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
        },
        small: { size: SMALL_DIM, distance: 'Dot', on_disk: false },
      },
      optimizers_config: { default_segment_number: 2 },
    });
    await strata.client.upsert('named', {
      wait: true,
      points: Array.from({ length: 200 }, (_, i) => ({
        id: i + 1,
        vector: {
          dense: Array.from({ length: DIM }, (_, d) => Math.cos(i * 0.37 + d * 0.5)),
          small: Array.from({ length: SMALL_DIM }, (_, d) => Math.sin(i * 1.3 + d * 2.1)),
        },
        payload: { i },
      })),
    });
    coordinator.trigger.request('named');
    const points = Array.from({ length: 600 }, (_, i) => ({
      id: i + 1,
      vector: Array.from({ length: DIM }, (_, d) => Math.sin(i * 0.61 + d * 0.9) + 0.01 * d),
      payload: { city: CITIES[i % CITIES.length], i },
    }));
    await strata.client.upsert('docs', { wait: true, points });
    coordinator.trigger.request('docs');
    await coordinator.trigger.flush();
    // a few unsealed writes, so the WAL backlog shows
    await strata.client.upsert('docs', {
      wait: true,
      points: points.slice(0, 5).map((p) => ({ ...p, id: p.id + 10_000 })),
    });

    browser = await chromium.launch({
      executablePath: executablePath as string,
      headless: true,
      // root in a container: chromium's sandbox needs user namespaces it may not have
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await strata?.close();
    await coordinator?.close();
    await rm(dir, { recursive: true, force: true });
    console.log(`dashboard screenshots: ${shots}`);
  });

  it('loads and lists the collections', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const r = await page.goto(`${strata.url}/dashboard`);
    expect(r?.status()).toBe(200);
    expect(page.url()).toBe(`${strata.url}/dashboard/`);
    await page.waitForSelector('a[data-collection="docs"]');
    expect(await page.locator('ul.collections a').allTextContents()).toEqual(['docs', 'empty', 'named']);
    expect(await page.textContent('header')).toContain('Qdrant API 1.19.0');
    await page.screenshot({ path: join(shots, '1-collections.png') });
    expect(errors).toEqual([]);
  });

  it("shows a collection's config, its segments with each tier, and the WAL backlog", async () => {
    await page.click('a[data-collection="docs"]');
    await page.waitForSelector('tr.segment-row');
    expect(await page.locator('tr.segment-row').count()).toBe(2);
    const text = (await page.textContent('main')) ?? '';
    expect(text).toContain('16 dims · Cosine · originals in S3 pages (on_disk)');
    // int8 codes in RAM, originals as S3 pages, payloads read from S3 per query
    const objects = await page
      .locator('tr.segment-row .objects span')
      .evaluateAll((els) => els.map((e) => `${e.textContent?.split(' ')[0]}:${e.getAttribute('title')}`));
    expect(objects).toContain('quantized:RAM');
    expect(objects).toContain('vectors:S3 pages');
    expect(objects).toContain('payload:S3');
    expect(text).toContain('1 unsealed WAL objects holding 5 points');
    expect(text).toContain('wal_seal');
    await page.screenshot({ path: join(shots, '2-segments.png'), fullPage: true });
  });

  it('browses points with a filter', async () => {
    await page.click('button[data-tab="points"]');
    await page.waitForSelector('table.points tbody tr');
    await page.fill('textarea.filter', '{"must": [{"key": "city", "match": {"value": "Berlin"}}]}');
    await page.click('button[data-action="scroll"]');
    await page.locator('.browser p.muted', { hasText: /^152 points match/ }).waitFor();
    const payloads = await page.locator('table.points tbody tr td:nth-child(2)').allTextContents();
    expect(payloads).toHaveLength(20);
    for (const p of payloads) expect(JSON.parse(p).city).toBe('Berlin');
    await page.screenshot({ path: join(shots, '3-points.png'), fullPage: true });
  });

  it('runs a query in the console and draws what it cost', async () => {
    await page.click('button[data-tab="query"]');
    await expect.poll(() => page.inputValue('textarea.query')).not.toBe('');
    const body = JSON.parse(await page.inputValue('textarea.query')) as { query: number[]; limit: number };
    expect(body.query).toHaveLength(DIM);
    await page.click('button[data-action="run-query"]');
    await page.waitForSelector('[data-testid="cost-chart"]');
    expect(await page.locator('table.results tbody tr').count()).toBe(10);
    const chart = (await page.textContent('[data-testid="cost-chart"]')) ?? '';
    expect(chart).toContain('2 segments');
    expect(chart).toMatch(/[12] invocations?/);
    expect(chart).toContain('5 WAL points scanned');
    for (const stage of ['snapshot', 'tail', 'fanOut', 'fetch']) {
      expect(await page.locator(`g.stage[data-stage="${stage}"] rect`).count()).toBeGreaterThan(0);
    }
    // a second run lands in the history table, cold then warm
    await page.click('button[data-action="run-query"]');
    await page.waitForSelector('table.history tbody tr:nth-child(2)');
    await page.screenshot({ path: join(shots, '4-query-cost.png'), fullPage: true });
  });

  it("shows each named vector's size, distance, tier and quantization", async () => {
    await page.click('a[data-collection="named"]');
    await page.click('button[data-tab="overview"]');
    await page.waitForSelector('tr[data-vector="dense"]');
    const dense = (await page.textContent('tr[data-vector="dense"]')) ?? '';
    expect(dense).toContain('16 dims · Cosine · originals in S3 pages (on_disk)');
    expect(dense).toContain('"int8"');
    expect(dense).not.toContain("(the collection's)");
    const small = (await page.textContent('tr[data-vector="small"]')) ?? '';
    expect(small).toContain('4 dims · Dot · originals in RAM');
    expect(small).toContain("quantization none (the collection's)");
    expect((await page.textContent('main')) ?? '').not.toContain('undefined');
    await page.screenshot({ path: join(shots, '5-named-config.png'), fullPage: true });
  });

  it('queries the named vector chosen in the console with `using`', async () => {
    await page.click('button[data-tab="query"]');
    await expect.poll(() => page.inputValue('textarea.query')).not.toBe('');
    const first = JSON.parse(await page.inputValue('textarea.query')) as { query: number[]; using: string };
    expect(first.using).toBe('dense');
    expect(first.query).toHaveLength(DIM);
    await page.selectOption('select[data-action="using"]', 'small');
    await expect.poll(async () => JSON.parse(await page.inputValue('textarea.query')).using).toBe('small');
    const body = JSON.parse(await page.inputValue('textarea.query')) as { query: number[]; limit: number };
    expect(body.query).toHaveLength(SMALL_DIM);
    await page.click('button[data-action="run-query"]');
    await page.waitForSelector('[data-testid="cost-chart"]');
    const ids = (await page.locator('table.results tbody tr td:nth-child(2)').allTextContents()).map(Number);
    // small has no quantization: the console's answer is the exact top-10 of that name
    const exact = await strata.client.query('named', {
      query: body.query,
      using: 'small',
      limit: 10,
      params: { exact: true },
    });
    expect(ids).toEqual(exact.points.map((p) => p.id));
    await page.screenshot({ path: join(shots, '6-named-query.png'), fullPage: true });
  });
});
