import { describe, expect, it } from 'vitest';
import { letter } from '../../test/support/dead-letter.js';
import { ManualClock } from '../../test/harness/manual-clock.js';
import { DEAD_LETTER } from '../../test/support/dead-letter.js';
import { createMetrics } from '../metrics/registry.js';
import { letterBytes, type DeadLetter, type DeadLetterSink, type SinkResult } from './letter.js';
import { DeadLetterWriter, DeadLetterWriterStopped } from './writer.js';

class RecordingSink implements DeadLetterSink {
  writes: DeadLetter[][] = [];
  failures = 0;
  gate: Promise<void> | undefined;
  /** The broker's limit on one request, in estimated bytes. */
  maxBytes = Number.POSITIVE_INFINITY;
  async write(letters: readonly DeadLetter[]): Promise<SinkResult> {
    await this.gate;
    if (this.failures > 0) {
      this.failures--;
      return { ok: false, tooLarge: false, error: new Error('broker unavailable') };
    }
    if (letters.reduce((sum, l) => sum + letterBytes(l), 0) > this.maxBytes) {
      return { ok: false, tooLarge: true, error: new Error('MESSAGE_TOO_LARGE') };
    }
    this.writes.push([...letters]);
    return { ok: true };
  }
  async close(): Promise<void> {}
}

describe('DeadLetterWriter', () => {
  it('sends the first letter at once and groups those arriving while it is in flight', async () => {
    const sink = new RecordingSink();
    let open!: () => void;
    sink.gate = new Promise((resolve) => (open = resolve));
    const writer = new DeadLetterWriter({ sink, clock: new ManualClock(), policy: DEAD_LETTER });
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
    const writer = new DeadLetterWriter({
      sink,
      clock,
      metrics,
      policy: { ...DEAD_LETTER, retryInitialDelayMs: 100 },
    });
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
    const writer = new DeadLetterWriter({
      sink,
      clock,
      policy: { ...DEAD_LETTER, retryInitialDelayMs: 100 },
    });
    const ack = writer.write(letter(9));
    await clock.advance(10);
    await writer.close();
    await expect(ack).rejects.toBeInstanceOf(DeadLetterWriterStopped);
    await expect(writer.write(letter(10))).rejects.toBeInstanceOf(DeadLetterWriterStopped);
  });

  it('picks up letters written right after a pump finished', async () => {
    const sink = new RecordingSink();
    const writer = new DeadLetterWriter({ sink, clock: new ManualClock(), policy: DEAD_LETTER });
    await writer.write(letter(1));
    await writer.write(letter(2));
    await writer.drained();
    expect(sink.writes.flat().map((l) => l.source.offset)).toEqual([1, 2]);
  });

  it("keeps each request under maxBatchBytes by the letters' estimated size", async () => {
    const sink = new RecordingSink();
    const size = letterBytes(letter(0));
    const writer = new DeadLetterWriter({
      sink,
      clock: new ManualClock(),
      policy: { ...DEAD_LETTER, maxBatchBytes: size * 3 },
    });
    await Promise.all([0, 1, 2, 3, 4, 5, 6].map((o) => writer.write(letter(o))));
    expect(sink.writes.map((w) => w.map((l) => l.source.offset))).toEqual([
      [0],
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('sends a group the broker refuses as too large again one letter per request', async () => {
    const sink = new RecordingSink();
    sink.maxBytes = letterBytes(letter(0)) * 1.5; // one letter fits, two do not
    const metrics = createMetrics({ topics: ['events'] });
    const writer = new DeadLetterWriter({
      sink,
      clock: new ManualClock(),
      metrics,
      policy: DEAD_LETTER,
    });
    await Promise.all([0, 1, 2, 3].map((o) => writer.write(letter(o))));
    expect(sink.writes.map((w) => w.map((l) => l.source.offset))).toEqual([[0], [1], [2], [3]]);
    expect((await metrics.deadLetterFailures.get()).values[0]?.value).toBe(1);
  });

  it('never skips a letter that cannot be written: it is retried, counted, and stays unacknowledged', async () => {
    const clock = new ManualClock();
    const sink = new RecordingSink();
    sink.maxBytes = 10; // nothing fits
    const metrics = createMetrics({ topics: ['events'] });
    const writer = new DeadLetterWriter({
      sink,
      clock,
      metrics,
      policy: { ...DEAD_LETTER, retryInitialDelayMs: 100 },
    });
    let acknowledged = false;
    void writer.write(letter(1)).then(
      () => (acknowledged = true),
      () => {},
    );
    const next = writer.write(letter(2));
    await clock.advance(100 + 200 + 400);
    expect(acknowledged).toBe(false);
    expect(sink.writes).toEqual([]);
    // [1] at 0 ms; [1,2] too large at 100 ms; then [1] alone at 100, 300 and 700 ms.
    expect((await metrics.deadLetterFailures.get()).values[0]?.value).toBe(5);
    await writer.close();
    await expect(next).rejects.toBeInstanceOf(DeadLetterWriterStopped);
  });
});
