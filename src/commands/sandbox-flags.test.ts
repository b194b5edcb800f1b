import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../cli.js';
import { SANDBOX_SETTING_KEYS, sandboxSettingsSchema } from '../sandbox/index.js';
import { readSandboxFlags, sandboxOptionsFromFlags, type SandboxFlags } from './sandbox-flags.js';

function sandboxCommand(): Command {
  const program = buildProgram().exitOverride();
  return program.commands.find((c) => c.name() === 'sandbox') as Command;
}

function parseSandbox(args: string[], writeErr: (text: string) => void = () => {}): SandboxFlags {
  const program = buildProgram().exitOverride();
  const command = program.commands.find((c) => c.name() === 'sandbox') as Command;
  command.exitOverride().configureOutput({ writeErr });
  let flags: SandboxFlags | undefined;
  command.action((opts: SandboxFlags) => {
    flags = opts;
  });
  program.parse(['sandbox', ...args], { from: 'user' });
  if (!flags) throw new Error('action not called');
  return flags;
}

describe('segment-mixpanel sandbox flags', () => {
  it('defaults to documented behaviour on 127.0.0.1:8086', () => {
    const options = sandboxOptionsFromFlags(parseSandbox([]));
    expect(options).toMatchObject({
      port: 8086,
      host: '127.0.0.1',
      idMergeMode: 'original',
      failedRecordIdKey: 'insert_id',
      overCountStatus: 400,
      badToken: 'drop',
      rateLimit: { enabled: false },
      faults: [],
    });
    expect(options.retryAfterSeconds).toBeUndefined();
  });

  it('maps credentials, knobs and fault shortcuts', () => {
    const options = sandboxOptionsFromFlags(
      parseSandbox([
        '--port=0',
        '--service-account=svc.user:se:cret',
        '--project-id=42',
        '--id-merge-mode=simplified',
        '--identity-events=reject',
        '--over-count-status=413',
        '--rate-limit',
        '--rate-limit-events=1000',
        '--retry-after=3',
        '--fault={"endpoint":"/import","status":429,"count":2}',
        '--fault={"endpoint":"/engage","mode":"hang","count":1}',
        '--error-rate=0.2',
        '--latency=15',
        '--no-groups-add',
      ]),
    );
    expect(options).toMatchObject({
      port: 0,
      credentials: { serviceAccount: { username: 'svc.user', secret: 'se:cret' }, projectId: '42' },
      idMergeMode: 'simplified',
      identityEvents: 'reject',
      overCountStatus: 413,
      rateLimit: { enabled: true, eventsPerMinute: 1000 },
      retryAfterSeconds: 3,
      groupsAdd: false,
      faults: [
        { endpoint: '/import', status: 429, count: 2 },
        { endpoint: '/engage', mode: 'hang', count: 1 },
        { endpoint: '*', rate: 0.2, status: 503 },
        { endpoint: '*', rate: 1, mode: 'latency', delayMs: 15 },
      ],
    });
  });

  it.each([
    ['--service-account=nocolon'],
    ['--fault={"status":199}'],
    ['--fault=not json'],
    ['--error-rate=1.5'],
    ['--port=70000'],
    ['--id-merge-mode=weird'],
  ])('refuses %s', (arg) => {
    expect(() => parseSandbox([arg])).toThrow();
  });

  it.each([
    ['--port=70000', "'-p, --port <port>' argument '70000'", 'an integer from 0 to 65535'],
    ['--max-records=0', "'--max-records <n>' argument '0'", 'an integer ≥ 1'],
    ['--error-rate=much', "'--error-rate <rate>' argument 'much'", 'a number from 0 to 1'],
    ['--over-count-status=401', "'--over-count-status <status>' argument '401'", '400, 413'],
    ['--service-account=u:', "'--service-account <user:secret>' argument 'u:'", 'secret'],
    ['--fault={"rate":2}', "'--fault <json>' argument '{\"rate\":2}'", 'rate'],
    ['--project-token=', "'--project-token <token>' argument ''", 'must not be empty'],
  ])('names the flag and the bad value of %s', (arg, named, why) => {
    let error = '';
    expect(() => parseSandbox([arg], (text) => (error += text))).toThrow();
    expect(error).toContain(named);
    expect(error).toContain(why);
  });

  it('has a flag, with its default in the help, for every setting that declares one', () => {
    const command = sandboxCommand();
    const help = command.helpInformation();
    const flags = SANDBOX_SETTING_KEYS.filter((k) => k.flag !== undefined);
    expect(command.options.map((o) => o.flags)).toEqual(
      expect.arrayContaining(flags.map((k) => k.flag)),
    );
    expect(command.options).toHaveLength(flags.length);
    expect(help).toMatch(/--port <port> .*\(default: 8086\)/s);
    expect(help).toContain('(default: 10485760)');
  });

  it('starts the server with the schema defaults, on port 8086 and logging at info', () => {
    const { options, logLevel } = readSandboxFlags(parseSandbox([]));
    expect(options).toEqual({ ...sandboxSettingsSchema.parse({}), port: 8086 });
    expect(logLevel).toBe('info');
  });

  it('reads booleans, a negated flag, numbers and nested settings', () => {
    const { options, logLevel } = readSandboxFlags(
      parseSandbox([
        '--strict-when-missing',
        '--profile-gzip',
        '--max-request-bytes=2097152',
        '--oversize-record=413',
        '--rate-limit-bytes=5000',
        '--api-secret=s3',
        '--keep-records=0',
        '--seed=7',
        '--log-level=silent',
      ]),
    );
    expect(options).toMatchObject({
      strictWhenMissing: true,
      profileGzip: true,
      groupsAdd: true,
      maxRequestBytes: 2_097_152,
      oversizeRecord: '413',
      rateLimit: { enabled: false, eventsPerMinute: 1_800_000, bytesPerMinute: 5000 },
      credentials: { apiSecret: 's3' },
      keepRecords: 0,
      seed: 7,
    });
    expect(logLevel).toBe('silent');
  });
});
