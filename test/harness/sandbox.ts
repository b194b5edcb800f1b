/**
 * The sandbox for integration tests: started in-process on port 0 and stopped when the test ends
 * (teardown registered by the factory that created it), plus small HTTP helpers.
 */
import { gzipSync } from 'node:zlib';
import { onTestFinished } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptionsInput } from '../../src/sandbox/index.js';

export async function useSandbox(options: SandboxOptionsInput = {}): Promise<Sandbox> {
  const sandbox = await startSandbox(options);
  onTestFinished(() => sandbox.stop());
  return sandbox;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: unknown;
}

export interface PostOptions {
  readonly headers?: Record<string, string>;
  readonly gzip?: boolean;
  readonly method?: string;
}

/** POSTs `body` (string or Buffer) and reads the answer. */
export async function post(
  url: string,
  body: string | Buffer,
  options: PostOptions = {},
): Promise<Answer> {
  const raw = typeof body === 'string' ? Buffer.from(body) : body;
  const headers = { ...options.headers };
  if (options.gzip) headers['content-encoding'] = 'gzip';
  const response = await fetch(url, {
    method: options.method ?? 'POST',
    headers,
    body: options.gzip ? gzipSync(raw) : raw,
  });
  return read(response);
}

export async function get(url: string): Promise<Answer> {
  return read(await fetch(url));
}

async function read(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function basicAuth(user: string, password = ''): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

export const ndjson = (records: readonly unknown[]): string =>
  records.map((r) => JSON.stringify(r)).join('\n');
