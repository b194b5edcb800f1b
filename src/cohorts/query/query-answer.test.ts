import { describe, expect, it } from 'vitest';
import { classifyQueryAnswer, retryAfterMs } from './query-answer.js';

const NOW = Date.UTC(2026, 0, 1);

describe('classifyQueryAnswer', () => {
  it.each([
    [200, '{"status":"ok","results":[]}', undefined, { kind: 'ok' }],
    [200, '<html>proxy</html>', undefined, { kind: 'unavailable' }],
    [
      429,
      '{"error":"Query rate limit exceeded"}',
      undefined,
      { kind: 'rate_limited', retryAfterMs: undefined },
    ],
    [429, '', '30', { kind: 'rate_limited', retryAfterMs: 30_000 }],
    [
      401,
      '{"error":"Invalid credentials"}',
      undefined,
      { kind: 'auth', message: '401: Invalid credentials' },
    ],
    [403, 'Forbidden', undefined, { kind: 'auth', message: '403: Forbidden' }],
    [
      400,
      '{"error":"unknown cohort"}',
      undefined,
      { kind: 'rejected', message: '400: unknown cohort' },
    ],
    [404, '', undefined, { kind: 'rejected', message: 'HTTP 404' }],
    [500, '', undefined, { kind: 'unavailable', message: 'HTTP 500' }],
    [503, '<h1>503 Service Unavailable</h1>', undefined, { kind: 'unavailable' }],
  ])('%i %s → %o', (status, body, retryAfter, expected) => {
    expect(classifyQueryAnswer(status, body, retryAfter, NOW)).toMatchObject(expected);
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterMs('2', NOW)).toBe(2000);
    expect(retryAfterMs(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(retryAfterMs('soon', NOW)).toBeUndefined();
    expect(retryAfterMs(undefined, NOW)).toBeUndefined();
  });
});
