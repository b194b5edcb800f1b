/**
 * /import authentication as Mixpanel documents it: HTTP Basic with a service
 * account `username:secret` plus `?project_id=`, or the project token or API secret as the user with
 * an empty password and no `project_id`; OAuth `Bearer` is accepted only when no credentials are
 * configured. A token-style credential sent with `project_id` is treated as a service account
 * login and fails (Mixpanel's documentation does not say; this is the cautious reading), as does a service account without `project_id`.
 */
import type { SandboxCredentials } from './settings.js';

export type AuthResult = { readonly ok: true } | { readonly ok: false; readonly why: string };

export function checkImportAuth(
  header: string | undefined,
  projectId: string | null,
  credentials: SandboxCredentials,
): AuthResult {
  if (!header) return { ok: false, why: 'no Authorization header' };
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  const configured =
    credentials.serviceAccount !== undefined ||
    credentials.apiSecret !== undefined ||
    credentials.projectToken !== undefined;
  if (scheme?.toLowerCase() === 'bearer') {
    return !configured && value.length > 0 ? { ok: true } : { ok: false, why: 'bearer token' };
  }
  if (scheme?.toLowerCase() !== 'basic') return { ok: false, why: 'unsupported scheme' };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  if (user.length === 0) return { ok: false, why: 'empty username' };

  if (password.length > 0) {
    // Service account: username:secret, always with project_id.
    if (!projectId) return { ok: false, why: 'service account without project_id' };
    const sa = credentials.serviceAccount;
    if (!configured) return { ok: true };
    if (!sa || sa.username !== user || sa.secret !== password) {
      return { ok: false, why: 'unknown service account' };
    }
    if (credentials.projectId !== undefined && credentials.projectId !== projectId) {
      return { ok: false, why: 'wrong project_id' };
    }
    return { ok: true };
  }
  // Token or API secret as the username: never with project_id.
  if (projectId) return { ok: false, why: 'project_id with a token credential' };
  if (!configured) return { ok: true };
  if (user === credentials.projectToken || user === credentials.apiSecret) return { ok: true };
  return { ok: false, why: 'unknown token or secret' };
}

/** /track, /engage and /groups carry the token in the payload; none configured: any non-empty. */
export function tokenMatches(token: unknown, credentials: SandboxCredentials): boolean {
  if (typeof token !== 'string' || token.length === 0) return false;
  return credentials.projectToken === undefined || token === credentials.projectToken;
}
