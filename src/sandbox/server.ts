/**
 * The sandbox: a local Mixpanel ingestion server on one HTTP listener (docs/sandbox.md). Routes the
 * ingestion endpoints, applies injected faults around them, and serves the inspection API.
 * `startSandbox` is what tests, the demo and benchmarks run in-process; the CLI command wraps it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../http-listen.js';
import type { MixpanelRecord } from '../mixpanel/records.js';
import type { IngestRequest, SandboxState } from './context.js';
import { EventStore, type EventRow } from './event-store.js';
import { FaultSet, type FaultRule, type FaultSpecInput } from './faults.js';
import { resolveSandboxOptions, type SandboxOptionsInput } from './options.js';
import { ProfileStore, type Properties } from './profile-store.js';
import { RateLimiter } from './rate-limiter.js';
import { readRawBody } from './request-body.js';
import { faultReply, json, notFound, shortCount, type Reply } from './responses.js';
import { handleImport } from './routes/import.js';
import { handleInspect, type Inspectable } from './routes/inspect.js';
import { handleProfiles } from './routes/profiles.js';
import { handleTrack } from './routes/track.js';
import { StatsCounter, snapshot, type SandboxEndpoint, type SandboxStats } from './stats.js';
import {
  CohortBook,
  type CohortDefinition,
  type CohortDefinitionInput,
} from './cohorts/cohort-book.js';
import { QueryLimiter } from './cohorts/query-limiter.js';
import {
  WebhookPusher,
  type ConnectionView,
  type SyncReport,
  type WebhookConnectionInput,
} from './cohorts/webhook-pusher.js';
import { cohortView, handleCohortInspect, type CohortView } from './routes/cohorts.js';
import {
  SANDBOX_PROJECT_ID,
  handleCohortsList,
  handleEngageQuery,
  type QueryState,
} from './routes/query.js';

/** GET /_sandbox/records?distinct_id=… */
export interface UserRecords {
  readonly distinct_id: string;
  /** Deduplicated (latest copy per key), ordered by time. */
  readonly events: readonly EventRow[];
  /** Copies received for this user, duplicates included. */
  readonly raw: number;
  readonly profile: { readonly $distinct_id: string; readonly $properties: Properties } | null;
  /** True once more events arrived than `keepRecords`: later rows are not listed. */
  readonly truncated: boolean;
}

/** GET /_sandbox/records?group_key=…&group_id=… */
export interface GroupRecords {
  readonly group_key: string;
  readonly group_id: string;
  readonly profile: {
    readonly $group_key: string;
    readonly $group_id: string;
    readonly $properties: Properties;
  } | null;
}

export interface Sandbox {
  /** Base URL for clients, e.g. `http://127.0.0.1:40123` (use as mixpanel.apiHost). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  stats(): SandboxStats;
  userRecords(distinctId: string): UserRecords;
  groupRecords(groupKey: string, groupId: string): GroupRecords;
  /**
   * Whether this record reached the stores: an event by its dedupe key, a profile or group update
   * by its profile (a cheap check per record, for tallies such as the demo's).
   */
  holds(record: MixpanelRecord): boolean;
  /** Adds a fault rule (the JSON of POST /_sandbox/faults); throws a ZodError on a bad spec. */
  addFault(spec: FaultSpecInput): FaultRule;
  /** Removes every fault rule; returns how many there were. */
  clearFaults(): number;
  /** Defines a saved cohort (POST /_sandbox/cohorts); throws a ZodError on a bad definition. */
  defineCohort(input: CohortDefinitionInput): CohortDefinition;
  /** A cohort, its size, its members now and its webhook connection. */
  cohort(id: number): (CohortView & { readonly members: readonly string[] }) | undefined;
  /** Connects a cohort to a webhook URL and starts its first sync, as a Mixpanel project would. */
  connectCohortWebhook(id: number, connection: WebhookConnectionInput): ConnectionView;
  /** Runs a webhook sync of the cohort now; undefined when it is not connected or paused. */
  syncCohortWebhook(id: number): Promise<SyncReport | undefined>;
  /**
   * Clears stored events, profiles, counters, the rate-limit windows and Query API sessions
   * (fault rules, cohort definitions and webhook connections stay).
   */
  reset(): void;
  /** Stops listening and closes every connection, hung ones included. */
  stop(): Promise<void>;
}

const ROUTES: ReadonlyMap<string, SandboxEndpoint> = new Map([
  ['/import', '/import'],
  ['/track', '/track'],
  ['/engage', '/engage'],
  ['/groups', '/groups'],
  ['/api/query/engage', '/api/query/engage'],
  ['/api/query/cohorts/list', '/api/query/cohorts/list'],
]);
const INSPECT_BODY_LIMIT = 1024 * 1024;

export async function startSandbox(input: SandboxOptionsInput = {}): Promise<Sandbox> {
  const options = resolveSandboxOptions(input);
  const { clock, logger } = options;
  const state: SandboxState = {
    options,
    events: new EventStore(options.keepRecords),
    users: new ProfileStore(options.keepProfiles),
    groups: new ProfileStore(options.keepProfiles),
    stats: new StatsCounter(),
    rateLimiter: options.rateLimit.enabled
      ? new RateLimiter(clock, options.rateLimit.eventsPerMinute, options.rateLimit.bytesPerMinute)
      : undefined,
  };
  const book = new CohortBook(state.users);
  const query: QueryState = {
    book,
    limiter: new QueryLimiter(
      clock,
      options.cohorts.queriesPerHour,
      options.cohorts.concurrentQueries,
    ),
    sessions: new Map(),
    credentials: options.credentials,
    pageSize: options.cohorts.queryPageSize,
    nextSession: 0,
  };
  const pusher = new WebhookPusher({
    book,
    clock,
    settings: options.cohorts,
    projectId: options.credentials.projectId ?? SANDBOX_PROJECT_ID,
    logger,
  });
  const cohortApi = { book, pusher, nowMs: () => clock.now() };
  const faults = new FaultSet(options.random);
  for (const spec of options.faults) faults.add(spec);
  /** Aborted by stop(): ends latency waits. */
  const stopping = new AbortController();

  const sandbox: Inspectable & Omit<Sandbox, 'url' | 'host' | 'port' | 'stop'> = {
    stats: () => snapshot(state, faults),
    userRecords(distinctId) {
      const { events, raw } = state.events.eventsOf(distinctId);
      const properties = state.users.get(distinctId);
      return {
        distinct_id: distinctId,
        events,
        raw,
        profile: properties ? { $distinct_id: distinctId, $properties: properties } : null,
        truncated: state.events.truncated,
      };
    },
    groupRecords(groupKey, groupId) {
      const properties = state.groups.get(`${groupKey}\u0000${groupId}`);
      return {
        group_key: groupKey,
        group_id: groupId,
        profile: properties
          ? { $group_key: groupKey, $group_id: groupId, $properties: properties }
          : null,
      };
    },
    holds(record) {
      switch (record.endpoint) {
        case '/import': {
          const { event, properties } = record.record;
          return (
            state.events.copiesOf(
              event,
              properties.distinct_id,
              properties.time,
              properties.$insert_id,
            ) > 0
          );
        }
        case '/engage':
          return state.users.get(record.record.$distinct_id) !== undefined;
        case '/groups':
          return (
            state.groups.get(`${record.record.$group_key}\u0000${record.record.$group_id}`) !==
            undefined
          );
      }
    },
    allRecords: (limit) => ({
      events: state.events.allEvents(limit),
      truncated: state.events.truncated,
    }),
    addFault: (spec) => faults.add(spec),
    faults: () => faults.active,
    clearFaults() {
      const count = faults.active.length;
      faults.clear();
      return count;
    },
    defineCohort: (input) => book.define(input, clock.now()),
    cohort(id) {
      const cohort = book.get(id);
      return cohort && { ...cohortView(cohortApi, cohort), members: book.members(id) };
    },
    connectCohortWebhook: (id, connection) => pusher.connect(id, connection),
    syncCohortWebhook: (id) => pusher.syncNow(id),
    reset() {
      query.limiter.clear();
      query.sessions.clear();
      state.events.clear();
      state.users.clear();
      state.groups.clear();
      state.stats.clear();
      state.rateLimiter?.clear();
      faults.resetCounts();
    },
  };

  async function route(endpoint: SandboxEndpoint, req: IngestRequest): Promise<Reply> {
    switch (endpoint) {
      case '/api/query/engage':
        return handleEngageQuery(query, req);
      case '/api/query/cohorts/list':
        return handleCohortsList(query, req);
      case '/import':
        return handleImport(state, req);
      case '/track':
        return handleTrack(state, req);
      case '/engage':
      case '/groups':
        return handleProfiles(state, req, endpoint);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/_sandbox/')) {
      const body = await readRawBody(req, INSPECT_BODY_LIMIT);
      const path = url.pathname.replace(/\/+$/, '');
      const cohorts = await handleCohortInspect(cohortApi, method, path, body.bytes);
      write(res, cohorts ?? handleInspect(sandbox, method, url, body.bytes));
      return;
    }
    const endpoint = ROUTES.get(url.pathname.replace(/\/+$/, ''));
    if (!endpoint) {
      await readRawBody(req, 0);
      write(res, notFound());
      return;
    }
    const decision = faults.decide(endpoint);
    const request: IngestRequest = {
      method,
      query: url.searchParams,
      headers: req.headers,
      body: await readRawBody(req, options.maxRequestBytes),
    };
    const fault = decision.terminal;
    // Without `ingest`, a fault strikes before the request is processed (nothing stored); a short
    // count is the real answer, altered.
    const processed = !fault || fault.ingest || fault.body === 'short-count';
    let reply = processed ? await route(endpoint, request) : undefined;
    if (decision.delayMs > 0) await clock.sleep(decision.delayMs, stopping.signal);
    if (fault?.mode === 'hang') {
      state.stats.request(endpoint, 'hang');
      return; // Never answered: the client gives up, or stop() closes the socket.
    }
    if (fault?.mode === 'reset') {
      state.stats.request(endpoint, 'reset');
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.mode === 'status' && fault.status !== undefined) {
      reply =
        fault.body === 'short-count' && reply
          ? shortCount(reply, fault.status)
          : faultReply(fault.status, endpoint, fault.body, fault.retryAfter);
    }
    if (!reply) return;
    state.stats.request(endpoint, reply.status);
    write(res, reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (stopping.signal.aborted) return;
      logger.error({ err }, 'sandbox request failed');
      if (!res.headersSent) write(res, json(500, { error: 'internal sandbox error', status: 0 }));
    });
  });
  server.keepAliveTimeout = 30_000;
  const address = await listen(server, options.port, options.host);
  const url = address.url;
  logger.debug({ url }, 'sandbox listening');

  let stopped: Promise<void> | undefined;
  return {
    ...sandbox,
    url,
    host: address.host,
    port: address.port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        stopping.abort();
        pusher.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

function write(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  res.end(reply.body);
}
