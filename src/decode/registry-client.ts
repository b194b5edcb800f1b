/**
 * The HTTP side of the schema registry: one GET → a value (an answer with its status and body, no
 * answer at all, or aborted), never an exception, like the Mixpanel client. Classifying the answer
 * is registry-answer.ts's job, retrying avro.ts's.
 *
 * Why not @kafkajs/confluent-schema-registry's client: its error middleware turns every failed
 * answer into an error holding only the status and a message, before any middleware of ours can
 * see the body, so the registry's own `40403` could not be told from an ingress's HTML 404 without
 * reading message text. The client is built here, in one place: the base URL (a path prefix is
 * kept), Basic auth from `input.schemaRegistry.username`/`password` (or the `user:password@` of the
 * URL, taken out of it so no log line carries it) or a bearer `token`, TLS from
 * `input.schemaRegistry.tls` (a private CA, a client certificate; files read and checked here, a
 * problem is a configuration error naming the setting), and the per-request deadline on the Clock.
 */
import { Pool } from 'undici';
import type { Clock } from '../clock.js';
import { ConfigError } from '../config/load.js';
import type { InputConfig } from '../config/schema.js';
import { loadTlsFiles } from '../config/tls-files.js';
import { startDeadline } from '../deadline.js';
import { describeCause } from '../error-cause.js';
import type { RegistryAnswer } from './registry-answer.js';

export type RegistryConfig = Pick<
  NonNullable<InputConfig['schemaRegistry']>,
  'url' | 'username' | 'password' | 'token' | 'tls' | 'requestTimeoutMs'
>;

export type RegistryResult = RegistryAnswer | { readonly kind: 'aborted' };

export interface RegistryClient {
  /** GETs `path` (e.g. `/schemas/ids/7`) below the registry URL. */
  get(path: string, signal?: AbortSignal): Promise<RegistryResult>;
  close(): Promise<void>;
}

export function createRegistryClient(config: RegistryConfig, clock: Clock): RegistryClient {
  const base = new URL(config.url);
  const prefix = base.pathname.replace(/\/+$/, '');
  let connect = {};
  if (config.tls !== undefined) {
    const tls = loadTlsFiles('input.schemaRegistry.tls', config.tls);
    if (!tls.ok) throw new ConfigError(tls.problems);
    connect = tls.value;
  }
  const pool = new Pool(base.origin, { connections: 2, connect });
  const headers: Record<string, string> = {
    accept: 'application/vnd.schemaregistry.v1+json, application/json',
    'user-agent': 'segment-mixpanel',
  };
  const username =
    config.username ?? (base.username ? decodeURIComponent(base.username) : undefined);
  const password = config.password ?? decodeURIComponent(base.password);
  if (config.token !== undefined) {
    headers.authorization = `Bearer ${config.token}`;
  } else if (username !== undefined) {
    const basic = Buffer.from(`${username}:${password}`).toString('base64');
    headers.authorization = `Basic ${basic}`;
  }

  return {
    async get(path, signal) {
      if (signal?.aborted) return { kind: 'aborted' };
      const deadline = startDeadline(clock, config.requestTimeoutMs, signal);
      try {
        const response = await pool.request({
          method: 'GET',
          path: `${prefix}${path}`,
          headers,
          signal: deadline.signal,
        });
        const body = await response.body.text();
        return { kind: 'response', status: response.statusCode, body };
      } catch (err) {
        if (signal?.aborted) return { kind: 'aborted' };
        if (deadline.timedOut) {
          return { kind: 'network', message: `no answer within ${config.requestTimeoutMs} ms` };
        }
        return { kind: 'network', message: describeCause(err) };
      } finally {
        deadline.end();
      }
    },
    close: () => pool.close(),
  };
}
