import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EncodedRecord, type PreparedRecord } from '../mixpanel/records.js';
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

  it('copies records that follow each other in one buffer in one piece, in both formats', async () => {
    // As a transform job lays them out: each record, then a newline.
    const texts = ['{"a":1}', '{"b":"ü"}', '{"c":3}', '{"d":4}'];
    const job = Buffer.from(texts.map((t) => `${t}\n`).join(''));
    const other = Buffer.from('{"x":0}\n');
    const at = (i: number) => texts.slice(0, i).reduce((n, t) => n + Buffer.byteLength(t) + 1, 0);
    const encoded = (i: number) =>
      new EncodedRecord(job, at(i), Buffer.byteLength(texts[i] as string));
    const cases: PreparedRecord[][] = [
      [encoded(0), encoded(1), encoded(2), encoded(3)],
      [encoded(0), encoded(2), encoded(3)], // a gap
      [encoded(0), prepared({ t: 'text' }), encoded(1), encoded(2)],
      [encoded(1), new EncodedRecord(other, 0, 7), encoded(2)],
      [encoded(3), encoded(2)], // out of order
      // Adjacent in the buffer but not separated by a newline: copied one by one.
      [
        new EncodedRecord(Buffer.from('{"p":1}{"q":2}'), 0, 7),
        new EncodedRecord(Buffer.from('{"p":1}{"q":2}'), 7, 7),
      ],
    ];
    for (const list of cases) {
      const texts = list.map((r) => r.json);
      const ndjson = await encodeBody(
        { format: 'ndjson', gzip: false },
        list,
        { lo: 0, hi: list.length },
        3,
      );
      expect(ndjson.bytes.toString()).toBe(texts.join('\n'));
      const array = await encodeBody(
        { format: 'json-array', gzip: false },
        list,
        { lo: 0, hi: list.length },
        3,
      );
      expect(array.bytes.toString()).toBe(`[${texts.join(',')}]`);
      const part = await encodeBody(
        { format: 'json-array', gzip: false },
        list,
        { lo: 1, hi: list.length },
        3,
      );
      expect(part.bytes.toString()).toBe(`[${texts.slice(1).join(',')}]`);
    }
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
