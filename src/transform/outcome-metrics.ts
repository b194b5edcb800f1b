/**
 * Counts messages' outcomes in the metrics: Mixpanel records made (by Segment type and target),
 * decode and transform failures (by reason code), skips (by reason). A tally takes a batch's
 * outcomes and adds them to the counters once per label set, not once per record: a counter
 * increment with labels costs about as much as routing the record.
 */
import type { Metrics } from '../metrics/registry.js';
import { targetOf, type Target } from '../mixpanel/endpoints.js';
import type { SegmentType } from '../segment/message.js';
import type { StageOutcome } from './stage.js';

export class OutcomeTally {
  /** Records made, by Segment type then target. */
  private readonly records = new Map<SegmentType, Map<Target, number>>();
  private readonly rare: Array<() => void> = [];

  constructor(private readonly metrics: Metrics) {}

  add(topic: string, outcome: StageOutcome): void {
    switch (outcome.kind) {
      case 'records': {
        let byTarget = this.records.get(outcome.segmentType);
        if (byTarget === undefined) this.records.set(outcome.segmentType, (byTarget = new Map()));
        for (const record of outcome.records) {
          const target = targetOf(record.endpoint);
          byTarget.set(target, (byTarget.get(target) ?? 0) + 1);
        }
        return;
      }
      case 'rejected':
      case 'skipped':
        this.rare.push(() => countOutcome(this.metrics, topic, outcome));
        return;
    }
  }

  /** Adds everything tallied to the counters and starts over. */
  flush(): void {
    for (const [segmentType, byTarget] of this.records) {
      for (const [target, count] of byTarget) {
        this.metrics.recordsTransformed.inc({ segment_type: segmentType, target }, count);
      }
    }
    this.records.clear();
    for (const count of this.rare.splice(0)) count();
  }
}

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
