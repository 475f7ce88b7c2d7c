/**
 * Mergeable quantile sketch (KLL: Karnin, Lang, Liberty 2016) with normalized rank error well under 0.01.
 *
 * Items enter level 0; a full level is sorted and every other item (random offset) is promoted to the next level with
 * twice the weight. Level capacities shrink geometrically (factor 2/3) below the top, so space is O(k) whatever the
 * stream length. While nothing has been compacted the sketch holds every item and answers exactly, with linear
 * interpolation as pandas and numpy do by default. The random offsets come from a seeded generator, so the same input
 * in the same order always gives the same answers.
 *
 * Columns with few distinct values (ages, labels, ratings) are the common case, so the sketch first keeps exact
 * counts per distinct value — O(1) per item instead of a share of a sort, and exact answers — and turns into KLL only
 * when the number of distinct values passes {@link MAX_EXACT_DISTINCT}.
 */

/** k = 1024 keeps the normalized rank error near 0.3 % (measured in the tests) for under 30 KB per column. */
export const DEFAULT_SKETCH_K = 1024;
const EXACT_TABLE_BITS = 12;
/** Distinct values counted exactly before the sketch switches to KLL (half the table, so probes stay short). */
export const MAX_EXACT_DISTINCT = 1 << (EXACT_TABLE_BITS - 1);
const CAPACITY_DECAY = 2 / 3;
const MIN_LEVEL_CAPACITY = 8;

/**
 * Everything a sketch has seen, including its random generator, so that a sketch stored and read back answers and
 * merges exactly as the original would have.
 */
export interface QuantileSketchState {
  readonly k: number;
  readonly count: number;
  readonly random: number;
  readonly compacted: boolean;
  /** Weight-1 items not yet compacted, in arrival order. */
  readonly level0: Float64Array;
  /** `levels[h - 1]` holds the sorted items of weight 2^h. */
  readonly levels: readonly Float64Array[];
  /** Present while the sketch still counts distinct values exactly. */
  readonly exact?: DistinctValueCountsState;
}

/** The occupied slots of the exact table: their positions matter, because iteration follows them. */
export interface DistinctValueCountsState {
  readonly slots: Uint32Array;
  readonly values: Float64Array;
  readonly counts: Float64Array;
}

export class QuantileSketch {
  /** Levels 1.. hold sorted items of weight 2^h; level 0 is an unsorted buffer of weight-1 items. */
  private levels: Float64Array[] = [EMPTY];
  private level0: Float64Array;
  private level0Size = 0;
  private totalCount = 0;
  private random: number;
  private compacted = false;
  private exact: DistinctValueCounts | undefined = new DistinctValueCounts();

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
    if (this.exact !== undefined) {
      if (this.exact.add(x, 1)) {
        this.totalCount++;
        return;
      }
      this.leaveExactMode();
    }
    this.addToLevel0(x);
  }

  /** Folds `other` into this sketch; afterwards this sketch summarizes the union of both streams. */
  merge(other: QuantileSketch): void {
    if (other.exact !== undefined) {
      other.exact.forEach((value, count) => {
        if (this.exact?.add(value, count)) {
          this.totalCount += count;
          return;
        }
        if (this.exact !== undefined) this.leaveExactMode();
        for (let i = 0; i < count; i++) this.addToLevel0(value);
      });
      return;
    }
    if (this.exact !== undefined) this.leaveExactMode();
    for (let i = 0; i < other.level0Size; i++) this.addToLevel0(other.level0[i]);
    this.totalCount += other.totalCount - other.level0Size;
    this.compacted ||= other.compacted;
    for (let h = 1; h < other.levels.length; h++) {
      while (this.levels.length <= h) this.levels.push(EMPTY);
      this.levels[h] = mergeSorted(this.levels[h], other.levels[h]);
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
    if (this.exact !== undefined) return this.exact.quantiles(qs, this.totalCount);
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

  state(): QuantileSketchState {
    return {
      k: this.k,
      count: this.totalCount,
      random: this.random,
      compacted: this.compacted,
      level0: this.level0.slice(0, this.level0Size),
      levels: this.levels.slice(1).map((level) => level.slice()),
      ...(this.exact === undefined ? {} : { exact: this.exact.state() }),
    };
  }

  /** Continues from `state`, which must come from a sketch with the same k. */
  restore(state: QuantileSketchState): void {
    if (state.k !== this.k)
      throw new Error(`A quantile sketch with k = ${state.k} cannot restore one with k = ${this.k}.`);
    if (state.level0.length >= this.k) throw new Error('A quantile sketch state holds a full level 0.');
    this.totalCount = state.count;
    this.random = state.random;
    this.compacted = state.compacted;
    this.level0.set(state.level0);
    this.level0Size = state.level0.length;
    this.levels = [EMPTY, ...state.levels.map((level) => (level.length === 0 ? EMPTY : level.slice()))];
    if (state.exact === undefined) {
      this.exact = undefined;
    } else {
      this.exact = new DistinctValueCounts();
      this.exact.restore(state.exact);
    }
  }

  private sortedView(): { items: Float64Array; weights: Float64Array } {
    let size = this.level0Size;
    for (let h = 1; h < this.levels.length; h++) size += this.levels[h].length;
    const order = new Uint32Array(size);
    const items = new Float64Array(size);
    const weights = new Float64Array(size);
    let n = 0;
    for (let i = 0; i < this.level0Size; i++, n++) {
      items[n] = this.level0[i];
      weights[n] = 1;
    }
    for (let h = 1; h < this.levels.length; h++) {
      for (const item of this.levels[h]) {
        items[n] = item;
        weights[n++] = 2 ** h;
      }
    }
    for (let i = 0; i < size; i++) order[i] = i;
    order.sort((a, b) => items[a] - items[b]);
    return { items: Float64Array.from(order, (i) => items[i]), weights: Float64Array.from(order, (i) => weights[i]) };
  }

  private addToLevel0(x: number): void {
    this.totalCount++;
    this.level0[this.level0Size++] = x;
    if (this.level0Size === this.level0.length) this.flushLevel0();
  }

  /** Replays the exact counts into the KLL levels; bounded by the items seen so far, and happens once. */
  private leaveExactMode(): void {
    const exact = this.exact;
    if (exact === undefined) return;
    this.exact = undefined;
    this.totalCount = 0;
    exact.forEach((value, count) => {
      for (let i = 0; i < count; i++) this.addToLevel0(value);
    });
  }

  private flushLevel0(): void {
    const sorted = this.level0.subarray(0, this.level0Size).sort();
    const odd = sorted.length % 2 === 1;
    this.promote(odd ? sorted.subarray(0, sorted.length - 1) : sorted, 1);
    if (odd) this.level0[0] = sorted[sorted.length - 1];
    this.level0Size = odd ? 1 : 0;
    this.compress();
  }

  /** Promotes every other item (random offset) of a sorted even-length run to `level`, keeping it sorted. */
  private promote(sorted: Float64Array, level: number): void {
    this.compacted = true;
    while (this.levels.length <= level) this.levels.push(EMPTY);
    const half = new Float64Array(sorted.length >> 1);
    for (let i = this.nextBit(), j = 0; j < half.length; i += 2, j++) half[j] = sorted[i];
    this.levels[level] = mergeSorted(this.levels[level], half);
  }

  private compress(): void {
    for (let h = 1; h < this.levels.length; h++) {
      const level = this.levels[h];
      if (level.length < this.capacity(h)) continue;
      const odd = level.length % 2 === 1;
      this.promote(odd ? level.subarray(0, level.length - 1) : level, h + 1);
      this.levels[h] = odd ? level.slice(level.length - 1) : EMPTY;
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

const EMPTY = new Float64Array(0);

/** Open-addressing table from a float64 value to its count, refusing new values once full. */
class DistinctValueCounts {
  private readonly keys = new Float64Array(MAX_EXACT_DISTINCT * 2);
  private readonly counts = new Float64Array(MAX_EXACT_DISTINCT * 2);
  private readonly bits = new Float64Array(1);
  private readonly bitWords = new Int32Array(this.bits.buffer);
  private size = 0;

  /** Adds `count` occurrences of `value`; false (and nothing added) when a new value would exceed the cap. */
  add(value: number, count: number): boolean {
    const key = value + 0; // -0 and 0 are one value
    this.bits[0] = key;
    const mask = this.keys.length - 1;
    let slot =
      Math.imul(this.bitWords[0] ^ Math.imul(this.bitWords[1], 0x9e3779b1), 0x85ebca6b) >>> (32 - EXACT_TABLE_BITS);
    for (;;) {
      if (this.counts[slot] === 0) break;
      if (this.keys[slot] === key) {
        this.counts[slot] += count;
        return true;
      }
      slot = (slot + 1) & mask;
    }
    if (this.size === MAX_EXACT_DISTINCT) return false;
    this.size++;
    this.keys[slot] = key;
    this.counts[slot] = count;
    return true;
  }

  state(): DistinctValueCountsState {
    const slots = new Uint32Array(this.size);
    let n = 0;
    for (let slot = 0; slot < this.keys.length; slot++) if (this.counts[slot] > 0) slots[n++] = slot;
    return {
      slots,
      values: Float64Array.from(slots, (slot) => this.keys[slot]),
      counts: Float64Array.from(slots, (slot) => this.counts[slot]),
    };
  }

  /** Fills an empty table with the slots of `state`. */
  restore(state: DistinctValueCountsState): void {
    const { slots, values, counts } = state;
    if (slots.length > MAX_EXACT_DISTINCT || values.length !== slots.length || counts.length !== slots.length) {
      throw new Error('An exact quantile table state has inconsistent lengths.');
    }
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      if (slot >= this.keys.length || this.counts[slot] > 0 || !(counts[i] > 0)) {
        throw new Error('An exact quantile table state has an invalid slot.');
      }
      this.keys[slot] = values[i];
      this.counts[slot] = counts[i];
    }
    this.size = slots.length;
  }

  forEach(visit: (value: number, count: number) => void): void {
    for (let slot = 0; slot < this.keys.length; slot++)
      if (this.counts[slot] > 0) visit(this.keys[slot], this.counts[slot]);
  }

  /** numpy's 'linear' quantiles of the multiset, without expanding it. */
  quantiles(qs: readonly number[], total: number): number[] {
    const values: number[] = [];
    this.forEach((value) => values.push(value));
    values.sort((a, b) => a - b);
    const order = new Map(values.map((value, i) => [value, i]));
    const cumulative = new Float64Array(values.length);
    this.forEach((value, count) => {
      cumulative[order.get(value) as number] = count;
    });
    for (let i = 1; i < cumulative.length; i++) cumulative[i] += cumulative[i - 1];
    // The item at 0-based rank r is the first value whose cumulative count exceeds r.
    const at = (rank: number): number => {
      let lo = 0;
      let hi = values.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] > rank) hi = mid;
        else lo = mid + 1;
      }
      return values[lo];
    };
    return qs.map((q) => {
      const position = (total - 1) * q;
      const below = Math.floor(position);
      return lerp(at(below), at(Math.min(below + 1, total - 1)), position - below);
    });
  }
}

function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  if (a.length === 0) return b.length === 0 ? EMPTY : b.slice();
  if (b.length === 0) return a;
  const merged = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) merged[n++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) merged[n++] = a[i++];
  while (j < b.length) merged[n++] = b[j++];
  return merged;
}

/** numpy's default ('linear') quantile of sorted values. */
function interpolate(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  return lerp(sorted[below], sorted[Math.min(below + 1, sorted.length - 1)], position - below);
}

/** numpy's `_lerp`: from the nearer end, so results agree with numpy to the last bit. */
function lerp(low: number, high: number, t: number): number {
  const difference = high - low;
  return t >= 0.5 ? high - difference * (1 - t) : low + difference * t;
}
