/**
 * Credentials embedded in URLs (`https://user:password@host`) never reach the output: check-config,
 * config errors and log lines pass URL-bearing text through here. Secret keys themselves are masked
 * by their schema metadata (keys.ts).
 */

/** `scheme://` then user-info up to the `@` that ends it (never crossing `/`, `?`, `#` or a space). */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

export const MASK = '****';

/** Replaces the user-info of every URL in the text by `****`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, `$1${MASK}@`);
}
