/**
 * Sends closed batches to the publisher and reports each batch's per-record results. Batches of an
 * ordered lane go one at a time, in the order they closed: a later `$set` for a user can never
 * overtake an earlier one, even across retries. Other batches go at once (the publisher's adaptive
 * limit decides how many requests are actually in flight).
 */
import { setMaxListeners } from 'node:events';
import type { LaneBatch } from '../batch/router.js';
import type { Publisher, PublishResult, RecordResult } from './publisher.js';

export interface DispatcherOptions<Owner> {
  readonly publisher: Publisher;
  /** Every batch's results, one per item in item order, once its batch is answered. */
  readonly onResults: (batch: LaneBatch<Owner>, result: PublishResult) => void;
}

export class Dispatcher<Owner> {
  /** Batches waiting behind the one in flight, per ordered lane. */
  private readonly queues = new Map<number, LaneBatch<Owner>[]>();
  private outstanding = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly abortController = new AbortController();

  constructor(private readonly options: DispatcherOptions<Owner>) {
    // Every batch in flight listens on this one signal; their number is bounded by the backlog.
    setMaxListeners(0, this.abortController.signal);
  }

  dispatch(batch: LaneBatch<Owner>): void {
    this.outstanding += batch.items.length;
    if (!batch.lane.ordered) {
      void this.send(batch);
      return;
    }
    const queue = this.queues.get(batch.lane.id);
    if (queue) {
      queue.push(batch);
      return;
    }
    this.queues.set(batch.lane.id, []);
    void this.sendInOrder(batch);
  }

  /** Resolves once every record dispatched so far has its results. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Aborts requests in flight and retry waits; their records come back 'unsettled'. */
  abort(reason: Error): void {
    this.abortController.abort(reason);
  }

  private async sendInOrder(first: LaneBatch<Owner>): Promise<void> {
    const queue = this.queues.get(first.lane.id) as LaneBatch<Owner>[];
    for (let next: LaneBatch<Owner> | undefined = first; next; next = queue.shift()) {
      await this.send(next);
    }
    this.queues.delete(first.lane.id);
  }

  private async send(batch: LaneBatch<Owner>): Promise<void> {
    let result: PublishResult;
    try {
      result = await this.options.publisher.publish(
        batch.lane.endpoint,
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
    this.options.onResults(batch, result);
    this.outstanding -= batch.items.length;
    if (this.outstanding === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
