/**
 * Request bodies as Mixpanel's ingestion endpoints accept them:
 * gzip or identity encoding; a JSON array (or one object), NDJSON, a form with `data=` holding
 * JSON or base64 JSON, or `?data=` on GET. Limits apply to the decompressed body.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export interface RawBody {
  readonly bytes: Buffer;
  /** More than `limit` bytes arrived; `bytes` holds only the first part. */
  readonly overLimit: boolean;
}

/** Reads the request body, keeping at most `limit + 1` bytes but always draining the rest. */
export function readRawBody(req: IncomingMessage, limit: number): Promise<RawBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overLimit = false;
    req.on('data', (chunk: Buffer) => {
      if (overLimit) return;
      size += chunk.length;
      if (size > limit) {
        overLimit = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve({ bytes: Buffer.concat(chunks), overLimit }));
    req.on('error', reject);
  });
}

export type Decompressed =
  | { readonly ok: true; readonly bytes: Buffer }
  | {
      readonly ok: false;
      readonly problem: 'too_large' | 'bad_encoding';
      readonly message: string;
    };

export async function decompress(
  bytes: Buffer,
  encoding: string | undefined,
  limit: number,
): Promise<Decompressed> {
  const coding = (encoding ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') {
    return bytes.length > limit
      ? { ok: false, problem: 'too_large', message: 'body too large' }
      : { ok: true, bytes };
  }
  const inflater =
    coding === 'gzip' || coding === 'x-gzip'
      ? gunzipAsync
      : coding === 'deflate'
        ? inflateAsync
        : undefined;
  if (!inflater) {
    return {
      ok: false,
      problem: 'bad_encoding',
      message: `unsupported Content-Encoding ${coding}`,
    };
  }
  try {
    return { ok: true, bytes: await inflater(bytes, { maxOutputLength: limit }) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return { ok: false, problem: 'too_large', message: 'body too large' };
    }
    return { ok: false, problem: 'bad_encoding', message: 'unable to decompress the body' };
  }
}

/** One record of a body, parsed. */
export interface BodyItem {
  readonly value: unknown;
  /** Its JSON text when the body held it on a line of its own (NDJSON). */
  readonly text?: string;
  /** Serialized size in bytes (exact for NDJSON; measured for arrays only when it may matter). */
  readonly bytes: number;
  /** False when the record's bytes were not valid UTF-8. */
  readonly utf8: boolean;
}

export type ParsedBody =
  | { readonly ok: true; readonly items: BodyItem[] }
  | { readonly ok: false; readonly message: string };

export interface ParseOptions {
  readonly contentType: string | undefined;
  /** `?data=` of the query string (GET and legacy clients). */
  readonly queryData: string | null;
  /** Bodies this size or smaller cannot hold an oversize record: skip measuring array items. */
  readonly maxRecordBytes: number;
  /** A single JSON object counts as a batch of one (/track, /engage, /groups). */
  readonly allowSingleObject: boolean;
}

export function parseBody(bytes: Buffer, options: ParseOptions): ParsedBody {
  const type = (options.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (bytes.length === 0 && options.queryData !== null) {
    return parseDataParam(options.queryData, options);
  }
  if (type === 'application/x-www-form-urlencoded') {
    const data = new URLSearchParams(bytes.toString('utf8')).get('data');
    if (data === null) return { ok: false, message: 'form body without a data field' };
    return parseDataParam(data, options);
  }
  // A body that disagrees with its type is read by its first character: an array is JSON, an
  // object followed by more lines is NDJSON (records are objects, so this is unambiguous).
  const first = firstNonSpace(bytes);
  if (type === 'application/x-ndjson' || type === 'application/jsonl') {
    return first === 0x5b /* [ */ ? parseJsonText(bytes, options) : parseNdjson(bytes);
  }
  if (type === 'application/json') {
    const parsed = parseJsonText(bytes, options);
    return !parsed.ok && parsed.message === SYNTAX_ERROR && first === 0x7b /* { */
      ? parseNdjson(bytes)
      : parsed;
  }
  // No or unknown type: sniff.
  if (first === 0x5b /* [ */) return parseJsonText(bytes, options);
  if (bytes.subarray(0, 5).toString('latin1') === 'data=') {
    const data = new URLSearchParams(bytes.toString('utf8')).get('data') ?? '';
    return parseDataParam(data, options);
  }
  return parseNdjson(bytes);
}

const SYNTAX_ERROR = 'unable to parse the body as JSON';

function parseNdjson(bytes: Buffer): ParsedBody {
  const allUtf8 = isUtf8(bytes);
  const items: BodyItem[] = [];
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    let stop = end;
    if (stop > start && bytes[stop - 1] === 0x0d) stop--;
    line++;
    if (stop > start && !isBlank(bytes, start, stop)) {
      const text = bytes.toString('utf8', start, stop);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { ok: false, message: `unable to parse line ${line} as JSON` };
      }
      const utf8 = allUtf8 || isUtf8(bytes.subarray(start, stop));
      items.push({ value, text, bytes: stop - start, utf8 });
    }
    start = end + 1;
  }
  return { ok: true, items };
}

function parseJsonText(bytes: Buffer, options: ParseOptions): ParsedBody {
  const utf8 = isUtf8(bytes);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, message: SYNTAX_ERROR };
  }
  return fromJsonValue(value, bytes.length, utf8, options);
}

function parseDataParam(data: string, options: ParseOptions): ParsedBody {
  const text = data.trim();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const decoded = Buffer.from(text, 'base64');
    try {
      value = JSON.parse(decoded.toString('utf8'));
    } catch {
      return { ok: false, message: 'data is neither JSON nor base64 JSON' };
    }
    return fromJsonValue(value, decoded.length, isUtf8(decoded), options);
  }
  return fromJsonValue(value, Buffer.byteLength(text), true, options);
}

function fromJsonValue(
  value: unknown,
  totalBytes: number,
  utf8: boolean,
  options: ParseOptions,
): ParsedBody {
  let values: unknown[];
  if (Array.isArray(value)) values = value;
  else if (options.allowSingleObject && typeof value === 'object' && value !== null) {
    values = [value];
  } else return { ok: false, message: 'the body must be a JSON array of records' };
  const measure = totalBytes > options.maxRecordBytes;
  const items = values.map((v) => ({
    value: v,
    bytes: measure ? Buffer.byteLength(JSON.stringify(v) ?? '') : totalBytes,
    // Invalid bytes decode to U+FFFD; only records showing one are blamed.
    utf8: utf8 || !JSON.stringify(v).includes('\uFFFD'),
  }));
  return { ok: true, items };
}

function firstNonSpace(bytes: Buffer): number | undefined {
  for (const byte of bytes)
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return byte;
  return undefined;
}

function isBlank(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}
