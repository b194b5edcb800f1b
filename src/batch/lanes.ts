/**
 * Routes Mixpanel records to batches and batches to the publisher.
 *
 * - `/import`: one lane for ordinary events, batches sent concurrently (events carry their own
 *   time; the publisher's adaptive limit decides how many requests are in flight), and one lane
 *   for identity events (`$identify`, `$create_alias`) in requests of their own (spec §4.2.8).
 * - `/engage` and `/groups`: updates must apply in Kafka order per distinct_id (or group), so
 *   records are spread over N lanes by a hash of that key, and each lane has at most one request
 *   in flight: a later `$set` can never overtake an earlier one, even across retries.
 */
import { setMaxListeners } from 'node:events';
import { Batcher, type Batch } from './batcher.js';
import { type FlushReason } from '../vocabulary.js';
import type { Clock } from '../clock.js';
import type { BatchingConfig } from '../config/schema.js';
import type { Metrics } from '../metrics/registry.js';
import type {
  PreparedRecord,
  Publisher,
  PublishResult,
  RecordResult,
} from '../publish/publisher.js';
import { targetOf, type Endpoint } from '../mixpanel/endpoints.js';
import { type ProfileOperation } from '../mixpanel/records.js';
import type { PreparedOutput } from '../transform/stage.js';

export interface LaneItem<Owner> extends PreparedRecord {
  readonly owner: Owner;
  /** The profile operation when its replay is not a no-op (counted once delivered). */
  readonly nonIdempotent: ProfileOperation | undefined;
}

export interface LanesOptions<Owner> {
  readonly batching: BatchingConfig;
  readonly clock: Clock;
  readonly publisher: Publisher;
  readonly metrics?: Metrics;
  /** Lanes per ordered endpoint (/engage, /groups). */
  readonly orderedLanes: number;
  /** Every record's outcome, in batch order, once its batch is answered. */
  readonly onResults: (
    endpoint: Endpoint,
    items: readonly LaneItem<Owner>[],
    result: PublishResult,
  ) => void;
}

class Lane<Owner> {
  readonly batcher: Batcher<LaneItem<Owner>>;
  private readonly queue: Batch<LaneItem<Owner>>[] = [];
  private sending = false;

  constructor(
    readonly endpoint: Endpoint,
    private readonly sequential: boolean,
    private readonly lanes: Lanes<Owner>,
    options: LanesOptions<Owner>,
  ) {
    this.batcher = new Batcher<LaneItem<Owner>>({
      maxRecords: options.batching.maxRecords,
      maxBytes: options.batching.maxBytes,
      lingerMs: options.batching.lingerMs,
      clock: options.clock,
      onBatch: (batch) => this.closed(batch),
    });
  }

  private closed(batch: Batch<LaneItem<Owner>>): void {
    this.lanes.batchClosed(this.endpoint, batch);
    if (!this.sequential) {
      void this.lanes.send(this.endpoint, batch);
      return;
    }
    this.queue.push(batch);
    if (!this.sending) void this.drainQueue();
  }

  private async drainQueue(): Promise<void> {
    this.sending = true;
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      await this.lanes.send(this.endpoint, next);
    }
    this.sending = false;
  }
}

export class Lanes<Owner> {
  private readonly importLane: Lane<Owner>;
  private readonly identityLane: Lane<Owner>;
  private readonly engage: Lane<Owner>[];
  private readonly groups: Lane<Owner>[];
  private outstanding = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly abortController = new AbortController();

  constructor(private readonly options: LanesOptions<Owner>) {
    // Every batch in flight listens on this one signal; their number is bounded by the backlog.
    setMaxListeners(0, this.abortController.signal);
    this.importLane = new Lane('/import', false, this, options);
    this.identityLane = new Lane('/import', false, this, options);
    const ordered = (endpoint: Endpoint): Lane<Owner>[] =>
      Array.from({ length: options.orderedLanes }, () => new Lane(endpoint, true, this, options));
    this.engage = ordered('/engage');
    this.groups = ordered('/groups');
  }

  /** Adds one prepared record; its bytes are resent unchanged on every retry. */
  add(record: PreparedOutput, owner: Owner): void {
    const item: LaneItem<Owner> = {
      json: record.json,
      bytes: record.bytes,
      owner,
      nonIdempotent: record.nonIdempotent,
    };
    this.outstanding++;
    this.options.metrics?.bufferedRecords.inc({ target: targetOf(record.endpoint) });
    this.laneFor(record).batcher.add(item, item.bytes);
  }

  /** Closes every open batch now (shutdown, rebalance). */
  flush(reason: FlushReason): void {
    for (const lane of this.all()) lane.batcher.flush(reason);
  }

  /** Resolves once every record added so far has its outcome. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Aborts requests in flight and retry waits; their records come back 'unsettled'. */
  abort(reason: Error): void {
    this.abortController.abort(reason);
  }

  /** Stops linger timers. */
  dispose(): void {
    for (const lane of this.all()) lane.batcher.dispose();
  }

  batchClosed(endpoint: Endpoint, batch: Batch<LaneItem<Owner>>): void {
    const target = targetOf(endpoint);
    this.options.metrics?.bufferedRecords.dec({ target }, batch.items.length);
    this.options.metrics?.batchFlushes.inc({ target, reason: batch.reason });
    this.options.metrics?.batchRecords.observe({ target }, batch.items.length);
    this.options.metrics?.batchBytes.observe({ target }, batch.bytes);
  }

  async send(endpoint: Endpoint, batch: Batch<LaneItem<Owner>>): Promise<void> {
    let result: PublishResult;
    try {
      result = await this.options.publisher.publish(
        endpoint,
        batch.items,
        this.abortController.signal,
      );
    } catch (err) {
      // The publisher resolves outcomes as values; an exception is a bug. Keep the records
      // unsettled (they are redelivered after a restart) rather than guess.
      result = {
        results: batch.items.map((): RecordResult => ({ status: 'unsettled' })),
        fatal: { status: 0, message: `publisher failed unexpectedly: ${(err as Error).message}` },
      };
    }
    this.options.onResults(endpoint, batch.items, result);
    this.outstanding -= batch.items.length;
    if (this.outstanding === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private laneFor(record: PreparedOutput): Lane<Owner> {
    switch (record.endpoint) {
      case '/import':
        return record.identity ? this.identityLane : this.importLane;
      case '/engage':
        return this.engage[hash(record.orderingKey ?? '') % this.engage.length] as Lane<Owner>;
      case '/groups':
        return this.groups[hash(record.orderingKey ?? '') % this.groups.length] as Lane<Owner>;
    }
  }

  private all(): Lane<Owner>[] {
    return [this.importLane, this.identityLane, ...this.engage, ...this.groups];
  }
}

/** FNV-1a, 32 bits: a stable, cheap spread of ordering keys over lanes. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
