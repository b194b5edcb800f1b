/**
 * Ordered settlement of one partition: its messages in intake (Kafka) order, settled from the
 * head. A decided good message at the head settles at once; decided rejected messages at the head
 * form a group of dead letters, written together, after which settling goes on. So the
 * dead-letter topic receives letters in source order, and what settles is always a prefix.
 */
import type { InFlightMessage } from './in-flight-message.js';

/** What the head of the queue can do now. */
export interface HeadRun {
  /** Decided good messages, in order: settled now. */
  readonly settled: InFlightMessage[];
  /** Decided rejected messages right after them, in order: settled once their letters are acknowledged. */
  readonly letters: InFlightMessage[];
}

export class PartitionQueue {
  private items: InFlightMessage[] = [];
  private head = 0;
  /** A group of letters from the head is being written: the head waits for it. */
  private writing = false;
  /** Settles nothing more (revoked, halted, or a message of it was abandoned). */
  private isStopped = false;

  get stopped(): boolean {
    return this.isStopped;
  }

  push(message: InFlightMessage): void {
    this.items.push(message);
  }

  /**
   * Takes the run at the head that can settle now: good decided messages up to the first letter,
   * then at most `maxLetters` consecutive decided rejected ones (their group is then being written
   * until letterGroupDone()). Empty while a group is being written or once stopped.
   */
  takeHead(maxLetters: number): HeadRun {
    const run: HeadRun = { settled: [], letters: [] };
    if (this.writing || this.isStopped) return run;
    while (this.head < this.items.length && run.letters.length < maxLetters) {
      const message = this.items[this.head] as InFlightMessage;
      if (!message.decided) break;
      if (message.rejection === undefined) {
        if (run.letters.length > 0) break; // after the group's letters are acknowledged
        run.settled.push(message);
      } else {
        run.letters.push(message);
      }
      this.head++;
    }
    if (run.letters.length > 0) this.writing = true;
    this.compact();
    return run;
  }

  /** The group of letters taken last was written (or given up): the head may move on. */
  letterGroupDone(): void {
    this.writing = false;
  }

  /**
   * Stops settling here for good (the partition was revoked, or a message of it abandoned) and
   * empties the queue. Returns every message still in it, decided or not: none of them will be
   * settled here. A letter group being written is not settled when it returns.
   */
  stop(): InFlightMessage[] {
    this.isStopped = true;
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }

  /**
   * Empties the queue. Returns the decided messages that were waiting for their turn (the caller
   * releases them); undecided ones are released by the caller once they are decided.
   */
  clear(): InFlightMessage[] {
    const waiting = this.items.slice(this.head).filter((message) => message.decided);
    this.items = [];
    this.head = 0;
    return waiting;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
