/**
 * A cohort is identified by its project and its id, never by its name: users rename cohorts in
 * Mixpanel's UI. Both ids are kept as strings (Mixpanel sends numbers or strings).
 */
export interface CohortRef {
  readonly projectId: string;
  readonly cohortId: string;
}

/** One string per cohort, for maps and logs: `project/cohort`, each part URI-encoded. */
export function cohortKey(ref: CohortRef): string {
  return `${encodeURIComponent(ref.projectId)}/${encodeURIComponent(ref.cohortId)}`;
}

export function describeCohort(ref: CohortRef, name?: string): string {
  return `cohort ${ref.cohortId}${name === undefined ? '' : ` "${name}"`} of project ${ref.projectId}`;
}
