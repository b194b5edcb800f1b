import { describe, expect, it } from 'vitest';
import { FaultSet, faultSpecSchema } from './faults.js';
import { seededRandom } from '../random.js';

describe('FaultSet', () => {
  it('answers the next N matching requests of a scripted rule, then stops', () => {
    const faults = new FaultSet(seededRandom(1));
    faults.add({ endpoint: '/import', status: 503, count: 3 });
    const decisions = Array.from({ length: 5 }, () => faults.decide('/import').terminal?.status);
    expect(decisions).toEqual([503, 503, 503, undefined, undefined]);
    expect(faults.decide('/engage').terminal).toBeUndefined();
    expect(faults.active).toHaveLength(0);
    expect(faults.injectedCounts.status).toBe(3);
  });

  it('counts only matching endpoints against a scripted rule', () => {
    const faults = new FaultSet(seededRandom(1));
    faults.add({ endpoint: '/engage', mode: 'hang', count: 1 });
    expect(faults.decide('/import').terminal).toBeUndefined();
    expect(faults.decide('/engage').terminal?.mode).toBe('hang');
    expect(faults.decide('/engage').terminal).toBeUndefined();
  });

  it('applies a rate rule to about that share of requests, repeatably for a seed', () => {
    const run = (seed: number) => {
      const faults = new FaultSet(seededRandom(seed));
      faults.add({ endpoint: '*', rate: 0.2, status: 503 });
      return Array.from({ length: 10_000 }, () => faults.decide('/import').terminal !== undefined);
    };
    const hits = run(7).filter(Boolean).length;
    expect(hits).toBeGreaterThan(1800);
    expect(hits).toBeLessThan(2200);
    expect(run(7)).toEqual(run(7));
    expect(run(8)).not.toEqual(run(7));
  });

  it('lets scripted rules go first and adds latency on top of a terminal fault', () => {
    const faults = new FaultSet(seededRandom(1));
    faults.add({ endpoint: '*', rate: 1, status: 500 });
    faults.add({ endpoint: '/import', status: 429, count: 1, retryAfter: 2 });
    faults.add({ endpoint: '*', rate: 1, mode: 'latency', delayMs: 50 });
    const first = faults.decide('/import');
    expect(first.terminal).toMatchObject({ status: 429, retryAfter: '2' });
    expect(first.delayMs).toBe(50);
    expect(faults.decide('/import').terminal?.status).toBe(500);
  });

  it('validates specs', () => {
    const bad = [
      {},
      { status: 199 },
      { status: 503, body: 'xml' },
      { mode: 'latency' },
      { mode: 'status' },
      { status: 503, count: 1, rate: 0.5 },
      { status: 503, rate: 2 },
      { endpoint: '/nope', status: 503 },
      { status: 503, extra: true },
    ];
    for (const spec of bad) expect(faultSpecSchema.safeParse(spec).success).toBe(false);
    const good = [
      { endpoint: '/import', status: 429, count: 2 },
      { endpoint: '/import', rate: 0.2, status: 503 },
      { endpoint: '/engage', mode: 'hang', count: 1 },
      { mode: 'reset', rate: 0.1, ingest: true },
      { delayMs: 100 },
      { status: 502, body: 'html', retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' },
      // What a proxy in front of Mixpanel may answer.
      { endpoint: '/import', status: 200, body: 'html', count: 2 },
      { endpoint: '/import', status: 204 },
      { endpoint: '/import', status: 200, body: 'short-count', rate: 0.1 },
      { status: 407 },
    ];
    for (const spec of good) expect(faultSpecSchema.safeParse(spec).success).toBe(true);
  });
});
