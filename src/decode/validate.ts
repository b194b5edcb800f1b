/**
 * One raw payload → a validated SegmentMessage, or a `validate`-stage Rejection (docs/mapping.md).
 * Hand-written (no schema library: this is on the per-message path, docs/mapping.md) and total: any
 * value, including hostile ones from Avro or a batch element, gives a result, never an exception.
 *
 * Checks in order, first failure wins:
 *   not_an_object      the payload is not a JSON object
 *   unknown_type       `type` is not exactly one of track, page, screen, identify, group, alias
 *   not_an_object      `context`, `integrations`, or the type's `properties`/`traits` is present
 *                      (not null) but not a JSON object (field named)
 *   unsafe_integer_id  userId, anonymousId, groupId, previousId or messageId is an integer
 *                      number beyond 2^53 - 1 (already rounded by the JSON parser)
 *   missing_identity   track/page/screen/identify: neither userId nor anonymousId;
 *                      alias: userId or previousId missing; group: groupId missing
 *   missing_event      track without a non-empty string `event`
 *   invalid_timestamp  see time.ts (unparseable, or no time at all and no Kafka timestamp)
 *   time_out_of_range  see time.ts (before 1971, or more than input.maxFutureMs ahead)
 *
 * What counts as an id, and which ids each type needs: identity.ts.
 */
import type { Rejection } from '../vocabulary.js';
import { isPlainObject } from './batch-payload.js';
import {
  isSegmentType,
  SEGMENT_TYPES,
  type SegmentMessage,
  type SegmentType,
  type UntrustedObject,
} from '../segment/message.js';
import { kindOf, quote } from './describe.js';
import { checkIdentity, checkIdPrecision, normaliseId } from './identity.js';
import { resolveEventTime, type TimeContext } from './time.js';

export type ValidationResult =
  | { ok: true; message: SegmentMessage }
  | { ok: false; rejection: Rejection; segmentType?: SegmentType };

const EMPTY: UntrustedObject = Object.freeze({});

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function validateMessage(payload: unknown, context: TimeContext): ValidationResult {
  if (!isPlainObject(payload)) {
    return reject('not_an_object', `the message is ${kindOf(payload)}, expected a JSON object`);
  }
  const type = payload['type'];
  if (!isSegmentType(type)) {
    return reject(
      'unknown_type',
      `type ${quote(type)} is not one of ${SEGMENT_TYPES.join(', ')}`,
      'type',
    );
  }
  const ctx = objectField(payload, 'context');
  if (typeof ctx === 'string') return notAnObject(payload, ctx, type);
  const integrations = objectField(payload, 'integrations');
  if (typeof integrations === 'string') return notAnObject(payload, integrations, type);
  const bodyField = BODY_FIELD[type];
  const body = bodyField === undefined ? EMPTY : objectField(payload, bodyField);
  if (typeof body === 'string') return notAnObject(payload, body, type);

  const imprecise = checkIdPrecision(payload);
  if (imprecise) return { ok: false, rejection: imprecise, segmentType: type };

  const userId = normaliseId(payload['userId']);
  const anonymousId = normaliseId(payload['anonymousId']);
  const identity = checkIdentity(payload, type, userId, anonymousId);
  if (identity) return { ok: false, rejection: identity, segmentType: type };

  let event: string | undefined;
  if (type === 'track') {
    event = optionalString(payload['event']);
    if (event === undefined) {
      return reject(
        'missing_event',
        'a track call needs a non-empty string event name',
        'event',
        type,
      );
    }
  }

  const time = resolveEventTime(payload, context);
  if (!time.ok) return { ok: false, rejection: time.rejection, segmentType: type };

  const messageId = normaliseId(payload['messageId']);
  const timeMs = time.timeMs;
  // One literal per type, all fields present: every message of a type shares one shape.
  switch (type) {
    case 'track':
      return ok({
        type,
        event: event as string,
        properties: body,
        messageId,
        userId,
        anonymousId,
        context: ctx,
        integrations,
        timeMs,
        raw: payload,
      });
    case 'page':
    case 'screen':
      return ok({
        type,
        name: optionalString(payload['name']),
        category: optionalString(payload['category']),
        properties: body,
        messageId,
        userId,
        anonymousId,
        context: ctx,
        integrations,
        timeMs,
        raw: payload,
      });
    case 'identify':
      return ok({
        type,
        traits: body,
        messageId,
        userId,
        anonymousId,
        context: ctx,
        integrations,
        timeMs,
        raw: payload,
      });
    case 'group':
      return ok({
        type,
        groupId: normaliseId(payload['groupId']) as string,
        traits: body,
        messageId,
        userId,
        anonymousId,
        context: ctx,
        integrations,
        timeMs,
        raw: payload,
      });
    case 'alias':
      return ok({
        type,
        previousId: normaliseId(payload['previousId']) as string,
        messageId,
        userId: userId as string,
        anonymousId,
        context: ctx,
        integrations,
        timeMs,
        raw: payload,
      });
  }
}

/** The object-valued field that holds each type's data; alias has none. */
const BODY_FIELD: { readonly [T in SegmentType]: 'properties' | 'traits' | undefined } = {
  track: 'properties',
  page: 'properties',
  screen: 'properties',
  identify: 'traits',
  group: 'traits',
  alias: undefined,
};

/** The field's object, `{}` when absent or null, or the field's name when it is not an object. */
function objectField(payload: Record<string, unknown>, field: string): UntrustedObject | string {
  const value = payload[field];
  if (value === undefined || value === null) return EMPTY;
  return isPlainObject(value) ? value : field;
}

function notAnObject(
  payload: Record<string, unknown>,
  field: string,
  type: SegmentType,
): ValidationResult {
  return reject(
    'not_an_object',
    `${field} is ${kindOf(payload[field])}, expected a JSON object`,
    field,
    type,
  );
}

function ok(message: SegmentMessage): ValidationResult {
  return { ok: true, message };
}

function reject(
  code: Rejection['code'],
  message: string,
  field?: string,
  segmentType?: SegmentType,
): ValidationResult {
  const rejection: Rejection =
    field === undefined
      ? { code, stage: 'validate', message }
      : { code, stage: 'validate', message, field };
  return segmentType === undefined
    ? { ok: false, rejection }
    : { ok: false, rejection, segmentType };
}
