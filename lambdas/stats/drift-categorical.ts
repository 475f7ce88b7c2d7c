/** Drift metrics of a column that is categorical in at least one file (CONTRACTS.md `warden drift`). */
import type { ByteDictionary } from './byte-dictionary';
import { jensenShannonDistance, populationStabilityIndex } from './drift-divergence';

export interface CategoricalDriftMetrics {
  readonly psi: number;
  readonly jsDistance: number;
}

export function categoricalDrift(base: ByteDictionary, current: ByteDictionary): CategoricalDriftMetrics {
  const { baseCounts, currentCounts } = alignCategories(base, current);
  // CONTRACTS.md `psi` (categorical): over the union of categories; `jsDistance`: scipy `jensenshannon`.
  return {
    psi: populationStabilityIndex(baseCounts, currentCounts),
    jsDistance: jensenShannonDistance(baseCounts, currentCounts),
  };
}

/** Count vectors over the union of categories: the baseline's first, then those only the current file has. */
export function alignCategories(
  base: ByteDictionary,
  current: ByteDictionary,
): { baseCounts: Float64Array; currentCounts: Float64Array } {
  const baseCounts: number[] = [];
  const currentCounts: number[] = [];
  const matched = new Uint8Array(current.size);
  for (let id = 0; id < base.size; id++) {
    const key = base.keyBytes(id);
    const match = current.find(key, 0, key.length);
    baseCounts.push(base.count(id));
    currentCounts.push(match < 0 ? 0 : current.count(match));
    if (match >= 0) matched[match] = 1;
  }
  for (let id = 0; id < current.size; id++) {
    if (matched[id] === 1) continue;
    baseCounts.push(0);
    currentCounts.push(current.count(id));
  }
  return { baseCounts: Float64Array.from(baseCounts), currentCounts: Float64Array.from(currentCounts) };
}
