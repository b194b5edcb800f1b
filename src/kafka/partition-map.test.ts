import { describe, expect, it } from 'vitest';
import { PartitionMap } from './partition-map.js';

const a = { topic: 'events', partition: 0 };
const b = { topic: 'events', partition: 1 };
const other = { topic: 'other', partition: 0 };

describe('PartitionMap', () => {
  it('keeps one value per topic-partition, whichever was looked up last', () => {
    const map = new PartitionMap<number>();
    map.set(a, 1).set(b, 2).set(other, 3);
    expect([map.get(a), map.get(b), map.get(other), map.get(a)]).toEqual([1, 2, 3, 1]);
    map.set(a, 10);
    expect(map.get({ ...a })).toBe(10);
    expect(map.ensure(b, () => 99)).toBe(2);
    expect(map.ensure({ topic: 'events', partition: 7 }, () => 7)).toBe(7);
    expect(map.size).toBe(4);
  });

  it('forgets a deleted or cleared entry, even the one looked up last', () => {
    const map = new PartitionMap<number>();
    map.set(a, 1);
    expect(map.get(a)).toBe(1);
    map.delete(a);
    expect(map.get(a)).toBeUndefined();
    expect(map.has(a)).toBe(false);
    expect(map.ensure(a, () => 5)).toBe(5);
    map.clear();
    expect(map.has(a)).toBe(false);
    expect(map.get(a)).toBeUndefined();
    expect([...map.entries()]).toEqual([]);
  });
});
