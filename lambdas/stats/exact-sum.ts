/**
 * Exact floating-point summation (Shewchuk 1997, "Adaptive Precision Floating-Point Arithmetic", as Python's
 * `math.fsum`): the running sum is kept as a list of non-overlapping partials whose exact total is the exact sum of
 * everything added, and {@link value} rounds that total once. Compensated (Kahan/Neumaier) sums lose everything when
 * large terms cancel down to a tiny result; this does not, which is what "mean relative error ≤ 1e-12" needs for any
 * input. Typical data keeps one or two partials, so an addition costs a few operations.
 */
/** The partials, for serializing a partial sum (parts of a split file) bit-for-bit. */
export type ExactSumState = readonly number[];

export class ExactSum {
  /** Non-overlapping partials in increasing magnitude; only the first `size` are in use. */
  private partials = new Float64Array(4);
  private size = 0;

  add(value: number): void {
    let x = value;
    let kept = 0;
    const partials = this.partials;
    const size = this.size;
    for (let j = 0; j < size; j++) {
      let y = partials[j];
      if (Math.abs(x) < Math.abs(y)) {
        const swap = x;
        x = y;
        y = swap;
      }
      const high = x + y;
      const low = y - (high - x);
      if (low !== 0) partials[kept++] = low;
      x = high;
    }
    if (kept === partials.length) this.grow();
    this.partials[kept] = x;
    this.size = kept + 1;
  }

  state(): ExactSumState {
    return Array.from(this.partials.subarray(0, this.size));
  }

  restore(state: ExactSumState): void {
    this.partials = Float64Array.from(state.length > 0 ? state : [0]);
    this.size = state.length;
  }

  /** Adds another partial sum exactly. */
  merge(other: ExactSum): void {
    for (let j = 0; j < other.size; j++) this.add(other.partials[j]);
  }

  /** The exact sum, correctly rounded to the nearest double (ties to even). */
  get value(): number {
    const partials = this.partials;
    let n = this.size;
    if (n === 0) return 0;
    let high = partials[--n];
    let low = 0;
    while (n > 0) {
      const x = high;
      const y = partials[--n];
      high = x + y;
      low = y - (high - x);
      if (low !== 0) break;
    }
    // Half-way case: the rest of the partials decide which way the tie between high and its neighbour goes.
    if (n > 0 && ((low < 0 && partials[n - 1] < 0) || (low > 0 && partials[n - 1] > 0))) {
      const y = low * 2;
      const x = high + y;
      if (y === x - high) high = x;
    }
    return high;
  }

  private grow(): void {
    const grown = new Float64Array(this.partials.length * 2);
    grown.set(this.partials);
    this.partials = grown;
  }
}
