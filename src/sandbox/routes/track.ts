/**
 * GET|POST /track, for completeness: the token travels in
 * `properties.token`, `time` and `$insert_id` are optional, events older than 5 days are dropped
 * while the answer stays `1`, and the answer is `1` when at least one event was valid.
 */
import { tokenMatches } from '../auth.js';
import { isVerbose, type IngestRequest, type SandboxState } from '../context.js';
import { checkEvent } from '../event-rules.js';
import {
  badRequest,
  methodNotAllowed,
  profileAnswer,
  rateLimited,
  tooLarge,
  unauthorized,
  type Reply,
} from '../responses.js';
import { readRecords } from './records.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function handleTrack(state: SandboxState, req: IngestRequest): Promise<Reply> {
  const { options, stats } = state;
  if (req.method !== 'POST' && req.method !== 'GET') return methodNotAllowed();
  const verbose = isVerbose(req.query);
  if (req.body.overLimit) return tooLarge(options.maxRequestBytes);
  const body = await readRecords(
    state,
    req,
    { queryData: req.query.get('data'), allowSingleObject: true },
    (message) => profileAnswer(false, message, verbose),
  );
  if (!body.ok) return body.reply;
  const { items } = body;
  if (items.length > options.maxRecordsPerRequest) {
    return badRequest(`too many events in the request (max ${options.maxRecordsPerRequest})`);
  }
  if (state.rateLimiter && !state.rateLimiter.tryConsume(items.length, body.bytes)) {
    return rateLimited(options.retryAfterSeconds);
  }

  const now = options.clock.now();
  const rules = {
    now,
    idMergeMode: options.idMergeMode,
    maxProperties: options.maxProperties,
    strict: false,
  };
  let accepted = 0;
  let rejected = 0;
  let dropped = 0;
  let firstError: string | null = null;
  for (const item of items) {
    const verdict = item.bytes > options.maxRecordBytes ? undefined : checkEvent(item.value, rules);
    if (!verdict?.ok || !item.utf8) {
      rejected++;
      firstError ??= verdict && !verdict.ok ? verdict.message : 'event is too large or not UTF-8';
      continue;
    }
    if (!tokenMatches(verdict.properties.token, options.credentials)) {
      if (typeof verdict.properties.token !== 'string' || verdict.properties.token === '') {
        rejected++;
        firstError ??= "'properties.token' is invalid: must not be missing";
        continue;
      }
      if (options.badToken === '401') return unauthorized('/track');
      dropped++;
      continue;
    }
    if (verdict.storedTimeMs < now - options.trackMaxAgeDays * DAY_MS) {
      dropped++;
      continue;
    }
    state.events.add(
      {
        endpoint: '/track',
        event: verdict.event,
        distinctId: verdict.distinctId,
        timeMs: verdict.timeMs,
        storedTimeMs: verdict.storedTimeMs,
        insertId: verdict.insertId,
        text: item.text,
        value: item.value,
      },
      now,
    );
    accepted++;
  }
  stats.count('/track', accepted, rejected, dropped);
  return profileAnswer(accepted + dropped > 0, firstError, verbose);
}
