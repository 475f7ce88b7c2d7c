/**
 * Count, min, max, mean and variance in one pass, mergeable.
 *
 * The mean is an exact sum (Shewchuk) divided by the count (CONTRACTS.md: relative error ≤ 1e-12); the variance is
 * Welford's running M2, and two partial results combine with Chan et al.'s pairwise formula, so a file split into
 * parts yields the single-pass numbers. Welford runs on the values minus a shift that follows the data (the first value,
 * then the running mean at every power-of-two count): a running mean far from zero relative to the spread (epoch
 * seconds, ids) would otherwise round away the digits the variance is made of.
 */
import { ExactSum, type ExactSumState } from './exact-sum';

/** Every running field, so that a partial result stored elsewhere continues exactly where it stopped. */
export interface MomentsState {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: ExactSumState;
  readonly shift: number;
  readonly shiftedMean: number;
  readonly m2: number;
}

export class Moments {
  count = 0;
  min = Infinity;
  max = -Infinity;
  private readonly sum = new ExactSum();
  private shift = 0;
  /** Running mean of `x − shift`. */
  private shiftedMean = 0;
  private m2 = 0;

  add(x: number): void {
    if (this.count === 0) this.shift = x;
    this.count++;
    this.sum.add(x);
    const y = x - this.shift;
    const delta = y - this.shiftedMean;
    this.shiftedMean += delta / this.count;
    this.m2 += delta * (y - this.shiftedMean);
    if ((this.count & (this.count - 1)) === 0) this.recenter();
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  merge(other: Moments): void {
    if (other.count === 0) return;
    if (this.count === 0) {
      this.shift = other.shift;
      this.shiftedMean = other.shiftedMean;
      this.m2 = other.m2;
    } else {
      const count = this.count + other.count;
      const delta = other.shift - this.shift + (other.shiftedMean - this.shiftedMean);
      this.m2 += other.m2 + (delta * delta * this.count * other.count) / count;
      this.shiftedMean += (delta * other.count) / count;
    }
    this.sum.merge(other.sum);
    this.count += other.count;
    this.recenter();
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** Arithmetic mean; NaN when empty. */
  get mean(): number {
    return this.count === 0 ? NaN : this.sum.value / this.count;
  }

  /** Sample standard deviation (n − 1, as pandas `describe`); NaN below two values. */
  get sampleStd(): number {
    return this.count < 2 ? NaN : Math.sqrt(Math.max(0, this.m2) / (this.count - 1));
  }

  /** Population standard deviation (n); NaN when empty. */
  get populationStd(): number {
    return this.count === 0 ? NaN : Math.sqrt(Math.max(0, this.m2) / this.count);
  }

  state(): MomentsState {
    const { count, min, max, shift, shiftedMean, m2 } = this;
    return { count, min, max, sum: this.sum.state(), shift, shiftedMean, m2 };
  }

  restore(state: MomentsState): void {
    this.count = state.count;
    this.min = state.min;
    this.max = state.max;
    this.sum.restore(state.sum);
    this.shift = state.shift;
    this.shiftedMean = state.shiftedMean;
    this.m2 = state.m2;
  }

  /** Moves the shift onto the running mean; M2 does not depend on it. */
  private recenter(): void {
    const shift = this.shift + this.shiftedMean;
    this.shiftedMean -= shift - this.shift;
    this.shift = shift;
  }
}
