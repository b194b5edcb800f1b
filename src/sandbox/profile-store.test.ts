import { describe, expect, it } from 'vitest';
import { ProfileStore } from './profile-store.js';

const meta = { ignoreTime: true, timeMs: 0 };

describe('ProfileStore', () => {
  it('applies every operation with Mixpanel semantics, in order', () => {
    const store = new ProfileStore(10);
    store.apply('u', '$set', { name: 'Ann', plan: 'free' }, meta);
    store.apply('u', '$set_once', { name: 'Bob', first_seen: 'monday' }, meta);
    store.apply('u', '$add', { logins: 2 }, meta);
    store.apply('u', '$add', { logins: -1, credits: 5 }, meta);
    store.apply('u', '$union', { tags: ['a', 'b'] }, meta);
    store.apply('u', '$union', { tags: ['b', 'c'] }, meta);
    store.apply('u', '$append', { events: 'x' }, meta);
    store.apply('u', '$append', { events: 'x' }, meta);
    store.apply('u', '$remove', { tags: 'a' }, meta);
    store.apply('u', '$unset', ['plan'], meta);
    store.apply('u', '$set', { name: 'Ann B.' }, meta);
    expect(store.get('u')).toEqual({
      name: 'Ann B.',
      first_seen: 'monday',
      logins: 1,
      credits: 5,
      tags: ['b', 'c'],
      events: ['x', 'x'],
    });
    store.apply('u', '$delete', '', meta);
    expect(store.get('u')).toBeUndefined();
  });

  it('sets $last_seen unless $ignore_time', () => {
    const store = new ProfileStore(10);
    const at = Date.UTC(2025, 0, 2, 3, 4, 5);
    store.apply('u', '$set', { a: 1 }, { ignoreTime: false, timeMs: at });
    expect(store.get('u')?.$last_seen).toBe('2025-01-02T03:04:05.000Z');
    store.apply('v', '$set', { a: 1 }, { ignoreTime: true, timeMs: at });
    expect(store.get('v')?.$last_seen).toBeUndefined();
  });

  it('does not create profiles for $unset or $remove', () => {
    const store = new ProfileStore(10);
    store.apply('u', '$unset', ['a'], meta);
    store.apply('u', '$remove', { a: 1 }, meta);
    expect(store.size).toBe(0);
  });

  it('holds at most its capacity and counts the updates it could not keep', () => {
    const store = new ProfileStore(2);
    for (const id of ['a', 'b', 'c', 'c']) store.apply(id, '$set', { x: 1 }, meta);
    store.apply('a', '$set', { x: 2 }, meta);
    expect(store.size).toBe(2);
    expect(store.untracked).toBe(2);
    expect(store.get('a')).toEqual({ x: 2 });
  });
});
