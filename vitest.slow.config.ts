import { defineConfig } from 'vitest/config';
import base, { SLOW_TESTS } from './vitest.config.js';

/** The slow suites alone (quantization recall against Qdrant's engine on both datasets): `npm run test:slow`. */
export default defineConfig({ test: { ...base.test, include: [SLOW_TESTS], exclude: [] } });
