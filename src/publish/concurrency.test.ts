import { describe, expect, it } from 'vitest';
import { createConcurrencyLimiter, type Permit } from './concurrency.js';

async function acquireAll(
  limiter: ReturnType<typeof createConcurrencyLimiter>,
  n: number,
): Promise<{ granted: Permit[]; pending: Promise<Permit>[] }> {
  const granted: Permit[] = [];
  const pending: Promise<Permit>[] = [];
  for (let i = 0; i < n; i++) {
    const p = limiter.acquire();
    pending.push(p);
    void p.then((permit) => granted.push(permit));
  }
  await Promise.resolve();
  await Promise.resolve();
  return { granted, pending };
}

describe('adaptive concurrency limiter', () => {
  it('starts at min(initial, max) and queues requests beyond the limit', async () => {
    const limits: number[] = [];
    const limiter = createConcurrencyLimiter({
      initial: 4,
      max: 16,
      onLimit: (l) => limits.push(l),
    });
    const { granted } = await acquireAll(limiter, 6);
    expect(granted).toHaveLength(4);
    expect(limiter.inFlight).toBe(4);
    expect(limits).toEqual([4]);
    granted[0]?.release('other');
    await Promise.resolve();
    expect(granted).toHaveLength(5);

    expect(createConcurrencyLimiter({ initial: 4, max: 2 }).limit).toBe(2);
  });

  it('grows by one after a full window of successes, up to max', async () => {
    const limiter = createConcurrencyLimiter({ initial: 2, max: 3 });
    for (let round = 0; round < 10; round++) {
      const permit = await limiter.acquire();
      permit.release('success');
    }
    // 2 successes → 3; then capped.
    expect(limiter.limit).toBe(3);
  });

  it('halves on 429, once per window, never below 1', async () => {
    const limits: number[] = [];
    const limiter = createConcurrencyLimiter({
      initial: 8,
      max: 8,
      onLimit: (l) => limits.push(l),
    });
    const { granted } = await acquireAll(limiter, 8);
    // Eight requests in flight all answered 429: one congestion signal, one halving.
    for (const permit of granted) permit.release('rate_limited');
    expect(limiter.limit).toBe(4);
    // A request started after the decrease that sees a 429 halves again.
    for (const expected of [2, 1, 1]) {
      const permit = await limiter.acquire();
      permit.release('rate_limited');
      expect(limiter.limit).toBe(expected);
    }
    expect(limits).toEqual([8, 4, 2, 1]);
  });

  it('ignores a second release of the same permit', async () => {
    const limiter = createConcurrencyLimiter({ initial: 2, max: 2 });
    const permit = await limiter.acquire();
    permit.release('other');
    permit.release('other');
    expect(limiter.inFlight).toBe(0);
  });

  it('lets a waiter leave when its signal aborts, without taking a slot', async () => {
    const limiter = createConcurrencyLimiter({ initial: 1, max: 1 });
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('shutdown'));
    await expect(waiting).rejects.toThrow('shutdown');
    held.release('success');
    expect(limiter.inFlight).toBe(0);
    const next = await limiter.acquire();
    expect(limiter.inFlight).toBe(1);
    next.release('success');
  });
});
