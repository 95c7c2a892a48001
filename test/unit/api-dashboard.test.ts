/**
 * The dashboard's routes (lib/api/routes/dashboard.ts) in-process: the static build is served from its folder, only
 * files the build wrote are reachable, the static files are open while the layout read needs the API key, and a
 * server without a build says how to make one.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { expectError, send } from '../support/api-request.js';
import { RecordingService } from '../support/recording-service.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-dashboard-unit-'));
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><script src="assets/app.js"></script>');
writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(dir, 'assets', 'notes.txt'), 'not an asset type');
writeFileSync(join(dir, 'secret.json'), '{}');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dashboard routes', () => {
  const app = createApp({ service: new RecordingService(), dashboardDir: dir, apiKey: 'k' });

  it('redirects /dashboard to /dashboard/ and serves the build without the key', async () => {
    const r = await app.request('/dashboard');
    expect(r.status).toBe(308);
    expect(r.headers.get('location')).toBe('/dashboard/');
    const index = await app.request('/dashboard/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('assets/app.js');
    const js = await app.request('/dashboard/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(await js.text()).toBe('console.log(1)');
  });

  it('serves only files the build wrote: no other type, no path outside assets/', async () => {
    expect((await app.request('/dashboard/assets/notes.txt')).status).toBe(404);
    expect((await app.request('/dashboard/assets/..%2Fsecret.json')).status).toBe(404);
    expect((await app.request('/dashboard/assets/../secret.json')).status).not.toBe(200);
    expect((await app.request('/dashboard/secret.json')).status).toBe(401);
  });

  it('the layout read needs the key like every data route', async () => {
    expect((await send(app, 'GET', '/dashboard/api/collections/docs/layout')).status).toBe(401);
    const r = await send(app, 'GET', '/dashboard/api/collections/docs/layout', undefined, { 'api-key': 'k' });
    expect(r.status).toBe(200);
    expect((r.body as { result: { segments: unknown[] } }).result.segments).toEqual([]);
    const missing = await send(app, 'GET', '/dashboard/api/collections/nope/layout', undefined, { 'api-key': 'k' });
    expectError(missing, 404, 'nope');
  });

  it('without a build, /dashboard/ says how to make one', async () => {
    const bare = createApp({ service: new RecordingService() });
    expectError(await send(bare, 'GET', '/dashboard/'), 404, 'npm run build:dashboard');
    const absent = createApp({ service: new RecordingService(), dashboardDir: join(dir, 'nothing') });
    expectError(await send(absent, 'GET', '/dashboard/assets/app.js'), 404, 'not built');
  });
});
