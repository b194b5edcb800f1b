import { describe, expect, it } from 'vitest';
import { describeCause } from './error-cause.js';

describe('describeCause', () => {
  it('names the first error in the chain that has a code', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(describeCause(new TypeError('fetch failed', { cause: socket }))).toBe(
      'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('falls back to the message, or the value as text', () => {
    expect(describeCause(new Error('plain'))).toBe('plain');
    expect(describeCause('text')).toBe('text');
  });
});
