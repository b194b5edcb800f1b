/**
 * A map keyed by topic-partition. Iteration gives the topic-partition back, so callers never
 * build or parse keys themselves. The entry looked up last is remembered: the pipeline touches
 * one partition many times in a row (every record of a Kafka batch), and building the string key
 * for each would cost more than the lookup itself.
 */
import { fromPartitionKey, partitionKey, type TopicPartition } from './topic-partition.js';

export class PartitionMap<V> {
  private readonly map = new Map<string, V>();
  private lastTopic: string | undefined;
  private lastPartition = -1;
  private lastValue: V | undefined;

  get size(): number {
    return this.map.size;
  }

  get(tp: TopicPartition): V | undefined {
    if (tp.partition === this.lastPartition && tp.topic === this.lastTopic) return this.lastValue;
    const value = this.map.get(partitionKey(tp));
    if (value !== undefined) this.remember(tp, value);
    return value;
  }

  has(tp: TopicPartition): boolean {
    if (tp.partition === this.lastPartition && tp.topic === this.lastTopic) return true;
    return this.map.has(partitionKey(tp));
  }

  set(tp: TopicPartition, value: V): this {
    const same =
      tp.partition === this.lastPartition &&
      tp.topic === this.lastTopic &&
      value === this.lastValue;
    if (!same) this.map.set(partitionKey(tp), value);
    this.remember(tp, value);
    return this;
  }

  /** The value for tp, created by make() when absent. */
  ensure(tp: TopicPartition, make: () => V): V {
    if (tp.partition === this.lastPartition && tp.topic === this.lastTopic) {
      return this.lastValue as V;
    }
    const key = partitionKey(tp);
    let value = this.map.get(key);
    if (value === undefined) {
      value = make();
      this.map.set(key, value);
    }
    this.remember(tp, value);
    return value;
  }

  delete(tp: TopicPartition): boolean {
    this.forgetLast();
    return this.map.delete(partitionKey(tp));
  }

  clear(): void {
    this.forgetLast();
    this.map.clear();
  }

  private remember(tp: TopicPartition, value: V): void {
    this.lastTopic = tp.topic;
    this.lastPartition = tp.partition;
    this.lastValue = value;
  }

  private forgetLast(): void {
    this.lastTopic = undefined;
    this.lastPartition = -1;
    this.lastValue = undefined;
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
