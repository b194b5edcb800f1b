/**
 * A compact multiset of 128-bit digests: open addressing with linear probing over typed arrays,
 * 20 bytes per slot (16 of digest, 4 of copy count) and no per-entry objects, so millions of
 * dedupe keys fit in tens of megabytes and never stress the garbage collector.
 */

const MAX_LOAD = 0.7;

export class DigestSet {
  private words: Uint32Array;
  private counts: Uint32Array;
  private mask: number;
  private entries = 0;

  constructor(initialSlots = 1 << 16) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)));
    this.words = new Uint32Array(slots * 4);
    this.counts = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /** Distinct digests held. */
  get size(): number {
    return this.entries;
  }

  /** Bytes held by the table. */
  get byteLength(): number {
    return this.words.byteLength + this.counts.byteLength;
  }

  /** Adds one copy of `digest` (≥ 16 bytes; the first 16 count); returns the copies seen before. */
  add(digest: Buffer): number {
    if ((this.entries + 1) / (this.mask + 1) > MAX_LOAD) this.grow();
    const [a, b, c, d] = readWords(digest);
    const slot = this.find(a, b, c, d);
    const before = this.counts[slot] ?? 0;
    if (before === 0) {
      const at = slot * 4;
      this.words[at] = a;
      this.words[at + 1] = b;
      this.words[at + 2] = c;
      this.words[at + 3] = d;
      this.entries++;
    }
    this.counts[slot] = before + 1;
    return before;
  }

  /** Copies of `digest` added so far (0 if never). */
  count(digest: Buffer): number {
    const [a, b, c, d] = readWords(digest);
    return this.counts[this.find(a, b, c, d)] ?? 0;
  }

  clear(): void {
    this.words.fill(0);
    this.counts.fill(0);
    this.entries = 0;
  }

  /** The slot holding the digest, or the empty slot where it belongs. */
  private find(a: number, b: number, c: number, d: number): number {
    const { words, counts, mask } = this;
    let slot = a & mask;
    for (;;) {
      if (counts[slot] === 0) return slot;
      const at = slot * 4;
      if (words[at] === a && words[at + 1] === b && words[at + 2] === c && words[at + 3] === d) {
        return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const { words, counts } = this;
    const slots = (this.mask + 1) * 2;
    this.words = new Uint32Array(slots * 4);
    this.counts = new Uint32Array(slots);
    this.mask = slots - 1;
    for (let old = 0; old < counts.length; old++) {
      const copies = counts[old] ?? 0;
      if (copies === 0) continue;
      const at = old * 4;
      const a = words[at] ?? 0;
      const slot = this.find(a, words[at + 1] ?? 0, words[at + 2] ?? 0, words[at + 3] ?? 0);
      this.words.set(words.subarray(at, at + 4), slot * 4);
      this.counts[slot] = copies;
    }
  }
}

function readWords(digest: Buffer): [number, number, number, number] {
  return [
    digest.readUInt32LE(0),
    digest.readUInt32LE(4),
    digest.readUInt32LE(8),
    digest.readUInt32LE(12),
  ];
}
