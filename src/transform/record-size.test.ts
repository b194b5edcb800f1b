import { describe, expect, it } from 'vitest';
import { jsonSizeBound, recordSizeBound } from './record-size.js';

describe('jsonSizeBound', () => {
  it.each([
    { a: 'x', b: [1, 2.5, null, true], c: { d: 'é\n"\\' } },
    ['\u0000\u001f', { '\u0001': '🚀' }],
    { n: -1.234567890123456e-300 },
  ])('is never below the real size: %j', (value) => {
    expect(jsonSizeBound(value, Infinity)).toBeGreaterThanOrEqual(
      Buffer.byteLength(JSON.stringify(value)),
    );
  });
});

describe('recordSizeBound', () => {
  it('grows with the input and the config strings', () => {
    expect(recordSizeBound(1000, 10)).toBe(32 * 1000 + 16 * 1024 + 120);
  });
});
