/**
 * How cohort sync writes, in the order its guarantees need: state records acknowledged by the
 * broker before they are applied to the in-memory membership; identify messages acknowledged
 * before the membership they report is recorded; a finished generation recorded in the cohort
 * record before its generation and pages are deleted (so a late retry is recognised). A write the
 * broker does not acknowledge throws WriteFailed: the work in progress stops where it stands, and
 * nothing after the failure is recorded.
 */
import type { Metrics } from '../metrics/registry.js';
import type { CohortLog, LogResult } from './cohort-log.js';
import { identifyMessage } from './identify-message.js';
import type { CohortState, MembershipState } from './membership-state.js';
import { encodeState, type GenerationInfo, type StateRecord } from './state-records.js';

/** A write the broker did not acknowledge; carries the Kafka error. */
export class WriteFailed extends Error {
  override name = 'WriteFailed';
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

export interface Transition {
  readonly distinctId: string;
  /** true: entered; false: left. */
  readonly member: boolean;
}

/** Transitions written so far by one piece of work. */
export interface Moved {
  entered: number;
  exited: number;
}

export class GenerationWriter {
  constructor(
    private readonly options: {
      readonly state: MembershipState;
      readonly log: CohortLog;
      readonly metrics: Metrics;
      readonly sendToMixpanel: boolean;
      /** Messages or records per write. */
      readonly batchSize: number;
    },
  ) {}

  /** State records, acknowledged, then applied to the in-memory state; in batches. */
  async write(records: readonly StateRecord[]): Promise<void> {
    const { batchSize } = this.options;
    for (let start = 0; start < records.length; start += batchSize) {
      const batch = records.slice(start, start + batchSize);
      await must(this.options.log.record(batch.map(encodeState)));
      for (const record of batch) this.options.state.apply(record);
    }
  }

  /** Identify messages, acknowledged, then the membership they report; in batches. */
  async emit(
    cohort: CohortState,
    generation: string,
    info: GenerationInfo,
    transitions: readonly Transition[],
    moved: Moved,
  ): Promise<void> {
    const { batchSize, sendToMixpanel, metrics } = this.options;
    const stamp = { id: generation, timestampMs: info.timestampMs, name: info.name };
    for (let start = 0; start < transitions.length; start += batchSize) {
      const batch = transitions.slice(start, start + batchSize);
      const messages = batch.map((t) =>
        identifyMessage({
          ref: cohort.ref,
          distinctId: t.distinctId,
          member: t.member,
          generation: stamp,
          sendToMixpanel,
        }),
      );
      await must(this.options.log.publish(messages));
      await this.write(
        batch.map((t) => ({
          type: 'member' as const,
          ref: cohort.ref,
          distinctId: t.distinctId,
          generation: t.member ? generation : null,
        })),
      );
      const entered = batch.filter((t) => t.member).length;
      const exited = batch.length - entered;
      moved.entered += entered;
      moved.exited += exited;
      metrics.cohortMembers.inc({ source: info.source, transition: 'entered' }, entered);
      metrics.cohortMembers.inc({ source: info.source, transition: 'exited' }, exited);
    }
  }

  /** The cohort record first (late retries are then recognised), then the leftovers deleted. */
  async finish(cohort: CohortState, generation: string, name: string): Promise<void> {
    const finished = [...cohort.finished.filter((g) => g !== generation), generation];
    const match = /^query-(\d+)$/.exec(generation);
    const sequence = Math.max(cohort.sequence, match ? Number(match[1]) : 0);
    await this.write([{ type: 'cohort', ref: cohort.ref, info: { name, finished, sequence } }]);
    await this.write(this.leftovers(cohort, generation));
  }

  /** Tombstones for a generation and its staged pages. */
  leftovers(cohort: CohortState, generation: string): StateRecord[] {
    const ref = cohort.ref;
    const records: StateRecord[] = [...(cohort.pages.get(generation)?.keys() ?? [])].map(
      (page) => ({ type: 'page', ref, generation, page, staged: null }),
    );
    if (cohort.generations.has(generation)) {
      records.push({ type: 'generation', ref, generation, info: null });
    }
    return records;
  }
}

async function must(result: Promise<LogResult>): Promise<void> {
  const outcome = await result;
  if (!outcome.ok) throw new WriteFailed(outcome.error);
}
