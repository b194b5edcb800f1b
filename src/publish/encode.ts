/**
 * Builds a request body from already-serialized records. The body is built once per batch (or
 * batch part) and the same Buffer is resent on every retry: Mixpanel deduplicates on the record
 * fields, and identical bytes make that hold by construction.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { EndpointSpec } from '../mixpanel/endpoints.js';

/** Compresses a body; the default runs on libuv's thread pool. */
export type Compress = (raw: Buffer, level: number) => Promise<Buffer>;

const gzipAsync = promisify(gzip);
export const gzipOnThreadPool: Compress = (raw, level) => gzipAsync(raw, { level });

export interface SerializedRecord {
  /** The record's JSON text; never re-serialized. */
  readonly json: string;
}

export interface EncodedBody {
  readonly bytes: Buffer;
  /** Content-Encoding header value, when compressed. */
  readonly contentEncoding?: 'gzip';
  /** Uncompressed size (the size Mixpanel's limits apply to). */
  readonly rawBytes: number;
}

/**
 * `ndjson`: records joined by `\n` (what /import takes as `application/x-ndjson`); `json-array`: a JSON array.
 * gzip runs on libuv's thread pool so compression does not block the event loop.
 */
export async function encodeBody(
  spec: Pick<EndpointSpec, 'format' | 'gzip'>,
  records: readonly SerializedRecord[],
  gzipLevel: number,
  compress: Compress = gzipOnThreadPool,
): Promise<EncodedBody> {
  const texts = records.map((r) => r.json);
  const text = spec.format === 'ndjson' ? texts.join('\n') : `[${texts.join(',')}]`;
  const raw = Buffer.from(text, 'utf8');
  if (!spec.gzip) return { bytes: raw, rawBytes: raw.length };
  return {
    bytes: await compress(raw, gzipLevel),
    contentEncoding: 'gzip',
    rawBytes: raw.length,
  };
}
