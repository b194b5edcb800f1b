/**
 * THE configuration schema. The TypeScript type, validation, defaults, environment variable names,
 * secret masking and docs/configuration.md all come from this one declaration.
 *
 * Metadata per key: `description` (docs), `secret: true` (masked wherever config is printed).
 * Environment variables are derived from the path: `batching.maxRecords` →
 * `SEGMENT_MIXPANEL_BATCHING_MAX_RECORDS` (see env.ts).
 */
import { z } from 'zod';
import { REGIONS } from '../mixpanel/endpoints.js';
import { MIXPANEL_LIMITS } from '../mixpanel/limits.js';
import { checkSubscriptions, subscription } from './subscriptions.js';

const MIB = 1024 * 1024;

/** Default gzip level of /import bodies (measured: as fast as 1, ~5% smaller). */
export const DEFAULT_GZIP_LEVEL = 3;

const nonEmpty = z.string().min(1, 'must not be empty');

/** A Mixpanel service account (Basic auth): one shape for publishing and for the Query API. */
const serviceAccount = z
  .object({
    username: nonEmpty.meta({ description: 'Service account username.' }),
    secret: nonEmpty.meta({ description: 'Service account secret.', secret: true }),
  })
  .strict();
const stringList = z.array(nonEmpty);
const positiveMs = z.number().int().min(1);

/** A PEM setting: the path of a PEM file, or the PEM text itself (read once at start). */
function pemSetting(what: string, secret = false) {
  return nonEmpty.optional().meta({
    description: `${what}: a PEM file path, or the PEM text itself.`,
    ...(secret ? { secret: true } : {}),
  });
}

/** TLS towards a server that may use a private CA or ask for a client certificate. */
function tlsSettings(peer: string) {
  return z
    .object({
      ca: pemSetting(
        `CA certificate(s) that signed the certificate of ${peer}, used instead of the system CAs`,
      ),
      cert: pemSetting('Client certificate chain for mutual TLS (with `key`)'),
      key: pemSetting(
        'Private key of the client certificate (PKCS#8 or PKCS#1, may be encrypted)',
        true,
      ),
      keyPassphrase: nonEmpty
        .optional()
        .meta({ description: 'Passphrase of an encrypted `key`.', secret: true }),
      rejectUnauthorized: z
        .boolean()
        .default(true)
        .meta({
          description: `Verify the certificate of ${peer}. \`false\` accepts any certificate and logs a warning at start: for tests only.`,
        }),
      servername: nonEmpty.optional().meta({
        description: `Host name the certificate of ${peer} must hold (also sent as SNI), instead of the host being connected to.`,
      }),
    })
    .strict()
    .refine((t) => (t.cert === undefined) === (t.key === undefined), {
      message: 'cert and key go together (mutual TLS needs both)',
      path: ['cert'],
    })
    .refine((t) => t.keyPassphrase === undefined || t.key !== undefined, {
      message: 'keyPassphrase is only used with key',
      path: ['keyPassphrase'],
    })
    .optional()
    .meta({ description: `TLS settings for ${peer}; setting any of them turns TLS on.` });
}

export const SASL_MECHANISMS = [
  'plain',
  'scram-sha-256',
  'scram-sha-512',
  'oauthbearer',
  'aws-msk-iam',
] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** RFC 7628 §3.1: an extension key is letters only, its value printable ASCII; `auth` is reserved. */
const SASL_EXTENSION = /^(?!auth=)[A-Za-z]+=[\x20-\x7e]*$/;

const oauthbearer = z
  .object({
    tokenEndpoint: z.url().meta({
      description:
        'Token endpoint of the identity provider (OAuth 2.0 client-credentials grant), e.g. `https://idp.example.com/oauth2/token`.',
    }),
    clientId: nonEmpty.meta({ description: 'OAuth client id.' }),
    clientSecret: nonEmpty.meta({ description: 'OAuth client secret.', secret: true }),
    clientAuthMethod: z
      .enum(['client_secret_basic', 'client_secret_post'])
      .default('client_secret_basic')
      .meta({
        description:
          'How the client authenticates at the token endpoint: HTTP Basic, or form fields (`client_secret_post`, the default of some providers such as Auth0).',
      }),
    scope: nonEmpty
      .optional()
      .meta({ description: 'Scope requested for the token (space-separated).' }),
    extensions: z
      .array(z.string().regex(SASL_EXTENSION, 'expected key=value, the key letters only'))
      .default([])
      .meta({
        description:
          'SASL extensions sent with the token, `key=value`; Confluent Cloud wants `logicalCluster=lkc-…` and `identityPoolId=pool-…`.',
      }),
    ca: pemSetting('CA certificate(s) of the token endpoint, used instead of the system CAs'),
  })
  .strict();

const MECHANISM_FIELDS = {
  plain: ['username', 'password'],
  'scram-sha-256': ['username', 'password'],
  'scram-sha-512': ['username', 'password'],
  oauthbearer: ['oauthbearer'],
  'aws-msk-iam': ['awsRegion'],
} as const satisfies Record<SaslMechanism, readonly string[]>;
const MECHANISM_SPECIFIC = ['username', 'password', 'oauthbearer', 'awsRegion'] as const;

const sasl = z
  .object({
    mechanism: z.enum(SASL_MECHANISMS).meta({
      description:
        'SASL mechanism. `plain`, `scram-sha-256`, `scram-sha-512`: `username` and `password`. `oauthbearer`: a token from `oauthbearer.*` (OIDC client credentials). `aws-msk-iam`: Amazon MSK IAM access control, signed with the credentials of the default AWS provider chain, in `awsRegion`.',
    }),
    username: nonEmpty.optional().meta({ description: 'SASL username (plain, scram-*).' }),
    password: nonEmpty
      .optional()
      .meta({ description: 'SASL password (plain, scram-*).', secret: true }),
    oauthbearer: oauthbearer.optional().meta({
      description: 'Where `oauthbearer` gets its tokens: an OIDC client-credentials grant.',
    }),
    awsRegion: nonEmpty
      .optional()
      .meta({ description: 'AWS region of the MSK cluster, e.g. `eu-west-1` (aws-msk-iam).' }),
    tokenRefreshMarginMs: z.number().int().min(15_000).default(60_000).meta({
      description:
        'oauthbearer and aws-msk-iam: a cached token is renewed once less than this (or half its lifetime) is left. More than 10 s, the margin at which connections re-authenticate before their session ends.',
    }),
  })
  .strict()
  .superRefine((s, ctx) => {
    const needed: readonly string[] = MECHANISM_FIELDS[s.mechanism];
    for (const field of MECHANISM_SPECIFIC) {
      const present = s[field] !== undefined;
      if (needed.includes(field) && !present) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `needed by mechanism ${s.mechanism}`,
        });
      } else if (!needed.includes(field) && present) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `not used by mechanism ${s.mechanism}; remove it or change kafka.sasl.mechanism`,
        });
      }
    }
  })
  .optional()
  .meta({ description: 'SASL authentication; omit for none.' });

const kafka = z
  .object({
    brokers: z
      .array(nonEmpty)
      .min(1)
      .default(['127.0.0.1:9092'])
      .meta({ description: 'Bootstrap brokers, `host:port`. Comma-separated in the environment.' }),
    clientId: nonEmpty
      .default('segment-mixpanel')
      .meta({ description: 'Kafka client id (shows up in broker logs and quotas).' }),
    groupId: nonEmpty
      .default('segment-mixpanel')
      .meta({ description: 'Consumer group id. Replicas with the same id share the partitions.' }),
    topics: z
      .array(nonEmpty)
      .min(1)
      .default(['segment-events'])
      .meta({ description: 'Raw topics holding Segment messages.' }),
    deadLetterTopic: nonEmpty.default('segment-events-dlq').meta({
      description: 'Topic receiving rejected messages, original bytes plus reason headers.',
    }),
    fromBeginning: z.boolean().default(true).meta({
      description:
        'Where a consumer group without committed offsets starts: the earliest offset (true) or the end (false).',
    }),
    ssl: z.boolean().optional().meta({
      description:
        'Connect to the brokers over TLS, trusting the system CAs. Implied by `kafka.tls`; `false` together with `kafka.tls` is an error. Default: off unless `kafka.tls` is set.',
    }),
    tls: tlsSettings('the brokers'),
    sasl,
    allowPlaintextSasl: z.boolean().default(false).meta({
      description:
        'Allow SASL `plain` or `oauthbearer` without TLS. Both send the credential itself (password or token), readable by anyone on the network path, so the processor refuses to start without TLS unless this is true.',
    }),
    sessionTimeoutMs: z
      .number()
      .int()
      .min(6000)
      .default(30_000)
      .meta({ description: 'Consumer session timeout; a member silent for longer is evicted.' }),
    heartbeatIntervalMs: positiveMs.default(3000).meta({
      description: 'Consumer heartbeat interval (must be well below the session timeout).',
    }),
    rebalanceTimeoutMs: positiveMs.default(60_000).meta({
      description: 'Time members get to finish in-flight work when the group rebalances.',
    }),
    maxBytesPerPartition: z
      .number()
      .int()
      .min(1024)
      .default(1 * MIB)
      .meta({ description: 'Upper bound on bytes fetched per partition per request.' }),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .default(2 * MIB)
      .meta({
        description:
          'Upper bound on bytes per fetch response. kafkajs holds a response (and a copy while decoding) in memory, so this bounds that part of the footprint (kafkajs default 10 MiB).',
      }),
    maxWaitTimeMs: positiveMs.default(500).meta({
      description:
        'Longest the broker holds a fetch with no new data (kafkajs default 5 s): how soon an idle consumer sees new records or a stop.',
    }),
    commitIntervalMs: positiveMs.default(1000).meta({
      description: 'How often settled offsets are committed (and at shutdown and rebalance).',
    }),
    lagIntervalMs: positiveMs
      .default(15_000)
      .meta({ description: 'How often committed-offset lag is measured against the log end.' }),
    connectionTimeoutMs: positiveMs.default(3000).meta({
      description:
        'How long one attempt to connect to a broker (TCP, then TLS when enabled) may take.',
    }),
    requestTimeoutMs: positiveMs.default(30_000).meta({
      description: 'How long a request to a broker may wait for its answer before it is retried.',
    }),
    retries: z.number().int().min(0).default(5).meta({
      description:
        'Retries of a failed broker operation (connect, metadata, fetch, commit) before it counts as failed. A consumer that fails this way restarts by itself; with the delays below, an unreachable broker is reported after about 8 s.',
    }),
    retryInitialDelayMs: positiveMs.default(300).meta({
      description: 'Delay before the first retry of a broker operation; it doubles per retry.',
    }),
    retryMaxDelayMs: positiveMs.default(3000).meta({
      description: 'Upper bound of the delay between two retries of a broker operation.',
    }),
    logRepeatWindowMs: z.number().int().min(0).default(60_000).meta({
      description:
        'A Kafka client warning that repeats (same message) within this window is counted, not logged again; the next one after it says how many were folded. 0 logs every one.',
    }),
    startupTimeoutMs: positiveMs.default(10_000).meta({
      description:
        'How long commands wait at startup for the brokers to answer and the topics to be checked; past it they stop with one line naming `kafka.brokers`.',
    }),
  })
  .strict()
  .refine((k) => k.heartbeatIntervalMs * 3 <= k.sessionTimeoutMs, {
    message: 'heartbeatIntervalMs must be at most a third of sessionTimeoutMs',
    path: ['heartbeatIntervalMs'],
  })
  .refine((k) => !(k.ssl === false && k.tls !== undefined), {
    message: 'kafka.tls is set, which turns TLS on; remove kafka.ssl: false or kafka.tls',
    path: ['ssl'],
  })
  .refine((k) => k.sasl?.mechanism !== 'aws-msk-iam' || kafkaTlsEnabled(k), {
    message:
      'aws-msk-iam needs TLS (MSK serves IAM authentication on its TLS listener, port 9098): set kafka.ssl: true',
    path: ['sasl', 'mechanism'],
  })
  .refine(
    (k) =>
      !(k.sasl?.mechanism === 'plain' || k.sasl?.mechanism === 'oauthbearer') ||
      kafkaTlsEnabled(k) ||
      k.allowPlaintextSasl,
    {
      message:
        'without TLS this mechanism sends the password or token in clear text to every broker; set kafka.ssl: true (or kafka.tls), or kafka.allowPlaintextSasl: true if the network path is trusted',
      path: ['sasl', 'mechanism'],
    },
  )
  .refine((k) => k.retryInitialDelayMs <= k.retryMaxDelayMs, {
    message: 'retryInitialDelayMs must not exceed retryMaxDelayMs',
    path: ['retryInitialDelayMs'],
  });

/** TLS is on with `kafka.ssl: true` or any `kafka.tls` setting. */
export function kafkaTlsEnabled(k: {
  readonly ssl?: boolean | undefined;
  readonly tls?: unknown;
}): boolean {
  return k.ssl === true || (k.ssl === undefined && k.tls !== undefined);
}

const input = z
  .object({
    format: z.enum(['auto', 'json', 'avro']).default('auto').meta({
      description:
        'Message encoding. `auto` detects per message: Confluent Avro (magic byte 0) or JSON (a Segment message or a batch payload).',
    }),
    schemaRegistry: z
      .object({
        url: z
          .url()
          .meta({ description: 'Schema registry base URL, e.g. `http://registry:8081`.' }),
        username: nonEmpty
          .optional()
          .meta({ description: 'Basic-auth username for the registry.' }),
        password: nonEmpty
          .optional()
          .meta({ description: 'Basic-auth password for the registry.', secret: true }),
        token: nonEmpty.optional().meta({
          description: 'Bearer token sent to the registry, instead of basic auth.',
          secret: true,
        }),
        tls: tlsSettings('the registry'),
        requestTimeoutMs: positiveMs.default(10_000).meta({
          description: 'Deadline of one registry request; a timeout is retried.',
        }),
        retryInitialDelayMs: positiveMs.default(500).meta({
          description:
            "First delay before a failed schema lookup is retried (no answer, 5xx, 429, or a 404 that is not the registry's own `40403`); doubles each time. The message waits, heartbeats go on.",
        }),
        retryMaxDelayMs: positiveMs.default(30_000).meta({
          description: 'Cap of the delay between retries of a failed schema lookup.',
        }),
      })
      .strict()
      .refine((r) => r.retryInitialDelayMs <= r.retryMaxDelayMs, {
        message: 'retryInitialDelayMs must not exceed retryMaxDelayMs',
        path: ['retryInitialDelayMs'],
      })
      .refine((r) => r.password === undefined || r.username !== undefined, {
        message: 'password needs username',
        path: ['password'],
      })
      .refine((r) => r.tls === undefined || /^https:/i.test(r.url), {
        message: 'tls settings need an https:// url',
        path: ['tls'],
      })
      .refine((r) => r.token === undefined || r.username === undefined, {
        message: 'use either basic auth (username, password) or a bearer token, not both',
        path: ['token'],
      })
      .optional()
      .meta({ description: 'Confluent schema registry, required to decode Avro messages.' }),
    transformWorkers: z.number().int().min(0).max(8).default(1).meta({
      description:
        'Worker threads that decode, validate, map and serialize messages, off the event loop. 0 does it on the main thread.',
    }),
    transformWorkerYoungGenerationMb: z.number().int().min(1).max(256).default(16).meta({
      description:
        "Young generation of each transform worker's JavaScript heap, in MiB. A worker's objects live for one job, so a small young generation is collected often and cheaply; V8's default (~48 MiB) mostly adds resident memory.",
    }),
    maxNestingDepth: z
      .number()
      .int()
      .min(4)
      .max(1000)
      .default(64)
      .meta({ description: 'Messages nested deeper than this are rejected as `invalid_json`.' }),
    maxFutureMs: z
      .number()
      .int()
      .min(0)
      .default(60 * 60 * 1000)
      .meta({
        description:
          'Events timed more than this after both the host clock and the Kafka record timestamp are rejected as `time_out_of_range` (Mixpanel refuses events over 1 h ahead of its own clock). The only check that reads a clock; the lower bound (1971) is absolute.',
      }),
  })
  .strict();

const mixpanel = z
  .object({
    projectToken: nonEmpty.meta({
      description:
        'Project token. Authenticates `/import` when no secret or service account is set, and is the `$token` of every profile and group update.',
    }),
    apiSecret: nonEmpty.optional().meta({
      description: 'Project API secret (deprecated by Mixpanel; retired 2027-03-03).',
      secret: true,
    }),
    serviceAccount: serviceAccount
      .optional()
      .meta({ description: 'Service account for `/import` (preferred). Requires `projectId`.' }),
    projectId: nonEmpty
      .optional()
      .meta({ description: 'Mixpanel project id; required with a service account.' }),
    region: z.enum(REGIONS).default('us').meta({
      description: 'Data residency of the project: picks api.mixpanel.com, api-eu or api-in.',
    }),
    apiHost: z.url().optional().meta({
      description:
        'Overrides the region host, e.g. `http://127.0.0.1:8086` for the sandbox or a proxy.',
    }),
    proxy: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .optional()
      .meta({
        description:
          'Forward proxy for the requests to Mixpanel, `http://[user:password@]host:port` (or `https://`). Default: the `HTTPS_PROXY` environment variable (`HTTP_PROXY` for an `http://` apiHost). A proxy that refuses the credentials (407) stops the processor.',
      }),
    noProxy: stringList.optional().meta({
      description:
        'Hosts reached directly instead of through `proxy`: `host`, `host:port`, `.domain` or `*.domain` for subdomains, `*` for all; IP addresses literally (no CIDR ranges). Default: the `NO_PROXY` environment variable.',
    }),
    tls: z
      .object({
        ca: pemSetting(
          'CA certificate(s) trusted for Mixpanel and an https:// proxy in addition to the system CAs, e.g. the CA of a TLS-inspecting proxy',
        ),
      })
      .strict()
      .optional()
      .meta({ description: 'TLS settings for the requests to Mixpanel.' }),
  })
  .strict()
  .refine((m) => m.serviceAccount === undefined || m.projectId !== undefined, {
    message: 'projectId is required when serviceAccount is set',
    path: ['projectId'],
  });

const mappingFields = z
  .object({
    sourceName: nonEmpty
      .optional()
      .meta({ description: 'Sent as `segment_source_name` on every event.' }),
    idMergeMode: z.enum(['simplified', 'original']).default('simplified').meta({
      description:
        "The project's ID merge system. `original` also sends `$identify` and `$create_alias` events.",
    }),
    pageNaming: z
      .enum(['viewed-name', 'consolidated', 'named', 'categorized'])
      .default('viewed-name')
      .meta({
        description:
          'Page/screen event names: "Viewed {name}", "Loaded a Page", "Viewed {name} Page", or "Viewed {category} {name} Page".',
      }),
    people: z
      .boolean()
      .default(true)
      .meta({ description: 'Send identify traits to user profiles (`/engage`).' }),
    setAllTraits: z
      .boolean()
      .default(true)
      .meta({ description: 'When false, only `peopleTraits` and the special traits are set.' }),
    peopleTraits: stringList
      .default([])
      .meta({ description: 'Traits set as profile properties when `setAllTraits` is false.' }),
    setOnceTraits: stringList
      .default([])
      .meta({ description: 'Traits sent through `$set_once` instead of `$set`.' }),
    arrayTraits: z.enum(['set', 'union']).default('set').meta({
      description: '`union`: array-valued traits go through `$union` (Classic behaviour).',
    }),
    eventIncrements: stringList.default([]).meta({
      description:
        'Event names (case-insensitive) that increment a profile counter and set "Last <event>".',
    }),
    propertyIncrements: stringList
      .default([])
      .meta({ description: 'Numeric event properties added to the profile with `$add`.' }),
    revenueAsCharge: z
      .boolean()
      .default(false)
      .meta({ description: 'Append `properties.revenue` to the profile `$transactions` list.' }),
    productEvents: z
      .boolean()
      .default(true)
      .meta({ description: 'One "Product Purchased" event per product of "Order Completed".' }),
    groupIdentifierTraits: stringList.default([]).meta({
      description:
        'Empty: group key `$group_id`, id = groupId. Otherwise the first listed trait present is the key; none present skips the call.',
    }),
    groupTraitsToSetOnce: stringList
      .default([])
      .meta({ description: 'Group traits sent through `$set_once`.' }),
    honorIntegrations: z
      .boolean()
      .default(true)
      .meta({ description: 'Skip messages whose `integrations` object disables Mixpanel.' }),
    pageEvents: z
      .array(z.enum(['consolidated', 'all', 'categorized', 'named']))
      .optional()
      .meta({
        description:
          'Classic\'s independent page toggles, replacing `pageNaming`: one event per listed option that applies (`consolidated`/`all`: "Loaded a Page"; `categorized`: "Viewed {category} {name} Page" when the call has a category; `named`: "Viewed {name} Page" when it has a name). `[]` sends no page events.',
      }),
    contextTraits: z.enum(['ignore', 'properties', 'legacy']).default('ignore').meta({
      description:
        'Traits in `context.traits` added to track, page and screen events (Classic): `properties` under their Mixpanel names, `legacy` also prefixed with `$` (Classic "Legacy Super Properties").',
    }),
    mpLib: z.enum(['actions', 'classic']).default('actions').meta({
      description:
        '`mp_lib` of events: "Segment Actions: <library>" (Actions) or "Segment: <library>" (Classic and Mixpanel\'s guide, e.g. "Segment: analytics.js").',
    }),
    reservedProperties: z.enum(['keep', 'rename']).default('keep').meta({
      description:
        'Event properties named `length` or `bucket`, which Mixpanel advises against: `rename` sends them as `length_` and `bucket_`.',
    }),
    subscriptions: z.array(subscription).min(1).optional().meta({
      description:
        'Segment Actions subscriptions (config file only): each enabled subscription whose trigger matches a message produces its action\'s records. Replaces the built-in mapping; see docs/mapping.md "Subscriptions". `segment-mixpanel mappings import` writes them from a Segment export.',
    }),
  })
  .strict();
/** Every `mapping.*` default, for the check that refuses settings subscriptions replace. */
const MAPPING_DEFAULTS = mappingFields.parse({});
const mapping = mappingFields.superRefine((m, ctx) => checkSubscriptions(m, MAPPING_DEFAULTS, ctx));

const batching = z
  .object({
    maxRecords: z
      .number()
      .int()
      .min(1)
      .max(MIXPANEL_LIMITS.maxRecordsPerRequest)
      .default(MIXPANEL_LIMITS.maxRecordsPerRequest)
      .meta({
        description: 'A batch closes at this many records (Mixpanel accepts at most 2000).',
      }),
    maxBytes: z
      .number()
      .int()
      .min(MIXPANEL_LIMITS.maxRecordBytes)
      .max(MIXPANEL_LIMITS.maxRequestBytes)
      .default(9 * MIB)
      .meta({
        description:
          'A batch closes before its uncompressed body passes this size (Mixpanel: 10 MB).',
      }),
    lingerMs: z
      .number()
      .int()
      .min(0)
      .default(500)
      .meta({ description: 'A batch closes this long after its first record arrived.' }),
    maxInFlightRequests: z.number().int().min(1).max(64).default(16).meta({
      description:
        'Upper bound on concurrent requests per endpoint; the adaptive limit halves on 429 and grows slowly on success.',
    }),
    gzipLevel: z.number().int().min(1).max(9).default(DEFAULT_GZIP_LEVEL).meta({
      description:
        'gzip level of `/import` request bodies (1 fastest, 9 smallest). 3 compresses as fast as 1 and about 5% smaller; 6 costs twice the CPU for about 10% less. Mixpanel limits apply to the uncompressed body.',
    }),
    maxBufferedRecords: z.number().int().min(1).default(5000).meta({
      description:
        'Intake waits while this many Kafka records are unsettled in memory. Raise it for high latency to Mixpanel: about rate × request latency records must be in flight (5000 covers ~250 ms at 20k/s). More costs memory and CPU: every record held longer survives into the old generation the garbage collector has to trace.',
    }),
    maxBufferedBytes: z
      .number()
      .int()
      .min(MIB)
      .default(64 * MIB)
      .meta({ description: 'Consumption pauses while unsettled records hold this many bytes.' }),
    waitingRecordsFactor: z.number().min(1).default(4).meta({
      description:
        'Records that are decided but wait for an earlier record of their partition to settle hold only a few hundred bytes; intake also waits while unsettled records number this many times `maxBufferedRecords`.',
    }),
    resumeRatio: z.number().gt(0).max(1).default(0.8).meta({
      description:
        'Once the backlog was full, intake resumes when every backlog count dropped below this share of its limit (hysteresis, so intake does not flap at the edge).',
    }),
    initialInFlightRequests: z.number().int().min(1).max(64).default(4).meta({
      description:
        'Where the adaptive concurrency limit of each endpoint starts (capped by `maxInFlightRequests`).',
    }),
    drainTimeoutMs: positiveMs.default(15_000).meta({
      description:
        'On shutdown or rebalance, how long open batches and in-flight requests get to finish before the rest is left uncommitted.',
    }),
  })
  .strict();

const retry = z
  .object({
    requestTimeoutMs: positiveMs
      .default(30_000)
      .meta({ description: 'Deadline of one HTTP attempt; a timeout is retried.' }),
    initialDelayMs: z
      .number()
      .int()
      .min(0)
      .default(2000)
      .meta({ description: 'First backoff delay (Mixpanel advises 2 s).' }),
    maxDelayMs: z
      .number()
      .int()
      .min(0)
      .default(60_000)
      .meta({ description: 'Backoff delays double up to this cap (Mixpanel advises 60 s).' }),
    multiplier: z.number().min(1).default(2).meta({ description: 'Backoff growth factor.' }),
    jitterMinMs: z
      .number()
      .int()
      .min(0)
      .default(1000)
      .meta({ description: 'Lower bound of the random jitter added to each delay.' }),
    jitterMaxMs: z
      .number()
      .int()
      .min(0)
      .default(5000)
      .meta({ description: 'Upper bound of the random jitter added to each delay.' }),
    maxRetryAfterMs: z
      .number()
      .int()
      .min(0)
      .default(5 * 60 * 1000)
      .meta({
        description:
          'Longest wait a `Retry-After` header can impose before the next attempt (Mixpanel does not document sending it; proxies do, sometimes asking for hours).',
      }),
    maxElapsedMs: positiveMs.optional().meta({
      description:
        'Give-up budget per batch. Unset: retryable failures are retried until they succeed or the process stops. Set: records still failing are dead-lettered as `retries_exhausted`.',
    }),
  })
  .strict()
  .refine((r) => r.jitterMinMs <= r.jitterMaxMs, {
    message: 'jitterMinMs must not exceed jitterMaxMs',
    path: ['jitterMinMs'],
  })
  .refine((r) => r.initialDelayMs <= r.maxDelayMs, {
    message: 'initialDelayMs must not exceed maxDelayMs',
    path: ['initialDelayMs'],
  });

const deadLetter = z
  .object({
    maxRatio: z.number().min(0).max(1).default(0.5).meta({
      description:
        'The processor stops when more than this share of the last `window` messages was dead-lettered (1 disables the guard).',
    }),
    window: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .meta({ description: 'Number of recent messages the dead-letter ratio is measured over.' }),
    maxGroupSize: z.number().int().min(1).default(100).meta({
      description:
        'Dead letters written together from the head of one partition, at most (and at most `window`): bounds what is still written once the guard trips.',
    }),
    maxBatchRecords: z.number().int().min(1).default(500).meta({
      description: 'Dead letters per produce request to the dead-letter topic, at most.',
    }),
    maxBatchBytes: z.number().int().min(1024).default(1_000_000).meta({
      description:
        "Estimated bytes per produce request to the dead-letter topic, at most (also capped at start by the topic's `max.message.bytes`). A group the broker still refuses as too large is sent one letter per request.",
    }),
    produceRetries: z.number().int().min(1).max(100).default(5).meta({
      description:
        'Attempts the Kafka producer makes per dead-letter write before the failure is counted (`segment_mixpanel_dead_letter_produce_failures_total`) and retried after `retryInitialDelayMs`.',
    }),
    retryInitialDelayMs: positiveMs.default(500).meta({
      description: 'First delay before a failed dead-letter write is retried; doubles each time.',
    }),
    retryMaxDelayMs: positiveMs.default(30_000).meta({
      description: 'Cap of the delay between retries of a failed dead-letter write.',
    }),
  })
  .strict();

const metrics = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .meta({ description: 'Serve /metrics, /healthz and /readyz.' }),
    host: nonEmpty.default('0.0.0.0').meta({ description: 'Address the metrics server binds to.' }),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(9464)
      .meta({ description: 'Port of the metrics server (0 picks a free port).' }),
  })
  .strict();

const DAY_MS = 24 * 60 * 60 * 1000;

const cohortWebhook = z
  .object({
    host: nonEmpty.default('0.0.0.0').meta({
      description: 'Address the cohort webhook receiver (`cohorts serve`) binds to.',
    }),
    port: z.number().int().min(0).max(65535).default(8087).meta({
      description: 'Port of the cohort webhook receiver (0 picks a free port).',
    }),
    path: nonEmpty
      .regex(/^\//, 'must start with /')
      .default('/')
      .meta({ description: 'Path Mixpanel posts to: the path of the webhook URL you register.' }),
    username: nonEmpty.optional().meta({
      description:
        'Basic-auth username Mixpanel must send (set the same on the webhook connection); unset: no authentication.',
    }),
    password: nonEmpty
      .optional()
      .meta({ description: 'Basic-auth password Mixpanel must send.', secret: true }),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .default(16 * MIB)
      .meta({ description: 'Largest request body accepted (a page holds up to 1,000 users).' }),
    sessionTtlMs: positiveMs.default(3 * DAY_MS).meta({
      description:
        'How long the pages of an incomplete full sync (`members`) are kept waiting for the rest. Then it is abandoned without exits; Mixpanel keeps its own snapshot 3 days.',
    }),
  })
  .strict()
  .refine((w) => (w.username === undefined) === (w.password === undefined), {
    message: 'set both username and password, or neither',
    path: ['username'],
  });

const cohortQuery = z
  .object({
    serviceAccount: serviceAccount
      .optional()
      .meta({ description: 'Service account that reads cohorts (`cohorts sync`).' }),
    projectId: nonEmpty
      .optional()
      .meta({ description: 'Mixpanel project id the cohorts belong to (`cohorts sync`).' }),
    region: z.enum(REGIONS).default('us').meta({
      description:
        'Data residency of the project: picks the Query API host mixpanel.com, eu.mixpanel.com or in.mixpanel.com.',
    }),
    apiHost: z.url().optional().meta({
      description:
        'Overrides the Query API host, e.g. `http://127.0.0.1:8086` for the sandbox or a proxy.',
    }),
    queriesPerHour: z.number().int().min(1).default(60).meta({
      description:
        "Query API requests started per rolling hour, at most (Mixpanel's limit per project: 60). Lower it when other tools query the same project.",
    }),
    maxConcurrentQueries: z.number().int().min(1).max(50).default(5).meta({
      description: "Query API requests in flight at once (Mixpanel's limit per project: 5).",
    }),
    requestTimeoutMs: positiveMs.default(120_000).meta({
      description: 'Deadline of one Query API request; a timeout is retried.',
    }),
    maxAttempts: z.number().int().min(1).max(100).default(5).meta({
      description:
        'Attempts per Query API request (5xx, 429, no answer) before the sync of that cohort fails; a failed listing never emits exits.',
    }),
    retryInitialDelayMs: positiveMs.default(30_000).meta({
      description:
        'First delay before a failed Query API request is retried (a `Retry-After` is a floor); doubles each time.',
    }),
    retryMaxDelayMs: positiveMs.default(15 * 60 * 1000).meta({
      description: 'Cap of the delay between retries of a Query API request.',
    }),
  })
  .strict()
  .refine((q) => q.retryInitialDelayMs <= q.retryMaxDelayMs, {
    message: 'retryInitialDelayMs must not exceed retryMaxDelayMs',
    path: ['retryInitialDelayMs'],
  });

const cohorts = z
  .object({
    topic: nonEmpty.default('segment-cohorts').meta({
      description:
        'Topic the identify messages of cohort membership are written to, keyed by user id: a dedicated topic, or one of `kafka.topics`.',
    }),
    stateTopic: nonEmpty.default('segment-cohorts-state').meta({
      description:
        'Compacted topic (`cleanup.policy=compact`) holding the membership of every cohort and the pages of syncs in progress, so any replica resumes where another stopped.',
    }),
    sendToMixpanel: z.boolean().default(false).meta({
      description:
        'false: the messages carry `integrations: {"Mixpanel": false}`, so this processor does not write cohort traits back into the project they came from (docs/cohorts.md). true: they become the profile properties "Mixpanel - <cohort name>".',
    }),
    produceBatchSize: z.number().int().min(1).max(10_000).default(1000).meta({
      description: 'Messages per produce request to the cohort and state topics.',
    }),
    webhook: cohortWebhook.default(cohortWebhook.parse({})),
    query: cohortQuery.default(cohortQuery.parse({})),
  })
  .strict();

/** pino's levels; `silent` logs nothing. Also the sandbox's `--log-level`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const log = z
  .object({
    level: z
      .enum(LOG_LEVELS)
      .default('info')
      .meta({ description: 'Minimum level of the log written to stdout.' }),
    progressIntervalMs: z.number().int().min(0).default(5000).meta({
      description:
        '`run` logs a progress line this often while messages move (consumed, delivered per endpoint, dead-lettered, lag), and `caught up` once at the end of the partitions. 0 turns both off.',
    }),
    format: z.enum(['auto', 'json', 'pretty']).default('auto').meta({
      description:
        'Log lines as JSON (for collectors) or pretty (one readable line each, for a person); `auto` is pretty when stdout is a terminal. `run --log-format` overrides it.',
    }),
  })
  .strict();

/** Sections default to `{}` so that a file holding only `mixpanel` and `mapping` is complete. */
export const configSchema = z
  .object({
    kafka: kafka.default(kafka.parse({})),
    input: input.default(input.parse({})),
    mixpanel: mixpanel,
    mapping: mapping.default(mapping.parse({})),
    batching: batching.default(batching.parse({})),
    retry: retry.default(retry.parse({})),
    deadLetter: deadLetter.default(deadLetter.parse({})),
    metrics: metrics.default(metrics.parse({})),
    log: log.default(log.parse({})),
    cohorts: cohorts.default(cohorts.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type KafkaConfig = Config['kafka'];
export type InputConfig = Config['input'];
export type MixpanelConfig = Config['mixpanel'];
export type MappingConfig = Config['mapping'];
export type BatchingConfig = Config['batching'];
export type RetryConfig = Config['retry'];
export type DeadLetterConfig = Config['deadLetter'];
export type MetricsConfig = Config['metrics'];
export type LogConfig = Config['log'];
export type CohortsConfig = Config['cohorts'];

/** The input form (what a file may contain): every key with a default is optional. */
export type ConfigInput = z.input<typeof configSchema>;
