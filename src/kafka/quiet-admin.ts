/**
 * A short conversation with the cluster through an admin client of its own: bounded by
 * kafka.startupTimeoutMs, its failures returned as a KafkaProblem value, and the client silent
 * (its log lines about the same failure would only repeat it).
 */
import type { Admin } from 'kafkajs';
import type { Clock } from '../clock.js';
import type { KafkaConfig } from '../config/schema.js';
import { silentLogger } from '../log.js';
import { createKafka } from './client.js';
import { kafkaProblemOf, type KafkaProblem } from './problem.js';

export type AdminResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: KafkaProblem };

export async function withQuietAdmin<T>(
  kafka: KafkaConfig,
  clock: Clock,
  work: (admin: Admin) => Promise<AdminResult<T>>,
): Promise<AdminResult<T>> {
  const admin = createKafka(kafka, silentLogger(), '-admin').admin();
  const deadline = new AbortController();
  const timeout = clock.sleep(kafka.startupTimeoutMs, deadline.signal).then((): AdminResult<T> => ({
    ok: false,
    problem: { kind: 'timeout', afterMs: kafka.startupTimeoutMs },
  }));
  timeout.catch(() => {});
  const talk = (async (): Promise<AdminResult<T>> => {
    try {
      await admin.connect();
      return await work(admin);
    } catch (err) {
      return { ok: false, problem: kafkaProblemOf(err, kafka) };
    }
  })();
  try {
    return await Promise.race([talk, timeout]);
  } finally {
    deadline.abort();
    // Cut short by the deadline, the client may still be connecting: never wait for it.
    void admin.disconnect().catch(() => {});
  }
}
