import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/harness/manual-clock.js';
import { createMetrics } from '../metrics/registry.js';
import {
  deadLetterHeaders,
  deadLetterRecordHeaders,
  truncateUtf8,
  type DeadLetter,
  type DeadLetterSink,
} from './letter.js';
import { DeadLetterGuard } from './guard.js';
import { DeadLetterWriter, DeadLetterWriterStopped } from './writer.js';

function letter(offset: number, overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    source: {
      topic: 'events',
      partition: 2,
      offset,
      timestamp: 1735550100000,
      key: Buffer.from('user-1'),
      value: Buffer.from('{not json'),
      headers: { traceparent: 'abc', 'dlq.error.code': 'stale' },
    },
    rejection: { code: 'invalid_json', stage: 'decode', message: 'Unexpected token n' },
    attempts: 0,
    failedAt: 1735550200000,
    ...overrides,
  };
}

describe('dead-letter headers', () => {
  it('carry the reason and the source position as strings (spec §6)', () => {
    expect(deadLetterHeaders(letter(41))).toEqual({
      'dlq.error.code': 'invalid_json',
      'dlq.error.stage': 'decode',
      'dlq.error.message': 'Unexpected token n',
      'dlq.source.topic': 'events',
      'dlq.source.partition': '2',
      'dlq.source.offset': '41',
      'dlq.source.timestamp': '1735550100000',
      'dlq.failed.at': '1735550200000',
      'dlq.attempts': '0',
    });
  });

  it('name the Mixpanel endpoint and field for publish rejections', () => {
    const headers = deadLetterHeaders(
      letter(1, {
        rejection: {
          code: 'mixpanel_rejected',
          stage: 'publish',
          message: 'bad time',
          field: 'properties.time',
        },
        endpoint: '/import',
        attempts: 1,
      }),
    );
    expect(headers['dlq.mixpanel.endpoint']).toBe('/import');
    expect(headers['dlq.mixpanel.field']).toBe('properties.time');
    expect(headers['dlq.attempts']).toBe('1');
  });

  it('keep the source headers but replace stale dlq.* ones, except the replay trail', () => {
    const replayed = letter(1);
    const headers = deadLetterRecordHeaders({
      ...replayed,
      source: {
        ...replayed.source,
        headers: { ...replayed.source.headers, 'dlq.replayed.from': 'dlq/0/7' },
      },
    });
    expect(headers.traceparent).toBe('abc');
    expect(headers['dlq.error.code']).toBe('invalid_json');
    expect(headers['dlq.replayed.from']).toBe('dlq/0/7');
  });

  it('cap the message at 1 KB without splitting a character', () => {
    const long = 'é'.repeat(2000);
    const cut = truncateUtf8(long, 1024);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.startsWith('éé')).toBe(true);
    expect(truncateUtf8('short', 1024)).toBe('short');
  });
});

class RecordingSink implements DeadLetterSink {
  writes: DeadLetter[][] = [];
  failures = 0;
  gate: Promise<void> | undefined;
  async write(letters: readonly DeadLetter[]): Promise<void> {
    await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('broker unavailable');
    }
    this.writes.push([...letters]);
  }
  async close(): Promise<void> {}
}

describe('DeadLetterWriter', () => {
  it('sends the first letter at once and groups those arriving while it is in flight', async () => {
    const sink = new RecordingSink();
    let open!: () => void;
    sink.gate = new Promise((resolve) => (open = resolve));
    const writer = new DeadLetterWriter({ sink, clock: new ManualClock() });
    const acks = [1, 2, 3, 4].map((o) => writer.write(letter(o)));
    sink.gate = undefined;
    open();
    await Promise.all(acks);
    expect(sink.writes.map((w) => w.map((l) => l.source.offset))).toEqual([[1], [2, 3, 4]]);
  });

  it('acknowledges a letter only after the sink did, retrying failures with backoff', async () => {
    const clock = new ManualClock();
    const sink = new RecordingSink();
    sink.failures = 2;
    const metrics = createMetrics({ topics: ['events'] });
    const writer = new DeadLetterWriter({ sink, clock, metrics, retryDelayMs: 100 });
    let acked = false;
    const ack = writer.write(letter(7)).then(() => (acked = true));
    await clock.advance(99);
    expect(acked).toBe(false);
    await clock.advance(1); // first retry (fails), next delay 200
    await clock.advance(200);
    await ack;
    expect(acked).toBe(true);
    expect(sink.writes).toHaveLength(1);
    expect((await metrics.deadLetterFailures.get()).values[0]?.value).toBe(2);
    const written = (await metrics.deadLetters.get()).values.find(
      (v) => v.labels.code === 'invalid_json' && v.labels.stage === 'decode',
    );
    expect(written?.value).toBe(1);
  });

  it('rejects unacknowledged letters when closed, so they stay unsettled', async () => {
    const clock = new ManualClock();
    const sink = new RecordingSink();
    sink.failures = 1000;
    const writer = new DeadLetterWriter({ sink, clock, retryDelayMs: 100 });
    const ack = writer.write(letter(9));
    await clock.advance(10);
    await writer.close();
    await expect(ack).rejects.toBeInstanceOf(DeadLetterWriterStopped);
    await expect(writer.write(letter(10))).rejects.toBeInstanceOf(DeadLetterWriterStopped);
  });

  it('picks up letters written right after a pump finished', async () => {
    const sink = new RecordingSink();
    const writer = new DeadLetterWriter({ sink, clock: new ManualClock() });
    await writer.write(letter(1));
    await writer.write(letter(2));
    await writer.drained();
    expect(sink.writes.flat().map((l) => l.source.offset)).toEqual([1, 2]);
  });
});

describe('DeadLetterGuard', () => {
  it('trips only over a full window whose ratio passes the limit', () => {
    const guard = new DeadLetterGuard(0.5, 4);
    guard.record(true);
    guard.record(true);
    guard.record(true);
    expect(guard.tripped).toBe(false); // window not full yet
    guard.record(false);
    expect(guard.ratio).toBe(0.75);
    expect(guard.tripped).toBe(true);
    expect(guard.describe()).toContain('deadLetter.maxRatio 0.5');
  });

  it('forgets messages that slid out of the window', () => {
    const guard = new DeadLetterGuard(0.5, 4);
    for (const d of [true, true, true, false, false, false, false]) guard.record(d);
    expect(guard.ratio).toBe(0);
    expect(guard.tripped).toBe(false);
  });

  it('never trips with maxRatio 1', () => {
    const guard = new DeadLetterGuard(1, 2);
    guard.record(true);
    guard.record(true);
    expect(guard.tripped).toBe(false);
  });
});
