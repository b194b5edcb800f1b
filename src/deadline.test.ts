import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test/harness/manual-clock.js';
import { startDeadline } from './deadline.js';

describe('startDeadline', () => {
  it('aborts when the time is up, and says so', async () => {
    const clock = new ManualClock();
    const deadline = startDeadline(clock, 100);
    await clock.advance(99);
    expect(deadline.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.timedOut).toBe(true);
  });

  it("follows the caller's abort without calling it a timeout, and ends cleanly", async () => {
    const clock = new ManualClock();
    const caller = new AbortController();
    const deadline = startDeadline(clock, 100, caller.signal);
    caller.abort();
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.timedOut).toBe(false);

    const ended = startDeadline(clock, 100, new AbortController().signal);
    ended.end();
    await clock.advance(1000);
    expect(ended.signal.aborted).toBe(false);
  });
});
