/**
 * Mergeable distinct-count estimate (HyperLogLog, Flajolet et al. 2007, with linear counting for small sets) over the
 * bytes of each value, optionally salted so that PII columns can be counted without keeping anything that could be
 * matched back to a value. 2^12 registers: standard error about 1.6 %, exact-ish for small sets.
 */
const PRECISION = 12;
const REGISTERS = 1 << PRECISION;
const ALPHA = 0.7213 / (1 + 1.079 / REGISTERS);

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

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < REGISTERS; i++) {
      sum += 2 ** -this.registers[i];
      if (this.registers[i] === 0) zeros++;
    }
    const raw = (ALPHA * REGISTERS * REGISTERS) / sum;
    if (raw <= 2.5 * REGISTERS && zeros > 0) return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
    return Math.round(raw);
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
