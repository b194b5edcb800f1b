import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompress, parseBody, type ParseOptions } from './request-body.js';

const options: ParseOptions = {
  contentType: undefined,
  queryData: null,
  maxRecordBytes: 1024 * 1024,
  allowSingleObject: false,
};
const values = (result: ReturnType<typeof parseBody>) =>
  result.ok ? result.items.map((i) => i.value) : result.message;

describe('decompress', () => {
  it('inflates gzip and measures the limit on the decompressed size', async () => {
    const body = Buffer.from('x'.repeat(5000));
    expect(await decompress(gzipSync(body), 'gzip', 5000)).toEqual({ ok: true, bytes: body });
    // 5000 bytes compress to a few dozen: only the inflated size counts.
    expect(await decompress(gzipSync(body), 'gzip', 4999)).toMatchObject({
      ok: false,
      problem: 'too_large',
    });
    expect(await decompress(body, undefined, 4999)).toMatchObject({ problem: 'too_large' });
    expect(await decompress(Buffer.from('not gzip'), 'gzip', 100)).toMatchObject({
      problem: 'bad_encoding',
    });
    expect(await decompress(body, 'br', 10_000)).toMatchObject({ problem: 'bad_encoding' });
  });
});

describe('parseBody', () => {
  const a = { event: 'a' };
  const b = { event: 'b' };

  it('reads NDJSON, skipping blank lines and CRLF', () => {
    const body = Buffer.from(`${JSON.stringify(a)}\r\n\n${JSON.stringify(b)}\n`);
    const result = parseBody(body, { ...options, contentType: 'application/x-ndjson' });
    expect(values(result)).toEqual([a, b]);
    expect(result.ok && result.items[0]?.text).toBe(JSON.stringify(a));
  });

  it('reads a JSON array, and a single object only where allowed', () => {
    const array = Buffer.from(JSON.stringify([a, b]));
    expect(values(parseBody(array, { ...options, contentType: 'application/json' }))).toEqual([
      a,
      b,
    ]);
    const single = Buffer.from(JSON.stringify(a));
    expect(parseBody(single, { ...options, contentType: 'application/json' }).ok).toBe(false);
    expect(
      values(
        parseBody(single, { ...options, contentType: 'application/json', allowSingleObject: true }),
      ),
    ).toEqual([a]);
  });

  it('reads form data= as JSON or base64 JSON, and ?data= on GET', () => {
    const json = JSON.stringify([a]);
    const form = (data: string) => Buffer.from(`data=${encodeURIComponent(data)}`);
    const type = 'application/x-www-form-urlencoded';
    expect(values(parseBody(form(json), { ...options, contentType: type }))).toEqual([a]);
    const b64 = Buffer.from(json).toString('base64');
    expect(values(parseBody(form(b64), { ...options, contentType: type }))).toEqual([a]);
    expect(values(parseBody(Buffer.alloc(0), { ...options, queryData: b64 }))).toEqual([a]);
  });

  it('sniffs the format when no content type is given', () => {
    expect(values(parseBody(Buffer.from(JSON.stringify([a])), options))).toEqual([a]);
    expect(values(parseBody(Buffer.from(`${JSON.stringify(a)}\n`), options))).toEqual([a]);
  });

  it('reads a body by its shape when it disagrees with its content type', () => {
    const array = Buffer.from(JSON.stringify([a, b]));
    expect(values(parseBody(array, { ...options, contentType: 'application/x-ndjson' }))).toEqual([
      a,
      b,
    ]);
    const lines = Buffer.from(`${JSON.stringify(a)}\n${JSON.stringify(b)}`);
    expect(values(parseBody(lines, { ...options, contentType: 'application/json' }))).toEqual([
      a,
      b,
    ]);
  });

  it('refuses unparseable bodies with a reason', () => {
    const result = parseBody(Buffer.from('{"event":"a"}\n{oops'), {
      ...options,
      contentType: 'application/x-ndjson',
    });
    expect(result).toEqual({ ok: false, message: 'unable to parse line 2 as JSON' });
  });

  it('marks NDJSON lines whose bytes are not UTF-8', () => {
    const bad = Buffer.concat([
      Buffer.from('{"event":"a","properties":{"s":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}\n{"event":"b"}'),
    ]);
    const result = parseBody(bad, { ...options, contentType: 'application/x-ndjson' });
    expect(result.ok && result.items.map((i) => i.utf8)).toEqual([false, true]);
  });
});
