/** Counters behind GET /_sandbox/stats: requests by endpoint and answer, records by outcome. */
import type { DelaySummary } from './arrival-delay.js';
import type { EventStore } from './event-store.js';
import type { FaultMode, FaultRule, FaultSet } from './faults.js';
import type { ProfileStore } from './profile-store.js';

export const INGEST_ENDPOINTS = ['/import', '/track', '/engage', '/groups'] as const;
export type IngestEndpoint = (typeof INGEST_ENDPOINTS)[number];
/** The Query API routes the sandbox serves (cohort membership). */
export const QUERY_ENDPOINTS = ['/api/query/engage', '/api/query/cohorts/list'] as const;
export type QueryEndpoint = (typeof QUERY_ENDPOINTS)[number];
export type SandboxEndpoint = IngestEndpoint | QueryEndpoint;
const REQUEST_ENDPOINTS: readonly SandboxEndpoint[] = [...INGEST_ENDPOINTS, ...QUERY_ENDPOINTS];

export interface RecordCounts {
  /** Records the sandbox stored or applied. */
  accepted: number;
  /** Records refused (failed_records, invalid updates, whole-batch refusals). */
  rejected: number;
  /** Records answered as success but not kept (wrong token; /track events older than 5 days). */
  dropped: number;
}

/** The JSON of GET /_sandbox/stats. */
export interface SandboxStats {
  /** Per endpoint: `total` and a count per answer (`"200"`, `"429"`, …, `"hang"`, `"reset"`). */
  readonly requests: Readonly<Record<SandboxEndpoint, Readonly<Record<string, number>>>>;
  readonly records: {
    /** `raw`: every stored copy; `unique`: distinct dedupe keys; `duplicates` = raw − unique. */
    readonly '/import': RecordCounts & {
      raw: number;
      unique: number;
      duplicates: number;
      /** Arrival minus `properties.time` of each first copy, in ms (see arrival-delay.ts). */
      arrivalDelayMs: DelaySummary;
    };
    readonly '/track': RecordCounts;
    readonly '/engage': RecordCounts & { profiles: number };
    readonly '/groups': RecordCounts & { profiles: number };
  };
  readonly faults: {
    readonly injected: Readonly<Record<FaultMode, number>>;
    readonly active: readonly FaultRule[];
  };
  readonly storage: {
    /** Full event rows held for GET /_sandbox/records, and the cap. */
    readonly keptEvents: number;
    readonly keepRecords: number;
    /** Profile updates not applied because the profile cap was reached. */
    readonly untrackedProfileUpdates: number;
  };
}

export class StatsCounter {
  readonly requests = Object.fromEntries(
    REQUEST_ENDPOINTS.map((e) => [e, { total: 0 } as Record<string, number>]),
  ) as Record<SandboxEndpoint, Record<string, number>>;
  readonly records = blank((): RecordCounts => ({ accepted: 0, rejected: 0, dropped: 0 }));

  request(endpoint: SandboxEndpoint, answer: number | 'hang' | 'reset'): void {
    const counts = this.requests[endpoint];
    const key = String(answer);
    counts.total = (counts.total ?? 0) + 1;
    counts[key] = (counts[key] ?? 0) + 1;
  }

  count(endpoint: IngestEndpoint, accepted: number, rejected: number, dropped = 0): void {
    const counts = this.records[endpoint];
    counts.accepted += accepted;
    counts.rejected += rejected;
    counts.dropped += dropped;
  }

  clear(): void {
    for (const endpoint of REQUEST_ENDPOINTS) this.requests[endpoint] = { total: 0 };
    for (const endpoint of INGEST_ENDPOINTS) {
      this.records[endpoint] = { accepted: 0, rejected: 0, dropped: 0 };
    }
  }
}

function blank<T>(make: () => T): Record<IngestEndpoint, T> {
  return Object.fromEntries(INGEST_ENDPOINTS.map((e) => [e, make()])) as Record<IngestEndpoint, T>;
}

/** What a snapshot reads: the counters, the stores, and how many records are kept. */
export interface StatsSources {
  readonly stats: StatsCounter;
  readonly events: EventStore;
  readonly users: ProfileStore;
  readonly groups: ProfileStore;
  readonly options: { readonly keepRecords: number };
}

/** The JSON of GET /_sandbox/stats, from the counters and the stores. */
export function snapshot(state: StatsSources, faults: FaultSet): SandboxStats {
  const { events, users, groups, stats } = state;
  const copy = <T extends object>(value: T): T => ({ ...value });
  return {
    requests: {
      '/import': copy(stats.requests['/import']),
      '/track': copy(stats.requests['/track']),
      '/engage': copy(stats.requests['/engage']),
      '/groups': copy(stats.requests['/groups']),
      '/api/query/engage': copy(stats.requests['/api/query/engage']),
      '/api/query/cohorts/list': copy(stats.requests['/api/query/cohorts/list']),
    },
    records: {
      '/import': {
        ...stats.records['/import'],
        raw: events.raw,
        unique: events.unique,
        duplicates: events.duplicates,
        arrivalDelayMs: events.arrivalDelay.summary(),
      },
      '/track': copy(stats.records['/track']),
      '/engage': { ...stats.records['/engage'], profiles: users.size },
      '/groups': { ...stats.records['/groups'], profiles: groups.size },
    },
    faults: { injected: copy(faults.injectedCounts), active: faults.active.map((r) => ({ ...r })) },
    storage: {
      keptEvents: events.kept,
      keepRecords: state.options.keepRecords,
      untrackedProfileUpdates: users.untracked + groups.untracked,
    },
  };
}
