/**
 * An in-memory CohortLog for unit tests: the cohort topic as a list, the state topic as a log
 * that can be read back the way the Kafka adapter loads it, and scripted write failures (a broker
 * that stops acknowledging at a chosen point, as in a crash).
 */
import type { CohortLog, LogResult } from './cohort-log.js';
import type { IdentifyRecord } from './identify-message.js';
import { MembershipState } from './membership-state.js';
import { decodeState, type StateWrite } from './state-records.js';

export type WriteKind = 'publish' | 'record';

export class MemoryCohortLog implements CohortLog {
  readonly published: IdentifyRecord[] = [];
  readonly stateLog: StateWrite[] = [];
  /** Writes that succeed before every later one fails; undefined: no failure planned. */
  private failAfter: { kind: WriteKind; remaining: number } | undefined;

  /** The next `successes` writes of `kind` succeed, every later one of that kind fails. */
  failAfterWrites(kind: WriteKind, successes: number): void {
    this.failAfter = { kind, remaining: successes };
  }

  heal(): void {
    this.failAfter = undefined;
  }

  publish(messages: readonly IdentifyRecord[]): Promise<LogResult> {
    return this.write('publish', () => this.published.push(...messages));
  }

  record(writes: readonly StateWrite[]): Promise<LogResult> {
    return this.write('record', () => this.stateLog.push(...writes));
  }

  /** The state as a process starting now would load it. */
  load(): MembershipState {
    const state = new MembershipState();
    for (const write of this.stateLog) {
      const record = decodeState(write.key, write.value);
      if (record) state.apply(record);
    }
    return state;
  }

  /** Published messages, parsed. */
  messages(): Record<string, unknown>[] {
    return this.published.map(
      (m) => JSON.parse(m.value.toString('utf8')) as Record<string, unknown>,
    );
  }

  private async write(kind: WriteKind, apply: () => void): Promise<LogResult> {
    await Promise.resolve();
    const plan = this.failAfter;
    if (plan?.kind === kind) {
      if (plan.remaining <= 0) return { ok: false, error: new Error(`${kind} refused (scripted)`) };
      plan.remaining--;
    }
    apply();
    return { ok: true };
  }
}
