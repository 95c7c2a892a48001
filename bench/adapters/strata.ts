/**
 * Strata's engine in three modes. Wired to lib/index once its API lands; until then no Strata rows are measured.
 */
import type { EngineFactory } from './types.js';

export function strataFactories(_oversampling: number): EngineFactory[] {
  return [];
}
