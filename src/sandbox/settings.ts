/**
 * THE sandbox settings, declared once. The options `startSandbox` takes (types, validation,
 * defaults), the flags of `segment-mixpanel sandbox` (commands/sandbox-flags.ts) and the settings
 * table of docs/sandbox.md (reference.ts) all come from these schemas.
 *
 * Defaults reproduce Mixpanel's documented behaviour; the points Mixpanel leaves unconfirmed are
 * knobs. Metadata per key: `description` (docs and --help), `group` (where it is listed), `flag`
 * (commander syntax; none: an in-process option only), `flagDefault` (when the command's default
 * differs), `text` (how a structured value is written on the command line).
 */
import { z } from 'zod';
import { LOG_LEVELS } from '../config/schema.js';
import { MIXPANEL_LIMITS } from '../mixpanel/limits.js';
import { faultSpecSchema } from './faults.js';

/** Headings the settings are listed under, in this order (`help: false`: the plain "Options:"). */
export const SETTING_GROUPS = {
  listen: { title: 'Listening', help: false },
  credentials: {
    title: 'Credentials it accepts (none given: any non-empty credentials)',
    help: true,
  },
  behaviour: { title: "Behaviour knobs (defaults follow Mixpanel's documentation)", help: true },
  rateLimit: { title: 'Rate limiting (off by default)', help: true },
  cohorts: { title: 'Cohorts: the Query API and the webhook cohort sync', help: true },
  faults: { title: 'Faults and latency', help: true },
  storage: { title: 'Storage and logs', help: true },
} as const;
export type SettingGroup = keyof typeof SETTING_GROUPS;

/** The metadata of one setting (see the file comment). */
export type SettingMeta = {
  readonly description: string;
  readonly group: SettingGroup;
  readonly flag?: string;
  readonly flagDefault?: unknown;
  readonly text?: 'user:secret';
};

/** Where `segment-mixpanel sandbox` listens unless told; in-process the default is a free port. */
export const DEFAULT_SANDBOX_PORT = 8086;

const nonEmpty = z.string().min(1, 'must not be empty');
const integer = (min: number) => z.number().int().min(min);
const meta = (m: SettingMeta): SettingMeta => m;

const credentials = z
  .object({
    projectToken: nonEmpty.optional().meta(
      meta({
        group: 'credentials',
        flag: '--project-token <token>',
        description:
          'Project token: accepted as the `/import` Basic username, and the `$token` profile updates and `/track` events must carry.',
      }),
    ),
    apiSecret: nonEmpty.optional().meta(
      meta({
        group: 'credentials',
        flag: '--api-secret <secret>',
        description: 'Project API secret, accepted as the `/import` Basic username.',
      }),
    ),
    serviceAccount: z
      .object({ username: nonEmpty, secret: nonEmpty })
      .strict()
      .optional()
      .meta(
        meta({
          group: 'credentials',
          flag: '--service-account <user:secret>',
          text: 'user:secret',
          description:
            'Service account accepted on `/import`; requests must then send `project_id`.',
        }),
      ),
    projectId: nonEmpty.optional().meta(
      meta({
        group: 'credentials',
        flag: '--project-id <id>',
        description:
          'Project id a service account must send as `project_id`; unset: any non-empty id.',
      }),
    ),
  })
  .strict();

const rateLimit = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .meta(
        meta({
          group: 'rateLimit',
          flag: '--rate-limit',
          description:
            "Enforce Mixpanel's per-project limit over a rolling minute, across `/import`, `/track`, `/engage` and `/groups`. Off by default: benchmarks push ~30k events/s through the sandbox.",
        }),
      ),
    eventsPerMinute: integer(1)
      .default(1_800_000)
      .meta(
        meta({
          group: 'rateLimit',
          flag: '--rate-limit-events <n>',
          description: 'Events per rolling minute.',
        }),
      ),
    bytesPerMinute: integer(1)
      .default(2_000_000_000)
      .meta(
        meta({
          group: 'rateLimit',
          flag: '--rate-limit-bytes <n>',
          description: 'Uncompressed bytes per rolling minute.',
        }),
      ),
  })
  .strict();

const MINUTE_MS = 60_000;

const cohorts = z
  .object({
    queryPageSize: integer(1)
      .default(1000)
      .meta(
        meta({
          group: 'cohorts',
          flag: '--query-page-size <n>',
          description: 'Profiles per page of the Query API `/engage` answer (`page_size`).',
        }),
      ),
    queriesPerHour: integer(0)
      .default(60)
      .meta(
        meta({
          group: 'cohorts',
          flag: '--query-per-hour <n>',
          description:
            'Query API requests per rolling hour before 429s (Mixpanel: 60 per project); 0: no limit.',
        }),
      ),
    concurrentQueries: integer(0)
      .default(5)
      .meta(
        meta({
          group: 'cohorts',
          flag: '--query-concurrency <n>',
          description:
            'Query API requests in progress at once before 429s (Mixpanel: 5 per project); 0: no limit.',
        }),
      ),
    syncIntervalMs: integer(1)
      .default(30 * MINUTE_MS)
      .meta(
        meta({
          group: 'cohorts',
          flag: '--cohort-sync-interval <ms>',
          description:
            'How often a dynamic webhook cohort sync sends the changes (Mixpanel: every 30 minutes).',
        }),
      ),
    syncPageSize: integer(1)
      .default(1000)
      .meta(
        meta({
          group: 'cohorts',
          flag: '--cohort-sync-page-size <n>',
          description: 'Users per webhook request; larger syncs are split into pages.',
        }),
      ),
    syncRetries: integer(0)
      .default(5)
      .meta(
        meta({
          group: 'cohorts',
          flag: '--cohort-sync-retries <n>',
          description:
            'Retries of a webhook request answered 429 or 5xx (or not answered) before the sync fails until the next one (Mixpanel: 5 within a minute).',
        }),
      ),
    syncRetryDelayMs: integer(0)
      .default(2000)
      .meta(
        meta({
          group: 'cohorts',
          flag: '--cohort-sync-retry-delay <ms>',
          description: 'First delay between webhook retries; doubles each time (2 s: 62 s for 5).',
        }),
      ),
    syncTimeoutMs: integer(1)
      .default(30_000)
      .meta(
        meta({
          group: 'cohorts',
          description: 'Deadline of one webhook request; a timeout is retried.',
        }),
      ),
    snapshotTtlMs: integer(1)
      .default(3 * 24 * 60 * MINUTE_MS)
      .meta(
        meta({
          group: 'cohorts',
          description:
            'How long the snapshot of the last successful webhook sync is kept; a sync after it expired sends the full membership again (Mixpanel: 3 days).',
        }),
      ),
  })
  .strict();

/** What the sandbox server takes (besides its clock, random source and logger: see options.ts). */
export const sandboxSettingsSchema = z
  .object({
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(0)
      .meta(
        meta({
          group: 'listen',
          flag: '-p, --port <port>',
          flagDefault: DEFAULT_SANDBOX_PORT,
          description: 'Port to listen on; 0 picks a free one.',
        }),
      ),
    host: nonEmpty.default('127.0.0.1').meta(
      meta({
        group: 'listen',
        flag: '--host <address>',
        description: 'Address to bind; 0.0.0.0 accepts other hosts (docker-compose).',
      }),
    ),
    credentials: credentials.prefault({}),
    idMergeMode: z
      .enum(['original', 'simplified'])
      .default('original')
      .meta(
        meta({
          group: 'behaviour',
          flag: '--id-merge-mode <mode>',
          description:
            "The project's ID merge system. Simplified: a missing `distinct_id` is derived from `$user_id`, else `$device_id`.",
        }),
      ),
    identityEvents: z
      .enum(['ignore', 'reject'])
      .default('ignore')
      .meta(
        meta({
          group: 'behaviour',
          flag: '--identity-events <mode>',
          description:
            'Identity events (`$identify`, `$create_alias`, `$merge`) on a Simplified project: accepted and ignored (documented) or a 400 for the whole batch (observed in 2026).',
        }),
      ),
    failedRecordIdKey: z
      .enum(['insert_id', '$insert_id'])
      .default('insert_id')
      .meta(
        meta({
          group: 'behaviour',
          flag: '--failed-record-id-key <key>',
          description:
            'Key of the id in `failed_records` entries: `insert_id` as real answers carry it, `$insert_id` as the prose documents it.',
        }),
      ),
    overCountStatus: z
      .literal([400, 413])
      .default(400)
      .meta(
        meta({
          group: 'behaviour',
          flag: '--over-count-status <status>',
          description:
            'Status of a request holding more records than `--max-records` (unconfirmed: 400 or 413).',
        }),
      ),
    // z.literal keeps the order of mixed values (z.enum lists '413' first) for --help and docs.
    oversizeRecord: z
      .literal(['failed-record', '413'])
      .default('failed-record')
      .meta(
        meta({
          group: 'behaviour',
          flag: '--oversize-record <mode>',
          description:
            'How an event over `--max-record-bytes` is refused: a `failed_records` entry or a 413 for the request.',
        }),
      ),
    maxRecordsPerRequest: integer(1)
      .default(MIXPANEL_LIMITS.maxRecordsPerRequest)
      .meta(
        meta({
          group: 'behaviour',
          flag: '--max-records <n>',
          description: 'Records per request, on every endpoint.',
        }),
      ),
    maxRequestBytes: integer(1)
      // Mixpanel documents "10 MB"; the sandbox reads it as 10 MiB.
      .default(10 * 1024 * 1024)
      .meta(
        meta({
          group: 'behaviour',
          flag: '--max-request-bytes <n>',
          description:
            'Uncompressed request body limit (Mixpanel\'s "10 MB", read as 10 MiB); 2097152 emulates the limit before 2025.',
        }),
      ),
    maxRecordBytes: integer(1)
      .default(MIXPANEL_LIMITS.maxRecordBytes)
      .meta(
        meta({
          group: 'behaviour',
          flag: '--max-record-bytes <n>',
          description: 'Limit per event or profile update, uncompressed.',
        }),
      ),
    maxProperties: integer(1)
      .default(255)
      .meta(
        meta({
          group: 'behaviour',
          description:
            'Events must have fewer properties than this; also the limit on the keys of nested objects and the items of lists.',
        }),
      ),
    strictWhenMissing: z
      .boolean()
      .default(false)
      .meta(
        meta({
          group: 'behaviour',
          flag: '--strict-when-missing',
          description: 'Validate `/import` strictly when `strict` is not in the query.',
        }),
      ),
    trackMaxAgeDays: integer(1)
      .default(5)
      .meta(
        meta({
          group: 'behaviour',
          description:
            '`/track` keeps only events newer than this many days; older ones are dropped while the answer stays 1.',
        }),
      ),
    badToken: z
      .literal(['drop', '401'])
      .default('drop')
      .meta(
        meta({
          group: 'behaviour',
          flag: '--bad-token <mode>',
          description:
            'A wrong `$token` or `properties.token`: dropped with a success answer (documented) or answered 401.',
        }),
      ),
    profileBatchErrors: z
      .enum(['apply-valid', 'reject-batch', 'ok-if-any-valid'])
      .default('apply-valid')
      .meta(
        meta({
          group: 'behaviour',
          flag: '--profile-batch-errors <mode>',
          description:
            '`/engage` and `/groups` batches holding invalid updates: `apply-valid` applies the valid ones and answers 0, `reject-batch` applies none, `ok-if-any-valid` answers 1 when at least one was valid.',
        }),
      ),
    multipleOperations: z
      .enum(['reject', 'apply'])
      .default('reject')
      .meta(
        meta({
          group: 'behaviour',
          flag: '--multiple-operations <mode>',
          description:
            'Update objects holding more than one operation: refused (documented: one per object) or applied.',
        }),
      ),
    groupsAdd: z
      .boolean()
      .default(true)
      .meta(
        meta({
          group: 'behaviour',
          flag: '--no-groups-add',
          description:
            '`$add` on `/groups` is accepted (only the batch page names it); `--no-groups-add` refuses it.',
        }),
      ),
    profileGzip: z
      .boolean()
      .default(false)
      .meta(
        meta({
          group: 'behaviour',
          flag: '--profile-gzip',
          description: 'Accept gzip bodies on `/engage` and `/groups` (documented: not supported).',
        }),
      ),
    rateLimit: rateLimit.prefault({}),
    cohorts: cohorts.prefault({}),
    retryAfterSeconds: integer(0)
      .optional()
      .meta(
        meta({
          group: 'rateLimit',
          flag: '--retry-after <seconds>',
          description:
            "`Retry-After` seconds on the rate limiter's 429s (Mixpanel sends none; unset: no header).",
        }),
      ),
    faults: z
      .array(faultSpecSchema)
      .default([])
      .meta(
        meta({
          group: 'faults',
          flag: '--fault <json>',
          description:
            'Fault rules active from the start; the flag is repeatable, e.g. `--fault \'{"endpoint":"/import","rate":0.2,"status":503}\'`.',
        }),
      ),
    seed: integer(0)
      .default(1)
      .meta(
        meta({
          group: 'faults',
          flag: '--seed <n>',
          description:
            'Seed of the random choices of rate-based faults: the same seed repeats a run.',
        }),
      ),
    keepRecords: integer(0)
      .default(100_000)
      .meta(
        meta({
          group: 'storage',
          flag: '--keep-records <n>',
          description:
            'Full event rows kept for `GET /_sandbox/records`; counts and dedupe keys are never capped (0 in long benchmarks).',
        }),
      ),
    keepProfiles: integer(0)
      .default(100_000)
      .meta(
        meta({
          group: 'storage',
          flag: '--keep-profiles <n>',
          description:
            'User and group profiles kept; updates that would create more are counted as `untrackedProfileUpdates`.',
        }),
      ),
  })
  .strict();

/** What `segment-mixpanel sandbox` takes on top: shortcuts that become fault rules, the log level. */
export const sandboxCommandSchema = z
  .object({
    errorRate: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .meta(
        meta({
          group: 'faults',
          flag: '--error-rate <rate>',
          description:
            'Shortcut: answer `--error-status` to this share of the requests to every endpoint.',
        }),
      ),
    errorStatus: z
      .number()
      .int()
      .min(400)
      .max(599)
      .default(503)
      .meta(
        meta({
          group: 'faults',
          flag: '--error-status <status>',
          description: 'Status of the `--error-rate` answers.',
        }),
      ),
    latency: integer(0)
      .optional()
      .meta(
        meta({
          group: 'faults',
          flag: '--latency <ms>',
          description: 'Shortcut: delay every answer by this many milliseconds.',
        }),
      ),
    logLevel: z
      .enum(LOG_LEVELS)
      .default('info')
      .meta(
        meta({
          group: 'storage',
          flag: '--log-level <level>',
          description: 'Minimum level of the JSON logs written to stdout.',
        }),
      ),
  })
  .strict();

/** The server's settings, defaults applied. */
export type SandboxSettings = z.output<typeof sandboxSettingsSchema>;
/** Any subset of the settings; undefined values take the default. */
export type SandboxSettingsInput = z.input<typeof sandboxSettingsSchema>;
export type SandboxCredentials = SandboxSettings['credentials'];
export type SandboxCohortSettings = SandboxSettings['cohorts'];
export type SandboxCommandSettings = z.output<typeof sandboxCommandSchema>;
