/**
 * A small in-process double of the Confluent Schema Registry REST API, enough for
 * @kafkajs/confluent-schema-registry's register/encode/decode. Listens on 127.0.0.1 port 0, over
 * TLS (optionally requiring a client certificate) and behind an Authorization check when asked.
 *
 * Answers to exercise the processor's classification of registry answers:
 *   - an unknown schema id: the registry's own `404 {"error_code":40403,…}`;
 *   - `failNext(n, status, body)`: the next n requests answer `status` with the registry's JSON
 *     error shape (`error_code` = status × 100, so a JSON 404 is 40400, never 40403) or an HTML
 *     page like an ingress's (`body: 'html'`, any status, 200 included);
 *   - `failUntilHealed(status, body)` / `heal()`: the same for every request, for as long as it
 *     takes; `failedAt` holds when each failed answer was given;
 *   - `store(schema, schemaType)`: a schema kept as given (an invalid Avro schema, an unknown
 *     `schemaType`), as a registry with bad data would serve it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

interface Stored {
  id: number;
  schema: string;
  schemaType?: string;
}

/** A Segment track message as an Avro record, for the Avro tests (properties as JSON text). */
export const TRACK_SCHEMA = {
  type: 'record',
  name: 'Track',
  namespace: 'com.example.segment',
  fields: [
    { name: 'type', type: 'string' },
    { name: 'event', type: 'string' },
    { name: 'userId', type: ['null', 'string'], default: null },
    { name: 'messageId', type: 'string' },
    { name: 'timestamp', type: 'string' },
    { name: 'properties', type: 'string' },
  ],
};

export type FailureBody = 'json' | 'html';

export interface SchemaRegistryDouble {
  readonly url: string;
  /** The next `count` requests answer `status` (500 by default) with `body` (JSON by default). */
  failNext(count: number, status?: number, body?: FailureBody): void;
  /** Every request fails like failNext until heal(). */
  failUntilHealed(status: number, body?: FailureBody): void;
  heal(): void;
  /** Stores a schema as given, valid or not; returns its id. */
  store(schema: string, schemaType?: string): number;
  /** performance.now() of every failed answer, in order. */
  readonly failedAt: number[];
  /** Requests seen, as "METHOD /path". */
  readonly requests: string[];
  stop(): Promise<void>;
}

export interface SchemaRegistryDoubleOptions {
  /** Serve https with this key and certificate; with `ca`, require a client certificate it signed. */
  readonly tls?: { readonly key: string; readonly cert: string; readonly ca?: string };
  /** Answer 401 unless the request's Authorization header is exactly this. */
  readonly authorization?: string;
}

export async function startSchemaRegistry(
  options: SchemaRegistryDoubleOptions = {},
): Promise<SchemaRegistryDouble> {
  const byId = new Map<number, Stored>();
  const subjects = new Map<string, number[]>();
  const config = new Map<string, string>();
  const requests: string[] = [];
  const failedAt: number[] = [];
  let failures: { count: number; status: number; body: FailureBody } = {
    count: 0,
    status: 500,
    body: 'json',
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] as string;
    requests.push(`${req.method} ${path}`);
    if (
      options.authorization !== undefined &&
      req.headers.authorization !== options.authorization
    ) {
      send(res, 401, { error_code: 40101, message: 'Unauthorized' });
      return;
    }
    if (failures.count > 0) {
      failures.count--;
      failedAt.push(performance.now());
      if (failures.body === 'html') {
        res.writeHead(failures.status, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<html><head><title>${failures.status}</title></head><body><center><h1>${failures.status}</h1></center><hr><center>nginx</center></body></html>`,
        );
        return;
      }
      send(res, failures.status, {
        error_code: failures.status * 100,
        message: 'injected failure',
      });
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body =
      chunks.length > 0
        ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>)
        : {};
    let m: RegExpExecArray | null;

    if (req.method === 'GET' && (m = /^\/schemas\/ids\/(\d+)$/.exec(path))) {
      const found = byId.get(Number(m[1]));
      if (!found) return send(res, 404, { error_code: 40403, message: 'Schema not found' });
      return send(res, 200, {
        schema: found.schema,
        ...(found.schemaType ? { schemaType: found.schemaType } : {}),
      });
    }
    if (req.method === 'POST' && (m = /^\/subjects\/([^/]+)\/versions$/.exec(path))) {
      const subject = decodeURIComponent(m[1] as string);
      const schema = String(body.schema);
      let stored = [...byId.values()].find((s) => s.schema === schema);
      if (!stored) {
        stored = {
          id: byId.size + 1,
          schema,
          ...(body.schemaType ? { schemaType: String(body.schemaType) } : {}),
        };
        byId.set(stored.id, stored);
      }
      const versions = subjects.get(subject) ?? [];
      if (!versions.includes(stored.id)) versions.push(stored.id);
      subjects.set(subject, versions);
      return send(res, 200, { id: stored.id });
    }
    if ((m = /^\/config\/([^/]+)$/.exec(path))) {
      const subject = decodeURIComponent(m[1] as string);
      if (req.method === 'PUT') {
        config.set(subject, String(body.compatibility));
        return send(res, 200, { compatibility: body.compatibility });
      }
      const level = config.get(subject);
      if (!level)
        return send(res, 404, {
          error_code: 40408,
          message: 'Subject does not have subject-level compatibility configured',
        });
      return send(res, 200, { compatibilityLevel: level });
    }
    if (req.method === 'GET' && (m = /^\/subjects\/([^/]+)\/versions\/([^/]+)$/.exec(path))) {
      const subject = decodeURIComponent(m[1] as string);
      const versions = subjects.get(subject) ?? [];
      const index = m[2] === 'latest' ? versions.length - 1 : Number(m[2]) - 1;
      const id = versions[index];
      const stored = id === undefined ? undefined : byId.get(id);
      if (!stored) return send(res, 404, { error_code: 40401, message: 'Subject not found' });
      return send(res, 200, { subject, version: index + 1, id: stored.id, schema: stored.schema });
    }
    send(res, 404, { error_code: 404, message: `no route for ${req.method} ${path}` });
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) =>
      send(res, 500, { error_code: 50001, message: String(err) }),
    );
  };
  const { tls } = options;
  const server = tls
    ? createTlsServer(
        {
          key: tls.key,
          cert: tls.cert,
          ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
        },
        listener,
      )
    : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    failedAt,
    failNext(count, status = 500, body = 'json') {
      failures = { count, status, body };
    },
    failUntilHealed(status, body = 'json') {
      failures = { count: Number.POSITIVE_INFINITY, status, body };
    },
    heal() {
      failures = { count: 0, status: 500, body: 'json' };
    },
    store(schema, schemaType) {
      const id = byId.size + 1;
      byId.set(id, { id, schema, ...(schemaType !== undefined ? { schemaType } : {}) });
      return id;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
