/**
 * `dlq inspect` and `dlq replay` against the real broker, on dead letters written exactly as the
 * processor writes them (the kafkajs dead-letter sink and its headers): counts and samples by
 * code, a scan that stops at the end offsets measured at its start and commits nothing, and
 * replays that put back the chosen records only, byte for byte, traceable, never into a
 * dead-letter topic, and nothing at all in a dry run.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IHeaders, Kafka } from 'kafkajs';
import { systemClock } from '../../src/clock.js';
import { dlqInspectCommand, dlqReplayCommand } from '../../src/commands/dlq.js';
import type { InspectReport } from '../../src/dead-letter/inspect.js';
import { ReplayRefused, TopicNotFoundError } from '../../src/dead-letter/errors.js';
import { scanDeadLetters } from '../../src/dead-letter/reader.js';
import { REPLAYED_FROM_HEADER } from '../../src/dead-letter/stored-letter.js';
import { replayDeadLetters } from '../../src/dead-letter/replay.js';
import type { ReasonCode, Stage } from '../../src/vocabulary.js';
import type { DeadLetter } from '../../src/dead-letter/letter.js';
import { createKafkaDeadLetterSink } from '../../src/dead-letter/kafka-sink.js';
import {
  createTopic,
  endOffsets,
  testBrokers,
  testKafka,
  uniqueName,
  withAdmin,
} from '../harness/kafka/client.js';
import { waitFor } from '../harness/wait.js';

const T0 = Date.UTC(2026, 0, 31, 10);
const HOUR = 3_600_000;

interface Spec {
  readonly code: ReasonCode;
  readonly stage: Stage;
  readonly failedAt: number;
  readonly count: number;
}

/** 5 invalid_json at 10:00, 3 missing_identity at 11:00, 4 retries_exhausted at 12:00. */
const SPECS: readonly Spec[] = [
  { code: 'invalid_json', stage: 'decode', failedAt: T0, count: 5 },
  { code: 'missing_identity', stage: 'validate', failedAt: T0 + HOUR, count: 3 },
  { code: 'retries_exhausted', stage: 'publish', failedAt: T0 + 2 * HOUR, count: 4 },
];

function letters(rawTopic: string): DeadLetter[] {
  let n = 0;
  return SPECS.flatMap((spec) =>
    Array.from({ length: spec.count }, (_, i) => {
      n++;
      const binary = spec.code === 'retries_exhausted' && i === 0;
      return {
        source: {
          topic: rawTopic,
          partition: n % 3,
          offset: 100 + n,
          timestamp: T0 - HOUR + n,
          key: Buffer.from(`user-${n}`),
          value: binary
            ? Buffer.from([0, 0, 0, 0, 1, 0xff, 0xfe, n])
            : Buffer.from(JSON.stringify({ type: 'track', event: `E${n}`, n })),
          headers: { traceparent: `00-trace-${n}`, 'dlq.error.code': 'stale' },
        },
        rejection: { code: spec.code, stage: spec.stage, message: `${spec.code} #${i}` },
        ...(spec.stage === 'publish' ? { endpoint: '/import' as const } : {}),
        attempts: spec.stage === 'publish' ? 7 : 0,
        failedAt: spec.failedAt + i,
      };
    }),
  );
}

interface Received {
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

/** Reads exactly `count` records (every header kept as bytes) and checks none follow. */
async function readExactly(kafka: Kafka, topic: string, count: number): Promise<Received[]> {
  const records: Received[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      records.push({ partition, ...message, headers: message.headers ?? {} });
    },
  });
  await waitFor(
    () => records.length,
    (n) => n >= count,
    { what: `${count} records on ${topic}` },
  );
  await consumer.disconnect();
  const ends = await endOffsets(kafka, topic);
  expect([...ends.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(count));
  return records;
}

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('dead-letter tools', () => {
  const kafka = testKafka('dlq-test');
  const raw = uniqueName('raw');
  const dlq = uniqueName('dlq');
  const written = letters(raw);
  const common = { brokers: testBrokers().join(','), topic: dlq, progress: false };

  beforeAll(async () => {
    await createTopic(kafka, raw, 3);
    await createTopic(kafka, dlq, 2);
    const sink = createKafkaDeadLetterSink({ kafka, topic: dlq, retries: 5 });
    await sink.connect();
    expect(await sink.write(written)).toEqual({ ok: true });
    await sink.close();
    // A record some other tool wrote, without dlq.* headers.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: dlq, messages: [{ key: 'x', value: 'not a dead letter' }] });
    await producer.disconnect();
  });

  afterAll(async () => {
    await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [raw, dlq] })).catch(() => {});
  });

  describe('inspect', () => {
    it('summarises the topic by code with samples, as JSON', async () => {
      const out = capture();
      await dlqInspectCommand(
        { ...common, json: true, samples: 4, valueBytes: 64 },
        { out: out.stream, err: capture().stream },
        new AbortController().signal,
      );
      const report = JSON.parse(out.text()) as InspectReport;
      expect(report).toMatchObject({
        topic: dlq,
        total: 13,
        scanned: 13,
        matched: 13,
        complete: true,
      });
      expect(report.unreadable.count).toBe(1);
      expect(report.codes.map((c) => [c.code, c.count])).toEqual([
        ['invalid_json', 5],
        ['retries_exhausted', 4],
        ['missing_identity', 3],
      ]);
      const exhausted = report.codes.find((c) => c.code === 'retries_exhausted');
      expect(exhausted).toMatchObject({
        stages: { publish: 4 },
        sourceTopics: { [raw]: 4 },
        firstFailedAt: T0 + 2 * HOUR,
        lastFailedAt: T0 + 2 * HOUR + 3,
      });
      expect(report.codes.map((c) => c.samples.length)).toEqual([4, 4, 3]);
      const sources = new Set(
        written.map((l) => `${l.source.partition}:${l.source.offset}:${l.rejection.message}`),
      );
      for (const code of report.codes) {
        for (const s of code.samples) {
          expect(sources).toContain(`${s.source.partition}:${s.source.offset}:${s.message}`);
        }
      }
      for (const s of exhausted?.samples ?? [])
        expect(s).toMatchObject({ endpoint: '/import', attempts: 7 });
      // The Avro-like binary value is shown as base64, the JSON ones as text.
      expect(exhausted?.samples.map((s) => s.value?.encoding).sort()).toEqual([
        'base64',
        'utf8',
        'utf8',
        'utf8',
      ]);
    });

    it('filters by code and failure time, and prints a readable summary', async () => {
      const out = capture();
      await dlqInspectCommand(
        {
          ...common,
          code: ['invalid_json', 'missing_identity'],
          since: T0 + 2,
          until: T0 + HOUR + 1,
          samples: 1,
          valueBytes: 100,
        },
        { out: out.stream, err: capture().stream },
        new AbortController().signal,
      );
      // invalid_json failed at T0..T0+4: three from T0+2; missing_identity at T0+1h only.
      expect(out.text()).toMatch(/invalid_json\s+3\s+decode/);
      expect(out.text()).toMatch(/missing_identity\s+1\s+validate/);
      expect(out.text()).not.toContain('retries_exhausted  ');
      expect(out.text()).toContain(': 4 of 13 scanned.');
    });

    it('stops at the end offsets measured at its start and commits nothing', async () => {
      const producer = kafka.producer();
      await producer.connect();
      let writing = true;
      let extra = 0;
      const busy = (async () => {
        while (writing) {
          await producer.send({ topic: dlq, messages: [{ value: `late ${extra++}` }] });
        }
      })();
      let atStart = 0;
      const result = await scanDeadLetters({
        kafka,
        topic: dlq,
        groupIdPrefix: 'sm-test-scan',
        onStart: (_p, total) => (atStart = total),
        onRecords: () => {},
      });
      writing = false;
      await busy;
      await producer.disconnect();
      expect(result.aborted).toBe(false);
      expect(result.scanned).toBe(atStart);
      expect(extra).toBeGreaterThan(0);

      const groups = await withAdmin(kafka, async (admin) => {
        const { groups: all } = await admin.listGroups();
        const ours = all.filter((g) => g.groupId.startsWith('sm-test-scan-'));
        return Promise.all(
          ours.map((g) => admin.fetchOffsets({ groupId: g.groupId, topics: [dlq] })),
        );
      });
      for (const [offsets] of groups) {
        for (const p of offsets?.partitions ?? []) expect(p.offset).toBe('-1');
      }
    });

    it('says so when the topic does not exist', async () => {
      await expect(
        scanDeadLetters({ kafka, topic: uniqueName('missing'), onRecords: () => {} }),
      ).rejects.toBeInstanceOf(TopicNotFoundError);
    });
  });

  describe('replay', () => {
    // Runs after inspect's busy writer: those late records carry no dlq.* headers and must be
    // left alone (unreadable), never replayed.

    it('in a dry run lists what it would replay and writes nothing', async () => {
      const out = capture();
      await dlqReplayCommand(
        { ...common, code: ['retries_exhausted'], dryRun: true },
        { out: out.stream, err: capture().stream },
        new AbortController().signal,
      );
      expect(out.text().match(/^would replay dlq /gm)).toHaveLength(4);
      expect(out.text()).toContain(`Would replay 4 of`);
      expect(out.text()).toContain('Dry run: nothing was written.');
      const ends = await endOffsets(kafka, raw);
      expect([...ends.values()].reduce((a, b) => a + b, 0n)).toBe(0n);
    });

    it('puts back exactly the chosen code: original bytes, headers, timestamp and partition', async () => {
      const summary = await replayDeadLetters({
        kafka,
        clock: systemClock,
        deadLetterTopic: dlq,
        filter: { codes: new Set(['retries_exhausted']) },
      });
      expect(summary).toMatchObject({ replayed: 4, byTarget: { [raw]: 4 }, refused: 0 });
      const received = await readExactly(kafka, raw, 4);
      const chosen = written.filter((l) => l.rejection.code === 'retries_exhausted');
      const positions = await dlqPositions(kafka, dlq);
      for (const letter of chosen) {
        const got = received.find((r) => r.key?.equals(letter.source.key as Buffer));
        expect(got, `replay of ${letter.source.key?.toString()}`).toBeDefined();
        expect(got?.value?.equals(letter.source.value as Buffer)).toBe(true);
        expect(got?.partition).toBe(letter.source.partition);
        expect(got?.timestamp).toBe(String(letter.source.timestamp));
        const headers = Object.fromEntries(
          Object.entries(got?.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        const from = positions.get(letter.source.key?.toString() ?? '');
        expect(headers).toEqual({
          traceparent: letter.source.headers.traceparent,
          [REPLAYED_FROM_HEADER]: `${dlq}/${from}`,
        });
      }
    });

    it('chooses by failure time and writes where --to says', async () => {
      const other = uniqueName('raw-replay');
      await createTopic(kafka, other, 1);
      const out = capture();
      await dlqReplayCommand(
        { ...common, since: T0 + HOUR, until: T0 + 2 * HOUR, to: other },
        { out: out.stream, err: capture().stream },
        new AbortController().signal,
      );
      expect(out.text()).toContain(`→ ${other}: 3`);
      expect(out.text()).toContain('by code: missing_identity');
      const received = await readExactly(kafka, other, 3);
      expect(received.map((r) => r.key?.toString()).sort()).toEqual(['user-6', 'user-7', 'user-8']);
    });

    it('never writes into a dead-letter topic and refuses to replay everything by accident', async () => {
      const options = { kafka, clock: systemClock, deadLetterTopic: dlq };
      await expect(
        replayDeadLetters({ ...options, filter: {}, all: true, to: dlq }),
      ).rejects.toBeInstanceOf(ReplayRefused);
      await expect(
        replayDeadLetters({ ...options, filter: {}, all: true, to: 'x', forbiddenTopics: ['x'] }),
      ).rejects.toBeInstanceOf(ReplayRefused);
      await expect(replayDeadLetters({ ...options, filter: {} })).rejects.toThrow(/--all/);
      // Dead letters whose source is itself a dead-letter topic are left alone.
      const summary = await replayDeadLetters({
        ...options,
        filter: { codes: new Set(['invalid_json']) },
        forbiddenTopics: [raw],
        dryRun: true,
      });
      expect(summary).toMatchObject({ matched: 5, replayed: 0, refused: 5 });
    });

    it('stops at --limit', async () => {
      const summary = await replayDeadLetters({
        kafka,
        clock: systemClock,
        deadLetterTopic: dlq,
        filter: { codes: new Set(['invalid_json']) },
        limit: 2,
        dryRun: true,
      });
      expect(summary).toMatchObject({ replayed: 2, limitReached: true, interrupted: false });
    });
  });
});

/** Dead-letter position (`partition/offset`) of each record, by the original key. */
async function dlqPositions(kafka: Kafka, topic: string): Promise<Map<string, string>> {
  const positions = new Map<string, string>();
  await scanDeadLetters({
    kafka,
    topic,
    onRecords: (letters) => {
      for (const l of letters) {
        if (l.info && l.key) positions.set(l.key.toString(), `${l.partition}/${l.offset}`);
      }
    },
  });
  return positions;
}
