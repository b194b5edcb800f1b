import { describe, expect, it } from 'vitest';
import { INSERT_ID_NAMESPACE, insertIds, VALID_INSERT_ID } from './insert-id.js';
import { uuidBytes, uuidV5 } from './uuid.js';

const NS = uuidBytes(INSERT_ID_NAMESPACE);
const UUID_MESSAGE_ID = 'c0ffee00-1111-4222-8333-944455556666';

describe('insertIds', () => {
  it('derives the namespace from its documented name', () => {
    const urlNamespace = uuidBytes('6ba7b811-9dad-11d1-80b4-00c04fd430c8');
    expect(uuidV5(urlNamespace, 'urn:segment-mixpanel:insert-id')).toBe(INSERT_ID_NAMESPACE);
  });

  it.each([UUID_MESSAGE_ID, 'a', 'ABC-123', 'x'.repeat(36)])(
    'uses a valid messageId %s as is',
    (messageId) => {
      expect(insertIds({ messageId, raw: {} }).primary()).toBe(messageId);
    },
  );

  it.each([
    ['37 characters', 'x'.repeat(37)],
    ['an underscore', 'ajs-next_1735550100'],
    ['a colon', 'node:1:2'],
    ['non-ASCII', 'mëssage'],
    ['a space', 'a b'],
  ])('hashes a messageId with %s into a UUIDv5 of it', (_name, messageId) => {
    const id = insertIds({ messageId, raw: {} }).primary();
    expect(id).toBe(uuidV5(NS, messageId));
    expect(id).toMatch(VALID_INSERT_ID);
  });

  it('derives distinct, valid, stable ids per role (Segment prefixes the index, A31)', () => {
    const ids = insertIds({ messageId: UUID_MESSAGE_ID, raw: {} });
    const all = [
      ids.primary(),
      ids.derived('product:0'),
      ids.derived('product:1'),
      ids.derived('$identify'),
    ];
    expect(new Set(all).size).toBe(4);
    for (const id of all) expect(id).toMatch(VALID_INSERT_ID);
    expect(ids.derived('product:0')).toBe(uuidV5(NS, `${UUID_MESSAGE_ID}:product:0`));
    expect(insertIds({ messageId: UUID_MESSAGE_ID, raw: {} }).derived('product:1')).toBe(
      ids.derived('product:1'),
    );
  });

  describe('without a messageId', () => {
    const a = { type: 'track', event: 'A', userId: 'u', properties: { x: 1, y: [1, 2] } };
    const reordered = { properties: { y: [1, 2], x: 1 }, userId: 'u', event: 'A', type: 'track' };

    it('hashes the canonical JSON, so key order does not matter', () => {
      const id = insertIds({ raw: a }).primary();
      expect(id).toMatch(VALID_INSERT_ID);
      expect(insertIds({ raw: reordered }).primary()).toBe(id);
    });

    it('gives different messages different ids', () => {
      expect(insertIds({ raw: { ...a, event: 'B' } }).primary()).not.toBe(
        insertIds({ raw: a }).primary(),
      );
      expect(insertIds({ raw: { ...a, properties: { x: 1, y: [2, 1] } } }).primary()).not.toBe(
        insertIds({ raw: a }).primary(),
      );
    });

    it('derives role ids from the same hash', () => {
      const ids = insertIds({ raw: a });
      expect(ids.derived('product:0')).not.toBe(ids.primary());
      expect(ids.derived('product:0')).toBe(insertIds({ raw: reordered }).derived('product:0'));
    });
  });
});
