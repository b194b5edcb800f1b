import { describe, expect, it } from 'vitest';
import { mappingSettings, validMessage } from '../../test/support/transform-config.js';
import type { TrackMessage } from '../segment/message.js';
import type { MixpanelRecord } from '../mixpanel/records.js';
import { insertIds, VALID_INSERT_ID } from './insert-id.js';
import { mapTrack } from './track.js';

const T = Date.UTC(2024, 11, 30, 9, 15);
const order = (
  properties: Record<string, unknown>,
  messageId = 'c0ffee00-1111-4222-8333-944455556666',
) =>
  validMessage({
    type: 'track',
    event: 'Order Completed',
    userId: 'u',
    messageId,
    properties,
  }) as TrackMessage;
const records = (message: TrackMessage, mapping = {}): MixpanelRecord[] => {
  const mapped = mapTrack(message, mappingSettings(mapping));
  if (!('records' in mapped)) throw new Error('expected records');
  return mapped.records;
};
const props = (r: MixpanelRecord | undefined): Record<string, unknown> =>
  r?.endpoint === '/import' ? r.record.properties : {};

describe('Order Completed (docs/mapping.md)', () => {
  const products = [
    {
      product_id: 'P-1',
      name: 'Socks',
      price: '12.5',
      quantity: 2,
      color_code: '#777',
      url: 'https://x/1',
    },
    'not a product',
    { product_id: 7, sku: 'S-3', brand: { nested: true } },
  ];
  const message = order({
    order_id: 'o-1',
    revenue: 70,
    total: 84.5,
    coupon: 'W',
    currency: 'EUR',
    gift: true,
    products,
  });

  it('sends the order event, then one Product Purchased per object product, in order', () => {
    const out = records(message);
    expect(out.map((r) => r.endpoint === '/import' && r.record.event)).toEqual([
      'Order Completed',
      'Product Purchased',
      'Product Purchased',
    ]);
    expect(props(out[0])['products']).toEqual(products);
  });

  it('keeps order-level custom properties, drops the order keys, then spreads the mapped product fields', () => {
    const first = props(records(message)[1]);
    expect(first).toMatchObject({
      order_id: 'o-1',
      gift: true,
      event_original_name: 'Order Completed',
      product_id: 'P-1',
      name: 'Socks',
      price: 12.5,
      quantity: 2,
      url: 'https://x/1',
    });
    for (const key of ['revenue', 'total', 'coupon', 'currency', 'products', 'color_code'])
      expect(first).not.toHaveProperty(key);
  });

  it('coerces product fields to their types, keeping other types as sent', () => {
    expect(props(records(message)[2])).toMatchObject({
      product_id: '7',
      sku: 'S-3',
      brand: { nested: true },
    });
  });

  it('decrements time by index + 1 ms, and the index skips nothing (the string at index 1 yields no event)', () => {
    const out = records(message);
    expect(props(out[1])['time']).toBe(T - 1);
    expect(props(out[2])['time']).toBe(T - 3);
  });

  it('gives each product event its own valid $insert_id (Segment prefixes the index, A31)', () => {
    const out = records(message);
    const ids = out.map((r) => props(r)['$insert_id']);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(VALID_INSERT_ID);
    const expected = insertIds(message);
    expect(ids).toEqual([
      message.messageId,
      expected.derived('product:0'),
      expected.derived('product:2'),
    ]);
  });

  it('sends only the order event with productEvents: false (A32)', () => {
    expect(records(message, { productEvents: false })).toHaveLength(1);
  });

  it.each([
    ['no products (A33)', {}],
    ['an empty products array', { products: [] }],
    ['products that is not an array', { products: { a: 1 } }],
  ])('sends only the order event for %s', (_name, properties) => {
    expect(records(order(properties))).toHaveLength(1);
  });

  it('is case-sensitive like the preset trigger: "order completed" is an ordinary track', () => {
    const message = validMessage({
      type: 'track',
      event: 'order completed',
      userId: 'u',
      properties: { products: [{}] },
    });
    expect(records(message as TrackMessage)).toHaveLength(1);
  });
});
