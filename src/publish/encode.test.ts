import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { PreparedRecord } from '../mixpanel/records.js';
import { encodeBody } from './encode.js';

const prepared = (value: unknown): PreparedRecord => {
  const json = JSON.stringify(value);
  return { json, bytes: Buffer.byteLength(json) };
};
const records = [prepared({ event: 'a' }), prepared({ event: 'ü€😀' }), prepared({ event: 'c' })];
const identity = (raw: Buffer): Promise<Buffer> => Promise.resolve(raw);

describe('encodeBody', () => {
  it('joins records [lo, hi) by newlines (ndjson), multi-byte characters included', async () => {
    const body = await encodeBody({ format: 'ndjson', gzip: false }, records, { lo: 0, hi: 3 }, 3);
    expect(body.bytes.toString()).toBe(records.map((r) => r.json).join('\n'));
    expect(body.rawBytes).toBe(body.bytes.length);
    const part = await encodeBody({ format: 'ndjson', gzip: false }, records, { lo: 1, hi: 2 }, 3);
    expect(part.bytes.toString()).toBe(records[1]?.json);
  });

  it('makes a JSON array, empty or not', async () => {
    const spec = { format: 'json-array', gzip: false } as const;
    const body = await encodeBody(spec, records, { lo: 1, hi: 3 }, 3);
    expect(JSON.parse(body.bytes.toString())).toEqual([{ event: 'ü€😀' }, { event: 'c' }]);
    expect((await encodeBody(spec, records, { lo: 0, hi: 0 }, 3)).bytes.toString()).toBe('[]');
  });

  it('gzips when the endpoint takes gzip, and reports the uncompressed size', async () => {
    const body = await encodeBody({ format: 'ndjson', gzip: true }, records, { lo: 0, hi: 3 }, 3);
    expect(body.contentEncoding).toBe('gzip');
    expect(gunzipSync(body.bytes).toString()).toBe(records.map((r) => r.json).join('\n'));
    expect(body.rawBytes).toBe(gunzipSync(body.bytes).length);
  });

  it('still writes every byte when a record understates its size', async () => {
    const wrong = [records[0] as PreparedRecord, { json: '{"event":"ü"}', bytes: 3 }];
    const spec = { format: 'ndjson', gzip: false } as const;
    const body = await encodeBody(spec, wrong, { lo: 0, hi: 2 }, 3, identity);
    expect(body.bytes.toString()).toBe(`${records[0]?.json}\n{"event":"ü"}`);
    // The understated end falls inside a three-byte character.
    const split = [{ json: '"ab€"', bytes: 3 }];
    const last = await encodeBody(spec, split, { lo: 0, hi: 1 }, 3, identity);
    expect(last.bytes.toString()).toBe('"ab€"');
  });
});
