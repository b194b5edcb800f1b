/**
 * The sandbox's settings. Defaults reproduce Mixpanel's documented behaviour; points Mixpanel
 * leaves unconfirmed are knobs (../shared/reference/mixpanel-api.md §10, §11), documented in
 * docs/sandbox.md.
 */
import { systemClock, type Clock } from '../clock.js';
import { silentLogger, type Logger } from '../log.js';
import type { FaultSpecInput } from './faults.js';
import { seededRandom } from '../random.js';

/** Credentials the sandbox accepts. None given: any non-empty credentials are accepted. */
export interface SandboxCredentials {
  readonly projectToken?: string | undefined;
  readonly apiSecret?: string | undefined;
  readonly serviceAccount?: { readonly username: string; readonly secret: string } | undefined;
  /** The project id a service account must send as `project_id`; unset: any non-empty id. */
  readonly projectId?: string | undefined;
}

export interface SandboxOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Bound address; 127.0.0.1 unless told (0.0.0.0 in docker-compose). */
  readonly host: string;
  readonly credentials: SandboxCredentials;

  // Limits (mixpanel-api.md §2)
  /** Records per request on every endpoint. */
  readonly maxRecordsPerRequest: number;
  /** Uncompressed request body limit (10 MB, read as 10 MiB; 2097152 emulates pre-2025). */
  readonly maxRequestBytes: number;
  /** Per record (event or update), uncompressed. */
  readonly maxRecordBytes: number;
  /** Events must have fewer than this many properties; also the nested key and array limit. */
  readonly maxProperties: number;
  /** Status for a request with more records than allowed (unconfirmed: 400 or 413). */
  readonly overCountStatus: 400 | 413;
  /** How an event over maxRecordBytes is refused: a failed_records entry or a 413. */
  readonly oversizeRecord: 'failed-record' | '413';

  // Validation knobs (mixpanel-api.md §3.4, §11)
  /** Key of the id in failed_records entries (real 2022 body: `insert_id`; prose: `$insert_id`). */
  readonly failedRecordIdKey: 'insert_id' | '$insert_id';
  /** Strict validation on /import when `strict` is not in the query. */
  readonly strictWhenMissing: boolean;
  /** `simplified`: distinct_id may be derived from $user_id/$device_id; identity events per below. */
  readonly idMergeMode: 'original' | 'simplified';
  /** Identity events on a Simplified project: accepted and ignored (docs) or 400 for the batch. */
  readonly identityEvents: 'ignore' | 'reject';
  /** /track only keeps events newer than this many days (older: dropped, answer still 1). */
  readonly trackMaxAgeDays: number;

  // /engage and /groups (mixpanel-api.md §5)
  /** A wrong `$token`/`properties.token`: dropped silently with a success answer, or 401. */
  readonly badToken: 'drop' | '401';
  /**
   * A batch with invalid updates: `apply-valid` applies the valid ones and answers status 0;
   * `reject-batch` applies none; `ok-if-any-valid` answers 1 when at least one was valid.
   */
  readonly profileBatchErrors: 'apply-valid' | 'reject-batch' | 'ok-if-any-valid';
  /** More than one operation in one update object: refused (documented: one per object) or applied. */
  readonly multipleOperations: 'reject' | 'apply';
  /** Accept `$add` on /groups (named only on the batch page). */
  readonly groupsAdd: boolean;
  /** Decompress gzip bodies on /engage and /groups (documented: not supported). */
  readonly profileGzip: boolean;

  // Rate limiting (off by default: benchmarks push ~30k events/s through the sandbox)
  readonly rateLimit: {
    readonly enabled: boolean;
    /** Per rolling 60 s window, across /import, /track, /engage and /groups. */
    readonly eventsPerMinute: number;
    readonly bytesPerMinute: number;
  };
  /** `Retry-After` seconds on the rate limiter's 429s (Mixpanel sends none; unset: no header). */
  readonly retryAfterSeconds?: number | undefined;

  // Storage
  /** Full event rows kept for GET /_sandbox/records (counts and dedupe keys are never capped). */
  readonly keepRecords: number;
  /** User and group profiles kept; updates creating more are counted as untracked. */
  readonly keepProfiles: number;

  /** Faults active from the start. */
  readonly faults: readonly FaultSpecInput[];
  readonly clock: Clock;
  /** Uniform in [0, 1); decides rate-based faults. Seeded by default so runs repeat. */
  readonly random: () => number;
  readonly logger: Logger;
}

export const DEFAULT_SANDBOX_PORT = 8086;

export function sandboxDefaults(): SandboxOptions {
  return {
    port: 0,
    host: '127.0.0.1',
    credentials: {},
    maxRecordsPerRequest: 2000,
    maxRequestBytes: 10 * 1024 * 1024,
    maxRecordBytes: 1024 * 1024,
    maxProperties: 255,
    overCountStatus: 400,
    oversizeRecord: 'failed-record',
    failedRecordIdKey: 'insert_id',
    strictWhenMissing: false,
    idMergeMode: 'original',
    identityEvents: 'ignore',
    trackMaxAgeDays: 5,
    badToken: 'drop',
    profileBatchErrors: 'apply-valid',
    multipleOperations: 'reject',
    groupsAdd: true,
    profileGzip: false,
    rateLimit: { enabled: false, eventsPerMinute: 1_800_000, bytesPerMinute: 2_000_000_000 },
    keepRecords: 100_000,
    keepProfiles: 100_000,
    faults: [],
    clock: systemClock,
    random: seededRandom(1),
    logger: silentLogger(),
  };
}

/** Any subset of the options; undefined values take the default. */
export type SandboxOptionsInput = {
  readonly [K in Exclude<keyof SandboxOptions, 'rateLimit'>]?: SandboxOptions[K] | undefined;
} & {
  readonly rateLimit?: Partial<SandboxOptions['rateLimit']> | undefined;
};

export function resolveSandboxOptions(input: SandboxOptionsInput = {}): SandboxOptions {
  const defaults = sandboxDefaults();
  const defined = Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined),
  ) as SandboxOptionsInput;
  return {
    ...defaults,
    ...defined,
    rateLimit: { ...defaults.rateLimit, ...defined.rateLimit },
  } as SandboxOptions;
}
