/**
 * The HTTP receiver of `segment-mixpanel cohorts serve`: `POST <cohorts.webhook.path>` with
 * Mixpanel's cohort sync JSON (optionally gzip-encoded), Basic authentication when configured,
 * bodies up to `cohorts.webhook.maxBodyBytes`. Every answer is the JSON Mixpanel expects; see
 * webhook-handler.ts for what each status means to Mixpanel.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { listen } from '../../http-listen.js';
import type { Logger } from '../../log.js';
import { basicAuthAccepts, type BasicCredentials } from './basic-auth.js';
import { failure, type WebhookHandler, type WebhookReply } from './webhook-handler.js';

const gunzipAsync = promisify(gunzip);

export interface WebhookServerOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly credentials: BasicCredentials | undefined;
  readonly maxBodyBytes: number;
  readonly handler: WebhookHandler;
  readonly logger: Logger;
}

export interface WebhookServer {
  /** `http://host:port` once listening (the path is not included). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, waits for the ones in progress, then closes. */
  close(): Promise<void>;
}

type Body = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false };

function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > limit ? { ok: false } : { ok: true, bytes: Buffer.concat(chunks) }),
    );
    req.on('error', reject);
  });
}

async function decoded(req: IncomingMessage, bytes: Buffer, limit: number): Promise<Body> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return { ok: true, bytes };
  if (encoding !== 'gzip') return { ok: false };
  try {
    const inflated = await gunzipAsync(bytes, { maxOutputLength: limit });
    return { ok: true, bytes: inflated };
  } catch {
    return { ok: false };
  }
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { handler, logger } = options;
  const path = options.path.replace(/\/+$/, '') || '/';

  async function respond(req: IncomingMessage): Promise<WebhookReply> {
    const url = new URL(req.url ?? '/', 'http://receiver.invalid');
    if ((url.pathname.replace(/\/+$/, '') || '/') !== path) {
      await readBody(req, 0);
      return failure('', 404, `cohort syncs are received on ${path}`);
    }
    if (req.method !== 'POST') {
      await readBody(req, 0);
      return failure('', 405, 'cohort syncs are POST requests');
    }
    if (!basicAuthAccepts(req.headers.authorization, options.credentials)) {
      await readBody(req, 0);
      return handler.refuse(
        'unauthorized',
        failure('', 401, 'missing or wrong Basic authentication (cohorts.webhook.username)'),
      );
    }
    const raw = await readBody(req, options.maxBodyBytes);
    const body = raw.ok ? await decoded(req, raw.bytes, options.maxBodyBytes) : raw;
    if (!body.ok) {
      return handler.refuse(
        'invalid_request',
        failure(
          '',
          413,
          `the body is larger than cohorts.webhook.maxBodyBytes (${options.maxBodyBytes}) or not readable`,
        ),
      );
    }
    return handler.handle(body.bytes);
  }

  function write(res: ServerResponse, reply: WebhookReply): void {
    if (res.destroyed) return;
    const text = JSON.stringify(reply.answer);
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  const server = createServer((req, res) => {
    respond(req).then(
      (reply) => write(res, reply),
      (err: unknown) => {
        logger.error({ err }, 'cohort webhook request failed');
        write(res, failure('', 500, 'internal error'));
      },
    );
  });
  const { url, port } = await listen(server, options.port, options.host);
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
