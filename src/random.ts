/**
 * Seeded randomness for the tools (the sandbox's rate-based faults, the load generator): the same
 * seed gives the same sequence on every machine. The processor itself never draws random numbers
 * for anything that reaches Mixpanel.
 */

/** mulberry32: a small, fast 32-bit PRNG; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded generator with the draws the load generator needs. */
export class SeededRandom {
  /** Uniform in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    // Seed 0 is remapped so that `--seed 0` does not start from an all-zero state.
    this.next = seededRandom(seed >>> 0 || 0x9e3779b9);
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** 32 random bits as an unsigned integer. */
  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /** A version-4-shaped UUID drawn from this generator. */
  uuid(): string {
    const s = this.hex(32);
    const variant = ((parseInt(s[16] as string, 16) & 0x3) | 0x8).toString(16);
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20, 32)}`;
  }

  /** `length` random hex digits. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.u32().toString(16).padStart(8, '0');
    return out.slice(0, length);
  }
}
