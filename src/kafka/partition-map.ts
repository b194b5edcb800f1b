/**
 * A map keyed by topic-partition. Iteration gives the topic-partition back, so callers never
 * build or parse keys themselves.
 */
import { fromPartitionKey, partitionKey, type TopicPartition } from './topic-partition.js';

export class PartitionMap<V> {
  private readonly map = new Map<string, V>();

  get size(): number {
    return this.map.size;
  }

  get(tp: TopicPartition): V | undefined {
    return this.map.get(partitionKey(tp));
  }

  has(tp: TopicPartition): boolean {
    return this.map.has(partitionKey(tp));
  }

  set(tp: TopicPartition, value: V): this {
    this.map.set(partitionKey(tp), value);
    return this;
  }

  /** The value for tp, created by make() when absent. */
  ensure(tp: TopicPartition, make: () => V): V {
    const key = partitionKey(tp);
    let value = this.map.get(key);
    if (value === undefined) {
      value = make();
      this.map.set(key, value);
    }
    return value;
  }

  delete(tp: TopicPartition): boolean {
    return this.map.delete(partitionKey(tp));
  }

  clear(): void {
    this.map.clear();
  }

  *entries(): IterableIterator<[TopicPartition, V]> {
    for (const [key, value] of this.map) yield [fromPartitionKey(key), value];
  }

  keys(): TopicPartition[] {
    return [...this.map.keys()].map(fromPartitionKey);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}
