/**
 * An in-memory Kafka for the in-memory Source: topics of partitioned logs, and consumer groups with
 * committed offsets and eager rebalancing. A member that joins or leaves makes every member give
 * up all its partitions (each member's revoke hook is awaited first, as a Kafka member finishes
 * its work before it rejoins), then partitions are dealt round-robin over the members in join
 * order, and every member restarts each assigned partition from the group's committed offset.
 *
 * It has the semantics the pipeline relies on and nothing more: no replication, no retention, no
 * transactions. Used by unit tests of the pipeline and the app, on virtual time.
 */
import { fnv1a32 } from '../fnv1a.js';
import type { KafkaRecord } from '../kafka/record.js';
import { PartitionMap } from '../kafka/partition-map.js';
import type { CommittableOffset, TopicPartition } from '../kafka/topic-partition.js';
import { NotAGroupMemberError } from './source.js';

export interface MemoryMessage {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly partition?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timestamp?: number;
}

/** What the group asks of a member; implemented by the in-memory Source. */
export interface GroupMember {
  /** Gives up every partition; resolves once the member finished what it must do before that. */
  revokeAll(): Promise<void>;
  /** The new assignment of the new generation. */
  assign(partitions: readonly TopicPartition[], generation: number): void;
}

class Group {
  readonly committed = new PartitionMap<{ offset: number; metadata: string | null }>();
  members: GroupMember[] = [];
  generation = 0;
  /** Membership changes queue behind one another: a rebalance runs to its end before the next. */
  rebalancing: Promise<void> = Promise.resolve();

  constructor(readonly topics: readonly string[]) {}
}

export class MemoryBroker {
  private readonly logs = new Map<string, KafkaRecord[][]>();
  private readonly groups = new Map<string, Group>();
  private waiters: Array<() => void> = [];
  private nextKeyless = 0;

  constructor(private readonly now: () => number = () => 0) {}

  createTopic(topic: string, partitions: number): void {
    if (this.logs.has(topic)) throw new Error(`topic ${topic} exists`);
    this.logs.set(
      topic,
      Array.from({ length: partitions }, () => []),
    );
  }

  hasTopic(topic: string): boolean {
    return this.logs.has(topic);
  }

  partitions(topic: string): number {
    return this.log(topic).length;
  }

  /** Appends messages (keyed ones to the partition of their key) and returns their positions. */
  produce(topic: string, messages: readonly MemoryMessage[]): CommittableOffset[] {
    const log = this.log(topic);
    const written = messages.map((message) => {
      const partition =
        message.partition ??
        (message.key == null
          ? this.nextKeyless++ % log.length
          : fnv1a32(String(message.key)) % log.length);
      const records = log[partition] as KafkaRecord[];
      const offset = records.length;
      records.push({
        topic,
        partition,
        offset,
        timestamp: message.timestamp ?? this.now(),
        key: toBuffer(message.key ?? null),
        value: toBuffer(message.value),
        headers: { ...message.headers },
      });
      return { topic, partition, offset };
    });
    for (const wake of this.waiters.splice(0)) wake();
    return written;
  }

  /** Records of a partition from `offset`, at most `max`. */
  read(tp: TopicPartition, offset: number, max: number): KafkaRecord[] {
    return (this.log(tp.topic)[tp.partition] ?? []).slice(offset, offset + max);
  }

  endOffset(tp: TopicPartition): number {
    return this.log(tp.topic)[tp.partition]?.length ?? 0;
  }

  /** Resolves at the next produce. */
  nextProduce(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  committed(groupId: string, tp: TopicPartition): number | undefined {
    return this.groups.get(groupId)?.committed.get(tp)?.offset;
  }

  /** The metadata committed with the partition's offset (null when none). */
  committedMetadata(groupId: string, tp: TopicPartition): string | null {
    return this.groups.get(groupId)?.committed.get(tp)?.metadata ?? null;
  }

  /** Joins a member and rebalances; resolves once the new generation is assigned. */
  join(groupId: string, topics: readonly string[], member: GroupMember): Promise<void> {
    const group = this.group(groupId, topics);
    return this.change(group, () => group.members.push(member));
  }

  /** Removes a member (after it gave up its work) and rebalances the others. */
  leave(groupId: string, member: GroupMember): Promise<void> {
    const group = this.groups.get(groupId);
    if (!group) return Promise.resolve();
    return this.change(group, () => {
      group.members = group.members.filter((m) => m !== member);
    });
  }

  /** Commits for a member of the group (the generation it was assigned in may be rebalancing). */
  commit(groupId: string, member: GroupMember, offsets: readonly CommittableOffset[]): void {
    const group = this.groups.get(groupId);
    if (!group || !group.members.includes(member)) {
      throw new NotAGroupMemberError(`not a member of group ${groupId}`);
    }
    for (const o of offsets)
      group.committed.set(o, { offset: o.offset, metadata: o.metadata ?? null });
  }

  private change(group: Group, mutate: () => void): Promise<void> {
    group.rebalancing = group.rebalancing.then(async () => {
      const before = [...group.members];
      await Promise.all(before.map((m) => m.revokeAll()));
      mutate();
      group.generation++;
      const all = group.topics.flatMap((topic) =>
        Array.from({ length: this.partitions(topic) }, (_, partition) => ({ topic, partition })),
      );
      group.members.forEach((member, i) =>
        member.assign(
          all.filter((_, j) => j % group.members.length === i),
          group.generation,
        ),
      );
    });
    return group.rebalancing;
  }

  private group(groupId: string, topics: readonly string[]): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(topics);
      this.groups.set(groupId, group);
    }
    return group;
  }

  private log(topic: string): KafkaRecord[][] {
    const log = this.logs.get(topic);
    if (!log) throw new Error(`topic ${topic} does not exist`);
    return log;
  }
}

function toBuffer(value: string | Buffer | null): Buffer | null {
  if (value === null) return null;
  return Buffer.isBuffer(value) ? value : Buffer.from(value);
}
