/**
 * The webhook's only documented authentication: HTTP Basic with the username and password set on
 * Mixpanel's webhook connection. Compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** True when no credentials are configured, or the header carries exactly these. */
export function basicAuthAccepts(
  header: string | undefined,
  expected: BasicCredentials | undefined,
): boolean {
  if (!expected) return true;
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1] as string, 'base64').toString('utf8');
  // Equal-length digests: the comparison takes the same time whatever was sent.
  return timingSafeEqual(digest(given), digest(`${expected.username}:${expected.password}`));
}
