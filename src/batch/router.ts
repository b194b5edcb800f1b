/**
 * Routes prepared Mixpanel records to lanes, each with its own batcher, and hands every closed
 * batch on with its lane.
 *
 * - `/import`: one lane for ordinary events, whose batches may be sent concurrently (events carry
 *   their own time), and one lane for identity events (`$identify`, `$create_alias`), which travel
 *   in requests of their own so a project that refuses them cannot poison ordinary batches.
 * - `/engage` and `/groups`: updates must reach Mixpanel in Kafka order per distinct_id (or group),
 *   so records are spread over `orderedLanes` lanes by a hash of that key, and each such lane is
 *   marked `ordered`: the dispatcher keeps at most one of its batches in flight.
 */
import type { Clock } from '../clock.js';
import type { BatchingConfig } from '../config/schema.js';
import type { Metrics } from '../metrics/registry.js';
import { targetOf, type Endpoint } from '../mixpanel/endpoints.js';
import {
  EncodedRecord,
  type NonIdempotentOperation,
  type PreparedRecord,
} from '../mixpanel/records.js';
import {
  keyHashOf,
  nonIdempotentOfRoute,
  routeKind,
  routeOf,
  ROUTE_ENGAGE,
  ROUTE_IDENTITY,
  ROUTE_IMPORT,
  type PreparedOutput,
  type StageResults,
} from '../transform/stage-results.js';
import type { FlushReason } from '../vocabulary.js';
import { Batcher, type Batch } from './batcher.js';

export interface BatchItem<Owner> extends PreparedRecord {
  readonly owner: Owner;
  /** The profile operation when its replay is not a no-op (counted once delivered). */
  readonly nonIdempotent: NonIdempotentOperation | undefined;
}

/** A batch item whose record came as UTF-8 (from the transform stage). */
class EncodedItem<Owner> extends EncodedRecord implements BatchItem<Owner> {
  constructor(
    source: Buffer,
    start: number,
    bytes: number,
    readonly owner: Owner,
    readonly nonIdempotent: NonIdempotentOperation | undefined,
  ) {
    super(source, start, bytes);
  }
}

export interface Lane {
  /** Stable index of the lane (its place in the router). */
  readonly id: number;
  readonly endpoint: Endpoint;
  /** At most one batch of this lane may be in flight, and batches go in order. */
  readonly ordered: boolean;
}

export interface LaneBatch<Owner> extends Batch<BatchItem<Owner>> {
  readonly lane: Lane;
}

export interface RouterOptions<Owner> {
  readonly batching: Pick<BatchingConfig, 'maxRecords' | 'maxBytes' | 'lingerMs'>;
  readonly clock: Clock;
  readonly metrics?: Metrics;
  /** Lanes per ordered endpoint (/engage, /groups). */
  readonly orderedLanes: number;
  /** Receives each closed batch, synchronously, in the order batches close. */
  readonly onBatch: (batch: LaneBatch<Owner>) => void;
}

export class Router<Owner> {
  private readonly lanes: Lane[] = [];
  private readonly batchers: Batcher<BatchItem<Owner>>[] = [];
  private readonly importLane: number;
  private readonly identityLane: number;
  private readonly engageLanes: number[];
  private readonly groupLanes: number[];

  constructor(private readonly options: RouterOptions<Owner>) {
    options.metrics?.onScrape('bufferedRecords', (gauge) => {
      const open = { import: 0, engage: 0, groups: 0 };
      this.lanes.forEach((lane, i) => {
        open[targetOf(lane.endpoint)] += (this.batchers[i] as Batcher<BatchItem<Owner>>).size;
      });
      for (const [target, records] of Object.entries(open)) gauge.set({ target }, records);
    });
    this.importLane = this.addLane('/import', false);
    this.identityLane = this.addLane('/import', false);
    const ordered = (endpoint: Endpoint): number[] =>
      Array.from({ length: options.orderedLanes }, () => this.addLane(endpoint, true));
    this.engageLanes = ordered('/engage');
    this.groupLanes = ordered('/groups');
  }

  /** Adds one record prepared as text; its bytes are resent unchanged on every retry. */
  add(record: PreparedOutput, owner: Owner): void {
    const item: BatchItem<Owner> = {
      json: record.json,
      bytes: record.bytes,
      owner,
      nonIdempotent: record.nonIdempotent,
    };
    const lane = this.laneOf(routeOf(record), keyHashOf(record.orderingKey));
    (this.batchers[lane] as Batcher<BatchItem<Owner>>).add(item, item.bytes);
  }

  /**
   * Adds record `r` of a transform stage's results: the batch item refers to its bytes in the
   * results' buffer, which it keeps alive until its batch is answered.
   */
  addResult(results: StageResults, r: number, owner: Owner): void {
    const route = results.route(r);
    const bytes = results.recordBytes(r);
    const item = new EncodedItem(
      results.utf8,
      results.recordStart(r),
      bytes,
      owner,
      nonIdempotentOfRoute(route),
    );
    const lane = this.laneOf(route, results.keyHash(r));
    (this.batchers[lane] as Batcher<BatchItem<Owner>>).add(item, bytes);
  }

  /** Closes every open batch now (shutdown, rebalance). */
  flush(reason: FlushReason): void {
    for (const batcher of this.batchers) batcher.flush(reason);
  }

  /** Stops linger timers. */
  dispose(): void {
    for (const batcher of this.batchers) batcher.dispose();
  }

  private addLane(endpoint: Endpoint, ordered: boolean): number {
    const lane: Lane = { id: this.lanes.length, endpoint, ordered };
    this.lanes.push(lane);
    this.batchers.push(
      new Batcher<BatchItem<Owner>>({
        maxRecords: this.options.batching.maxRecords,
        maxBytes: this.options.batching.maxBytes,
        lingerMs: this.options.batching.lingerMs,
        clock: this.options.clock,
        onBatch: (batch) => this.closed(lane, batch),
      }),
    );
    return lane.id;
  }

  private closed(lane: Lane, batch: Batch<BatchItem<Owner>>): void {
    const target = targetOf(lane.endpoint);
    const metrics = this.options.metrics;
    metrics?.batchFlushes.inc({ target, reason: batch.reason });
    metrics?.batchRecords.observe({ target }, batch.items.length);
    metrics?.batchBytes.observe({ target }, batch.bytes);
    this.options.onBatch({ ...batch, lane });
  }

  /** The lane of a route (stage-results.ts), ordered lanes picked by the ordering key's hash. */
  private laneOf(route: number, keyHash: number): number {
    switch (routeKind(route)) {
      case ROUTE_IMPORT:
        return this.importLane;
      case ROUTE_IDENTITY:
        return this.identityLane;
      case ROUTE_ENGAGE:
        return this.engageLanes[keyHash % this.engageLanes.length] as number;
      default:
        return this.groupLanes[keyHash % this.groupLanes.length] as number;
    }
  }
}
