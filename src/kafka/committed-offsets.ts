/**
 * The offsets a consumer group has committed, keyed `topic/partition`, read from the cluster
 * (what a restarted processor resumes from). -1 for a partition without a commit.
 */
import type { Clock } from '../clock.js';
import type { KafkaConfig } from '../config/schema.js';
import { withQuietAdmin, type AdminResult } from './quiet-admin.js';

export type CommittedOffsets = Record<string, number>;

export function readCommittedOffsets(
  kafka: KafkaConfig,
  clock: Clock,
): Promise<AdminResult<CommittedOffsets>> {
  return withQuietAdmin(kafka, clock, async (admin) => {
    const fetched = await admin.fetchOffsets({ groupId: kafka.groupId, topics: [...kafka.topics] });
    const out: CommittedOffsets = {};
    for (const { topic, partitions } of fetched) {
      for (const p of partitions) out[`${topic}/${p.partition}`] = Number(p.offset);
    }
    return { ok: true, value: out };
  });
}
