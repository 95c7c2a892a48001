/**
 * The local HTTP server: the app from createApp on @hono/node-server. `port: 0` picks a free port (tests); the
 * resolved URL is returned. close() stops accepting connections and ends idle keep-alive ones so it resolves promptly.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface StartServerOptions {
  // biome-ignore lint/suspicious/noExplicitAny: any app's environment type is served the same way
  readonly app: Hono<any>;
  /** @default 6333 (Qdrant's REST port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

export function startServer({ app, port = 6333, host = '127.0.0.1' }: StartServerOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            (server as Server).close((err) => (err ? fail(err) : done()));
            (server as Server).closeIdleConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
