import { describe, expect, it } from 'vitest';
import { ndjsonLines } from './ndjson-lines.js';

async function collect(chunks: Array<Uint8Array | string>): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  for await (const { line, bytes } of ndjsonLines(chunks))
    out.push([line, Buffer.from(bytes).toString('latin1')]);
  return out;
}

describe('ndjsonLines', () => {
  it('numbers physical lines from 1 and skips blank ones', async () => {
    expect(await collect(['a\n\n  \t\nb\r\n\r\nc'])).toEqual([
      [1, 'a'],
      [4, 'b'],
      [6, 'c'],
    ]);
  });

  it('joins lines split across chunks, including a CRLF split between chunks', async () => {
    expect(await collect(['{"a"', ':1}\r', '\n{"b":2}\n', '\n'])).toEqual([
      [1, '{"a":1}'],
      [2, '{"b":2}'],
    ]);
  });

  it('keeps invalid UTF-8 bytes intact for the decoder', async () => {
    const [[, text] = [0, '']] = await collect([Uint8Array.from([0x7b, 0xff, 0x7d, 0x0a])]);
    expect(Buffer.from(text, 'latin1')).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
  });

  it('handles a chunk that is a view into a larger buffer', async () => {
    const whole = Buffer.from('XXa\nbYY');
    expect(await collect([whole.subarray(2, 5)])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('yields nothing for empty input', async () => {
    expect(await collect([])).toEqual([]);
  });
});
