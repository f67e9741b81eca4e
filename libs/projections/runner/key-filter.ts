/**
 * A set of strings that answers "maybe present" or "certainly absent": Bloom filters (10 bits and 7 probes
 * per key, ~1 % false "maybe"), a new one twice as large each time the last one is full, so it grows
 * with the keys instead of needing their count up front. No false "absent", ever.
 *
 * Why: a rebuild into an empty slot knows that a document it never wrote is not in the store. Without
 * that, every first lookup of a new document (a signal, a deployment) is a store read that finds nothing;
 * for the maturity projection that was 340k reads out of 345k.
 */
export class KeyFilter {
  private readonly filters: BloomFilter[] = [];

  constructor(initialCapacity = 1 << 16) {
    this.filters.push(new BloomFilter(initialCapacity));
  }

  add(key: string): void {
    const [h1, h2] = hashes(key);
    if (this.filters.some((filter) => filter.mightContain(h1, h2))) return;
    let last = this.filters[this.filters.length - 1];
    if (last.full) this.filters.push((last = new BloomFilter(last.capacity * 2)));
    last.add(h1, h2);
  }

  mightContain(key: string): boolean {
    const [h1, h2] = hashes(key);
    return this.filters.some((filter) => filter.mightContain(h1, h2));
  }
}

const BITS_PER_KEY = 10;
const PROBES = 7;

class BloomFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  private count = 0;

  constructor(readonly capacity: number) {
    let size = 32;
    while (size < capacity * BITS_PER_KEY) size *= 2;
    this.bits = new Uint32Array(size / 32);
    this.mask = size - 1;
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  add(h1: number, h2: number): void {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      this.bits[bit >>> 5] |= 1 << (bit & 31);
    }
    this.count++;
  }

  mightContain(h1: number, h2: number): boolean {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      if ((this.bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** Two independent 32-bit hashes (FNV-1a and a murmur-style mix) for double hashing. */
function hashes(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // An odd step visits distinct bits for every probe.
  return [a >>> 0, (b | 1) >>> 0];
}
