/**
 * The records of an ingestion request: the body decompressed within the request limit, then
 * parsed (JSON array, NDJSON, a single object, form or `?data=`). Shared by /import, /track,
 * /engage and /groups, which differ only in how they refuse a body they cannot read.
 */
import { headerValue, type IngestRequest, type SandboxState } from '../context.js';
import { decompress, parseBody, type BodyItem, type ParseOptions } from '../request-body.js';
import { tooLarge, type Reply } from '../responses.js';

export type RequestRecords =
  | {
      readonly ok: true;
      readonly items: BodyItem[];
      /** Decompressed body size: what the rate limiter counts. */
      readonly bytes: number;
    }
  | { readonly ok: false; readonly reply: Reply };

/** A body over the limit gets Mixpanel's 413; any other problem, the route's `refuse` answer. */
export async function readRecords(
  state: SandboxState,
  req: IngestRequest,
  parse: Pick<ParseOptions, 'queryData' | 'allowSingleObject'>,
  refuse: (message: string) => Reply,
): Promise<RequestRecords> {
  const { maxRequestBytes, maxRecordBytes } = state.options;
  const decoded = await decompress(
    req.body.bytes,
    headerValue(req.headers['content-encoding']),
    maxRequestBytes,
  );
  if (!decoded.ok) {
    const reply =
      decoded.problem === 'too_large' ? tooLarge(maxRequestBytes) : refuse(decoded.message);
    return { ok: false, reply };
  }
  const parsed = parseBody(decoded.bytes, {
    contentType: headerValue(req.headers['content-type']),
    maxRecordBytes,
    ...parse,
  });
  if (!parsed.ok) return { ok: false, reply: refuse(parsed.message) };
  return { ok: true, items: parsed.items, bytes: decoded.bytes.length };
}
