/**
 * Dead-letter commands' errors that are the user's to fix (exit code 2). In a file of their own so
 * that the command line can recognise them without loading the dead-letter tools.
 */

/** The topic to read does not exist. */
export class TopicNotFoundError extends Error {
  override name = 'TopicNotFoundError';
}

/** A replay that would do harm or was not asked for precisely (no filter, into a dead-letter topic). */
export class ReplayRefused extends Error {
  override name = 'ReplayRefused';
}
