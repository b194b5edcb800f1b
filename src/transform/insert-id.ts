/**
 * `$insert_id` (docs/mapping.md): always valid for Mixpanel (≤ 36 bytes of `[A-Za-z0-9-]`,
 * Mixpanel's ingestion rules) and a pure function of the message, so a retried or replayed record
 * carries the same id and Mixpanel's dedupe collapses it (Mixpanel's ingestion rules). Never random,
 * never the clock.
 *
 *   primary record, messageId valid    the messageId itself (Segment parity: A01, A23, ...)
 *   primary record, messageId invalid  uuidv5(messageId)
 *   derived record (role R)            uuidv5(messageId + ":" + R), R = "product:0", "$identify", ...
 *   no messageId                       messageId above replaced by "sha256:" + hex sha256 of the
 *                                      message's canonical JSON (canonical-json.ts)
 *
 * all under INSERT_ID_NAMESPACE. Under `mapping.subscriptions`, the first subscription that matches
 * a message uses these ids; a later one (name N) uses uuidv5(base + ":subscription:N") for its
 * event and uuidv5(base + ":subscription:N:" + R) for role R, so two subscriptions making events
 * from one message never share an id, and each keeps its ids across replays. Segment's own per-product ids (`index + messageId`, 37 chars for
 * a UUID) exceed Mixpanel's limit (docs/mapping.md, A31); the role suffix fixes that and keeps
 * the ids of one message's records distinct.
 */
import { createHash } from 'node:crypto';
import type { UntrustedObject } from '../segment/message.js';
import { canonicalJson } from './canonical-json.js';
import { uuidBytes, uuidV5 } from './uuid.js';

/**
 * Our namespace: uuidv5(NAMESPACE_URL 6ba7b811-9dad-11d1-80b4-00c04fd430c8,
 * "urn:segment-mixpanel:insert-id"). Changing it changes every derived id: never change it.
 */
export const INSERT_ID_NAMESPACE = '086aa283-e737-5ab1-b86b-11d07acae189';
const NAMESPACE_BYTES = uuidBytes(INSERT_ID_NAMESPACE);

/** What Mixpanel accepts as `$insert_id`. */
export const VALID_INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;

/** Roles of records derived from one message. */
export type InsertIdRole =
  `product:${number}` | '$identify' | '$create_alias' | `page:${string}` | `subscription:${string}`;

/** The insert ids of one message's records; hashes at most once, and only when needed. */
export class InsertIds {
  private base: string | undefined;

  constructor(
    private readonly message: {
      readonly messageId?: string | undefined;
      readonly raw: UntrustedObject;
    },
    /** A subscription after the first that matched the message: all its ids are derived. */
    private readonly scope?: string,
  ) {
    this.base = message.messageId;
  }

  /** The id of the message's own event. */
  primary(): string {
    if (this.scope !== undefined) return this.derived(`subscription:${this.scope}`);
    const { messageId } = this.message;
    return messageId !== undefined && VALID_INSERT_ID.test(messageId)
      ? messageId
      : uuidV5(NAMESPACE_BYTES, this.baseName());
  }

  /** The id of a record derived from the message. */
  derived(role: InsertIdRole): string {
    const scoped = this.scope === undefined ? role : `subscription:${this.scope}:${role}`;
    return uuidV5(NAMESPACE_BYTES, `${this.baseName()}:${scoped}`);
  }

  /** The ids of the same message as seen by another subscription (see the file comment). */
  scoped(subscription: string): InsertIds {
    return new InsertIds(this.message, subscription);
  }

  private baseName(): string {
    return (this.base ??= `sha256:${createHash('sha256').update(canonicalJson(this.message.raw)).digest('hex')}`);
  }
}

export function insertIds(message: {
  readonly messageId?: string | undefined;
  readonly raw: UntrustedObject;
}): InsertIds {
  return new InsertIds(message);
}
