/**
 * Event properties in the built-in mapping's key order (docs/mapping.md, "track"): the keys of the
 * message's own `properties` that reach the event (not the reserved ones; for a product event not
 * the order-level ones either), in the message's order, then every other key in the order it has.
 * Applied to `/import` records in Segment's order (computed keys first, a message property named
 * like a computed key at that key's position), it gives the bytes the built-in mapping sends with
 * default settings. Other records are returned as they are.
 */
import { RESERVED_PROPERTIES } from '../../src/transform/event-keys.js';
import { ORDER_KEYS, PRODUCT_PURCHASED } from '../../src/transform/purchase.js';

type Json = { [key: string]: unknown };

export function inBuiltInOrder<R>(records: readonly R[], messageKeys: readonly string[]): R[] {
  return records.map((r) => {
    const { endpoint, record } = r as { endpoint?: unknown; record?: Json };
    const properties = record?.['properties'] as Json | undefined;
    if (endpoint !== '/import' || typeof properties !== 'object' || properties === null) return r;
    const product = record?.['event'] === PRODUCT_PURCHASED;
    const ordered: Json = {};
    for (const key of messageKeys) {
      if (RESERVED_PROPERTIES.has(key) || (product && ORDER_KEYS.has(key))) continue;
      if (Object.hasOwn(properties, key)) ordered[key] = properties[key];
    }
    for (const [key, value] of Object.entries(properties))
      if (!Object.hasOwn(ordered, key)) ordered[key] = value;
    return { ...r, record: { ...record, properties: ordered } } as R;
  });
}

/** The keys of a message's `properties` (of each message of a batch, in order). */
export function messagePropertyKeys(input: unknown): string[] {
  const messages = Array.isArray(input) ? input : [input];
  const keys: string[] = [];
  for (const message of messages) {
    const properties = (message as Json | null)?.['properties'];
    if (typeof properties === 'object' && properties !== null)
      for (const key of Object.keys(properties)) if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}
