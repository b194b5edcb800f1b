/**
 * The Segment spec message types after validation: a union discriminated on `type`.
 *
 * Produced only by validateMessage (validate.ts), which normalises what the spec leaves loose:
 * ids are non-empty strings (an empty string counts as missing; numeric ids become
 * strings), object fields that were absent or null are `{}`, and the event time is resolved once
 * into `timeMs` (docs/mapping.md, "time"). Everything else keeps the shape it arrived in: values inside
 * `properties`, `traits` and `context` are untrusted JSON and are sanitised when they are copied
 * into Mixpanel records (transform/values.ts), never before.
 */

/** The six Segment call types, in the order of the Segment spec. */
export const SEGMENT_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

export function isSegmentType(value: unknown): value is SegmentType {
  return typeof value === 'string' && (SEGMENT_TYPES as readonly string[]).includes(value);
}

/** A JSON object as it came off the wire (or out of Avro): keys are data, values untrusted. */
export type UntrustedObject = Readonly<Record<string, unknown>>;

/*
 * Optional fields are `T | undefined` and always present, so every message of a type has the
 * same shape (one hidden class on the hot path).
 */
interface MessageBase {
  /** Segment's message id, as given (a non-empty string; numbers are stringified). */
  readonly messageId: string | undefined;
  readonly userId: string | undefined;
  readonly anonymousId: string | undefined;
  /** `context`, `{}` when absent. Read through transform/context.ts. */
  readonly context: UntrustedObject;
  /** `integrations`, `{}` when absent (honoured by segment/integrations.ts). */
  readonly integrations: UntrustedObject;
  /**
   * The event time in integer epoch milliseconds, resolved from `timestamp`, `originalTimestamp`,
   * `receivedAt`, `sentAt` or the Kafka timestamp (decode/time.ts) and range-checked.
   */
  readonly timeMs: number;
  /**
   * The payload the message was validated from (batch defaults applied). Only read to derive a
   * deterministic `$insert_id` when `messageId` is missing (transform/insert-id.ts).
   */
  readonly raw: UntrustedObject;
}

export interface TrackMessage extends MessageBase {
  readonly type: 'track';
  /** Non-empty (validate.ts rejects a track without one as `missing_event`). */
  readonly event: string;
  readonly properties: UntrustedObject;
}

export interface PageMessage extends MessageBase {
  readonly type: 'page';
  readonly name: string | undefined;
  readonly category: string | undefined;
  readonly properties: UntrustedObject;
}

export interface ScreenMessage extends MessageBase {
  readonly type: 'screen';
  readonly name: string | undefined;
  readonly category: string | undefined;
  readonly properties: UntrustedObject;
}

export interface IdentifyMessage extends MessageBase {
  readonly type: 'identify';
  readonly traits: UntrustedObject;
}

export interface GroupMessage extends MessageBase {
  readonly type: 'group';
  readonly groupId: string;
  readonly traits: UntrustedObject;
}

export interface AliasMessage extends MessageBase {
  readonly type: 'alias';
  /** The new id (required, non-empty). */
  readonly userId: string;
  /** The id being aliased (required, non-empty). */
  readonly previousId: string;
}

export type SegmentMessage =
  TrackMessage | PageMessage | ScreenMessage | IdentifyMessage | GroupMessage | AliasMessage;
