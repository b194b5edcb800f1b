import { Writable } from 'node:stream';
import type { LogEntry } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/harness/manual-clock.js';
import { createLogger } from '../log.js';
import { foldKafkaLog } from './log-fold.js';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function entry(message: string): LogEntry {
  return {
    namespace: 'Connection',
    level: 1,
    label: 'ERROR',
    log: {
      timestamp: 'now',
      message,
      broker: '127.0.0.1:1',
      stack: 'Error: boom\n    at somewhere',
    } as LogEntry['log'],
  };
}

describe('foldKafkaLog', () => {
  it('logs a condition once per window, then says how many repeats it folded', async () => {
    const out = capture();
    const clock = new ManualClock();
    const log = foldKafkaLog(createLogger({ level: 'info' }, out.stream), clock, 60_000);
    for (let i = 0; i < 5; i++) log(entry('Connection error: refused'));
    log(entry('Response Metadata: coordinator loading'));
    await clock.advance(60_000);
    log(entry('Connection error: refused'));
    const lines = out.lines();
    expect(lines.map((l) => [l.msg, l.repeated])).toEqual([
      ['kafkajs: Connection error: refused', undefined],
      ['kafkajs: Response Metadata: coordinator loading', undefined],
      ['kafkajs: Connection error: refused', 4],
    ]);
    expect(lines.every((l) => l.level === 'warn' && l.stack === undefined)).toBe(true);
    expect(lines[0]?.broker).toBe('127.0.0.1:1');
  });

  it('logs every line with a window of 0', () => {
    const out = capture();
    const log = foldKafkaLog(createLogger({ level: 'info' }, out.stream), new ManualClock(), 0);
    log(entry('same'));
    log(entry('same'));
    expect(out.lines()).toHaveLength(2);
  });
});
