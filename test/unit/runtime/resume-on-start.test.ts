/**
 * A restart resumes what the optimizer had not done: points written while no optimizer ran (it was closed before
 * its idle seal, as by a stop or a crash) are sealed after the composed service restarts, without another write.
 * Before, they stayed in the WAL (status yellow) until the next write re-armed the trigger.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/runtime/config.js';
import { createCoordinator } from '../../../lib/runtime/coordinator.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-resume-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const compose = () =>
  createCoordinator(loadConfig({ STRATA_DATA_DIR: dir, STRATA_OPTIMIZE_AFTER_POINTS: '1000000' }), {
    logger: pino({ level: 'silent' }),
    fallback: 'direct',
  });

it('a restarted service seals the WAL a stopped one left, and leaves collections without work alone', async () => {
  const first = await compose();
  expect(await first.resumed).toEqual([]);
  const config = {
    vectors: { size: 2, distance: 'Dot' as const, on_disk: false },
    hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10_000 },
    quantization_config: null,
    optimizers_config: { default_segment_number: 1, indexing_threshold: 20_000 },
  };
  await first.service.createCollection('pending', config);
  await first.service.createCollection('idle', config);
  await first.service.upsertPoints('pending', [{ id: 1, vector: [1, 0] }], true);
  // stopped before the threshold or the idle timer ran the optimizer
  await first.close();

  const second = await compose();
  try {
    expect(await second.resumed).toEqual(['pending']);
    await second.trigger.flush();
    const info = await second.service.getCollection('pending');
    expect(info.status).toBe('green');
    expect(info.segments_count).toBe(1);
    expect(info.points_count).toBe(1);
    expect(await second.optimizer.hasWork('pending')).toBe(false);
  } finally {
    await second.close();
  }
});
