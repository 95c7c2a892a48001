/**
 * Baseline: hnswlib-node 3 (hnswlib's HierarchicalNSW, float32). Cosine uses hnswlib's 'cosine' space (it normalises
 * vectors on insert and query, then ranks by inner product); Euclid uses 'l2'. hnswlib-node is single-threaded per
 * call. Its API takes plain number[], so base rows are converted inside build (a small part of build time) and
 * queries in prepare (untimed).
 */
import hnswlib from 'hnswlib-node';
import type { Dataset } from '../../test/support/datasets.js';
import type { HnswParams, InProcessEngine } from './types.js';

const SEED = 100;

export function createHnswlib(ds: Dataset, params: HnswParams): InProcessEngine<number[]> {
  const space = ds.distance === 'Cosine' ? 'cosine' : 'l2';
  const index = new hnswlib.HierarchicalNSW(space, ds.dim);
  return {
    name: 'hnswlib f32',
    kind: 'baseline',
    config: `hnswlib-node HierarchicalNSW space=${space} M=${params.m} ef_construction=${params.efConstruct} seed=${SEED}, 1 thread`,
    build() {
      index.initIndex(ds.nBase, params.m, params.efConstruct, SEED);
      const row: number[] = new Array<number>(ds.dim);
      for (let i = 0; i < ds.nBase; i++) {
        const at = i * ds.dim;
        for (let j = 0; j < ds.dim; j++) row[j] = ds.base[at + j];
        index.addPoint(row, i);
      }
    },
    setEf(ef) {
      index.setEf(ef);
    },
    prepare(query) {
      return Array.from(query);
    },
    search(query, k) {
      return index.searchKnn(query, k).neighbors;
    },
  };
}
