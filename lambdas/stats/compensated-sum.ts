/**
 * Neumaier's compensated summation: the rounding error of every addition is carried separately, so sums of millions of
 * terms stay accurate to a few ulps of the result, as numpy's pairwise sums nearly are.
 */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(x: number): void {
    const total = this.sum + x;
    this.compensation += Math.abs(this.sum) >= Math.abs(x) ? this.sum - total + x : x - total + this.sum;
    this.sum = total;
  }

  /** Adds another partial sum, keeping both of its parts. */
  merge(other: CompensatedSum): void {
    this.add(other.sum);
    this.add(other.compensation);
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}
