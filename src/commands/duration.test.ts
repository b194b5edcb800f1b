import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['15m', 900_000],
    ['90s', 90_000],
    ['1.5h', 5_400_000],
    ['1d', 86_400_000],
    ['250', 250],
    ['20ms', 20],
    ['0m', undefined],
    ['15 minutes', undefined],
    ['-1s', undefined],
    ['', undefined],
  ])('%s → %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});
