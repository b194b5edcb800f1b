/** `segment-mixpanel sandbox` end to end: prints where it listens, serves, stops on the signal. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSandbox } from '../../src/commands/sandbox.js';
import { sandboxOptionsFromFlags } from '../../src/commands/sandbox-flags.js';
import { buildProgram } from '../../src/cli.js';
import type { SandboxFlags } from '../../src/commands/sandbox-flags.js';
import { basicAuth, get, post } from '../harness/sandbox.js';

function flags(args: string[]): SandboxFlags {
  const program = buildProgram().exitOverride();
  const command = program.commands.find((c) => c.name() === 'sandbox');
  let parsed: SandboxFlags | undefined;
  command?.action((opts: SandboxFlags) => {
    parsed = opts;
  });
  program.parse(['sandbox', ...args], { from: 'user' });
  if (!parsed) throw new Error('not parsed');
  return parsed;
}

describe('segment-mixpanel sandbox', () => {
  it('listens where it says, applies its flags, and stops when asked', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const stop = new AbortController();
    const parsedFlags = flags(['--port', '0', '--project-token', 'tok', '--log-level', 'silent']);
    expect(sandboxOptionsFromFlags(parsedFlags).credentials?.projectToken).toBe('tok');
    const running = runSandbox(parsedFlags, out, stop.signal);
    while (!/listening on (http:\/\/\S+)/.test(printed)) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const url = /listening on (http:\/\/\S+)/.exec(printed)?.[1] as string;
    expect((await get(`${url}/_sandbox/healthz`)).json).toEqual({ ok: true });
    const refused = await post(`${url}/import?strict=1`, '{}', { headers: basicAuth('wrong') });
    expect(refused.status).toBe(401);
    stop.abort();
    await running;
    expect(printed).toContain('sandbox stopped');
    await expect(get(`${url}/_sandbox/healthz`)).rejects.toThrow();
  });
});
