import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/harness/manual-clock.js';
import { onTermination } from './termination.js';

describe('onTermination', () => {
  let dispose: (() => void) | undefined;
  afterEach(() => dispose?.());

  it('stops gracefully once, ignores the duplicate a wrapper forwards, and forces exit later', async () => {
    const clock = new ManualClock();
    const stops: string[] = [];
    const exits: number[] = [];
    dispose = onTermination((signal) => stops.push(signal), {
      clock,
      graceMs: 2000,
      forceExit: (c) => exits.push(c),
    });
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGINT', 'SIGINT'); // npm/npx forwarding the same Ctrl-C
    expect(stops).toEqual(['SIGINT']);
    expect(exits).toEqual([]);
    await clock.advance(2001);
    process.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([130]);
  });
});
