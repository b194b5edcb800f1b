/**
 * Settles the records of one answered batch: delivered records count towards their message's
 * decision (and the delivery metrics), rejected ones also note the dead letter's reason, and
 * unsettled ones (no terminal answer: shutdown, a fatal answer) are left as they are, so their
 * messages are never committed and come back.
 */
import type { LaneBatch } from '../batch/router.js';
import type { Metrics } from '../metrics/registry.js';
import { targetOf } from '../mixpanel/endpoints.js';
import type { PublishResult, RecordResult } from '../publish/publisher.js';
import type { InFlightMessage } from './in-flight-message.js';
import type { Settler } from './settler.js';

const UNSETTLED: RecordResult = { status: 'unsettled' };

export function settlePublished(
  settler: Settler,
  batch: LaneBatch<InFlightMessage>,
  result: PublishResult,
  context: { readonly metrics: Metrics; readonly nowMs: number },
): void {
  const { metrics, nowMs } = context;
  const { endpoint } = batch.lane;
  const target = targetOf(endpoint);
  const latency = metrics.deliveryLatency;
  const labels = { target };
  /** The owner of every record with a terminal answer, settled together below. */
  const answered: InFlightMessage[] = [];
  let delivered = 0;
  const { items } = batch;
  for (let index = 0; index < items.length; index++) {
    const item = items[index] as (typeof items)[number];
    const outcome = result.results[index] ?? UNSETTLED;
    switch (outcome.status) {
      case 'delivered':
        delivered++;
        latency.observe(labels, Math.max(0, nowMs - item.owner.source.timestamp) / 1000);
        if (item.nonIdempotent && target !== 'import') {
          metrics.nonIdempotentUpdates.inc({ target, operation: item.nonIdempotent });
        }
        answered.push(item.owner);
        break;
      case 'rejected':
        settler.reject(
          item.owner,
          {
            code: outcome.code,
            stage: 'publish',
            message: outcome.message,
            ...(outcome.field !== undefined ? { field: outcome.field } : {}),
          },
          endpoint,
          outcome.attempts,
        );
        answered.push(item.owner);
        break;
      case 'unsettled':
        break;
    }
  }
  settler.recordsSettled(answered);
  if (delivered > 0) {
    metrics.recordsDelivered.inc({ target }, delivered);
    metrics.lastFlush.set(nowMs / 1000);
  }
}
