import { describe, expect, it } from 'vitest';
import { checkImportAuth, tokenMatches } from './auth.js';
import type { SandboxCredentials } from './settings.js';

const basic = (user: string, password = '') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const configured: SandboxCredentials = {
  projectToken: 'tok',
  apiSecret: 'sec',
  serviceAccount: { username: 'sa', secret: 'pw' },
  projectId: '42',
};

/** Mixpanel's /import authentication: [name, header, project_id, credentials, accepted]. */
const rows: [string, string | undefined, string | null, SandboxCredentials, boolean][] = [
  ['service account with project_id', basic('sa', 'pw'), '42', configured, true],
  ['service account without project_id', basic('sa', 'pw'), null, configured, false],
  ['service account with another project_id', basic('sa', 'pw'), '43', configured, false],
  ['service account with a wrong secret', basic('sa', 'nope'), '42', configured, false],
  ['project token', basic('tok'), null, configured, true],
  ['API secret', basic('sec'), null, configured, true],
  ['unknown token', basic('other'), null, configured, false],
  ['token with project_id', basic('tok'), '42', configured, false],
  ['no Authorization header', undefined, null, configured, false],
  ['Bearer with credentials configured', 'Bearer abc', null, configured, false],
  ['an empty username', basic(''), null, configured, false],
  ['nothing configured: any token', basic('anything'), null, {}, true],
  ['nothing configured: any service account with project_id', basic('u', 's'), '1', {}, true],
  [
    'nothing configured: a service account still needs project_id',
    basic('u', 's'),
    null,
    {},
    false,
  ],
  ['nothing configured: Bearer', 'Bearer abc', null, {}, true],
  ['nothing configured: no header', undefined, null, {}, false],
];

describe('checkImportAuth', () => {
  it.each(rows)('%s', (_name, header, projectId, credentials, accepted) => {
    expect(checkImportAuth(header, projectId, credentials).ok).toBe(accepted);
  });
});

describe('tokenMatches', () => {
  it('checks $token against the configured token, or accepts any non-empty one', () => {
    expect(tokenMatches('tok', { projectToken: 'tok' })).toBe(true);
    expect(tokenMatches('other', { projectToken: 'tok' })).toBe(false);
    expect(tokenMatches('any', {})).toBe(true);
    expect(tokenMatches('', {})).toBe(false);
    expect(tokenMatches(undefined, {})).toBe(false);
  });
});
