/**
 * Count, min, max, mean and variance in one pass, mergeable.
 *
 * The mean is an exact sum (Shewchuk) divided by the count (CONTRACTS.md: relative error ≤ 1e-12); the variance is
 * Welford's running M2, and two partial results combine with Chan et al.'s pairwise formula, so a file split into
 * parts yields the single-pass numbers. Welford runs on the values minus a shift that follows the data (the first value,
 * then the running mean at every power-of-two count): a running mean far from zero relative to the spread (epoch
 * seconds, ids) would otherwise round away the digits the variance is made of. The deviations are also multiplied
 * by a power of two that keeps them far from underflow and overflow, so spreads of 1e-160 or 1e+200 keep full precision.
 */
import { ExactSum, type ExactSumState } from './exact-sum';

/** Every running field, so that a partial result stored elsewhere continues exactly where it stopped. */
export interface MomentsState {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: ExactSumState;
  readonly shift: number;
  readonly scale: number;
  readonly scaledMean: number;
  readonly scaledM2: number;
}

/** Scaled deviations are kept within [TINY, HUGE] so their squares neither underflow nor overflow. */
const TINY = 2 ** -300;
const HUGE = 2 ** 300;

/** The power of two that brings `magnitude` to about 1 (within the exponents that stay exact). */
function scaleFor(magnitude: number): number {
  return 2 ** Math.min(1000, Math.max(-1000, -Math.floor(Math.log2(magnitude))));
}

export class Moments {
  count = 0;
  min = Infinity;
  max = -Infinity;
  private readonly sum = new ExactSum();
  private shift = 0;
  /** Power of two that Welford's deviations are multiplied by (exact, so it changes no rounding). */
  private scale = 1;
  /** Running mean of `(x − shift) · scale`. */
  private scaledMean = 0;
  /** Σ of squared deviations from the running mean, in scaled units (M2 · scale²). */
  private scaledM2 = 0;

  add(x: number): void {
    if (this.count === 0) this.shift = x;
    this.count++;
    this.sum.add(x);
    const y = x - this.shift;
    this.fitScale(Math.abs(y));
    const z = y * this.scale;
    const delta = z - this.scaledMean;
    this.scaledMean += delta / this.count;
    this.scaledM2 += delta * (z - this.scaledMean);
    if ((this.count & (this.count - 1)) === 0) this.recenter();
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  merge(other: Moments): void {
    if (other.count === 0) return;
    if (this.count === 0) {
      this.shift = other.shift;
      this.scale = other.scale;
      this.scaledMean = other.scaledMean;
      this.scaledM2 = other.scaledM2;
    } else {
      // One scale for both sides and the distance between their shifts (a deviation too): the one that brings the
      // largest of them to about 1. Neither square can overflow then, and what underflows is below the precision
      // of the largest term anyway. (Keeping either side's scale can flush the other side's M2 to zero.)
      const distance = Math.abs(other.shift - this.shift);
      const largest = Math.max(
        this.magnitudeExponent(),
        other.magnitudeExponent(),
        distance > 0 && Number.isFinite(distance) ? Math.log2(distance) : -Infinity,
      );
      const scale = Number.isFinite(largest) ? scaleFor(2 ** Math.max(-1000, Math.min(1000, largest))) : this.scale;
      this.rescale(scale);
      const factor = scale / other.scale;
      const otherMean = other.scaledMean * factor;
      const otherM2 = other.scaledM2 * factor * factor;
      const count = this.count + other.count;
      const delta = (other.shift - this.shift) * scale + (otherMean - this.scaledMean);
      this.scaledM2 += otherM2 + (delta * delta * this.count * other.count) / count;
      this.scaledMean += (delta * other.count) / count;
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
    return this.count < 2 ? NaN : Math.sqrt(Math.max(0, this.scaledM2) / (this.count - 1)) / this.scale;
  }

  /** Population standard deviation (n); NaN when empty. */
  get populationStd(): number {
    return this.count === 0 ? NaN : Math.sqrt(Math.max(0, this.scaledM2) / this.count) / this.scale;
  }

  state(): MomentsState {
    const { count, min, max, shift, scale, scaledMean, scaledM2 } = this;
    return { count, min, max, sum: this.sum.state(), shift, scale, scaledMean, scaledM2 };
  }

  restore(state: MomentsState): void {
    this.count = state.count;
    this.min = state.min;
    this.max = state.max;
    this.sum.restore(state.sum);
    this.shift = state.shift;
    this.scale = state.scale;
    this.scaledMean = state.scaledMean;
    this.scaledM2 = state.scaledM2;
  }

  /**
   * Keeps a new deviation's scaled size within [TINY, HUGE]: always scaling down before an overflow; scaling up
   * only while what has accumulated is no larger than the new deviation, since a tiny deviation next to large ones
   * contributes nothing representable anyway.
   */
  private fitScale(deviation: number): void {
    if (deviation === 0 || !Number.isFinite(deviation)) return;
    const scaled = deviation * this.scale;
    if (scaled <= HUGE && scaled >= TINY) return;
    const target = scaleFor(deviation);
    if (scaled > HUGE || this.roomFor(target)) this.rescale(target);
  }

  /** log2 of the largest accumulated quantity in unscaled units (√M2 or |mean − shift|); −∞ when both are 0. */
  private magnitudeExponent(): number {
    const largest = Math.max(Math.sqrt(Math.max(0, this.scaledM2)), Math.abs(this.scaledMean));
    return largest > 0 ? Math.log2(largest) - Math.log2(this.scale) : -Infinity;
  }

  /** Whether moving to `scale` keeps what has accumulated at most about 1 in scaled units. */
  private roomFor(scale: number): boolean {
    const factor = scale / this.scale;
    return Math.abs(this.scaledMean) * factor <= 1 && this.scaledM2 * factor * factor <= 1;
  }

  private rescale(scale: number): void {
    if (scale === this.scale) return;
    const factor = scale / this.scale;
    this.scaledMean *= factor;
    this.scaledM2 = this.scaledM2 * factor * factor;
    this.scale = scale;
  }

  /** Moves the shift onto the running mean; M2 does not depend on it. */
  private recenter(): void {
    const shift = this.shift + this.scaledMean / this.scale;
    this.scaledMean -= (shift - this.shift) * this.scale;
    this.shift = shift;
  }
}
