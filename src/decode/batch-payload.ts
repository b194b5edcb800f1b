/**
 * Segment HTTP API batch payloads (docs/mapping.md): `{"batch": [...], "context"?, "integrations"?,
 * "sentAt"?}` expands into its messages, with the top-level fields as defaults for each.
 *
 * Merge rules: `context` and `integrations` merge shallowly, the message's own keys winning;
 * `sentAt` (which Segment libraries put on the batch, not on each message) is copied to messages
 * without one, so it can serve as the last time fallback (docs/mapping.md "time"). Spreads define own data
 * properties, so a `__proto__` key in either object stays data and never becomes a prototype.
 */

export type Json = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A batch payload is an object with a `batch` array and no `type` of its own. */
export function isBatchPayload(value: Json): value is Json & { batch: unknown[] } {
  return Array.isArray(value['batch']) && value['type'] === undefined;
}

/**
 * The batch's elements with defaults applied, in order. Elements that are not objects are
 * returned unchanged so that the caller can reject exactly those (`not_an_object`).
 */
export function expandBatch(payload: Json & { batch: unknown[] }): unknown[] {
  const context = isPlainObject(payload['context']) ? payload['context'] : undefined;
  const integrations = isPlainObject(payload['integrations']) ? payload['integrations'] : undefined;
  const sentAt = payload['sentAt'];
  if (context === undefined && integrations === undefined && sentAt === undefined) {
    return payload.batch;
  }
  return payload.batch.map((message) => {
    if (!isPlainObject(message)) return message;
    const merged: Json = { ...message };
    if (context !== undefined) merged['context'] = withDefaults(context, message['context']);
    if (integrations !== undefined) {
      merged['integrations'] = withDefaults(integrations, message['integrations']);
    }
    if (sentAt !== undefined && (message['sentAt'] === undefined || message['sentAt'] === null)) {
      merged['sentAt'] = sentAt;
    }
    return merged;
  });
}

/** Own value wins; an absent or null own value takes the default; junk stays for validation. */
function withDefaults(defaults: Json, own: unknown): unknown {
  if (own === undefined || own === null) return defaults;
  return isPlainObject(own) ? { ...defaults, ...own } : own;
}
