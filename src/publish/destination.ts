/**
 * Where and as whom the publisher sends: the origin and path prefix (region host or `apiHost`),
 * the way there (a forward proxy, an extra CA), the credential used on /import, and the request
 * path of each endpoint.
 */
import { ConfigError } from '../config/load.js';
import type { MixpanelConfig } from '../config/schema.js';
import { readPem } from '../config/tls-files.js';
import {
  ENDPOINT_SPECS,
  REGION_HOSTS,
  type Endpoint,
  type EndpointSpec,
} from '../mixpanel/endpoints.js';

export type AuthMode = 'service-account' | 'api-secret' | 'project-token';

/** Where and as whom requests go, resolved once from config. */
export interface Destination {
  /** Origin for the connection pool, e.g. `https://api.mixpanel.com`. */
  readonly origin: string;
  /** Path prefix of `apiHost` (a proxy may mount Mixpanel under a path), without trailing slash. */
  readonly basePath: string;
  readonly authMode: AuthMode;
  /** `Basic …` header value for /import. Never logged. */
  readonly authorization: string;
  /** Set with a service account: sent as `project_id` on /import. */
  readonly projectId?: string;
}

/** The way to Mixpanel: a forward proxy and the hosts reached without it, an extra CA. */
export interface Route {
  readonly proxy?: { readonly url: string; readonly noProxy: readonly string[] };
  /** PEM text of `mixpanel.tls.ca`, trusted in addition to the system CAs. */
  readonly ca?: string;
}

/** Reads `mixpanel.tls.ca` (a file or inline PEM); an unreadable file is a configuration error. */
export function resolveRoute(mixpanel: MixpanelConfig): Route {
  let ca: string | undefined;
  if (mixpanel.tls?.ca !== undefined) {
    const loaded = readPem('mixpanel.tls.ca', mixpanel.tls.ca);
    if (!loaded.ok) throw new ConfigError(loaded.problems);
    ca = loaded.value;
  }
  return {
    ...(mixpanel.proxy !== undefined
      ? { proxy: { url: mixpanel.proxy, noProxy: mixpanel.noProxy ?? [] } }
      : {}),
    ...(ca !== undefined ? { ca } : {}),
  };
}

/**
 * Credential priority for /import: a service account (with its project id)
 * over the project API secret (deprecated) over the project token.
 */
export function resolveDestination(mixpanel: MixpanelConfig): Destination {
  const url = new URL(mixpanel.apiHost ?? REGION_HOSTS[mixpanel.region]);
  const basePath = url.pathname.replace(/\/+$/, '');
  const origin = url.origin;
  if (mixpanel.serviceAccount) {
    const { username, secret } = mixpanel.serviceAccount;
    return {
      origin,
      basePath,
      authMode: 'service-account',
      authorization: basic(username, secret),
      ...(mixpanel.projectId !== undefined ? { projectId: mixpanel.projectId } : {}),
    };
  }
  if (mixpanel.apiSecret) {
    return {
      origin,
      basePath,
      authMode: 'api-secret',
      authorization: basic(mixpanel.apiSecret, ''),
    };
  }
  return {
    origin,
    basePath,
    authMode: 'project-token',
    authorization: basic(mixpanel.projectToken, ''),
  };
}

/** Request path with query for one endpoint. */
export function requestPath(destination: Destination, spec: EndpointSpec): string {
  let query = spec.query;
  if (spec.auth === 'basic' && destination.projectId !== undefined) {
    query += `&project_id=${encodeURIComponent(destination.projectId)}`;
  }
  return `${destination.basePath}${spec.path}?${query}`;
}

/**
 * What to tell the operator when Mixpanel refuses the credentials: the settings that can cause it.
 * Never includes the credential values.
 */
export function credentialHint(destination: Destination, endpoint: Endpoint): string {
  if (ENDPOINT_SPECS[endpoint].auth === 'none') {
    return 'check mixpanel.projectToken and mixpanel.region (or mixpanel.apiHost)';
  }
  switch (destination.authMode) {
    case 'service-account':
      return 'check mixpanel.serviceAccount (Owner or Admin role), mixpanel.projectId and mixpanel.region (or mixpanel.apiHost)';
    case 'api-secret':
      return 'check mixpanel.apiSecret and mixpanel.region (or mixpanel.apiHost)';
    case 'project-token':
      return 'check mixpanel.projectToken and mixpanel.region (or mixpanel.apiHost)';
  }
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
