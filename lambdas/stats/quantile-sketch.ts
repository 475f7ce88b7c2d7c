/**
 * Mergeable quantile sketch (KLL: Karnin, Lang, Liberty 2016) with normalized rank error well under 0.01.
 *
 * Items enter level 0; a full level is sorted and every other item (random offset) is promoted to the next level with
 * twice the weight. Level capacities shrink geometrically (factor 2/3) below the top, so space is O(k) whatever the
 * stream length. While nothing has been compacted the sketch holds every item and answers exactly, with linear
 * interpolation as pandas and numpy do by default. The random offsets come from a seeded generator, so the same input
 * in the same order always gives the same answers.
 */

/** k = 1024 keeps the normalized rank error near 0.3 % (measured in the tests) for under 30 KB per column. */
export const DEFAULT_SKETCH_K = 1024;
const CAPACITY_DECAY = 2 / 3;
const MIN_LEVEL_CAPACITY = 8;

export class QuantileSketch {
  private levels: number[][] = [[]];
  private level0: Float64Array;
  private level0Size = 0;
  private totalCount = 0;
  private random: number;
  private compacted = false;

  constructor(
    private readonly k: number = DEFAULT_SKETCH_K,
    seed = 0x9e3779b9,
  ) {
    this.level0 = new Float64Array(k);
    this.random = seed >>> 0 || 1;
  }

  /** Number of items added (across merges). */
  get count(): number {
    return this.totalCount;
  }

  add(x: number): void {
    this.totalCount++;
    this.level0[this.level0Size++] = x;
    if (this.level0Size === this.level0.length) this.flushLevel0();
  }

  /** Folds `other` into this sketch; afterwards this sketch summarizes the union of both streams. */
  merge(other: QuantileSketch): void {
    for (let i = 0; i < other.level0Size; i++) this.add(other.level0[i]);
    this.totalCount += other.totalCount - other.level0Size;
    this.compacted ||= other.compacted;
    for (let h = 1; h < other.levels.length; h++) {
      while (this.levels.length <= h) this.levels.push([]);
      for (const item of other.levels[h]) this.levels[h].push(item);
    }
    this.compress();
  }

  /** The q-quantile (0 ≤ q ≤ 1); NaN when empty. */
  quantile(q: number): number {
    return this.quantiles([q])[0];
  }

  /** Several quantiles from one sorted view. */
  quantiles(qs: readonly number[]): number[] {
    if (this.totalCount === 0) return qs.map(() => NaN);
    const { items, weights } = this.sortedView();
    if (!this.compacted) return qs.map((q) => interpolate(items, q));
    const cumulative = new Float64Array(items.length);
    let running = 0;
    for (let i = 0; i < items.length; i++) {
      running += weights[i];
      cumulative[i] = running;
    }
    return qs.map((q) => {
      const target = q * this.totalCount;
      let lo = 0;
      let hi = items.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] < target) lo = mid + 1;
        else hi = mid;
      }
      return items[lo];
    });
  }

  private sortedView(): { items: Float64Array; weights: Float64Array } {
    let size = this.level0Size;
    for (let h = 1; h < this.levels.length; h++) size += this.levels[h].length;
    const order: [number, number][] = [];
    for (let i = 0; i < this.level0Size; i++) order.push([this.level0[i], 1]);
    for (let h = 1; h < this.levels.length; h++) for (const item of this.levels[h]) order.push([item, 2 ** h]);
    order.sort((a, b) => a[0] - b[0]);
    const items = new Float64Array(size);
    const weights = new Float64Array(size);
    order.forEach(([item, weight], i) => {
      items[i] = item;
      weights[i] = weight;
    });
    return { items, weights };
  }

  private flushLevel0(): void {
    const sorted = this.level0.subarray(0, this.level0Size).sort();
    this.promote(sorted, 1);
    this.level0Size = sorted.length % 2;
    if (this.level0Size === 1) this.level0[0] = sorted[sorted.length - 1];
    this.compress();
  }

  /** Moves every other item of a sorted even-length prefix of `sorted` up to `level`. */
  private promote(sorted: ArrayLike<number>, level: number): void {
    this.compacted = true;
    while (this.levels.length <= level) this.levels.push([]);
    const target = this.levels[level];
    const even = sorted.length - (sorted.length % 2);
    for (let i = this.nextBit(); i < even; i += 2) target.push(sorted[i]);
  }

  private compress(): void {
    for (let h = 1; h < this.levels.length; h++) {
      const level = this.levels[h];
      if (level.length < this.capacity(h)) continue;
      level.sort((a, b) => a - b);
      const keep = level.length % 2 === 1 ? level[level.length - 1] : undefined;
      this.promote(level, h + 1);
      this.levels[h] = keep === undefined ? [] : [keep];
    }
  }

  private capacity(level: number): number {
    const height = this.levels.length;
    return Math.max(MIN_LEVEL_CAPACITY, Math.ceil(this.k * CAPACITY_DECAY ** (height - level - 1)));
  }

  private nextBit(): number {
    // xorshift32: cheap, seeded, good enough for choosing between two offsets.
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x >>> 0;
    return this.random & 1;
  }
}

/** numpy's default ('linear') quantile of sorted values. */
function interpolate(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}
