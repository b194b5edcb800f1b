/**
 * Segment ids and which of them each call type needs (docs/mapping.md `missing_identity`; an empty string is no id).
 * An id is a non-empty string, or a finite number stringified as Segment's API does; "" and
 * everything else count as missing, so `userId: ""` never hides an anonymousId.
 */
import type { Rejection } from '../vocabulary.js';
import type { SegmentType } from '../segment/message.js';

/** A Segment id: non-empty string, or a finite number as a string; anything else is missing. */
export function normaliseId(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Top-level id fields; numbers there must be exact, because each becomes an id string. */
const ID_FIELDS = ['userId', 'anonymousId', 'groupId', 'previousId', 'messageId'] as const;

/**
 * An id given as an integer JSON number beyond 2^53 - 1 (Number.isSafeInteger) was already
 * rounded by JSON.parse (or is an Avro double): `9007199254740993` reads as `9007199254740992`,
 * another user. Node 20's JSON.parse gives no access to the source digits, so such a message is
 * rejected rather than attributed to someone else; the dead letter keeps the original bytes.
 */
export function checkIdPrecision(payload: Record<string, unknown>): Rejection | undefined {
  for (const field of ID_FIELDS) {
    const value = payload[field];
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      return {
        code: 'unsafe_integer_id',
        stage: 'validate',
        field,
        message: `${field} is a number beyond 2^53 (read as ${value}), which JSON cannot carry exactly; send ids as strings`,
      };
    }
  }
  return undefined;
}

/**
 * The missing id of a message, if any: track/page/screen/identify need userId or anonymousId;
 * a group needs groupId only (its records carry no user identity); an alias needs userId and
 * previousId (the Segment spec's required fields; anonymousId does not stand in).
 */
export function checkIdentity(
  payload: Record<string, unknown>,
  type: SegmentType,
  userId: string | undefined,
  anonymousId: string | undefined,
): Rejection | undefined {
  const missing = (field: string, message: string): Rejection => ({
    code: 'missing_identity',
    stage: 'validate',
    message,
    field,
  });
  switch (type) {
    case 'group':
      return normaliseId(payload['groupId']) === undefined
        ? missing('groupId', 'a group call needs a non-empty groupId')
        : undefined;
    case 'alias':
      if (userId === undefined) return missing('userId', 'an alias call needs a non-empty userId');
      return normaliseId(payload['previousId']) === undefined
        ? missing('previousId', 'an alias call needs a non-empty previousId')
        : undefined;
    default:
      return userId === undefined && anonymousId === undefined
        ? missing('userId', `a ${type} call needs a non-empty userId or anonymousId`)
        : undefined;
  }
}
