/** The two ways a mapping can fail: when it is compiled (config), or on one message. */

/** A mistake in the mapping itself, found while compiling it; `at` is the path into the mapping. */
export class MappingProblemError extends Error {
  override name = 'MappingProblemError';
  constructor(
    readonly at: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

/** A mapping that cannot be applied to one message (e.g. a computed path that is not a string). */
export class MappingFailure extends Error {
  override name = 'MappingFailure';
}
