/** `segment-mixpanel sandbox`: runs the local Mixpanel until SIGINT or SIGTERM. */
import { createLogger } from '../log.js';
import type { LogConfig } from '../config/schema.js';
import { startSandbox, type Sandbox, type SandboxOptionsInput } from '../sandbox/index.js';
import type { FaultSpecInput } from '../sandbox/faults.js';
import { seededRandom } from '../sandbox/random.js';

/** The command's flags as commander parses them (see addSandbox in cli.ts). */
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

/**
 * Starts the sandbox, prints where it listens, and stops it cleanly (hung connections included)
 * on SIGINT or SIGTERM. Resolves once stopped.
 */
export async function runSandbox(flags: SandboxFlags, out: NodeJS.WritableStream): Promise<void> {
  const logger = createLogger({ level: flags.logLevel });
  const sandbox: Sandbox = await startSandbox({ ...sandboxOptionsFromFlags(flags), logger });
  out.write(
    `sandbox (local Mixpanel) listening on ${sandbox.url}\n` +
      `  point the processor at it with mixpanel.apiHost=${sandbox.url}\n` +
      `  inspect: GET ${sandbox.url}/_sandbox/stats, GET ${sandbox.url}/_sandbox/records?distinct_id=…\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sandbox.stop();
  out.write('sandbox stopped\n');
}
