/**
 * A partition of a topic, the unit Kafka orders, assigns and commits by, and the one key every
 * per-partition structure uses.
 */

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A position to commit: the next offset to read (last settled + 1), as Kafka expects. */
export interface CommittableOffset extends TopicPartition {
  readonly offset: number;
  /** A short string Kafka keeps with the committed offset (offset.metadata.max.bytes, 4 KB). */
  readonly metadata?: string | undefined;
}

/** What a group has committed for a partition: no offset (-1) and no metadata when nothing. */
export interface CommittedOffset extends TopicPartition {
  readonly offset: number;
  readonly metadata: string | null;
}

/** A string key for a topic-partition (NUL cannot occur in a topic name). */
export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/** The topic-partition a partitionKey() was made from. */
export function fromPartitionKey(key: string): TopicPartition {
  const at = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

export function samePartition(a: TopicPartition, b: TopicPartition): boolean {
  return a.topic === b.topic && a.partition === b.partition;
}
