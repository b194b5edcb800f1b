/**
 * The Query API routes cohort sync reads (src/mixpanel/query-api.ts holds the contract):
 * `POST /api/query/cohorts/list` (the saved cohorts) and `POST /api/query/engage` (profiles; with
 * `filter_by_cohort` the cohort's members), paged by `page` and `session_id`: the first page takes
 * a snapshot of the membership that later pages of the same session read, so a listing is
 * consistent even while profiles change. Service-account Basic authentication with `project_id`
 * (or the deprecated project secret), and the per-project limits (429 beyond them).
 */
import type { SandboxCredentials } from '../settings.js';
import { cohortIdOfFilter } from '../../mixpanel/query-api.js';
import type { CohortBook } from '../cohorts/cohort-book.js';
import type { QueryLimiter } from '../cohorts/query-limiter.js';
import { headerValue, type IngestRequest } from '../context.js';
import { json, methodNotAllowed, type Reply } from '../responses.js';

/** Sessions kept for paging; older ones are forgotten (their next page is refused). */
const SESSIONS_KEPT = 1000;

export interface QueryState {
  readonly book: CohortBook;
  readonly limiter: QueryLimiter;
  readonly sessions: Map<string, readonly string[]>;
  readonly credentials: SandboxCredentials;
  readonly pageSize: number;
  nextSession: number;
}

/** The project id the sandbox answers for when none is configured. */
export const SANDBOX_PROJECT_ID = '1';

function authProblem(req: IngestRequest, credentials: SandboxCredentials): string | undefined {
  const header = headerValue(req.headers.authorization) ?? '';
  const match = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (!match) return 'missing Basic authentication';
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const secret = colon < 0 ? '' : decoded.slice(colon + 1);
  if (!user) return 'empty username';
  const projectId = req.query.get('project_id');
  if (secret) {
    if (!projectId) return 'project_id is required with a service account';
    const sa = credentials.serviceAccount;
    if (sa && (sa.username !== user || sa.secret !== secret)) return 'unknown service account';
    if (credentials.projectId !== undefined && credentials.projectId !== projectId) {
      return `the service account has no access to project ${projectId}`;
    }
    return undefined;
  }
  if (credentials.apiSecret !== undefined && credentials.apiSecret !== user) {
    return 'unknown project secret';
  }
  return undefined;
}

/** Form fields from the body, query parameters as fallback. */
function parameters(req: IngestRequest): URLSearchParams {
  const form = new URLSearchParams(req.body.bytes.toString('utf8'));
  for (const [name, value] of req.query) if (!form.has(name)) form.set(name, value);
  return form;
}

function guarded(state: QueryState, req: IngestRequest, path: string, answer: () => Reply): Reply {
  if (req.method !== 'POST' && req.method !== 'GET') return methodNotAllowed();
  const problem = authProblem(req, state.credentials);
  if (problem) return json(401, { error: problem, status: 'error' });
  const admission = state.limiter.admit();
  if (!admission.ok) {
    const projectId = req.query.get('project_id') ?? SANDBOX_PROJECT_ID;
    return json(429, {
      request: `${path}?${req.query.toString()}`,
      error: `Query rate limit exceeded for project_id: ${projectId}. ${admission.running} queries running concurrently and ${admission.lastHour} queries running in the last hour.`,
    });
  }
  try {
    return answer();
  } finally {
    admission.done();
  }
}

export function handleCohortsList(state: QueryState, req: IngestRequest): Reply {
  return guarded(state, req, '/api/query/cohorts/list', () => {
    const projectId = Number(req.query.get('project_id') ?? SANDBOX_PROJECT_ID);
    const list = state.book.all().map((c) => ({
      count: state.book.members(c.id).length,
      is_visible: 1,
      description: c.description,
      created: new Date(c.createdMs).toISOString().slice(0, 19).replace('T', ' '),
      project_id: Number.isFinite(projectId) ? projectId : 0,
      id: c.id,
      name: c.name,
    }));
    return json(200, list);
  });
}

export function handleEngageQuery(state: QueryState, req: IngestRequest): Reply {
  return guarded(state, req, '/api/query/engage', () => {
    const form = parameters(req);
    const page = Number(form.get('page') ?? '0');
    if (!Number.isInteger(page) || page < 0) {
      return json(400, { error: 'page must be a non-negative integer', status: 'error' });
    }
    let sessionId = form.get('session_id') ?? undefined;
    let ids: readonly string[];
    if (sessionId !== undefined && state.sessions.has(sessionId)) {
      ids = state.sessions.get(sessionId) ?? [];
    } else if (page > 0) {
      return json(400, {
        error: 'request for page in uncached query for params: send the session_id of page 0',
        status: 'error',
      });
    } else {
      const filter = form.get('filter_by_cohort');
      if (filter !== null) {
        const cohortId = cohortIdOfFilter(filter);
        const cohort = cohortId === undefined ? undefined : state.book.get(Number(cohortId));
        if (!cohort) {
          return json(400, {
            error: `unknown cohort in filter_by_cohort: ${filter}`,
            status: 'error',
          });
        }
        ids = state.book.members(cohort.id);
      } else {
        ids = state.book.everyone();
      }
      sessionId = `sandbox-${++state.nextSession}`;
      state.sessions.set(sessionId, ids);
      if (state.sessions.size > SESSIONS_KEPT) {
        state.sessions.delete(state.sessions.keys().next().value as string);
      }
    }
    const wanted = outputProperties(form.get('output_properties'));
    const results = ids
      .slice(page * state.pageSize, (page + 1) * state.pageSize)
      .map((id) => ({ $distinct_id: id, $properties: pick(state.book.profile(id) ?? {}, wanted) }));
    return json(200, {
      page,
      page_size: state.pageSize,
      session_id: sessionId,
      status: 'ok',
      total: results.length,
      results,
    });
  });
}

function outputProperties(value: string | null): string[] | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed)
      ? parsed.filter((p): p is string => typeof p === 'string')
      : undefined;
  } catch {
    return undefined;
  }
}

function pick(
  properties: Record<string, unknown>,
  wanted: string[] | undefined,
): Record<string, unknown> {
  if (!wanted) return { ...properties };
  return Object.fromEntries(
    wanted.filter((k) => Object.hasOwn(properties, k)).map((k) => [k, properties[k]]),
  );
}
