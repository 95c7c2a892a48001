import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { StrataError } from '../../lib/model/errors.js';
import { RecordingService } from '../support/recording-service.js';
import { expectError, resultOf, send } from '../support/api-request.js';

describe('api key', () => {
  const service = new RecordingService();
  const app = createApp({ service, apiKey: 'secret-key' });

  it('401 without a key, with Qdrant message (plain text)', async () => {
    const r = await send(app, 'GET', '/collections');
    expect(r.status).toBe(401);
    expect(r.text).toBe('Must provide an API key or an Authorization bearer token');
  });

  it('401 with a wrong key, including one of another length', async () => {
    for (const key of ['secret-kez', 'x', 'secret-key-longer']) {
      const r = await send(app, 'GET', '/collections', undefined, { 'api-key': key });
      expect(r.status).toBe(401);
      expect(r.text).toBe('Invalid API key or JWT');
    }
  });

  it('accepts the api-key header and Authorization: Bearer', async () => {
    resultOf(await send(app, 'GET', '/collections', undefined, { 'api-key': 'secret-key' }));
    resultOf(await send(app, 'GET', '/collections', undefined, { authorization: 'Bearer secret-key' }));
    expect((await send(app, 'GET', '/collections', undefined, { authorization: 'Basic secret-key' })).status).toBe(401);
  });

  it('rejected writes reach no service method', async () => {
    const before = service.calls.length;
    const r = await send(
      app,
      'PUT',
      '/collections/docs/points',
      { points: [{ id: 1, vector: [1, 2, 3, 4] }] },
      { 'api-key': 'nope' },
    );
    expect(r.status).toBe(401);
    expect(service.calls.length).toBe(before);
  });

  it('leaves / and the probes open', async () => {
    expect((await send(app, 'GET', '/')).status).toBe(200);
    for (const p of ['/healthz', '/readyz', '/livez']) expect((await send(app, 'GET', p)).status).toBe(200);
  });
});

describe('service routes and error mapping', () => {
  it('GET / reports a Qdrant version the official client accepts', async () => {
    const app = createApp({ service: new RecordingService() });
    const r = await send(app, 'GET', '/');
    expect(r.body).toMatchObject({ title: 'qdrant - vector search engine', version: '1.19.0' });
  });

  it('unknown routes answer the envelope with 404', async () => {
    const app = createApp({ service: new RecordingService() });
    expectError(await send(app, 'GET', '/nope'), 404, 'Not found');
  });

  it.each([
    ['invalid', 400, 'Wrong input: bad'],
    ['not_found', 404, 'Not found: bad'],
    ['conflict', 409, 'Wrong input: bad'],
    ['unavailable', 503, 'Service unavailable: bad'],
    ['internal', 500, 'Service internal error: bad'],
  ] as const)('StrataError %s → %i', async (kind, status, message) => {
    const service = new RecordingService();
    service.listCollections = async () => {
      throw new StrataError(kind, 'bad');
    };
    const errors: unknown[] = [];
    const app = createApp({ service, logger: { error: (o) => errors.push(o), warn: () => {} } });
    expectError(await send(app, 'GET', '/collections'), status, message);
    expect(errors.length).toBe(status >= 500 ? 1 : 0);
  });

  it('accepts a pino logger', async () => {
    const app = createApp({ service: new RecordingService(), logger: pino({ level: 'silent' }) });
    resultOf(await send(app, 'GET', '/collections'));
  });

  it('an unexpected exception is a 500 envelope', async () => {
    const service = new RecordingService();
    service.listCollections = async () => {
      throw new TypeError('boom');
    };
    expectError(await send(createApp({ service }), 'GET', '/collections'), 500, 'Service internal error: boom');
  });
});
