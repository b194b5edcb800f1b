/** What every sandbox route works with: settings, stores, counters, and the request it answers. */
import type { IncomingHttpHeaders } from 'node:http';
import type { EventStore } from './event-store.js';
import type { SandboxOptions } from './options.js';
import type { ProfileStore } from './profile-store.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RawBody } from './request-body.js';
import type { StatsCounter } from './stats.js';

export interface SandboxState {
  readonly options: SandboxOptions;
  readonly events: EventStore;
  readonly users: ProfileStore;
  readonly groups: ProfileStore;
  readonly stats: StatsCounter;
  readonly rateLimiter: RateLimiter | undefined;
}

export interface IngestRequest {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: RawBody;
}

/** A header's single value. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `verbose=1` (or any value ≥ 1) selects JSON answers on /track, /engage and /groups. */
export function isVerbose(query: URLSearchParams): boolean {
  const verbose = Number(query.get('verbose') ?? '0');
  return Number.isFinite(verbose) && verbose >= 1;
}
