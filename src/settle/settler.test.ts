import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks } from '../../test/harness/manual-clock.js';
import { silentLogger } from '../log.js';
import type { KafkaRecord } from '../kafka/record.js';
import type { DeadLetter, DeadLetterSink, SinkResult } from '../dead-letter/letter.js';
import { DeadLetterGuard } from '../dead-letter/guard.js';
import { DeadLetterWriter } from '../dead-letter/writer.js';
import { DEAD_LETTER } from '../../test/support/dead-letter.js';
import { Backlog } from './backlog.js';
import type { InFlightMessage } from './in-flight-message.js';
import { LetterGroups } from './letter-groups.js';
import { OffsetTracker } from './offset-tracker.js';
import { Settler } from './settler.js';

const record = (offset: number, partition = 0): KafkaRecord => ({
  topic: 'events',
  partition,
  offset,
  timestamp: 0,
  key: null,
  value: Buffer.from(`m${offset}`),
  headers: {},
});
const BAD = { code: 'invalid_json', stage: 'decode', message: 'bad' } as const;

class RecordingSink implements DeadLetterSink {
  written: number[] = [];
  async write(letters: readonly DeadLetter[]): Promise<SinkResult> {
    this.written.push(...letters.map((l) => l.source.offset));
    return { ok: true };
  }
  async close(): Promise<void> {}
}

function setup(options: { maxRatio?: number; window?: number } = {}) {
  const clock = new ManualClock();
  const sink = new RecordingSink();
  const tracker = new OffsetTracker();
  const tripped: string[] = [];
  const backlog = new Backlog(
    { maxRecords: 100, maxBytes: 1 << 20, waitingFactor: 4, resumeRatio: 0.8 },
    () => {},
  );
  const writer = new DeadLetterWriter({ sink, clock, policy: DEAD_LETTER });
  const settler = new Settler({
    tracker,
    backlog,
    letters: new LetterGroups({ writer, clock, logger: silentLogger() }),
    guard: new DeadLetterGuard(options.maxRatio ?? 1, options.window ?? 1000),
    maxLetterGroup: DEAD_LETTER.maxGroupSize,
    onGuardTripped: (d) => tripped.push(d),
  });
  /** A good message with one record in flight, or a rejected one decided at intake. */
  const admit = (offset: number, bad = false): InFlightMessage => {
    const message = settler.admit(record(offset));
    if (bad) settler.reject(message, BAD);
    else message.expect();
    settler.seal(message);
    return message;
  };
  const committable = () => tracker.pendingCommits()[0]?.offset;
  return { settler, backlog, sink, tracker, tripped, admit, committable };
}

describe('Settler', () => {
  it('dead-letters in Kafka order: a bad record waits for the good ones before it', async () => {
    const { settler, sink, admit, committable } = setup();
    const good0 = admit(0);
    admit(1, true);
    const good2 = admit(2);
    admit(3, true);
    await flushMicrotasks();
    expect(sink.written).toEqual([]); // offset 1 waits for offset 0
    settler.recordSettled(good0);
    await flushMicrotasks();
    expect(sink.written).toEqual([1]);
    expect(committable()).toBe(2);
    settler.recordSettled(good2);
    await flushMicrotasks();
    expect(sink.written).toEqual([1, 3]);
    expect(committable()).toBe(4);
  });

  it('settles a batch of answers at once: the same order, letters and commits as one by one', async () => {
    const { settler, sink, admit, committable, backlog } = setup();
    const twoRecords = settler.admit(record(0));
    twoRecords.expect();
    twoRecords.expect();
    settler.seal(twoRecords);
    admit(1, true);
    const good2 = admit(2);
    const good3 = admit(3);
    // Answers out of Kafka order, one message with two records in the same batch.
    settler.recordsSettled([good3, twoRecords, good2]);
    await flushMicrotasks();
    expect(sink.written).toEqual([]); // offset 0 still has a record in flight
    expect(committable()).toBeUndefined();
    settler.recordsSettled([twoRecords]);
    await flushMicrotasks();
    expect(sink.written).toEqual([1]);
    expect(committable()).toBe(4);
    expect(backlog.unsettled.records).toBe(0);
  });

  it('judges the dead-letter ratio in Kafka order, not by which outcome came first', async () => {
    // Bad records are decided at intake, good ones only when Mixpanel answers: judged by arrival
    // the first window would be all bad, and a healthy stream would trip the guard.
    const { settler, tripped, admit } = setup({ maxRatio: 0.5, window: 4 });
    const goods = [admit(0), admit(1)];
    admit(2, true);
    const last = admit(3);
    admit(4, true);
    await flushMicrotasks();
    for (const g of [...goods, last]) settler.recordSettled(g);
    await flushMicrotasks();
    expect(tripped).toEqual([]);
  });

  it('stops dead-lettering the moment the guard trips and leaves the rest uncommitted', async () => {
    const { sink, tripped, admit, committable, backlog } = setup({ maxRatio: 0.5, window: 4 });
    for (let offset = 0; offset < 20; offset++) admit(offset, true);
    await flushMicrotasks();
    expect(tripped).toHaveLength(1);
    // The group in flight when it tripped is written; nothing after it.
    expect(sink.written.length).toBeLessThan(20);
    expect(committable()).toBe(sink.written.length);
    expect(backlog.unsettled.records).toBe(0);
  });

  it('drops a revoked partition: its records never settle here', async () => {
    const { settler, backlog, tracker, admit } = setup();
    const good = admit(0);
    settler.revoke({ topic: 'events', partition: 0 });
    settler.recordSettled(good);
    await flushMicrotasks();
    expect(tracker.pendingCommits()).toEqual([]);
    expect(backlog.unsettled.records).toBe(0);
  });

  it('abandons a record without committing it or anything after it, and frees the capacity', async () => {
    const { settler, backlog, tracker, admit } = setup();
    const first = admit(0);
    settler.recordSettled(first);
    const stuck = settler.admit(record(1));
    const after = admit(2);
    const later = admit(3);
    settler.abandon(stuck);
    settler.recordSettled(after);
    settler.recordSettled(later);
    await backlog.idle();
    expect(tracker.pendingCommits()).toEqual([{ topic: 'events', partition: 0, offset: 1 }]);
    expect(backlog.unsettled.records).toBe(0);
  });

  it('bounds intake by the records still holding their bytes, not by decided ones waiting their turn', async () => {
    const { settler, backlog, admit } = setup();
    const head = settler.admit(record(0)); // undecided: everything behind it waits
    const waiting = Array.from({ length: 99 }, (_, i) => admit(i + 1));
    expect(backlog.full()).toBe(true);
    for (const message of waiting) settler.recordSettled(message);
    expect(backlog.unsettled.records).toBe(100);
    expect(backlog.full()).toBe(false);
    // Decided good records dropped their value: it can never be dead-lettered.
    expect(waiting[0]?.source.value).toBeNull();
    expect(head.source.value).not.toBeNull();
    // Waiting records are still capped, at four times the limit.
    for (let offset = 100; offset < 400; offset++) settler.recordSettled(admit(offset));
    expect(backlog.full()).toBe(true);
  });
});
