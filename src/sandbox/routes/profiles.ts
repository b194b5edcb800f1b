/**
 * GET|POST /engage and /groups (Mixpanel's profile and group update APIs): batches of up to 2000
 * updates, `$token` checks, every operation applied in order, and Mixpanel's answers: always 200
 * for data problems, `1`/`0` or with verbose=1 `{"status":1,"error":null}` / `{"status":0,…}`.
 */
import { tokenMatches } from '../auth.js';
import { headerValue, isVerbose, type IngestRequest, type SandboxState } from '../context.js';
import {
  json,
  methodNotAllowed,
  profileAnswer,
  rateLimited,
  tooLarge,
  unauthorized,
  type Reply,
} from '../responses.js';
import { readRecords } from './records.js';
import { checkUpdate, type UpdateKind, type UpdateVerdict } from '../update-rules.js';

type ValidUpdate = Extract<UpdateVerdict, { ok: true }>;

export async function handleProfiles(
  state: SandboxState,
  req: IngestRequest,
  kind: UpdateKind,
): Promise<Reply> {
  const { options, stats } = state;
  if (req.method !== 'POST' && req.method !== 'GET') return methodNotAllowed();
  const verbose = isVerbose(req.query);
  if (req.body.overLimit) return tooLarge(options.maxRequestBytes);
  const encoding = headerValue(req.headers['content-encoding']);
  // /engage documents no gzip support, /groups says nothing: off unless the knob is set.
  if (encoding !== undefined && encoding !== 'identity' && !options.profileGzip) {
    return profileAnswer(false, 'compressed request bodies are not supported', verbose);
  }
  const body = await readRecords(
    state,
    req,
    { queryData: req.query.get('data'), allowSingleObject: true },
    (message) => profileAnswer(false, message, verbose),
  );
  if (!body.ok) return body.reply;
  const { items } = body;
  if (items.length === 0) return profileAnswer(false, 'no updates in the request', verbose);
  if (items.length > options.maxRecordsPerRequest) {
    return json(options.overCountStatus, {
      error: `too many updates in the request (max ${options.maxRecordsPerRequest})`,
      status: 0,
    });
  }
  if (state.rateLimiter && !state.rateLimiter.tryConsume(items.length, body.bytes)) {
    return rateLimited(options.retryAfterSeconds);
  }

  const rules = { multipleOperations: options.multipleOperations, groupsAdd: options.groupsAdd };
  const valid: ValidUpdate[] = [];
  let rejected = 0;
  let dropped = 0;
  let firstError: string | null = null;
  for (const item of items) {
    const verdict: UpdateVerdict =
      item.bytes > options.maxRecordBytes
        ? { ok: false, message: `update exceeds the limit of ${options.maxRecordBytes} bytes` }
        : checkUpdate(item.value, kind, rules);
    if (!verdict.ok) {
      rejected++;
      firstError ??= verdict.message;
      continue;
    }
    // A wrong token is not an error: the update is dropped and the answer is still success.
    if (!tokenMatches(verdict.token, options.credentials)) {
      if (options.badToken === '401') return unauthorized(kind);
      dropped++;
      continue;
    }
    valid.push(verdict);
  }

  const anyInvalid = rejected > 0;
  const apply = !(anyInvalid && options.profileBatchErrors === 'reject-batch');
  const store = kind === '/engage' ? state.users : state.groups;
  const now = options.clock.now();
  if (apply) {
    for (const update of valid) {
      for (const [operation, value] of update.operations) {
        store.apply(update.id, operation, value, {
          ignoreTime: update.ignoreTime,
          timeMs: update.timeMs ?? now,
        });
      }
    }
  }
  stats.count(kind, apply ? valid.length : 0, apply ? rejected : rejected + valid.length, dropped);
  const ok =
    options.profileBatchErrors === 'ok-if-any-valid' ? valid.length + dropped > 0 : !anyInvalid;
  return profileAnswer(ok, firstError, verbose);
}
