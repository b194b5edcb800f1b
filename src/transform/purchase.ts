/**
 * "Order Completed" (Segment's Order Completed Calls preset, docs/mapping.md): besides the
 * order event itself, one "Product Purchased" event per element of `properties.products`, in
 * array order (docs/mapping.md), each with:
 *   - the order event's properties minus the order-level keys (ORDER_KEYS), so `order_id`,
 *     custom order properties and `event_original_name: "Order Completed"` are kept;
 *   - `time` = order time − (index + 1) ms, as Segment does, so the events stay distinct and
 *     ordered;
 *   - its own valid `$insert_id`, uuidv5(messageId + ":product:" + index) (insert-id.ts). Segment
 *     prefixes the index to the messageId, which breaks Mixpanel's 36-byte limit (A31);
 *   - then the product's mapped fields (PRODUCT_FIELDS, in that order); other product keys stay
 *     visible only in the order event's `products` array.
 * An element that is not an object yields no event; the indices of the others do not move.
 */
import type { ImportEvent, JsonValue, MixpanelRecord } from '../mixpanel/records.js';
import { asNumber, asString, own } from './coerce.js';
import type { EventProperties } from './event-properties.js';
import type { InsertIds } from './insert-id.js';
import { safeValue, setKey } from './values.js';

export const ORDER_COMPLETED = 'Order Completed';
export const PRODUCT_PURCHASED = 'Product Purchased';

export const ORDER_KEYS: ReadonlySet<string> = new Set([
  'affiliation',
  'subtotal',
  'total',
  'revenue',
  'shipping',
  'tax',
  'discount',
  'coupon',
  'currency',
  'order_number',
  'products',
]);

type Coerce = (value: unknown) => JsonValue | undefined;

/** Product fields copied onto each product event; typed as Segment's action schema types them. */
const PRODUCT_FIELDS: ReadonlyArray<readonly [string, Coerce]> = [
  ['product_id', asString],
  ['sku', asString],
  ['category', asString],
  ['name', asString],
  ['brand', asString],
  ['variant', asString],
  ['price', asNumber],
  ['quantity', asNumber],
  ['coupon', asString],
  ['position', asNumber],
  ['url', asString],
  ['image_url', asString],
];

export function productEvents(
  order: ImportEvent,
  products: unknown,
  ids: InsertIds,
): MixpanelRecord[] {
  if (!Array.isArray(products) || products.length === 0) return [];
  const base: EventProperties = {};
  for (const key of Object.keys(order.properties)) {
    if (!ORDER_KEYS.has(key)) setKey(base, key, order.properties[key]);
  }
  const records: MixpanelRecord[] = [];
  products.forEach((product: unknown, index) => {
    if (product === null || typeof product !== 'object' || Array.isArray(product)) return;
    const properties: EventProperties = { ...base };
    properties['time'] = order.properties.time - (index + 1);
    properties['$insert_id'] = ids.derived(`product:${index}`);
    for (const [field, coerce] of PRODUCT_FIELDS) {
      const raw = own(product as Record<string, unknown>, field);
      // A value of another type is kept as sent rather than failing the order (Segment: 400).
      const value = coerce(raw) ?? safeValue(raw);
      if (value !== undefined) setKey(properties, field, value);
    }
    records.push({
      endpoint: '/import',
      record: { event: PRODUCT_PURCHASED, properties: properties as ImportEvent['properties'] },
    });
  });
  return records;
}
