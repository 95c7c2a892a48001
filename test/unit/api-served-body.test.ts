/**
 * Request bodies as the Node server delivers them (startServer, over a socket): a declared Content-Length is read
 * whole, a chunked body as a stream against the byte limit. Driven with node:http so the framing is exactly what
 * each case says.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { type RunningServer, startServer } from '../../lib/api/server.js';
import { RecordingService } from '../support/recording-service.js';

let service: RecordingService;
let server: RunningServer;

beforeAll(async () => {
  service = new RecordingService({ docs: 4 });
  server = await startServer({ app: createApp({ service, limits: { maxBodyBytes: 4096 } }), port: 0 });
});
afterAll(() => server.close());

/** PUTs `chunks`; with `declared`, one Content-Length for all of them, else chunked transfer encoding. */
function put(path: string, chunks: Buffer[], declared: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);
    const req = request(`${server.url}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(declared ? { 'content-length': String(total) } : {}) },
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

const upsert = (n: number, text = 'x') => ({
  points: Array.from({ length: n }, (_, i) => ({ id: i + 1, vector: [1, 2, 3, 4], payload: { text } })),
});

describe('request bodies through the Node server', () => {
  it('reads a declared body whole and a chunked one as a stream, split anywhere, with a leading BOM dropped', async () => {
    const text = Buffer.from(`\ufeff${JSON.stringify(upsert(2, 'é ü'))}`);
    for (const declared of [true, false]) {
      const before = service.writes().length;
      const split = [text.subarray(0, 7), text.subarray(7, 41), text.subarray(41)];
      const reply = await put('/collections/docs/points?wait=true', split, declared);
      expect(reply.status, reply.body).toBe(200);
      const write = service.writes()[before];
      expect(write.method).toBe('upsertPoints');
      expect(JSON.stringify(write.args)).toContain('é ü');
    }
  });

  it('refuses a body over the limit: a declared one before reading, a chunked one while reading', async () => {
    const before = service.writes().length;
    const big = Buffer.from(JSON.stringify(upsert(1, 'x'.repeat(5000))));
    for (const declared of [true, false]) {
      const reply = await put('/collections/docs/points', [big.subarray(0, 3000), big.subarray(3000)], declared);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatch(declared ? /exceeded limit|4096/ : /JSON payload has exceeded limit \(4096 bytes\)/);
    }
    expect(service.writes().length).toBe(before);
  });

  it('answers a declared body that is not JSON with the format error', async () => {
    const reply = await put('/collections/docs/points', [Buffer.from('{"points": [')], true);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).status.error).toMatch(/^Format error in JSON body: /);
  });

  it('keeps serving after a client that declared more than it sent hangs up', async () => {
    const before = service.writes().length;
    await new Promise<void>((resolve) => {
      const { hostname, port } = new URL(server.url);
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          'PUT /collections/docs/points HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
            'Content-Length: 1000\r\n\r\n{"points": [',
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    const reply = await put('/collections/docs/points?wait=true', [Buffer.from(JSON.stringify(upsert(1)))], true);
    expect(reply.status, reply.body).toBe(200);
    expect(service.writes().length).toBe(before + 1);
  });
});
