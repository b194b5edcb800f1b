import { describe, expect, it } from 'vitest';
import { EventStore, type IncomingEvent } from './event-store.js';

function incoming(overrides: Partial<IncomingEvent> = {}): IncomingEvent {
  const value = {
    event: 'E',
    properties: {
      time: 1_000_000_000_000,
      distinct_id: 'u',
      $insert_id: 'i1',
      long: 'x'.repeat(300),
    },
  };
  return {
    endpoint: '/import',
    event: 'E',
    distinctId: 'u',
    timeMs: 1_000_000_000_000,
    storedTimeMs: 1_000_000_000_000,
    insertId: 'i1',
    text: JSON.stringify(value),
    value,
    ...overrides,
  };
}

describe('EventStore', () => {
  it('keeps every copy in the raw view and one per four-field key in the deduplicated view', () => {
    const store = new EventStore(100);
    expect(store.add(incoming(), 1)).toBe(true);
    expect(store.add(incoming(), 2)).toBe(false);
    // Differing in another property only: still a duplicate (Mixpanel dedupes on event, distinct_id, time and $insert_id only).
    expect(
      store.add(
        incoming({ text: undefined, value: { event: 'E', properties: { $city: 'X' } } }),
        3,
      ),
    ).toBe(false);
    // Differing in any of the four fields: distinct.
    expect(store.add(incoming({ event: 'F' }), 4)).toBe(true);
    expect(store.add(incoming({ distinctId: 'v' }), 5)).toBe(true);
    expect(store.add(incoming({ timeMs: 1 }), 6)).toBe(true);
    expect(store.add(incoming({ insertId: 'i2' }), 7)).toBe(true);
    expect({ raw: store.raw, unique: store.unique, duplicates: store.duplicates }).toEqual({
      raw: 7,
      unique: 5,
      duplicates: 2,
    });
    expect(store.copiesOf('E', 'u', 1_000_000_000_000, 'i1')).toBe(3);
    const { events, raw } = store.eventsOf('u');
    expect(raw).toBe(6);
    expect(events).toHaveLength(4);
  });

  it('shows the latest copy, with strings truncated and /import markers', () => {
    const store = new EventStore(100);
    store.add(incoming(), 10);
    store.add(
      incoming({ text: undefined, value: { event: 'E', properties: { note: 'later' } } }),
      20,
    );
    const [row] = store.eventsOf('u').events;
    expect(row?.properties).toEqual({
      note: 'later',
      time: 1_000_000_000_000,
      distinct_id: 'u',
      $import: true,
      mp_processing_time_ms: 20,
    });
    store.clear();
    store.add(incoming(), 10);
    const [first] = store.eventsOf('u').events;
    expect((first?.properties.long as string).length).toBe(255);
  });

  it('never deduplicates events without $insert_id', () => {
    const store = new EventStore(100);
    store.add(incoming({ endpoint: '/track', insertId: undefined }), 1);
    store.add(incoming({ endpoint: '/track', insertId: undefined }), 2);
    expect(store.unique).toBe(2);
  });

  it('keeps full rows only up to its cap but counts everything', () => {
    const store = new EventStore(3);
    for (let i = 0; i < 10; i++) store.add(incoming({ insertId: `i${i}` }), i);
    expect(store.kept).toBe(3);
    expect(store.truncated).toBe(true);
    expect(store.unique).toBe(10);
  });
});
