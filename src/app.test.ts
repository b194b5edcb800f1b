/**
 * The run loop's paths on virtual time, with Kafka in memory and a scripted Mixpanel: delivery
 * and commit, drain on stop, abandon at the drain deadline, the dead-letter guard's halt, a failed
 * transform stage, and a rebalance between two members.
 */
import { describe, expect, it } from 'vitest';
import {
  acceptAll,
  appOnClock,
  DEAD_LETTER_TOPIC,
  TOPIC,
  track,
} from '../test/harness/app-on-clock.js';
import type { Answer } from '../test/harness/scripted-transport.js';
import type { Metrics } from './metrics/registry.js';
import type { TransformStage } from './transform/stage.js';

const insertIds = (records: readonly string[]): string[] =>
  records.map(
    (r) => (JSON.parse(r) as { properties: { $insert_id: string } }).properties.$insert_id,
  );

/** Records waiting in open batches. */
async function buffered(metrics: Metrics): Promise<number> {
  const { values } = await metrics.bufferedRecords.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe('App on virtual time', () => {
  it('delivers every message once and commits every partition to its end', async () => {
    const env = appOnClock({ partitions: 3 });
    env.produce(Array.from({ length: 50 }, (_, i) => track(`m-${i}`, `u${i % 9}`)));
    await env.start();
    await env.until('commits at the end', () =>
      env.kafka.committed(env.config).every((c, p) => c === env.kafka.ends(TOPIC)[p]),
    );
    const sent = insertIds(env.transport.requests.flatMap((r) => r.records));
    expect(sent.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `m-${i}`).sort());
    expect(env.kafka.records(DEAD_LETTER_TOPIC)).toEqual([]);
  });

  it('dead-letters bad messages with their code, in source order, and commits past them', async () => {
    const env = appOnClock({ partitions: 1 });
    env.produce([track('a'), '{not json', track('b'), { type: 'track', userId: 'u1' }, track('c')]);
    await env.start();
    await env.until('commits at the end', () => env.kafka.committed(env.config)[0] === 5);
    const letters = env.kafka.records(DEAD_LETTER_TOPIC);
    expect(
      letters.map((l) => [l.headers['dlq.source.offset'], l.headers['dlq.error.code']]),
    ).toEqual([
      ['1', 'invalid_json'],
      ['3', 'missing_event'],
    ]);
    expect(letters[0]?.value?.toString()).toBe('{not json');
  });

  it('drains on stop: open batches are sent at once and the answers committed before it exits', async () => {
    const env = appOnClock({ partitions: 1, config: { batching: { lingerMs: 60_000 } } });
    env.produce(Array.from({ length: 10 }, (_, i) => track(`m-${i}`)));
    const { app, metrics } = await env.start();
    await env.until('all taken', async () => (await buffered(metrics)) === 10);
    expect(env.transport.requests).toHaveLength(0); // lingering
    const status = await env.settle(app.stop());
    expect(status).toEqual({ code: 0, reason: 'stopped', message: 'stopped' });
    expect(env.transport.requests.flatMap((r) => r.records)).toHaveLength(10);
    expect(env.kafka.committed(env.config)).toEqual(env.kafka.ends(TOPIC));
  });

  it('abandons what is unanswered at the drain deadline: it stays uncommitted, nothing after it is committed', async () => {
    let hung = false;
    const env = appOnClock({
      partitions: 1,
      config: { batching: { lingerMs: 10, maxRecords: 5, drainTimeoutMs: 2000 } },
      script: (request, index): Answer => {
        // The batch holding m-5 never gets an answer, however often it is tried.
        if (insertIds(request.records).includes('m-5')) {
          hung = true;
          return 'hang';
        }
        return acceptAll(request, index) as Answer;
      },
    });
    env.produce(Array.from({ length: 15 }, (_, i) => track(`m-${i}`)));
    const { app } = await env.start();
    await env.until(
      'the second batch hangs, the third is answered',
      () => hung && env.transport.requests.length >= 3,
    );
    const status = await env.settle(app.stop());
    expect(status.code).toBe(0);
    // Records 0–4 settled; 5–9 were never answered, so nothing from offset 5 on is committed.
    expect(env.kafka.committed(env.config)).toEqual([5]);
  });

  it('stops dead-lettering when the guard trips, exits 1 naming the setting, commits only what settled', async () => {
    const env = appOnClock({
      partitions: 1,
      config: { deadLetter: { maxRatio: 0.5, window: 10, maxGroupSize: 5 } },
    });
    env.produce(Array.from({ length: 100 }, () => '{broken'));
    const { app } = await env.start();
    const status = await env.settle(app.exited);
    expect(status.code).toBe(1);
    expect(status.reason).toBe('dead_letter_ratio');
    expect(status.message).toContain('deadLetter.maxRatio');
    const letters = env.kafka.records(DEAD_LETTER_TOPIC).length;
    expect(letters).toBeLessThan(100);
    // Exactly the dead-lettered prefix is committed: nothing is skipped.
    expect(env.kafka.committed(env.config)).toEqual([letters]);
  });

  it('stops with reason internal when the transform stage fails, committing none of its records', async () => {
    const env = appOnClock({ partitions: 1 });
    env.produce([track('a'), track('b')]);
    const failing: TransformStage = {
      submit: () => Promise.reject(new Error('worker died')),
      close: async () => {},
    };
    const { app } = await env.start({ transform: failing });
    const status = await env.settle(app.exited);
    expect(status).toMatchObject({ code: 1, reason: 'internal' });
    expect(env.kafka.committed(env.config)).toEqual([-1]);
    expect(env.transport.requests).toHaveLength(0);
  });

  it('on a rebalance flushes open batches and the group still delivers and commits everything', async () => {
    const env = appOnClock({ partitions: 4, config: { batching: { lingerMs: 60_000 } } });
    env.produce(Array.from({ length: 40 }, (_, i) => track(`m-${i}`, `u${i}`)));
    const a = await env.start();
    await env.until('A took everything', async () => (await buffered(a.metrics)) === 40);
    expect(env.transport.requests).toHaveLength(0);
    await env.start();
    // The joining member made A give its partitions up: A's open batches went out at once.
    const flushes = await a.metrics.batchFlushes.get();
    expect(flushes.values.find((v) => v.labels.reason === 'rebalance')?.value).toBeGreaterThan(0);
    await env.until('commits at the end', () =>
      env.kafka.committed(env.config).every((c, p) => c === env.kafka.ends(TOPIC)[p]),
    );
    const sent = new Set(insertIds(env.transport.requests.flatMap((r) => r.records)));
    expect(sent.size).toBe(40);
  });
});
