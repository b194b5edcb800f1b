import { describe, expect, it } from 'vitest';
import { formatRetention, planTopics } from './recommended.js';

const DAY = 86_400_000;

describe('planTopics', () => {
  it('gives raw topics 6 partitions and a week, the dead-letter topic 1 partition and a month', () => {
    const plan = planTopics({
      rawTopics: [{ topic: 'events', setting: 'kafka.topics' }],
      deadLetterTopic: 'events-dlq',
      brokers: 5,
    });
    expect(plan).toEqual([
      {
        topic: 'events',
        role: 'raw',
        setting: 'kafka.topics',
        partitions: 6,
        replicationFactor: 3,
        retentionMs: 7 * DAY,
        minInsyncReplicas: 2,
      },
      {
        topic: 'events-dlq',
        role: 'dead-letter',
        setting: 'kafka.deadLetterTopic',
        partitions: 1,
        replicationFactor: 3,
        retentionMs: 30 * DAY,
        minInsyncReplicas: 2,
      },
    ]);
  });

  it('replicates no more than the cluster has brokers, and takes the options given', () => {
    const [raw] = planTopics({
      rawTopics: [{ topic: 'events', setting: '--topic' }],
      brokers: 1,
      partitions: 12,
      retentionDays: 2,
    });
    expect(raw).toMatchObject({
      partitions: 12,
      replicationFactor: 1,
      minInsyncReplicas: 1,
      retentionMs: 2 * DAY,
    });
  });
});

describe('formatRetention', () => {
  it('says days, hours or forever', () => {
    expect([
      formatRetention(30 * DAY),
      formatRetention(3_600_000 * 5),
      formatRetention(-1),
    ]).toEqual(['30 d', '5 h', 'forever']);
  });
});
