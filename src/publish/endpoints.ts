/**
 * The wire contract of each Mixpanel ingestion endpoint, in one table: path and fixed query, how it
 * authenticates, body format and compression, and the documented limits.
 * Reference: ../shared/reference/mixpanel-api.md §1 (hosts, credentials), §2 (quick reference),
 * §3 (/import), §5 (/engage, /groups).
 */
import { MIXPANEL_LIMITS, type MixpanelConfig } from '../config/schema.js';
import type { Endpoint } from './records.js';

/** Ingestion host per data-residency region (mixpanel-api.md §1.1). */
export const REGION_HOSTS = {
  us: 'https://api.mixpanel.com',
  eu: 'https://api-eu.mixpanel.com',
  in: 'https://api-in.mixpanel.com',
} as const satisfies Record<MixpanelConfig['region'], string>;

export interface EndpointSpec {
  readonly path: Endpoint;
  /**
   * Fixed query string. `ip=0` everywhere: Mixpanel must never geolocate the processor's own
   * address (spec §4.2.6). `strict=1` makes /import validate and answer per record (§3.1);
   * `verbose=1` makes /engage and /groups say `status: 0` instead of a bare `0` (§5.1).
   */
  readonly query: string;
  /** `basic`: Authorization header (/import). `none`: the token travels as `$token` (§1.2). */
  readonly auth: 'basic' | 'none';
  readonly contentType: string;
  /** How records are joined into a body. */
  readonly format: 'ndjson' | 'json-array';
  /** /engage does not accept gzip; for /groups it is unconfirmed, so neither is compressed (§5.1). */
  readonly gzip: boolean;
  readonly maxRecords: number;
  /** Uncompressed body limit. */
  readonly maxBytes: number;
  readonly maxRecordBytes: number;
}

const LIMITS = {
  maxRecords: MIXPANEL_LIMITS.maxRecordsPerRequest,
  maxBytes: MIXPANEL_LIMITS.maxRequestBytes,
  maxRecordBytes: MIXPANEL_LIMITS.maxRecordBytes,
} as const;

export const ENDPOINT_SPECS: { readonly [E in Endpoint]: EndpointSpec } = {
  '/import': {
    path: '/import',
    query: 'strict=1&ip=0',
    auth: 'basic',
    contentType: 'application/x-ndjson',
    format: 'ndjson',
    gzip: true,
    ...LIMITS,
  },
  '/engage': {
    path: '/engage',
    query: 'verbose=1&ip=0',
    auth: 'none',
    contentType: 'application/json',
    format: 'json-array',
    gzip: false,
    ...LIMITS,
  },
  '/groups': {
    path: '/groups',
    query: 'verbose=1&ip=0',
    auth: 'none',
    contentType: 'application/json',
    format: 'json-array',
    gzip: false,
    ...LIMITS,
  },
};

export type AuthMode = 'service-account' | 'api-secret' | 'project-token';

/** Where and as whom requests go, resolved once from config. */
export interface Target {
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

/**
 * Credential priority for /import (mixpanel-api.md §1.2): a service account (with its project id)
 * over the project API secret (deprecated) over the project token.
 */
export function resolveTarget(mixpanel: MixpanelConfig): Target {
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
export function requestPath(target: Target, spec: EndpointSpec): string {
  let query = spec.query;
  if (spec.auth === 'basic' && target.projectId !== undefined) {
    query += `&project_id=${encodeURIComponent(target.projectId)}`;
  }
  return `${target.basePath}${spec.path}?${query}`;
}

/**
 * What to tell the operator when Mixpanel refuses the credentials: the settings that can cause it.
 * Never includes the credential values.
 */
export function credentialHint(target: Target, endpoint: Endpoint): string {
  if (ENDPOINT_SPECS[endpoint].auth === 'none') {
    return 'check mixpanel.projectToken and mixpanel.region (or mixpanel.apiHost)';
  }
  switch (target.authMode) {
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
