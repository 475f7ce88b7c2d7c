/**
 * Per-column profiles: what `warden validate` reports and what the drift baseline starts from. Every profile is built
 * in one pass, holds memory independent of the row count, and merges with a profile of another part of the same file.
 */
import { ByteDictionary } from './byte-dictionary';
import { DistinctSketch } from './distinct-sketch';
import { Moments, type MomentsState } from './moments';
import { QuantileSketch, type QuantileSketchState } from './quantile-sketch';

/** Quantiles reported for numeric columns, by key. */
export const REPORTED_QUANTILES: readonly (readonly [string, number])[] = [
  ['p01', 0.01],
  ['p05', 0.05],
  ['p25', 0.25],
  ['p50', 0.5],
  ['p75', 0.75],
  ['p95', 0.95],
  ['p99', 0.99],
];

/** Categories kept with exact counts; past this a categorical column's distinct count becomes an estimate. */
export const MAX_TRACKED_CATEGORIES = 100_000;
const TOP_CATEGORIES = 10;

/** Only `type`, `count` and `missing` for PII columns: every other field would echo their values. */
export interface NumericProfileJson {
  readonly type: 'integer' | 'number';
  readonly count: number;
  readonly missing: number;
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
  readonly std?: number;
  readonly quantiles?: Record<string, number>;
}

export class NumericProfile {
  missing = 0;
  readonly moments = new Moments();
  readonly sketch = new QuantileSketch();

  constructor(
    readonly type: 'integer' | 'number',
    private readonly pii = false,
  ) {}

  add(x: number): void {
    this.moments.add(x);
    this.sketch.add(x);
  }

  merge(other: NumericProfile): void {
    this.missing += other.missing;
    this.moments.merge(other.moments);
    this.sketch.merge(other.sketch);
  }

  state(): NumericProfileState {
    return { kind: 'numeric', missing: this.missing, moments: this.moments.state(), sketch: this.sketch.state() };
  }

  restore(state: NumericProfileState): void {
    this.missing = state.missing;
    this.moments.restore(state.moments);
    this.sketch.restore(state.sketch);
  }

  toJSON(): NumericProfileJson {
    if (this.pii) return { type: this.type, count: this.moments.count, missing: this.missing };
    const values = this.sketch.quantiles(REPORTED_QUANTILES.map(([, q]) => q));
    const { count, min, max, mean, sampleStd } = this.moments;
    return {
      type: this.type,
      count,
      missing: this.missing,
      min: count === 0 ? NaN : min,
      max: count === 0 ? NaN : max,
      mean,
      std: sampleStd,
      quantiles: Object.fromEntries(REPORTED_QUANTILES.map(([key], i) => [key, values[i]])),
    };
  }
}

export interface CategoricalProfileJson {
  readonly type: 'categorical';
  readonly count: number;
  readonly missing: number;
  readonly distinct: number;
  /** True when the column had more than {@link MAX_TRACKED_CATEGORIES} values and `distinct` is an estimate. */
  readonly distinctEstimated?: true;
  readonly top?: [string, number][];
}

export class CategoricalProfile {
  count = 0;
  missing = 0;
  readonly categories = new ByteDictionary();
  /** Started only once the dictionary is full, seeded with every tracked key. */
  private overflow: DistinctSketch | undefined;

  constructor(private readonly pii = false) {}

  add(bytes: Uint8Array, start: number, end: number): void {
    this.count++;
    if (this.overflow === undefined) {
      if (this.categories.size < MAX_TRACKED_CATEGORIES) {
        this.categories.add(bytes, start, end);
        return;
      }
      const id = this.categories.find(bytes, start, end);
      if (id >= 0) {
        this.categories.add(bytes, start, end);
        return;
      }
      this.overflow = this.sketchOfCategories();
    }
    this.overflow.add(bytes, start, end);
    if (this.categories.find(bytes, start, end) >= 0) this.categories.add(bytes, start, end);
  }

  merge(other: CategoricalProfile): void {
    this.count += other.count;
    this.missing += other.missing;
    if (this.overflow !== undefined || other.overflow !== undefined) {
      // Each side's sketch must also cover the keys the other side has only in its dictionary.
      this.overflow ??= this.sketchOfCategories();
      this.overflow.merge(other.overflow ?? other.sketchOfCategories());
    }
    this.categories.merge(other.categories);
  }

  state(): CategoricalProfileState {
    const categories = new ByteDictionary();
    categories.merge(this.categories);
    return {
      kind: 'categorical',
      count: this.count,
      missing: this.missing,
      categories,
      ...(this.overflow === undefined ? {} : { overflow: this.overflow.registers.slice() }),
    };
  }

  /** Continues from `state`; only a profile that has seen nothing yet can be restored. */
  restore(state: CategoricalProfileState): void {
    if (this.categories.size > 0) throw new Error('Only an empty categorical profile can be restored.');
    this.count = state.count;
    this.missing = state.missing;
    this.categories.merge(state.categories);
    if (state.overflow === undefined) {
      this.overflow = undefined;
    } else {
      this.overflow = new DistinctSketch();
      this.overflow.registers.set(state.overflow);
    }
  }

  private sketchOfCategories(): DistinctSketch {
    const sketch = new DistinctSketch();
    for (let key = 0; key < this.categories.size; key++) {
      const keyBytes = this.categories.keyBytes(key);
      sketch.add(keyBytes, 0, keyBytes.length);
    }
    return sketch;
  }

  toJSON(): CategoricalProfileJson {
    const distinct = this.overflow === undefined ? this.categories.size : this.overflow.estimate();
    const base = {
      type: 'categorical' as const,
      count: this.count,
      missing: this.missing,
      distinct,
      ...(this.overflow === undefined ? {} : { distinctEstimated: true as const }),
    };
    if (this.pii) return base;
    const top = this.categories
      .entries()
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, TOP_CATEGORIES);
    return { ...base, top };
  }
}

export interface BooleanProfileJson {
  readonly type: 'boolean';
  readonly count: number;
  readonly missing: number;
  readonly true: number;
  readonly false: number;
}

export class BooleanProfile {
  missing = 0;
  trueCount = 0;
  falseCount = 0;

  add(value: boolean): void {
    if (value) this.trueCount++;
    else this.falseCount++;
  }

  merge(other: BooleanProfile): void {
    this.missing += other.missing;
    this.trueCount += other.trueCount;
    this.falseCount += other.falseCount;
  }

  state(): BooleanProfileState {
    return { kind: 'boolean', missing: this.missing, trueCount: this.trueCount, falseCount: this.falseCount };
  }

  restore(state: BooleanProfileState): void {
    this.missing = state.missing;
    this.trueCount = state.trueCount;
    this.falseCount = state.falseCount;
  }

  toJSON(): BooleanProfileJson {
    return {
      type: 'boolean',
      count: this.trueCount + this.falseCount,
      missing: this.missing,
      true: this.trueCount,
      false: this.falseCount,
    };
  }
}

export interface StringProfileJson {
  readonly type: 'string';
  readonly count: number;
  readonly missing: number;
  /** HyperLogLog estimate (salted for PII columns). */
  readonly distinct: number;
  readonly minLength?: number;
  readonly maxLength?: number;
}

export class StringProfile {
  count = 0;
  missing = 0;
  private minLength = Infinity;
  private maxLength = 0;
  readonly distinct: DistinctSketch;

  constructor(
    private readonly pii = false,
    salt = '',
  ) {
    this.distinct = new DistinctSketch(salt);
  }

  add(bytes: Uint8Array, start: number, end: number): void {
    this.count++;
    this.distinct.add(bytes, start, end);
    const length = utf8Length(bytes, start, end);
    if (length < this.minLength) this.minLength = length;
    if (length > this.maxLength) this.maxLength = length;
  }

  merge(other: StringProfile): void {
    this.count += other.count;
    this.missing += other.missing;
    this.distinct.merge(other.distinct);
    this.minLength = Math.min(this.minLength, other.minLength);
    this.maxLength = Math.max(this.maxLength, other.maxLength);
  }

  state(): StringProfileState {
    const { count, missing, minLength, maxLength } = this;
    return { kind: 'string', count, missing, minLength, maxLength, distinct: this.distinct.registers.slice() };
  }

  /** Continues from `state`, which must come from a profile with the same salt. */
  restore(state: StringProfileState): void {
    this.count = state.count;
    this.missing = state.missing;
    this.minLength = state.minLength;
    this.maxLength = state.maxLength;
    this.distinct.registers.set(state.distinct);
  }

  toJSON(): StringProfileJson {
    const base = {
      type: 'string' as const,
      count: this.count,
      missing: this.missing,
      distinct: this.distinct.estimate(),
    };
    if (this.pii || this.count === 0) return base;
    return { ...base, minLength: this.minLength, maxLength: this.maxLength };
  }
}

export interface TimestampProfileJson {
  readonly type: 'timestamp';
  readonly count: number;
  readonly missing: number;
  /** Left out when there are no values, and for PII columns. */
  readonly min?: string;
  readonly max?: string;
}

export class TimestampProfile {
  count = 0;
  missing = 0;
  private minMs = Infinity;
  private maxMs = -Infinity;

  constructor(private readonly pii = false) {}

  add(epochMs: number): void {
    this.count++;
    if (epochMs < this.minMs) this.minMs = epochMs;
    if (epochMs > this.maxMs) this.maxMs = epochMs;
  }

  merge(other: TimestampProfile): void {
    this.count += other.count;
    this.missing += other.missing;
    this.minMs = Math.min(this.minMs, other.minMs);
    this.maxMs = Math.max(this.maxMs, other.maxMs);
  }

  state(): TimestampProfileState {
    const { count, missing, minMs, maxMs } = this;
    return { kind: 'timestamp', count, missing, minMs, maxMs };
  }

  restore(state: TimestampProfileState): void {
    this.count = state.count;
    this.missing = state.missing;
    this.minMs = state.minMs;
    this.maxMs = state.maxMs;
  }

  toJSON(): TimestampProfileJson {
    const base = { type: 'timestamp' as const, count: this.count, missing: this.missing };
    if (this.count === 0 || this.pii) return base;
    return { ...base, min: new Date(this.minMs).toISOString(), max: new Date(this.maxMs).toISOString() };
  }
}

export type ColumnProfile = NumericProfile | CategoricalProfile | BooleanProfile | StringProfile | TimestampProfile;
export type ColumnProfileJson =
  NumericProfileJson | CategoricalProfileJson | BooleanProfileJson | StringProfileJson | TimestampProfileJson;

/**
 * The running fields of each profile, so that a profile of one part of a file can be stored, read back elsewhere and
 * merged exactly as if it had never left memory. `kind` tells which profile a state belongs to.
 */
export interface NumericProfileState {
  readonly kind: 'numeric';
  readonly missing: number;
  readonly moments: MomentsState;
  readonly sketch: QuantileSketchState;
}

export interface CategoricalProfileState {
  readonly kind: 'categorical';
  readonly count: number;
  readonly missing: number;
  readonly categories: ByteDictionary;
  /** HyperLogLog registers, once the column has more than {@link MAX_TRACKED_CATEGORIES} values. */
  readonly overflow?: Uint8Array;
}

export interface BooleanProfileState {
  readonly kind: 'boolean';
  readonly missing: number;
  readonly trueCount: number;
  readonly falseCount: number;
}

export interface StringProfileState {
  readonly kind: 'string';
  readonly count: number;
  readonly missing: number;
  readonly minLength: number;
  readonly maxLength: number;
  /** HyperLogLog registers. */
  readonly distinct: Uint8Array;
}

export interface TimestampProfileState {
  readonly kind: 'timestamp';
  readonly count: number;
  readonly missing: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export type ColumnProfileState =
  NumericProfileState | CategoricalProfileState | BooleanProfileState | StringProfileState | TimestampProfileState;

/** Restores `profile` from a state of the same kind; a state of another kind is an error. */
export function restoreColumnProfile(profile: ColumnProfile, state: ColumnProfileState): void {
  if (profile instanceof NumericProfile && state.kind === 'numeric') profile.restore(state);
  else if (profile instanceof CategoricalProfile && state.kind === 'categorical') profile.restore(state);
  else if (profile instanceof BooleanProfile && state.kind === 'boolean') profile.restore(state);
  else if (profile instanceof StringProfile && state.kind === 'string') profile.restore(state);
  else if (profile instanceof TimestampProfile && state.kind === 'timestamp') profile.restore(state);
  else throw new Error(`A ${state.kind} profile state cannot restore a ${profile.constructor.name} profile.`);
}

/** Characters in a UTF-8 byte range: every byte that is not a continuation byte starts one. */
function utf8Length(bytes: Uint8Array, start: number, end: number): number {
  let length = 0;
  for (let i = start; i < end; i++) if ((bytes[i] & 0xc0) !== 0x80) length++;
  return length;
}
