import { describe, expect, it } from 'vitest';
import { ArrivalDelay } from './arrival-delay.js';

describe('ArrivalDelay', () => {
  it('reports exact percentiles at millisecond resolution', () => {
    const delay = new ArrivalDelay();
    for (let ms = 1; ms <= 100; ms++) delay.record(ms);
    expect(delay.summary()).toEqual({
      count: 100,
      p50: 50,
      p90: 90,
      p99: 99,
      max: 100,
      overflow: 0,
    });
  });

  it('clamps clock skew at zero and keeps very late arrivals out of the percentiles', () => {
    const delay = new ArrivalDelay();
    delay.record(-5);
    delay.record(3 * 60_000);
    expect(delay.summary()).toEqual({ count: 1, p50: 0, p90: 0, p99: 0, max: 0, overflow: 1 });
  });

  it('is empty until something arrives, and after clear()', () => {
    const delay = new ArrivalDelay();
    expect(delay.summary().p99).toBeNull();
    delay.record(10);
    delay.clear();
    expect(delay.summary()).toEqual({
      count: 0,
      p50: null,
      p90: null,
      p99: null,
      max: null,
      overflow: 0,
    });
  });
});
