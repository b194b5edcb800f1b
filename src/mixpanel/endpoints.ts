/**
 * Mixpanel's three ingestion endpoints and the wire contract of each, in one table: path and
 * fixed query, authentication, body format and compression, and the documented limits. The
 * publisher sends by it and the sandbox serves by it.
 */
import { MIXPANEL_LIMITS } from './limits.js';

export const ENDPOINTS = ['/import', '/engage', '/groups'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** The metric label of each endpoint (`target`), in the same order as ENDPOINTS. */
export const TARGETS = ['import', 'engage', 'groups'] as const;
export type Target = (typeof TARGETS)[number];

const TARGET_OF: Readonly<Record<Endpoint, Target>> = {
  '/import': 'import',
  '/engage': 'engage',
  '/groups': 'groups',
};
export function targetOf(endpoint: Endpoint): Target {
  return TARGET_OF[endpoint];
}

/** Mixpanel's data-residency regions; a project lives in exactly one. */
export const REGIONS = ['us', 'eu', 'in'] as const;
export type Region = (typeof REGIONS)[number];

/** Ingestion host per region (https://docs.mixpanel.com/docs/privacy/eu-residency). */
export const REGION_HOSTS = {
  us: 'https://api.mixpanel.com',
  eu: 'https://api-eu.mixpanel.com',
  in: 'https://api-in.mixpanel.com',
} as const satisfies Record<Region, string>;

/**
 * Query API host per region: not the ingestion host. Routes live under `/api/query`
 * (https://docs.mixpanel.com/reference/query-api, "Data residency").
 */
export const QUERY_API_HOSTS = {
  us: 'https://mixpanel.com',
  eu: 'https://eu.mixpanel.com',
  in: 'https://in.mixpanel.com',
} as const satisfies Record<Region, string>;

export interface EndpointSpec {
  readonly path: Endpoint;
  /**
   * Fixed query string. `ip=0` everywhere: Mixpanel must never geolocate the processor's own
   * address (events carry the user's `ip` from the message instead). `strict=1` makes /import
   * validate and answer per record; `verbose=1` makes /engage and /groups answer with a JSON
   * `status` and `error` instead of a bare `1` or `0`.
   */
  readonly query: string;
  /** `basic`: Authorization header (/import). `none`: the token travels in each record as `$token`. */
  readonly auth: 'basic' | 'none';
  readonly contentType: string;
  /** How records are joined into a body. */
  readonly format: 'ndjson' | 'json-array';
  /** /engage does not accept gzip; for /groups it is undocumented, so neither is compressed. */
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
