/**
 * POST /import (https://developer.mixpanel.com/reference/import-events): authentication, limits on the
 * decompressed body, strict validation with `failed_records` and partial success.
 */
import { headerValue, type IngestRequest, type SandboxState } from '../context.js';
import { checkImportAuth } from '../auth.js';
import { checkEvent, type EventVerdict } from '../event-rules.js';
import {
  badRequest,
  importIdentityRejected,
  importOk,
  importPartial,
  json,
  methodNotAllowed,
  rateLimited,
  tooLarge,
  unauthorized,
  type FailedRecord,
  type Reply,
} from '../responses.js';
import { readRecords } from './records.js';

export async function handleImport(state: SandboxState, req: IngestRequest): Promise<Reply> {
  const { options, stats } = state;
  if (req.method !== 'POST') return methodNotAllowed();
  const auth = checkImportAuth(
    headerValue(req.headers.authorization),
    req.query.get('project_id'),
    options.credentials,
  );
  if (!auth.ok) return unauthorized('/import');
  if (req.body.overLimit) return tooLarge(options.maxRequestBytes);

  const strictParam = req.query.get('strict');
  const strict = strictParam === null ? options.strictWhenMissing : strictParam === '1';
  const body = await readRecords(
    state,
    req,
    { queryData: null, allowSingleObject: false },
    badRequest,
  );
  if (!body.ok) return body.reply;
  const { items } = body;
  if (items.length === 0) return badRequest('the request holds no events');
  if (items.length > options.maxRecordsPerRequest) {
    const error = `too many events in the request (max ${options.maxRecordsPerRequest})`;
    return options.overCountStatus === 413
      ? json(413, { code: 413, error, status: 'Request Entity Too Large' })
      : badRequest(error);
  }
  if (state.rateLimiter && !state.rateLimiter.tryConsume(items.length, body.bytes)) {
    return rateLimited(options.retryAfterSeconds);
  }

  const now = options.clock.now();
  const rules = {
    now,
    idMergeMode: options.idMergeMode,
    maxProperties: options.maxProperties,
    strict,
  };
  const verdicts: EventVerdict[] = [];
  for (const item of items) {
    if (item.bytes > options.maxRecordBytes) {
      if (options.oversizeRecord === '413') return tooLarge(options.maxRequestBytes);
      verdicts.push(oversize(item.value, options.maxRecordBytes));
      continue;
    }
    const verdict = checkEvent(item.value, rules);
    verdicts.push(verdict.ok && !item.utf8 ? invalidUtf8(verdict) : verdict);
  }

  // Identity events on a Simplified project: the whole batch fails, nothing is imported.
  if (options.idMergeMode === 'simplified' && options.identityEvents === 'reject') {
    const identity = verdicts.filter((v) => v.ok && v.identity).length;
    if (identity > 0) {
      stats.count('/import', 0, items.length);
      return importIdentityRejected(identity);
    }
  }

  const failed: FailedRecord[] = [];
  let imported = 0;
  verdicts.forEach((verdict, index) => {
    if (!verdict.ok) {
      failed.push({
        index,
        insertId: verdict.insertId,
        field: verdict.field,
        message: verdict.message,
      });
      return;
    }
    state.events.add(
      {
        endpoint: '/import',
        event: verdict.event,
        distinctId: verdict.distinctId,
        timeMs: verdict.timeMs,
        storedTimeMs: verdict.storedTimeMs,
        insertId: verdict.insertId,
        text: items[index]?.text,
        value: items[index]?.value,
      },
      now,
    );
    imported++;
  });
  stats.count('/import', imported, failed.length);
  if (failed.length === 0 || !strict) return importOk(imported);
  return importPartial(imported, failed, options.failedRecordIdKey);
}

/** Bytes that were not UTF-8 decode to U+FFFD: blame the first property showing one. */
function invalidUtf8(verdict: Extract<EventVerdict, { ok: true }>): EventVerdict {
  const key = Object.keys(verdict.properties).find((k) => {
    const value = verdict.properties[k];
    return k.includes('\uFFFD') || JSON.stringify(value).includes('\uFFFD');
  });
  const field = key === undefined ? 'properties' : `properties.${key}`;
  return {
    ok: false,
    field,
    message: `'${field}' is invalid: string should be valid utf8`,
    insertId: verdict.insertId ?? '',
  };
}

function oversize(value: unknown, limit: number): EventVerdict {
  const properties =
    typeof value === 'object' && value !== null
      ? (value as { properties?: { $insert_id?: unknown } }).properties
      : undefined;
  const insertId = typeof properties?.$insert_id === 'string' ? properties.$insert_id : '';
  return {
    ok: false,
    field: 'properties',
    message: `'properties' is invalid: event exceeds the limit of ${limit} bytes`,
    insertId,
  };
}
