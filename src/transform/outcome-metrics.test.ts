import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics/registry.js';
import { OutcomeTally } from './outcome-metrics.js';
import { SEGMENT_TYPES } from '../segment/message.js';
import { prepareRecord, routeOf } from './stage-results.js';

const event = routeOf(
  prepareRecord({
    endpoint: '/import',
    record: { event: 'e', properties: { time: 1, distinct_id: 'a', $insert_id: 'i' } },
  }),
);
const profile = routeOf(
  prepareRecord({
    endpoint: '/engage',
    record: { $token: 't', $distinct_id: 'a', $set: { plan: 'pro' } },
  }),
);
const track = SEGMENT_TYPES.indexOf('track');
const identify = SEGMENT_TYPES.indexOf('identify');

describe('OutcomeTally', () => {
  it('adds a batch of outcomes to the counters once, with the same totals as one by one', async () => {
    const metrics = createMetrics({ topics: ['events'] });
    const tally = new OutcomeTally(metrics);
    tally.record(track, event);
    tally.record(identify, event);
    tally.record(identify, profile);
    tally.record(track, event);
    tally.decided('events', { kind: 'skipped', reason: 'integrations_disabled' });
    tally.decided('events', {
      kind: 'rejected',
      rejection: { code: 'invalid_json', stage: 'decode', message: 'bad' },
    });
    const value = async (metric: 'recordsTransformed', labels: Record<string, string>) =>
      (await metrics[metric].get()).values.find((v) =>
        Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x),
      )?.value;
    expect(await value('recordsTransformed', { segment_type: 'track', target: 'import' })).toBe(0);
    tally.flush();
    expect(await value('recordsTransformed', { segment_type: 'track', target: 'import' })).toBe(2);
    expect(await value('recordsTransformed', { segment_type: 'identify', target: 'engage' })).toBe(
      1,
    );
    expect((await metrics.messagesSkipped.get()).values[0]?.value).toBe(1);
    expect(
      (await metrics.decodeFailures.get()).values.find((v) => v.labels.code === 'invalid_json')
        ?.value,
    ).toBe(1);
    tally.flush();
    expect(await value('recordsTransformed', { segment_type: 'track', target: 'import' })).toBe(2);
  });
});
