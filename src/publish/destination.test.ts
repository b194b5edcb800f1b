import { describe, expect, it } from 'vitest';
import type { MixpanelConfig } from '../config/schema.js';
import { ENDPOINT_SPECS } from '../mixpanel/endpoints.js';
import { credentialHint, requestPath, resolveDestination } from './destination.js';

const base: MixpanelConfig = { projectToken: 'tok-123', region: 'us' };
const basicOf = (header: string): string =>
  Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');

describe('resolveDestination', () => {
  it('routes by region', () => {
    expect(resolveDestination(base).origin).toBe('https://api.mixpanel.com');
    expect(resolveDestination({ ...base, region: 'eu' }).origin).toBe(
      'https://api-eu.mixpanel.com',
    );
    expect(resolveDestination({ ...base, region: 'in' }).origin).toBe(
      'https://api-in.mixpanel.com',
    );
  });

  it('lets apiHost override the region, keeping a path prefix', () => {
    const target = resolveDestination({
      ...base,
      region: 'eu',
      apiHost: 'http://127.0.0.1:8086/mp/',
    });
    expect(target.origin).toBe('http://127.0.0.1:8086');
    expect(requestPath(target, ENDPOINT_SPECS['/import'])).toBe('/mp/import?strict=1&ip=0');
  });

  it('prefers a service account, then the API secret, then the token', () => {
    const sa = resolveDestination({
      ...base,
      apiSecret: 'sec',
      serviceAccount: { username: 'sa.user', secret: 's3cret' },
      projectId: '42',
    });
    expect(sa.authMode).toBe('service-account');
    expect(basicOf(sa.authorization)).toBe('sa.user:s3cret');
    expect(requestPath(sa, ENDPOINT_SPECS['/import'])).toBe('/import?strict=1&ip=0&project_id=42');
    // project_id only goes to /import, the one authenticated endpoint.
    expect(requestPath(sa, ENDPOINT_SPECS['/engage'])).toBe('/engage?verbose=1&ip=0');

    const secret = resolveDestination({ ...base, apiSecret: 'sec' });
    expect(secret.authMode).toBe('api-secret');
    expect(basicOf(secret.authorization)).toBe('sec:');
    expect(requestPath(secret, ENDPOINT_SPECS['/import'])).toBe('/import?strict=1&ip=0');

    const token = resolveDestination(base);
    expect(token.authMode).toBe('project-token');
    expect(basicOf(token.authorization)).toBe('tok-123:');
  });

  it('names the settings to fix without revealing them', () => {
    const sa = resolveDestination({
      ...base,
      serviceAccount: { username: 'sa.user', secret: 's3cret' },
      projectId: '42',
    });
    const hint = credentialHint(sa, '/import');
    expect(hint).toContain('mixpanel.serviceAccount');
    expect(hint).toContain('mixpanel.region');
    expect(hint).not.toContain('s3cret');
    expect(credentialHint(resolveDestination({ ...base, apiSecret: 'sec' }), '/import')).toContain(
      'mixpanel.apiSecret',
    );
    expect(credentialHint(sa, '/engage')).toContain('mixpanel.projectToken');
  });
});
