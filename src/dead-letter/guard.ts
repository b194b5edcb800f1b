/**
 * The brakes on the dead-letter topic: once the share of dead-lettered messages among the last
 * `window` settled messages passes `maxRatio`, the processor stops instead of quietly
 * dead-lettering the stream (a broken deploy, a wrong mapping, an upstream schema change).
 * The ratio is only judged over a full window, so one early bad message cannot trip it.
 */
export class DeadLetterGuard {
  private readonly ring: Uint8Array;
  private next = 0;
  private seen = 0;
  private dead = 0;

  constructor(
    private readonly maxRatio: number,
    readonly window: number,
  ) {
    this.ring = new Uint8Array(window);
  }

  /** Records one settled message. */
  record(deadLettered: boolean): void {
    const value = deadLettered ? 1 : 0;
    if (this.seen >= this.window) this.dead -= this.ring[this.next] as number;
    else this.seen++;
    this.ring[this.next] = value;
    this.dead += value;
    this.next = (this.next + 1) % this.window;
  }

  /** Share of dead letters in the window so far. */
  get ratio(): number {
    return this.seen === 0 ? 0 : this.dead / this.seen;
  }

  get tripped(): boolean {
    return this.seen >= this.window && this.ratio > this.maxRatio;
  }

  describe(): string {
    return `${this.dead} of the last ${this.seen} messages were dead-lettered (ratio ${this.ratio.toFixed(3)} > deadLetter.maxRatio ${this.maxRatio})`;
  }
}
