/**
 * Counts messages' outcomes in the metrics: Mixpanel records made (by Segment type and target),
 * decode and transform failures (by reason code), skips (by reason). A tally takes a batch's
 * outcomes and adds them to the counters once per label set, not once per record: a counter
 * increment with labels costs about as much as routing the record.
 */
import type { Metrics } from '../metrics/registry.js';
import { TARGETS, type Target } from '../mixpanel/endpoints.js';
import { SEGMENT_TYPES, type SegmentType } from '../segment/message.js';
import { targetIndexOfRoute, type DecidedOutcome } from './stage-results.js';

export class OutcomeTally {
  /** Records made, at SEGMENT_TYPES index × TARGETS.length + TARGETS index. */
  private readonly made = new Float64Array(SEGMENT_TYPES.length * TARGETS.length);
  private readonly rare: Array<() => void> = [];

  constructor(private readonly metrics: Metrics) {}

  /** A record made from a message of SEGMENT_TYPES[segmentTypeIndex], with its route. */
  record(segmentTypeIndex: number, route: number): void {
    (this.made[segmentTypeIndex * TARGETS.length + targetIndexOfRoute(route)] as number)++;
  }

  /** A message rejected or skipped. */
  decided(topic: string, outcome: DecidedOutcome): void {
    this.rare.push(() => countDecided(this.metrics, topic, outcome));
  }

  /** Adds everything tallied to the counters and starts over. */
  flush(): void {
    for (let i = 0; i < this.made.length; i++) {
      const count = this.made[i] as number;
      if (count === 0) continue;
      this.metrics.recordsTransformed.inc(
        {
          segment_type: SEGMENT_TYPES[Math.floor(i / TARGETS.length)] as SegmentType,
          target: TARGETS[i % TARGETS.length] as Target,
        },
        count,
      );
      this.made[i] = 0;
    }
    for (const count of this.rare.splice(0)) count();
  }
}

function countDecided(metrics: Metrics, topic: string, outcome: DecidedOutcome): void {
  switch (outcome.kind) {
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
