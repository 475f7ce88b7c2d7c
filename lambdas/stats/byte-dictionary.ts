/**
 * Counts distinct byte strings without building a JS string per occurrence: an open-addressing hash table keyed by
 * the bytes themselves (FNV-1a), storing each distinct key once. Ids are dense and stable in first-seen order.
 */
const EMPTY_SLOT = -1;

export class ByteDictionary {
  private slots = new Int32Array(64).fill(EMPTY_SLOT);
  private hashes: number[] = [];
  private keys: Buffer[] = [];
  private counts: number[] = [];

  /** Number of distinct keys. */
  get size(): number {
    return this.keys.length;
  }

  /** Adds `count` occurrences of `bytes[start, end)`; returns the key's id. */
  add(bytes: Uint8Array, start: number, end: number, count = 1): number {
    const id = this.idOf(bytes, start, end, true);
    this.counts[id] += count;
    return id;
  }

  /** Id of `bytes[start, end)` without adding it; -1 when absent. */
  find(bytes: Uint8Array, start: number, end: number): number {
    return this.idOf(bytes, start, end, false);
  }

  /** Adds occurrences of a string key. */
  addText(text: string, count = 1): number {
    const bytes = Buffer.from(text, 'utf8');
    return this.add(bytes, 0, bytes.length, count);
  }

  key(id: number): string {
    return this.keys[id].toString('utf8');
  }

  keyBytes(id: number): Buffer {
    return this.keys[id];
  }

  count(id: number): number {
    return this.counts[id];
  }

  /** All keys with their counts, in first-seen order. */
  entries(): [string, number][] {
    return this.keys.map((key, id) => [key.toString('utf8'), this.counts[id]]);
  }

  /** Adds every key and count of `other` (profiles of split files combine this way). */
  merge(other: ByteDictionary): void {
    for (let id = 0; id < other.keys.length; id++) {
      const key = other.keys[id];
      this.add(key, 0, key.length, other.counts[id]);
    }
  }

  private idOf(bytes: Uint8Array, start: number, end: number, insert: boolean): number {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
    hash >>>= 0;
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const id = this.slots[slot];
      if (id === EMPTY_SLOT) break;
      if (this.hashes[id] === hash && equalBytes(this.keys[id], bytes, start, end)) return id;
      slot = (slot + 1) & mask;
    }
    if (!insert) return -1;
    const id = this.keys.length;
    this.keys.push(Buffer.from(bytes.subarray(start, end)));
    this.hashes.push(hash);
    this.counts.push(0);
    this.slots[slot] = id;
    if (this.keys.length * 2 > this.slots.length) this.grow();
    return id;
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(EMPTY_SLOT);
    const mask = slots.length - 1;
    for (let id = 0; id < this.keys.length; id++) {
      let slot = this.hashes[id] & mask;
      while (slots[slot] !== EMPTY_SLOT) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.slots = slots;
  }
}

function equalBytes(key: Buffer, bytes: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (key.length !== length) return false;
  for (let i = 0; i < length; i++) if (key[i] !== bytes[start + i]) return false;
  return true;
}
