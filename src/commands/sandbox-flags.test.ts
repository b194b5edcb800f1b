import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../cli.js';
import { sandboxOptionsFromFlags, type SandboxFlags } from './sandbox-flags.js';

function parseSandbox(args: string[]): SandboxFlags {
  const program = buildProgram().exitOverride();
  const command = program.commands.find((c) => c.name() === 'sandbox') as Command;
  command.exitOverride().configureOutput({ writeErr: () => {} });
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
    ['--fault={"status":200}'],
    ['--fault=not json'],
    ['--error-rate=1.5'],
    ['--port=70000'],
    ['--id-merge-mode=weird'],
  ])('refuses %s', (arg) => {
    expect(() => parseSandbox([arg])).toThrow();
  });
});
