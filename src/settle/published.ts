/**
 * Settles the records of one answered batch: delivered records count towards their message's
 * decision (and the delivery metrics), rejected ones also note the dead letter's reason, and
 * unsettled ones (no terminal answer: shutdown, a fatal answer) are left as they are, so their
 * messages are never committed and come back.
 */
import type { LaneBatch } from '../batch/router.js';
import type { Metrics } from '../metrics/registry.js';
import { targetOf } from '../mixpanel/endpoints.js';
import type { PublishResult } from '../publish/publisher.js';
import type { InFlightMessage } from './in-flight-message.js';
import type { Settler } from './settler.js';

export function settlePublished(
  settler: Settler,
  batch: LaneBatch<InFlightMessage>,
  result: PublishResult,
  context: { readonly metrics: Metrics; readonly nowMs: number },
): void {
  const { metrics, nowMs } = context;
  const { endpoint } = batch.lane;
  const target = targetOf(endpoint);
  let delivered = 0;
  batch.items.forEach((item, index) => {
    const outcome = result.results[index] ?? { status: 'unsettled' };
    switch (outcome.status) {
      case 'delivered':
        delivered++;
        metrics.deliveryLatency.observe(
          { target },
          Math.max(0, nowMs - item.owner.source.timestamp) / 1000,
        );
        if (item.nonIdempotent && target !== 'import') {
          metrics.nonIdempotentUpdates.inc({ target, operation: item.nonIdempotent });
        }
        settler.recordSettled(item.owner);
        return;
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
        settler.recordSettled(item.owner);
        return;
      case 'unsettled':
        return;
    }
  });
  if (delivered > 0) {
    metrics.recordsDelivered.inc({ target }, delivered);
    metrics.lastFlush.set(nowMs / 1000);
  }
}
