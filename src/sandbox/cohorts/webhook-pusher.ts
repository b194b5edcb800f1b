/**
 * The sandbox's side of Mixpanel's webhook cohort sync: a cohort connected to a URL is pushed
 * there as Mixpanel does it (src/mixpanel/cohort-webhook.ts). The first sync sends the whole
 * cohort (`members`), later ones what changed since the last *successful* sync (`add_members`,
 * then `remove_members`, each sent even when empty), in pages of `cohorts.syncPageSize` sharing a
 * session id. Each request is delivered with Mixpanel's retries (webhook-delivery.ts); a request
 * that still fails fails the sync, and the next one starts from the same snapshot; a pausing
 * answer pauses the connection. A dynamic connection syncs every `syncIntervalMs`; a snapshot
 * older than `snapshotTtlMs` makes the next sync a full one again. Time runs on the sandbox clock.
 */
import { z } from 'zod';
import type { Clock, Timer } from '../../clock.js';
import type { Logger } from '../../log.js';
import type { CohortSyncAction, CohortSyncRequestInput } from '../../mixpanel/cohort-webhook.js';
import type { SandboxCohortSettings } from '../settings.js';
import type { CohortBook } from './cohort-book.js';
import { deliver } from './webhook-delivery.js';

export const webhookConnectionSchema = z
  .object({
    url: z.url(),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    /** `dynamic`: a sync every `syncIntervalMs`; `one-time`: the first sync only. */
    mode: z.enum(['dynamic', 'one-time']).default('dynamic'),
  })
  .strict();
export type WebhookConnectionInput = z.input<typeof webhookConnectionSchema>;

export interface SyncReport {
  /** 1 for the first sync of the connection. */
  readonly number: number;
  readonly kind: 'full' | 'diff';
  readonly status: 'success' | 'failed' | 'paused';
  /** Users sent in `members`/`add_members`, and in `remove_members`. */
  readonly added: number;
  readonly removed: number;
  readonly pages: number;
  /** HTTP requests sent, retries included. */
  readonly requests: number;
  readonly error?: string;
  readonly atMs: number;
}

export interface ConnectionView {
  readonly cohortId: number;
  readonly url: string;
  readonly mode: 'dynamic' | 'one-time';
  readonly status: 'active' | 'paused' | 'done';
  readonly syncs: number;
  readonly last?: SyncReport;
}

interface Connection {
  readonly cohortId: number;
  readonly spec: z.output<typeof webhookConnectionSchema>;
  status: ConnectionView['status'];
  syncs: number;
  last: SyncReport | undefined;
  snapshot: ReadonlySet<string> | undefined;
  snapshotAtMs: number;
  timer: Timer | undefined;
  /** The sync in progress (syncs of a connection run one after the other). */
  running: Promise<SyncReport | undefined>;
  readonly stop: AbortController;
}

export class WebhookPusher {
  private readonly connections = new Map<number, Connection>();
  private sessions = 0;

  constructor(
    private readonly deps: {
      readonly book: CohortBook;
      readonly clock: Clock;
      readonly settings: SandboxCohortSettings;
      readonly projectId: string;
      readonly logger: Logger;
    },
  ) {}

  /** Connects the cohort (replacing a connection it had) and starts its first sync. */
  connect(cohortId: number, input: WebhookConnectionInput): ConnectionView {
    this.disconnect(cohortId);
    const connection: Connection = {
      cohortId,
      spec: webhookConnectionSchema.parse(input),
      status: 'active',
      syncs: 0,
      last: undefined,
      snapshot: undefined,
      snapshotAtMs: 0,
      timer: undefined,
      running: Promise.resolve(undefined),
      stop: new AbortController(),
    };
    this.connections.set(cohortId, connection);
    void this.enqueue(connection);
    return this.viewOf(connection);
  }

  disconnect(cohortId: number): boolean {
    const connection = this.connections.get(cohortId);
    if (!connection) return false;
    connection.timer?.cancel();
    connection.stop.abort();
    this.connections.delete(cohortId);
    return true;
  }

  view(cohortId: number): ConnectionView | undefined {
    const connection = this.connections.get(cohortId);
    return connection && this.viewOf(connection);
  }

  /** Runs a sync now (after the one in progress); undefined when not connected or paused. */
  async syncNow(cohortId: number): Promise<SyncReport | undefined> {
    const connection = this.connections.get(cohortId);
    if (!connection || connection.status === 'paused') return undefined;
    return this.enqueue(connection);
  }

  stop(): void {
    for (const cohortId of [...this.connections.keys()]) this.disconnect(cohortId);
  }

  private viewOf(c: Connection): ConnectionView {
    return {
      cohortId: c.cohortId,
      url: c.spec.url,
      mode: c.spec.mode,
      status: c.status,
      syncs: c.syncs,
      ...(c.last ? { last: c.last } : {}),
    };
  }

  private schedule(connection: Connection, ms: number): void {
    connection.timer?.cancel();
    connection.timer = this.deps.clock.setTimer(() => {
      connection.timer = undefined;
      void this.enqueue(connection);
    }, ms);
  }

  private enqueue(connection: Connection): Promise<SyncReport | undefined> {
    connection.running = connection.running.then(async () => {
      if (connection.stop.signal.aborted || connection.status === 'paused') return undefined;
      connection.timer?.cancel();
      const report = await this.run(connection);
      connection.last = report;
      if (report.status === 'paused') connection.status = 'paused';
      else if (connection.spec.mode === 'one-time' && report.status === 'success') {
        connection.status = 'done';
      } else if (!connection.stop.signal.aborted && connection.spec.mode === 'dynamic') {
        this.schedule(connection, this.deps.settings.syncIntervalMs);
      }
      return report;
    });
    return connection.running;
  }

  private async run(connection: Connection): Promise<SyncReport> {
    const { book, clock, settings } = this.deps;
    const number = ++connection.syncs;
    const atMs = clock.now();
    const definition = book.get(connection.cohortId);
    const members = book.members(connection.cohortId);
    const snapshot = connection.snapshot;
    const full = snapshot === undefined || atMs - connection.snapshotAtMs > settings.snapshotTtlMs;
    const batches: [CohortSyncAction, string[]][] = full
      ? [['members', members]]
      : [
          ['add_members', members.filter((id) => !snapshot.has(id))],
          ['remove_members', [...snapshot].filter((id) => !members.includes(id)).sort()],
        ];
    let requests = 0;
    let pages = 0;
    for (const [action, ids] of batches) {
      const session = `sandbox-sync-${connection.cohortId}-${++this.sessions}`;
      const total = Math.max(1, Math.ceil(ids.length / settings.syncPageSize));
      for (let page = 1; page <= total; page++) {
        const slice = ids.slice((page - 1) * settings.syncPageSize, page * settings.syncPageSize);
        const body: CohortSyncRequestInput = {
          action,
          parameters: {
            mixpanel_project_id: this.deps.projectId,
            mixpanel_cohort_id: String(connection.cohortId),
            mixpanel_cohort_name: definition?.name ?? `cohort ${connection.cohortId}`,
            mixpanel_cohort_description: definition?.description ?? '',
            mixpanel_session_id: session,
            page_info: { total_pages: total, page_count: page },
            members: slice.map((id) => this.member(id)),
          },
        };
        const sent = await deliver(connection.spec, body, {
          clock: this.deps.clock,
          settings,
          signal: connection.stop.signal,
        });
        requests += sent.requests;
        if (!sent.ok) {
          return {
            number,
            kind: full ? 'full' : 'diff',
            status: sent.paused ? 'paused' : 'failed',
            added: batches[0]?.[1].length ?? 0,
            removed: batches[1]?.[1].length ?? 0,
            pages,
            requests,
            error: sent.error,
            atMs,
          };
        }
        pages++;
      }
    }
    connection.snapshot = new Set(members);
    connection.snapshotAtMs = atMs;
    return {
      number,
      kind: full ? 'full' : 'diff',
      status: 'success',
      added: batches[0]?.[1].length ?? 0,
      removed: batches[1]?.[1].length ?? 0,
      pages,
      requests,
      atMs,
    };
  }

  /** The member fields Mixpanel includes: the distinct id, email and names (phone if any). */
  private member(
    distinctId: string,
  ): NonNullable<CohortSyncRequestInput['parameters']['members']>[number] {
    const p = this.deps.book.profile(distinctId) ?? {};
    const text = (key: string): string | undefined =>
      typeof p[key] === 'string' ? (p[key] as string) : undefined;
    const fields = {
      email: text('$email'),
      first_name: text('$first_name'),
      last_name: text('$last_name'),
      phone_number: text('$phone'),
    };
    return {
      mixpanel_distinct_id: distinctId,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    };
  }
}
