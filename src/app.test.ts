/**
 * The run loop's paths on virtual time, with Kafka in memory and a scripted Mixpanel: delivery
 * and commit, drain on stop, abandon at the drain deadline, the dead-letter guard's halt, a failed
 * transform stage, a rebalance between two members, and each answer of the schema registry (the
 * registry double over HTTP; backoff on the virtual clock).
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  acceptAll,
  appOnClock,
  DEAD_LETTER_TOPIC,
  identify,
  TOPIC,
  track,
} from '../test/harness/app-on-clock.js';
import type { ManualClock } from '../test/harness/manual-clock.js';
import {
  startSchemaRegistry,
  TRACK_SCHEMA,
  type SchemaRegistryDouble,
} from '../test/harness/schema-registry.js';
import { reply, type Answer, type Script } from '../test/harness/scripted-transport.js';
import { createLogger } from './log.js';
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

  it('never changes an id: a numeric userId beyond 2^53 is dead-lettered as unsafe_integer_id', async () => {
    const env = appOnClock({ partitions: 1 });
    const exact =
      '{"type":"track","event":"E","userId":9007199254740993,"messageId":"big","timestamp":"2025-06-01T00:00:00Z"}';
    env.produce([track('a'), exact, { ...track('b'), userId: 9007199254740991 }]);
    await env.start();
    await env.until('commits at the end', () => env.kafka.committed(env.config)[0] === 3);
    const letters = env.kafka.records(DEAD_LETTER_TOPIC);
    expect(
      letters.map((l) => [l.headers['dlq.error.code'], l.headers['dlq.mixpanel.field']]),
    ).toEqual([['unsafe_integer_id', 'userId']]);
    expect(letters[0]?.value?.toString()).toBe(exact);
    const users = env.transport.requests
      .flatMap((r) => r.records)
      .map(
        (r) => (JSON.parse(r) as { properties: { distinct_id: string } }).properties.distinct_id,
      );
    expect(users.sort()).toEqual(['9007199254740991', 'u1']);
  });

  it('delivers events stamped by Kafka although the host clock is two days behind', async () => {
    const env = appOnClock({ partitions: 1 });
    const written = env.clock.now() + 2 * 86_400_000;
    env.kafka.broker.produce(TOPIC, [
      {
        key: 'u1',
        value: JSON.stringify({ ...track('ahead'), timestamp: new Date(written).toISOString() }),
        timestamp: written,
      },
    ]);
    await env.start();
    await env.until('commits at the end', () => env.kafka.committed(env.config)[0] === 1);
    expect(env.kafka.records(DEAD_LETTER_TOPIC)).toEqual([]);
    expect(insertIds(env.transport.requests.flatMap((r) => r.records))).toEqual(['ahead']);
  });

  it("commits nothing on a proxy's 200 page: the records wait for Mixpanel's own answer", async () => {
    let pages = 0;
    const env = appOnClock({
      partitions: 1,
      script: (request, index): Answer => {
        if (pages < 3) {
          pages++;
          return reply(200, '<html><title>Sign in to the guest network</title></html>');
        }
        return acceptAll(request, index) as Answer;
      },
    });
    env.produce([track('a'), track('b'), track('c')]);
    const { metrics } = await env.start();
    await env.until('three pages answered', () => pages === 3);
    expect(env.kafka.committed(env.config)).toEqual([-1]);
    await env.until('commits at the end', () => env.kafka.committed(env.config)[0] === 3);
    expect(
      (await metrics.protocolErrors.get()).values.find((v) => v.labels.endpoint === '/import')
        ?.value,
    ).toBe(3);
    expect(env.kafka.records(DEAD_LETTER_TOPIC)).toEqual([]);
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

  it('remembers the dead-letter window across restarts: a crash loop on a misconfiguration dead-letters one group per restart, not a window', async () => {
    // Every message is good JSON, but the replica is told it is Avro: all of it would be rejected.
    const env = appOnClock({
      partitions: 1,
      config: {
        input: { format: 'avro' },
        deadLetter: { maxRatio: 0.5, window: 1000, maxGroupSize: 50 },
      },
    });
    env.produce(Array.from({ length: 3000 }, (_, i) => track(`m-${i}`)));
    const letters = (): number => env.kafka.records(DEAD_LETTER_TOPIC).length;
    const first = await env.start();
    expect((await env.settle(first.app.exited)).reason).toBe('dead_letter_ratio');
    const afterFirst = letters();
    expect(afterFirst).toBeGreaterThanOrEqual(1000); // the window had to fill first
    for (let restart = 0; restart < 3; restart++) {
      const before = letters();
      const { app } = await env.start();
      expect((await env.settle(app.exited)).reason).toBe('dead_letter_ratio');
      expect(letters() - before).toBeLessThanOrEqual(50);
    }
    // Only what was dead-lettered is committed: nothing is skipped.
    expect(env.kafka.committed(env.config)).toEqual([letters()]);
  });

  it('warns at start, with both limits, when the dead-letter topic takes smaller records than the raw topics', async () => {
    const env = appOnClock({ partitions: 1 });
    env.kafka.deadLetterMaxBytes = 4096;
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    await env.start({ logger });
    const warning = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry['deadLetterMaxMessageBytes'] !== undefined);
    expect(warning).toMatchObject({
      level: 'warn',
      deadLetterTopic: DEAD_LETTER_TOPIC,
      deadLetterMaxMessageBytes: 4096,
      rawMaxMessageBytes: 1_048_588,
    });
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

/**
 * A Mixpanel double for profile updates that applies each request the moment it arrives and
 * answers `latencyMs` later (the worst case for a resend: the first copy already counted).
 */
function profilesMixpanel(env: { clock?: ManualClock }, latencyMs: number) {
  const counters = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  const script: Script = async (request, index) => {
    if (request.path.startsWith('/engage')) {
      for (const text of request.records) {
        const update = JSON.parse(text) as {
          $distinct_id: string;
          $add?: Record<string, number>;
          $set?: Record<string, unknown>;
        };
        for (const value of Object.values(update.$add ?? {})) {
          counters.set(update.$distinct_id, (counters.get(update.$distinct_id) ?? 0) + value);
        }
        const seq = update.$set?.['seq'];
        if (typeof seq === 'number') lastSeq.set(update.$distinct_id, seq);
      }
      await env.clock?.sleep(latencyMs);
    }
    return acceptAll(request, index);
  };
  return { counters, lastSeq, script };
}

describe('Rebalances on virtual time', () => {
  const users = ['ada', 'grace', 'linus', 'ken', 'barbara', 'edsger'];
  /** Per user, in order: a counted event and a profile update whose `seq` must win last. */
  const traffic = (from: number, count: number): object[] =>
    Array.from({ length: count }, (_, i) => {
      const n = from + i;
      const userId = users[Math.floor(n / 2) % users.length] as string;
      return n % 2 === 0 ? track(`t-${n}`, userId, 'Played') : identify(`i-${n}`, userId, n);
    });

  it('let the old owner finish and commit before the new owner reads: every counter exact, every profile at its latest $set', async () => {
    const time: { clock?: ManualClock } = {};
    const mixpanel = profilesMixpanel(time, 1500);
    const env = appOnClock({
      partitions: 4,
      config: { mapping: { eventIncrements: ['Played'] }, batching: { lingerMs: 200 } },
      script: mixpanel.script,
    });
    time.clock = env.clock;
    env.produce(traffic(0, 120));
    await env.start();
    await env.until('/engage requests in flight', () => env.transport.inFlight > 0);
    // A second member joins while A's profile updates are in flight, then a third; the second leaves.
    const b = await env.settle(env.start());
    env.produce(traffic(120, 120));
    await env.settle(env.start());
    await env.until('B has read something', async () => (await consumed(b.metrics)) > 0);
    await env.settle(b.app.stop());
    env.produce(traffic(240, 60));
    await env.until('commits at the end', () =>
      env.kafka.committed(env.config).every((c, p) => c === env.kafka.ends(TOPIC)[p]),
    );
    const all = traffic(0, 300);
    for (const userId of users) {
      const of = (m: object): string => (m as { userId: string }).userId;
      const played = all.filter((m) => 'event' in m && of(m) === userId);
      const updates = all.filter((m) => 'traits' in m && of(m) === userId) as {
        traits: { seq: number };
      }[];
      expect(mixpanel.counters.get(userId), `counter of ${userId}`).toBe(played.length);
      expect(updates.length).toBeGreaterThan(10);
      expect(mixpanel.lastSeq.get(userId), `latest $set of ${userId}`).toBe(
        updates.at(-1)?.traits.seq,
      );
    }
  });

  it('abandons what is unanswered at the rebalance deadline: sent again only from the commit, in the new generation', async () => {
    let hangs = true;
    const env = appOnClock({
      partitions: 1,
      config: { batching: { lingerMs: 10, drainTimeoutMs: 3000 } },
      script: (request, index) => (hangs ? 'hang' : acceptAll(request, index)),
    });
    env.produce([track('a'), track('b')]);
    const a = await env.start();
    await env.until('A sent its batch', () => env.transport.requests.length === 1);
    const joining = env.start();
    await env.until('A holds the rebalance for its request', () => env.transport.inFlight === 1);
    hangs = false;
    const b = await env.settle(joining);
    await env.until('B owns the partition and committed everything', () =>
      env.kafka.committed(env.config).every((c, p) => c === env.kafka.ends(TOPIC)[p]),
    );
    // The request was aborted at the deadline, never retried in the old generation, and the
    // records went out once more only after the rebalance, read again from the commit.
    const sent = env.transport.requests.map((r) => insertIds(r.records).join(','));
    expect(sent).toEqual(['a,b', 'a,b']);
    expect((await consumed(a.metrics)) + (await consumed(b.metrics))).toBe(4);
  });
});

async function consumed(metrics: Metrics): Promise<number> {
  const { values } = await metrics.messagesConsumed.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe('App on virtual time with a schema registry', () => {
  let registry: SchemaRegistryDouble;
  let client: SchemaRegistry;
  let schemaId: number;

  beforeAll(async () => {
    registry = await startSchemaRegistry();
    client = new SchemaRegistry({ host: registry.url });
    ({ id: schemaId } = await client.register({
      type: SchemaType.AVRO,
      schema: JSON.stringify(TRACK_SCHEMA),
    }));
  });
  afterAll(() => registry.stop());
  beforeEach(() => registry.heal());

  /** A track message in Confluent Avro under `id`. */
  const avro = (messageId: string, id = schemaId): Promise<Buffer> =>
    client
      .encode(schemaId, {
        type: 'track',
        event: 'Avro Event',
        userId: 'u1',
        messageId,
        timestamp: '2025-06-01T00:00:00Z',
        properties: '{}',
      })
      .then((bytes) => {
        bytes.writeInt32BE(id, 1);
        return bytes;
      });

  async function start(values: readonly Buffer[]) {
    const env = appOnClock({
      partitions: 1,
      config: {
        input: {
          format: 'auto',
          // The registry answers in real time; a long deadline keeps virtual time from expiring it.
          schemaRegistry: {
            url: registry.url,
            retryInitialDelayMs: 1000,
            retryMaxDelayMs: 8000,
            requestTimeoutMs: 3_600_000,
          },
        },
      },
    });
    env.kafka.broker.produce(
      TOPIC,
      values.map((value) => ({ key: 'u1', value, timestamp: env.clock.now() })),
    );
    const { app } = await env.start();
    return { env, app };
  }

  it("retries an ingress's HTML 404 until the registry answers: delivered, nothing dead-lettered", async () => {
    registry.failNext(5, 404, 'html');
    const { env } = await start([await avro('avro-1'), await avro('avro-2')]);
    await env.until('commits at the end', () => env.kafka.committed(env.config)[0] === 2, 100_000);
    expect(insertIds(env.transport.requests.flatMap((r) => r.records)).sort()).toEqual([
      'avro-1',
      'avro-2',
    ]);
    expect(env.kafka.records(DEAD_LETTER_TOPIC)).toEqual([]);
  });

  it.each([
    ['the registry says 40403', 'schema_not_found', () => 9999],
    [
      'the schema is not valid Avro',
      'invalid_schema',
      () => registry.store('{"type":"record","name":"Broken","fields":"none"}'),
    ],
    [
      'the schemaType is unknown',
      'invalid_schema',
      () => registry.store(JSON.stringify(TRACK_SCHEMA), 'THRIFT'),
    ],
  ])('dead-letters the message when %s (%s) and commits past it', async (_name, code, id) => {
    const { env } = await start([await avro('bad', id()), await avro('good')]);
    await env.until('commits at the end', () => env.kafka.committed(env.config)[0] === 2, 100_000);
    const letters = env.kafka.records(DEAD_LETTER_TOPIC);
    expect(
      letters.map((l) => [l.headers['dlq.source.offset'], l.headers['dlq.error.code']]),
    ).toEqual([['0', code]]);
    expect(insertIds(env.transport.requests.flatMap((r) => r.records))).toEqual(['good']);
  });

  it('stops on a 401 from the registry: exit 1 naming input.schemaRegistry, nothing committed or dead-lettered', async () => {
    registry.failNext(1, 401);
    const { env, app } = await start([await avro('avro-1')]);
    const status = await env.settle(app.exited, 100_000);
    expect(status).toMatchObject({ code: 1, reason: 'schema_registry' });
    expect(status.message).toContain('input.schemaRegistry.username');
    expect(env.kafka.committed(env.config)).toEqual([-1]);
    expect(env.kafka.records(DEAD_LETTER_TOPIC)).toEqual([]);
    expect(env.transport.requests).toEqual([]);
  });
});
