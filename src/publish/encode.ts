/**
 * Builds a request body from already-serialized records. The body is built once per batch (or
 * batch part) and the same Buffer is resent on every retry: Mixpanel deduplicates on the record
 * fields, and identical bytes make that hold by construction.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { EndpointSpec } from '../mixpanel/endpoints.js';
import { EncodedRecord, type PreparedRecord } from '../mixpanel/records.js';
import { SpareBuffers } from '../spare-buffers.js';

/** Compresses a body; the default runs on libuv's thread pool. */
export type Compress = (raw: Buffer, level: number) => Promise<Buffer>;

const gzipAsync = promisify(gzip);
export const gzipOnThreadPool: Compress = (raw, level) => gzipAsync(raw, { level });

export interface EncodedBody {
  readonly bytes: Buffer;
  /** Content-Encoding header value, when compressed. */
  readonly contentEncoding?: 'gzip';
  /** Uncompressed size (the size Mixpanel's limits apply to). */
  readonly rawBytes: number;
}

/**
 * Records [lo, hi) as one body: `ndjson` joins them by `\n` (what /import takes as
 * `application/x-ndjson`), `json-array` makes a JSON array. Each record's UTF-8 is copied (or, for
 * a record given as text, written) once, straight into a buffer of the size its `bytes` add up to
 * (no joined string in between). gzip runs on libuv's thread pool so compression does not block
 * the event loop.
 */
export async function encodeBody(
  spec: Pick<EndpointSpec, 'format' | 'gzip'>,
  records: readonly PreparedRecord[],
  range: { readonly lo: number; readonly hi: number },
  gzipLevel: number,
  compress: Compress = gzipOnThreadPool,
): Promise<EncodedBody> {
  if (!spec.gzip) {
    const raw = rawBody(spec.format, records, range.lo, range.hi, (size) =>
      Buffer.allocUnsafe(size),
    );
    return { bytes: raw, rawBytes: raw.length };
  }
  let borrowed: Buffer | undefined;
  const raw = rawBody(
    spec.format,
    records,
    range.lo,
    range.hi,
    (size) => (borrowed = bodies.take(size)),
  );
  let bytes: Buffer | undefined;
  try {
    bytes = await compress(raw, gzipLevel);
  } finally {
    // Unless the compressed body is the input itself (a compressor that does nothing).
    if (borrowed !== undefined && bytes?.buffer !== borrowed.buffer) bodies.giveBack(borrowed);
  }
  return { bytes, contentEncoding: 'gzip', rawBytes: raw.length };
}

/**
 * Uncompressed bodies that are only gzip's input are written into reused buffers. A body is
 * about as large as its records, so a new buffer per request made the main thread's buffer
 * memory grow with the traffic between collections. A few are kept: about as many as compress
 * at once.
 */
const bodies = new SpareBuffers<Buffer>(4, (size) => Buffer.allocUnsafeSlow(size));

const NEWLINE = 0x0a;
const COMMA = 0x2c;

function rawBody(
  format: EndpointSpec['format'],
  records: readonly PreparedRecord[],
  lo: number,
  hi: number,
  allocate: (size: number) => Buffer,
): Buffer {
  const array = format === 'json-array';
  let size = array ? 2 : 0;
  for (let i = lo; i < hi; i++) size += (records[i] as PreparedRecord).bytes + 1;
  if (hi > lo) size--; // n records, n - 1 separators
  // Room for one more UTF-8 character: a record longer than its `bytes` then always writes more
  // than `bytes` (write() stops at the end of the buffer and never splits a character).
  const raw = allocate(size + 4);
  let at = 0;
  if (array) raw[at++] = 0x5b;
  for (let i = lo; i < hi; i++) {
    const record = records[i] as PreparedRecord;
    if (i > lo) raw[at++] = array ? COMMA : NEWLINE;
    if (record instanceof EncodedRecord) {
      // The records right after it in the same buffer, each after a newline: one copy for all.
      const { source, start } = record;
      let end = start + record.bytes;
      let last = i;
      while (last + 1 < hi) {
        const next = records[last + 1];
        if (!(next instanceof EncodedRecord) || next.source !== source) break;
        if (next.start !== end + 1 || source[end] !== NEWLINE) break;
        end = next.start + next.bytes;
        last++;
      }
      source.copy(raw, at, start, end);
      if (array) {
        for (let k = i + 1; k <= last; k++)
          raw[at + (records[k] as EncodedRecord).start - start - 1] = COMMA;
      }
      at += end - start;
      i = last;
      continue;
    }
    const written = raw.write(record.json, at, 'utf8');
    // A wrong `bytes` would truncate silently: build the body the plain way instead.
    if (written !== record.bytes) return joined(array, records.slice(lo, hi));
    at += written;
  }
  if (array) raw[at++] = 0x5d;
  return at === size ? raw.subarray(0, size) : joined(array, records.slice(lo, hi));
}

function joined(array: boolean, records: readonly PreparedRecord[]): Buffer {
  const texts = records.map((r) => r.json);
  return Buffer.from(array ? `[${texts.join(',')}]` : texts.join('\n'), 'utf8');
}
