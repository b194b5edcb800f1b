import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/harness/manual-clock.js';
import type { BearerToken } from './bearer-token.js';
import { cachedTokens } from './token-cache.js';

/** An issuer that hands out numbered tokens of a given lifetime, or fails when told to. */
function issuer(lifetimeMs: number | undefined) {
  const state = { calls: 0, failing: false, pending: [] as (() => void)[], gated: false };
  const fetch = async (): Promise<BearerToken> => {
    state.calls++;
    const n = state.calls;
    if (state.gated) await new Promise<void>((resolve) => state.pending.push(resolve));
    if (state.failing) throw new Error('provider down');
    return { value: `t${n}`, lifetimeMs };
  };
  return { state, fetch };
}

describe('cachedTokens', () => {
  it('reuses a token until the refresh margin and then renews it', async () => {
    const clock = new ManualClock();
    const { state, fetch } = issuer(300_000);
    const token = cachedTokens(fetch, { clock, refreshMarginMs: 60_000 });
    expect(await token()).toBe('t1');
    await clock.advance(239_999);
    expect(await token()).toBe('t1');
    await clock.advance(1);
    expect(await token()).toBe('t2');
    expect(state.calls).toBe(2);
  });

  it('renews at half the lifetime when the token lives shorter than twice the margin', async () => {
    const clock = new ManualClock();
    const { fetch } = issuer(40_000);
    const token = cachedTokens(fetch, { clock, refreshMarginMs: 60_000 });
    expect(await token()).toBe('t1');
    await clock.advance(19_999);
    expect(await token()).toBe('t1');
    await clock.advance(1);
    expect(await token()).toBe('t2');
  });

  it('shares one request between concurrent callers', async () => {
    const clock = new ManualClock();
    const { state, fetch } = issuer(300_000);
    state.gated = true;
    const token = cachedTokens(fetch, { clock, refreshMarginMs: 60_000 });
    const three = Promise.all([token(), token(), token()]);
    await clock.advance(0);
    for (const release of state.pending.splice(0)) release();
    expect(await three).toEqual(['t1', 't1', 't1']);
    expect(state.calls).toBe(1);
  });

  it('does not keep a token whose lifetime the issuer did not state', async () => {
    const clock = new ManualClock();
    const { state, fetch } = issuer(undefined);
    const token = cachedTokens(fetch, { clock, refreshMarginMs: 60_000 });
    expect([await token(), await token()]).toEqual(['t1', 't2']);
    expect(state.calls).toBe(2);
  });

  it('keeps using a still valid token when its renewal fails, and fails once it expired', async () => {
    const clock = new ManualClock();
    const { state, fetch } = issuer(300_000);
    const token = cachedTokens(fetch, { clock, refreshMarginMs: 60_000 });
    expect(await token()).toBe('t1');
    state.failing = true;
    await clock.advance(250_000);
    expect(await token()).toBe('t1');
    await clock.advance(50_000);
    await expect(token()).rejects.toThrow('provider down');
    state.failing = false;
    expect(await token()).toBe('t4');
  });
});
