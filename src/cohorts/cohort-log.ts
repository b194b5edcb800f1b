/**
 * The CohortLog port: where cohort sync writes. Identify messages go to the cohort topic, state
 * records to the compacted state topic; each call resolves once the broker acknowledged every
 * record (from all in-sync replicas), as a value, never by throwing. The Kafka adapter is
 * kafka-cohort-log.ts; unit tests use an in-memory log.
 */
import type { IdentifyRecord } from './identify-message.js';
import type { StateWrite } from './state-records.js';

export type LogResult = { readonly ok: true } | { readonly ok: false; readonly error: Error };

export interface CohortLog {
  /** Writes identify messages to the cohort topic, keyed by user id, in this order. */
  publish(messages: readonly IdentifyRecord[]): Promise<LogResult>;
  /** Writes state records (tombstones included) to the state topic. */
  record(writes: readonly StateWrite[]): Promise<LogResult>;
}

export const LOG_OK: LogResult = { ok: true };
