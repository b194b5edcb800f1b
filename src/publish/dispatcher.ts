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

interface Dispatched<Owner> {
  readonly batch: LaneBatch<Owner>;
  /** The abort signal current when it was dispatched. */
  readonly signal: AbortSignal;
}

function newController(): AbortController {
  const controller = new AbortController();
  // Every batch in flight listens on this one signal; their number is bounded by the backlog.
  setMaxListeners(0, controller.signal);
  return controller;
}

export class Dispatcher<Owner> {
  /** Batches waiting behind the one in flight, per ordered lane. */
  private readonly queues = new Map<number, Dispatched<Owner>[]>();
  private outstanding = 0;
  private idleWaiters: Array<() => void> = [];
  /** Aborted by abortInFlight(): every batch dispatched before that, sent or still queued. */
  private abortController = newController();

  constructor(private readonly options: DispatcherOptions<Owner>) {}

  dispatch(batch: LaneBatch<Owner>): void {
    this.outstanding += batch.items.length;
    const dispatched = { batch, signal: this.abortController.signal };
    if (!batch.lane.ordered) {
      void this.send(dispatched);
      return;
    }
    const queue = this.queues.get(batch.lane.id);
    if (queue) {
      queue.push(dispatched);
      return;
    }
    this.queues.set(batch.lane.id, []);
    void this.sendInOrder(dispatched);
  }

  /** Resolves once every record dispatched so far has its results. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Aborts every batch dispatched so far: requests in flight and retry waits end, and batches still
   * queued behind them are never sent; all their records come back 'unsettled'. Batches
   * dispatched afterwards are sent as usual.
   */
  abortInFlight(reason: Error): void {
    const aborted = this.abortController;
    this.abortController = newController();
    aborted.abort(reason);
  }

  private async sendInOrder(first: Dispatched<Owner>): Promise<void> {
    const queue = this.queues.get(first.batch.lane.id) as Dispatched<Owner>[];
    for (let next: Dispatched<Owner> | undefined = first; next; next = queue.shift()) {
      await this.send(next);
    }
    this.queues.delete(first.batch.lane.id);
  }

  private async send({ batch, signal }: Dispatched<Owner>): Promise<void> {
    let result: PublishResult;
    try {
      // An aborted signal makes the publisher answer 'unsettled' at once, without sending.
      result = await this.options.publisher.publish(batch.lane.endpoint, batch.items, signal);
    } catch (err) {
      // The publisher resolves outcomes as values; an exception is a bug. Keep the records
      // unsettled (they are redelivered after a restart) rather than guess.
      result = {
        results: batch.items.map((): RecordResult => ({ status: 'unsettled' })),
        fatal: {
          reason: 'internal',
          status: 0,
          message: `publisher failed unexpectedly: ${(err as Error).message}`,
        },
      };
    }
    this.options.onResults(batch, result);
    this.outstanding -= batch.items.length;
    if (this.outstanding === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
