/**
 * Count, min, max, mean and variance in one pass, mergeable.
 *
 * The mean is a Neumaier-compensated sum divided by the count (CONTRACTS.md: relative error ≤ 1e-12); the variance is
 * Welford's running M2, and two partial results combine with Chan et al.'s pairwise formula, so a file split into
 * parts yields the single-pass numbers.
 */
export class Moments {
  count = 0;
  min = Infinity;
  max = -Infinity;
  private sum = 0;
  private compensation = 0;
  private runningMean = 0;
  private m2 = 0;

  add(x: number): void {
    this.count++;
    const t = this.sum + x;
    this.compensation += Math.abs(this.sum) >= Math.abs(x) ? this.sum - t + x : x - t + this.sum;
    this.sum = t;
    const delta = x - this.runningMean;
    this.runningMean += delta / this.count;
    this.m2 += delta * (x - this.runningMean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  merge(other: Moments): void {
    if (other.count === 0) return;
    if (this.count === 0) {
      Object.assign(this, other);
      return;
    }
    const count = this.count + other.count;
    const delta = other.runningMean - this.runningMean;
    this.m2 += other.m2 + (delta * delta * this.count * other.count) / count;
    this.runningMean += (delta * other.count) / count;
    this.addToSum(other.sum);
    this.addToSum(other.compensation);
    this.count = count;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** Arithmetic mean; NaN when empty. */
  get mean(): number {
    return this.count === 0 ? NaN : (this.sum + this.compensation) / this.count;
  }

  /** Sample standard deviation (n − 1, as pandas `describe`); NaN below two values. */
  get sampleStd(): number {
    return this.count < 2 ? NaN : Math.sqrt(Math.max(0, this.m2) / (this.count - 1));
  }

  /** Population standard deviation (n); NaN when empty. */
  get populationStd(): number {
    return this.count === 0 ? NaN : Math.sqrt(Math.max(0, this.m2) / this.count);
  }

  private addToSum(x: number): void {
    const t = this.sum + x;
    this.compensation += Math.abs(this.sum) >= Math.abs(x) ? this.sum - t + x : x - t + this.sum;
    this.sum = t;
  }
}
