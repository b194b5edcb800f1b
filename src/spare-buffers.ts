/**
 * A few buffers kept for reuse: `take` one of at least a size, `giveBack` it once nothing reads it
 * any more. Buffers made new are sized up to a power of two (at least 64 KiB) so that later,
 * slightly larger needs still fit one of them. Used where a buffer per request or per job made
 * the main thread's buffer memory, and with it V8's collections, grow with the traffic.
 */
export class SpareBuffers<B extends { readonly byteLength: number }> {
  private readonly spare: B[] = [];

  constructor(
    /** How many are kept at most (about as many as are in use at once). */
    private readonly keep: number,
    private readonly make: (size: number) => B,
  ) {}

  take(size: number): B {
    for (let i = this.spare.length - 1; i >= 0; i--) {
      const buffer = this.spare[i] as B;
      if (buffer.byteLength < size) continue;
      this.spare.splice(i, 1);
      return buffer;
    }
    return this.make(Math.max(1 << 16, 2 ** Math.ceil(Math.log2(size))));
  }

  giveBack(buffer: B): void {
    if (this.spare.length < this.keep) this.spare.push(buffer);
  }
}
