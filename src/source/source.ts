/**
 * The Source port: batches of raw Kafka records in partition order, explicit commits of settled
 * offsets, backpressure (a batch is offered again once the handler has room), and rebalances (a
 * revoke hook, then the new assignment). kafka-source.ts adapts kafkajs to it, memory-source.ts a
 * MemoryBroker; both pass one contract suite (source.contract.ts). The pipeline depends only on
 * this file.
 */
import type { KafkaRecord } from '../kafka/record.js';
import type {
  CommittableOffset,
  CommittedOffset,
  TopicPartition,
} from '../kafka/topic-partition.js';

export interface SourceBatch extends TopicPartition {
  readonly records: readonly KafkaRecord[];
  /** Offset of the last record of the fetched batch, including records not handed over (control records). */
  readonly lastOffset: number;
  /** Log end offset of the partition when the batch was fetched. */
  readonly highWatermark: number;
}

export interface AssignmentChange {
  readonly assigned: readonly TopicPartition[];
  readonly revoked: readonly TopicPartition[];
}

export interface SourceHandler {
  /**
   * Takes a batch and returns how many records (a prefix) it accepted. Fewer than all means the
   * backlog is full, the next record waits for a schema lookup, or intake closed: the source keeps
   * the rest in hand and waits on awaitCapacity() (heartbeating) before offering it again, so
   * nothing is fetched twice.
   */
  onBatch(batch: SourceBatch): Promise<number>;
  /**
   * Resolves true once the handler can take more (the backlog has room, no schema lookup pending),
   * false when intake closed for good.
   */
  awaitCapacity(): Promise<boolean>;
  /**
   * A rebalance is about to take these partitions from this member (with Kafka's eager protocol,
   * every partition it owns). The member still belongs to the old generation until the promise
   * settles, so commit() still works: finish or give up the partitions' in-flight work and
   * commit what settled. `signal` aborts when the source cannot wait any longer.
   */
  onRevoking(partitions: readonly TopicPartition[], signal: AbortSignal): Promise<void>;
  /** The new assignment, after a rebalance: what was gained and what was lost. */
  onAssignment(change: AssignmentChange): void;
  /** The consumer crashed for good; the processor must stop. */
  onFatal(error: Error): void;
}

export interface Source {
  start(handler: SourceHandler): Promise<void>;
  /** Commits next-offsets (with their metadata); rejects when the broker refuses. */
  commit(offsets: readonly CommittableOffset[]): Promise<void>;
  /** What the group has committed for these partitions, metadata included. */
  committed(partitions: readonly TopicPartition[]): Promise<CommittedOffset[]>;
  /** Stops fetching (shutdown). */
  pause(): void;
  /** True once the consumer has joined its group (readiness). */
  joined(): boolean;
  /** Partitions currently assigned. */
  assignment(): readonly TopicPartition[];
  /** Leaves the group and disconnects (after the caller's final commit). */
  stop(): Promise<void>;
}

/** commit() rejects with this when the member no longer belongs to its group. */
export class NotAGroupMemberError extends Error {
  override name = 'NotAGroupMemberError';
}
