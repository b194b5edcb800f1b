/**
 * The part of Mixpanel's Query API that cohort sync reads, as one contract the cohort puller sends
 * by and the sandbox serves by: the two routes, their form parameters, the shapes of their answers,
 * and the documented limits (https://docs.mixpanel.com/reference/engage-query,
 * https://docs.mixpanel.com/reference/cohorts-list, https://docs.mixpanel.com/reference/rate-limits).
 *
 * Both routes are `POST` with `project_id` in the query string (required with a service account)
 * and HTTP Basic authentication with the service account's `username:secret`. `/engage` takes its
 * parameters as an `application/x-www-form-urlencoded` body.
 */
import { z } from 'zod';

export const QUERY_PATHS = {
  /** Profiles; with `filter_by_cohort` the members of one saved cohort. */
  engage: '/api/query/engage',
  /** The project's saved cohorts: id, name, description, size. */
  cohortsList: '/api/query/cohorts/list',
} as const;

/** Mixpanel's documented Query API limits, per project. */
export const QUERY_API_LIMITS = {
  queriesPerHour: 60,
  concurrentQueries: 5,
  /** Profiles per `/engage` page (the answer states it as `page_size`). */
  pageSize: 1000,
} as const;

/**
 * Form parameters of one `/engage` page of a cohort. `page` is zero-based; from the second page on,
 * `session_id` of the first answer must come with it (and the same filter).
 */
export interface EngageCohortQuery {
  readonly cohortId: string;
  readonly page: number;
  readonly sessionId: string | undefined;
}

export function engageForm(query: EngageCohortQuery): URLSearchParams {
  const id = /^\d+$/.test(query.cohortId) ? Number(query.cohortId) : query.cohortId;
  const form = new URLSearchParams({
    filter_by_cohort: JSON.stringify({ id }),
    // Only the distinct ids are needed: one small property keeps the pages light.
    output_properties: JSON.stringify(['$last_seen']),
  });
  if (query.sessionId !== undefined && query.page > 0) {
    form.set('session_id', query.sessionId);
    form.set('page', String(query.page));
  }
  return form;
}

/** The cohort id of `filter_by_cohort={"id":…}`, or undefined when it is not that shape. */
export function cohortIdOfFilter(value: string | null): string | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const id = (parsed as { id?: unknown }).id;
    if (typeof id === 'number' && Number.isInteger(id)) return String(id);
    if (typeof id === 'string' && id.length > 0) return id;
  } catch {
    // not JSON
  }
  return undefined;
}

/** `$distinct_id` is typed as an integer in Mixpanel's schema and a string in practice. */
const distinctId = z.union([z.string().min(1), z.number().int()]).transform(String);

export const engageAnswerSchema = z.object({
  page: z.number().int().min(0),
  page_size: z.number().int().min(1),
  session_id: z.string().optional(),
  status: z.literal('ok'),
  results: z.array(
    z.looseObject({
      $distinct_id: distinctId,
      $properties: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});
export type EngageAnswer = z.output<typeof engageAnswerSchema>;

export const savedCohortSchema = z.looseObject({
  id: z.union([z.number().int(), z.string().min(1)]).transform(String),
  name: z.string(),
  description: z.string().nullish(),
  count: z.number().int().optional(),
  project_id: z.union([z.number().int(), z.string()]).optional(),
  is_visible: z.number().int().optional(),
  created: z.string().optional(),
});
export const cohortsListAnswerSchema = z.array(savedCohortSchema);
export type SavedCohort = z.output<typeof savedCohortSchema>;
