/**
 * HTTP clients (undici) and socket layers wrap the error that says what happened (`ECONNREFUSED`,
 * `UND_ERR_CONNECT_TIMEOUT`, a certificate error) in errors of their own. For a log line or a
 * message to the user, the first error in the chain that carries a `code` is the useful one.
 */

/** `CODE: message` of the error or of the first cause that has a string `code`. */
export function describeCause(err: unknown): string {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return `${code}: ${e.message}`;
    e = e.cause;
  }
  return err instanceof Error ? err.message : String(err);
}
