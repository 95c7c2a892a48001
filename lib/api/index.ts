/** Qdrant REST surface: the app factory and the local server. */
export { createApp, DEFAULT_LIMITS } from './app.js';
export type { ApiLimits, ApiLogger, CreateAppOptions } from './app.js';
export { startServer } from './server.js';
export type { RunningServer, StartServerOptions } from './server.js';
export { QDRANT_COMPAT_VERSION } from './routes/service.js';
