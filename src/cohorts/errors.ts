/**
 * Cohort sync's start-up errors: problems the user must fix, said in one line. In a file of their
 * own so that the command line can recognise them without loading cohort sync.
 */

/** A problem starting that the user must fix (credentials, settings, a state topic). */
export class CohortStartupError extends Error {
  override name = 'CohortStartupError';
}

/** The cohort topics cannot be used or created as configured. */
export class CohortTopicError extends Error {
  override name = 'CohortTopicError';
}
