/**
 * Counts one message's outcome in the metrics: Mixpanel records made (by Segment type and target),
 * decode and transform failures (by reason code), skips (by reason).
 */
import type { Metrics } from '../metrics/registry.js';
import { targetOf } from '../mixpanel/endpoints.js';
import type { StageOutcome } from './stage.js';

export function countOutcome(metrics: Metrics, topic: string, outcome: StageOutcome): void {
  switch (outcome.kind) {
    case 'records':
      for (const record of outcome.records) {
        metrics.recordsTransformed.inc({
          segment_type: outcome.segmentType,
          target: targetOf(record.endpoint),
        });
      }
      return;
    case 'rejected': {
      const { rejection, segmentType } = outcome;
      if (rejection.stage === 'decode') metrics.decodeFailures.inc({ topic, code: rejection.code });
      else if (segmentType)
        metrics.transformFailures.inc({ segment_type: segmentType, code: rejection.code });
      return;
    }
    case 'skipped':
      metrics.messagesSkipped.inc({ reason: outcome.reason });
      return;
  }
}
