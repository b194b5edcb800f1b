/**
 * One Kafka record on its way through the pipeline. It becomes zero or more Mixpanel records; it is
 * *decided* once it is sealed (every record it makes is known) and each of those records has a
 * terminal answer. Its state changes only through these methods.
 */
import type { KafkaRecord } from '../kafka/record.js';
import type { Endpoint } from '../mixpanel/endpoints.js';
import type { Rejection } from '../vocabulary.js';

const NO_HEADERS: KafkaRecord['headers'] = Object.freeze({});

export class InFlightMessage {
  private pending = 0;
  private sealed = false;
  private firstRejection: Rejection | undefined;
  private rejectedBy: Endpoint | undefined;
  private attemptsMade = 0;
  private holdsBytes = true;
  private left = false;

  constructor(
    private record: KafkaRecord,
    /** Key and value bytes: the share of the backlog limits this message holds while heavy. */
    readonly bytes: number,
    /**
     * Where it settles (the settler's queue of its partition), kept on the message itself: a
     * WeakMap from message to queue made every message an ephemeron the GC had to trace.
     */
    readonly settlesIn: object = {},
  ) {}

  /** The Kafka record; without key, value and headers once lightened. */
  get source(): KafkaRecord {
    return this.record;
  }

  get decided(): boolean {
    return this.sealed && this.pending === 0;
  }

  /** The first reason anything about this message was refused; undefined while none was. */
  get rejection(): Rejection | undefined {
    return this.firstRejection;
  }

  /** The Mixpanel endpoint that refused it, for `publish`-stage rejections. */
  get endpoint(): Endpoint | undefined {
    return this.rejectedBy;
  }

  /** HTTP attempts of the request that got the terminal refusal. */
  get attempts(): number {
    return this.attemptsMade;
  }

  /** True while it still holds its key, value and headers. */
  get heavy(): boolean {
    return this.holdsBytes;
  }

  /** True until it left the pipeline (settled, or released unsettled). */
  get inFlight(): boolean {
    return !this.left;
  }

  /** Marks that it left the pipeline; true the first time only. */
  leave(): boolean {
    if (this.left) return false;
    this.left = true;
    return true;
  }

  /** `records` more Mixpanel records of this message are on their way to Mixpanel. */
  expect(records = 1): void {
    this.pending += records;
  }

  /** One of its Mixpanel records got a terminal answer; true when that decided the message. */
  answered(): boolean {
    this.pending--;
    return this.decided;
  }

  /** Every record of the message is known; true when that decided it. */
  seal(): boolean {
    this.sealed = true;
    return this.decided;
  }

  /** Notes a refusal; the first one is what the dead letter says. */
  reject(rejection: Rejection, endpoint?: Endpoint, attempts = 0): void {
    if (this.firstRejection !== undefined) return;
    this.firstRejection = rejection;
    this.rejectedBy = endpoint;
    this.attemptsMade = attempts;
  }

  /** Gives up waiting for answers: decided without settling (the caller never commits it). */
  abandon(): void {
    this.sealed = true;
    this.pending = 0;
  }

  /**
   * Drops key, value and headers once they can no longer be needed (decided and not rejected, or
   * released). True when it held them until now.
   */
  lighten(): boolean {
    if (!this.holdsBytes) return false;
    this.holdsBytes = false;
    const record = this.record;
    if (record.withoutBytes !== undefined) {
      this.record = record.withoutBytes();
      return true;
    }
    const { topic, partition, offset, timestamp } = record;
    // Field by field: a record may hold its bytes in fields a spread would copy.
    this.record = {
      topic,
      partition,
      offset,
      timestamp,
      key: null,
      value: null,
      headers: NO_HEADERS,
    };
    return true;
  }
}
