/**
 * A run the trigger asked for, landing after the collection was deleted (upsert, then delete collection, a normal
 * client session), is not an error: it used to log "optimizer trigger failed" at error level for every such session.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { loadConfig } from '../../../lib/runtime/config.js';
import { createCoordinator } from '../../../lib/runtime/coordinator.js';

it('an optimizer run for a collection deleted meanwhile logs no error and purges its objects', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'strata-opt-gone-'));
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const config = loadConfig({ STRATA_DATA_DIR: dir, STRATA_OPTIMIZE_AFTER_POINTS: '1' });
  const coordinator = await createCoordinator(config, { logger, fallback: 'direct' });
  try {
    const { service } = coordinator;
    await service.createCollection('c', {
      vectors: { size: 2, distance: 'Dot', on_disk: false },
      hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10_000 },
      quantization_config: null,
      optimizers_config: { default_segment_number: 1, indexing_threshold: 20_000 },
    });
    await service.upsertPoints('c', [{ id: 1, vector: [1, 0] }], true);
    // the run is debounced (250 ms): the collection is gone before it starts
    await service.deleteCollection('c');
    await coordinator.trigger.flush();
    expect(lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50)).toEqual([]);
    // the run the delete asked for removed the objects, off the delete call (collection-delete.ts)
    expect(await coordinator.store.list('collections/')).toEqual([]);
    expect(await coordinator.store.list('deleting/')).toEqual([]);
  } finally {
    await coordinator.close();
    await rm(dir, { recursive: true, force: true });
  }
});
