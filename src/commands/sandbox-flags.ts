/**
 * The flags of `segment-mixpanel sandbox`: their declaration (with validation of each value) and
 * their mapping onto startSandbox options.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { LogConfig } from '../config/schema.js';
import { DEFAULT_SANDBOX_PORT, type SandboxOptionsInput } from '../sandbox/index.js';
import { faultSpecSchema, type FaultSpecInput } from '../sandbox/faults.js';
import { seededRandom } from '../random.js';

/** The command's flags as commander parses them (see declareSandboxFlags). */
export interface SandboxFlags {
  readonly port: number;
  readonly host: string;
  readonly projectToken?: string;
  readonly apiSecret?: string;
  readonly serviceAccount?: { username: string; secret: string };
  readonly projectId?: string;
  readonly idMergeMode: 'original' | 'simplified';
  readonly identityEvents: 'ignore' | 'reject';
  readonly failedRecordIdKey: 'insert_id' | '$insert_id';
  readonly overCountStatus: '400' | '413';
  readonly oversizeRecord: 'failed-record' | '413';
  readonly maxRecords?: number;
  readonly maxRequestBytes?: number;
  readonly maxRecordBytes?: number;
  readonly strictWhenMissing: boolean;
  readonly badToken: 'drop' | '401';
  readonly profileBatchErrors: 'apply-valid' | 'reject-batch' | 'ok-if-any-valid';
  readonly multipleOperations: 'reject' | 'apply';
  readonly groupsAdd: boolean;
  readonly profileGzip: boolean;
  readonly rateLimit: boolean;
  readonly rateLimitEvents?: number;
  readonly rateLimitBytes?: number;
  readonly retryAfter?: number;
  readonly fault: readonly FaultSpecInput[];
  readonly errorRate?: number;
  readonly errorStatus: number;
  readonly latency?: number;
  readonly seed: number;
  readonly keepRecords?: number;
  readonly keepProfiles?: number;
  readonly logLevel: LogConfig['level'];
}

/** Flags → startSandbox options (pure; the shortcuts become fault rules). */
export function sandboxOptionsFromFlags(flags: SandboxFlags): SandboxOptionsInput {
  const faults: FaultSpecInput[] = [...flags.fault];
  if (flags.errorRate !== undefined && flags.errorRate > 0) {
    faults.push({ endpoint: '*', rate: flags.errorRate, status: flags.errorStatus });
  }
  if (flags.latency !== undefined && flags.latency > 0) {
    faults.push({ endpoint: '*', rate: 1, mode: 'latency', delayMs: flags.latency });
  }
  return {
    port: flags.port,
    host: flags.host,
    credentials: {
      projectToken: flags.projectToken,
      apiSecret: flags.apiSecret,
      serviceAccount: flags.serviceAccount,
      projectId: flags.projectId,
    },
    idMergeMode: flags.idMergeMode,
    identityEvents: flags.identityEvents,
    failedRecordIdKey: flags.failedRecordIdKey,
    overCountStatus: flags.overCountStatus === '413' ? 413 : 400,
    oversizeRecord: flags.oversizeRecord,
    maxRecordsPerRequest: flags.maxRecords,
    maxRequestBytes: flags.maxRequestBytes,
    maxRecordBytes: flags.maxRecordBytes,
    strictWhenMissing: flags.strictWhenMissing,
    badToken: flags.badToken,
    profileBatchErrors: flags.profileBatchErrors,
    multipleOperations: flags.multipleOperations,
    groupsAdd: flags.groupsAdd,
    profileGzip: flags.profileGzip,
    rateLimit: {
      enabled: flags.rateLimit,
      ...(flags.rateLimitEvents !== undefined ? { eventsPerMinute: flags.rateLimitEvents } : {}),
      ...(flags.rateLimitBytes !== undefined ? { bytesPerMinute: flags.rateLimitBytes } : {}),
    },
    retryAfterSeconds: flags.retryAfter,
    keepRecords: flags.keepRecords,
    keepProfiles: flags.keepProfiles,
    faults,
    random: seededRandom(flags.seed),
  };
}

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return n;
  };

function rate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected 0 to 1');
  return n;
}

function serviceAccount(value: string): { username: string; secret: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new InvalidArgumentError('expected USER:SECRET');
  }
  return { username: value.slice(0, colon), secret: value.slice(colon + 1) };
}

function fault(value: string, previous: FaultSpecInput[]): FaultSpecInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected a JSON object');
  }
  const result = faultSpecSchema.safeParse(parsed);
  if (!result.success) {
    throw new InvalidArgumentError(
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  }
  return [...previous, parsed as FaultSpecInput];
}

/** Adds the sandbox flags, grouped, to `command`. */
export function declareSandboxFlags(command: Command): Command {
  return command
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0 picks a free one)')
        .argParser(integer(0, 65535))
        .default(DEFAULT_SANDBOX_PORT),
    )
    .addOption(
      new Option('--host <address>', 'address to bind (0.0.0.0 to accept other hosts)').default(
        '127.0.0.1',
      ),
    )
    .optionsGroup('Credentials it accepts (none given: any non-empty credentials):')
    .option('--project-token <token>', 'project token (/import Basic user; $token of updates)')
    .option('--api-secret <secret>', 'project API secret (/import Basic user)')
    .addOption(
      new Option(
        '--service-account <user:secret>',
        'service account for /import (requires project_id)',
      ).argParser(serviceAccount),
    )
    .option('--project-id <id>', 'project id a service account must send as project_id')
    .optionsGroup("Behaviour knobs (defaults follow Mixpanel's documentation):")
    .addOption(
      new Option('--id-merge-mode <mode>', "the project's ID merge system")
        .choices(['original', 'simplified'])
        .default('original'),
    )
    .addOption(
      new Option('--identity-events <mode>', 'identity events on a simplified project')
        .choices(['ignore', 'reject'])
        .default('ignore'),
    )
    .addOption(
      new Option('--failed-record-id-key <key>', 'id key in failed_records entries')
        .choices(['insert_id', '$insert_id'])
        .default('insert_id'),
    )
    .addOption(
      new Option('--over-count-status <status>', 'answer to more than --max-records records')
        .choices(['400', '413'])
        .default('400'),
    )
    .addOption(
      new Option('--oversize-record <mode>', 'how an event over 1 MB is refused')
        .choices(['failed-record', '413'])
        .default('failed-record'),
    )
    .addOption(
      new Option('--max-records <n>', 'records per request (default 2000)').argParser(integer(1)),
    )
    .addOption(
      new Option(
        '--max-request-bytes <n>',
        'uncompressed body limit (default 10485760; 2097152 = pre-2025)',
      ).argParser(integer(1)),
    )
    .addOption(
      new Option('--max-record-bytes <n>', 'per-record limit (default 1048576)').argParser(
        integer(1),
      ),
    )
    .option(
      '--strict-when-missing',
      'validate /import strictly when strict is not in the query',
      false,
    )
    .addOption(
      new Option('--bad-token <mode>', 'a wrong $token: drop silently (documented) or 401')
        .choices(['drop', '401'])
        .default('drop'),
    )
    .addOption(
      new Option(
        '--profile-batch-errors <mode>',
        '/engage and /groups batches with invalid updates',
      )
        .choices(['apply-valid', 'reject-batch', 'ok-if-any-valid'])
        .default('apply-valid'),
    )
    .addOption(
      new Option('--multiple-operations <mode>', 'update objects holding more than one operation')
        .choices(['reject', 'apply'])
        .default('reject'),
    )
    .option('--no-groups-add', 'refuse $add on /groups')
    .option('--profile-gzip', 'accept gzip bodies on /engage and /groups', false)
    .optionsGroup('Rate limiting (off by default):')
    .option('--rate-limit', "enforce Mixpanel's per-project limit over a rolling minute", false)
    .addOption(
      new Option('--rate-limit-events <n>', 'events per minute (default 1800000)').argParser(
        integer(1),
      ),
    )
    .addOption(
      new Option('--rate-limit-bytes <n>', 'uncompressed bytes per minute (default 2e9)').argParser(
        integer(1),
      ),
    )
    .addOption(
      new Option('--retry-after <seconds>', 'send Retry-After on rate-limit 429s').argParser(
        integer(0),
      ),
    )
    .optionsGroup('Faults and latency:')
    .addOption(
      new Option(
        '--fault <json>',
        'a fault rule, repeatable, e.g. \'{"endpoint":"/import","rate":0.2,"status":503}\'',
      )
        .argParser(fault)
        .default([]),
    )
    .addOption(
      new Option('--error-rate <rate>', 'share of requests answered --error-status').argParser(
        rate,
      ),
    )
    .addOption(
      new Option('--error-status <status>', 'status of --error-rate answers')
        .argParser(integer(400, 599))
        .default(503),
    )
    .addOption(new Option('--latency <ms>', 'delay added to every answer').argParser(integer(0)))
    .addOption(
      new Option('--seed <n>', 'seed of the random choices of rate-based faults')
        .argParser(integer(0))
        .default(1),
    )
    .optionsGroup('Storage and logs:')
    .addOption(
      new Option(
        '--keep-records <n>',
        'full event rows kept for /_sandbox/records (default 100000)',
      ).argParser(integer(0)),
    )
    .addOption(
      new Option('--keep-profiles <n>', 'profiles kept (default 100000)').argParser(integer(0)),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
    )
    .addHelpText(
      'after',
      `
Endpoints: POST /import, GET|POST /track, /engage, /groups.
Inspection: GET /_sandbox/stats, GET /_sandbox/records?distinct_id=ID, POST /_sandbox/reset,
GET|POST|DELETE /_sandbox/faults (POST body e.g. {"endpoint":"/import","status":429,"count":2}).
See docs/sandbox.md.`,
    );
}
