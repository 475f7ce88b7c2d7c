/**
 * Mergeable distinct-count estimate (HyperLogLog, Flajolet et al. 2007, read with Ertl's improved estimator) over the
 * bytes of each value, optionally salted so that PII columns can be counted without keeping anything that could be
 * matched back to a value. 2^12 registers: standard error about 1.6 %, exact-ish for small sets.
 */
const PRECISION = 12;
const REGISTERS = 1 << PRECISION;
/** Hash bits left after the register index; a register holds 1..Q + 1 (Q + 1 when they are all zero). */
const Q = 32 - PRECISION;
const ALPHA_INFINITY = 1 / (2 * Math.LN2);

export class DistinctSketch {
  readonly registers = new Uint8Array(REGISTERS);
  private readonly saltHash: number;

  /** Sketches to be merged must share the salt. */
  constructor(readonly salt = '') {
    this.saltHash = hashBytes(Buffer.from(salt, 'utf8'), 0, Buffer.byteLength(salt, 'utf8'), 0x811c9dc5);
  }

  add(bytes: Uint8Array, start: number, end: number): void {
    const hash = mix(hashBytes(bytes, start, end, this.saltHash));
    const index = hash >>> (32 - PRECISION);
    const rest = (hash << PRECISION) | (1 << (PRECISION - 1));
    const rank = Math.clz32(rest) + 1;
    if (rank > this.registers[index]) this.registers[index] = rank;
  }

  merge(other: DistinctSketch): void {
    if (other.salt !== this.salt) throw new Error('Distinct sketches with different salts cannot be merged.');
    for (let i = 0; i < REGISTERS; i++)
      if (other.registers[i] > this.registers[i]) this.registers[i] = other.registers[i];
  }

  /**
   * Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (2017), algorithm 6: one formula from empty
   * to huge, without the bias and variance bump classic HyperLogLog has where it switches from linear counting to the
   * raw estimate (around 2.5 × 4096 values).
   */
  estimate(): number {
    const histogram = new Float64Array(Q + 2);
    for (let i = 0; i < REGISTERS; i++) histogram[this.registers[i]]++;
    let z = REGISTERS * tau(1 - histogram[Q + 1] / REGISTERS);
    for (let k = Q; k >= 1; k--) z = 0.5 * (z + histogram[k]);
    z += REGISTERS * sigma(histogram[0] / REGISTERS);
    return Math.round((ALPHA_INFINITY * REGISTERS * REGISTERS) / z);
  }
}

/** Ertl's σ(x) = x + Σ_{k≥1} x^(2^k) 2^(k−1), summed until it stops changing. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let power = x;
  let weight = 1;
  let sum = x;
  for (;;) {
    power *= power;
    const next = sum + power * weight;
    if (next === sum) return sum;
    sum = next;
    weight += weight;
  }
}

/** Ertl's τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))² 2^−k) / 3, summed until it stops changing. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let root = x;
  let weight = 1;
  let sum = 1 - x;
  for (;;) {
    root = Math.sqrt(root);
    weight *= 0.5;
    const next = sum - (1 - root) ** 2 * weight;
    if (next === sum) return sum / 3;
    sum = next;
  }
}

function hashBytes(bytes: Uint8Array, start: number, end: number, seed: number): number {
  let hash = seed;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return hash >>> 0;
}

/** murmur3's 32-bit finalizer: FNV-1a alone leaves the high bits too regular for HyperLogLog. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
