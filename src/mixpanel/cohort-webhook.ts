/**
 * Mixpanel's cohort sync to a custom webhook, as one contract the cohort receiver serves by and
 * the sandbox's pusher sends by (https://docs.mixpanel.com/docs/cohort-sync/webhooks).
 *
 * Each sync is a `POST` of `{"action", "parameters"}`: `members` carries the whole cohort (first
 * sync, or a refresh after errors), `add_members` and `remove_members` the users who entered or
 * left since the last successful sync. A sync larger than one request is split into pages that
 * share `mixpanel_session_id`, numbered by `page_info.page_count` (from 1) of `total_pages`; the
 * order of pages is not promised. The receiver answers JSON echoing `action` with `status`
 * `success` or `failure` (plus `error: {message, code}`). Mixpanel pauses the sync on 400, 401,
 * 403 and 404 (a human must act) and retries 429 and 5xx five times within a minute, then at the
 * next scheduled sync. Authentication, when set, is HTTP Basic.
 */
import { z } from 'zod';

export const COHORT_SYNC_ACTIONS = ['members', 'add_members', 'remove_members'] as const;
export type CohortSyncAction = (typeof COHORT_SYNC_ACTIONS)[number];

/** Users per request Mixpanel sends at most. */
export const COHORT_SYNC_PAGE_SIZE = 1000;

/** Ids are placeholders in Mixpanel's example; whether numbers or strings is not stated: both. */
const id = z.union([z.string().min(1), z.number().int()]).transform(String);
const optionalText = z.string().nullish();

/** A user in `members`: only the distinct id is certain; exported properties ride along. */
export const cohortSyncMemberSchema = z.looseObject({
  mixpanel_distinct_id: id,
  email: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  phone_number: optionalText,
});
export type CohortSyncMember = z.output<typeof cohortSyncMemberSchema>;

export const cohortSyncRequestSchema = z.object({
  action: z.enum(COHORT_SYNC_ACTIONS),
  parameters: z.looseObject({
    mixpanel_project_id: id,
    mixpanel_cohort_id: id,
    mixpanel_cohort_name: z.string().min(1),
    mixpanel_cohort_description: optionalText,
    mixpanel_session_id: z.string().min(1),
    /** Absent: one page. */
    page_info: z
      .object({
        total_pages: z.number().int().min(1),
        page_count: z.number().int().min(1),
      })
      .refine((p) => p.page_count <= p.total_pages, {
        message: 'page_count must not exceed total_pages',
        path: ['page_count'],
      })
      .optional(),
    members: z.array(cohortSyncMemberSchema),
  }),
});
export type CohortSyncRequest = z.output<typeof cohortSyncRequestSchema>;
/** What a sender builds (ids may be numbers). */
export type CohortSyncRequestInput = z.input<typeof cohortSyncRequestSchema>;

export type CohortSyncAnswer =
  | { readonly action: string; readonly status: 'success' }
  | {
      readonly action: string;
      readonly status: 'failure';
      readonly error: { readonly message: string; readonly code: number };
    };

/** HTTP statuses after which Mixpanel pauses a sync instead of retrying it. */
export const PAUSING_STATUSES: readonly number[] = [400, 401, 403, 404];

/** True when Mixpanel retries a request answered with this status (429 and 5xx). */
export function isRetriedStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}
