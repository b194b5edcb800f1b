/**
 * A small in-process double of the Confluent Schema Registry REST API, enough for
 * @kafkajs/confluent-schema-registry's register/encode/decode (../shared/reference/kafka-runtime.md
 * §3.3 option 3). Listens on 127.0.0.1 port 0; `failNext` answers the next requests with an error
 * status to exercise retries.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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

export interface SchemaRegistryDouble {
  readonly url: string;
  /** The next `count` requests answer `status` (500 by default). */
  failNext(count: number, status?: number): void;
  /** Requests seen, as "METHOD /path". */
  readonly requests: string[];
  stop(): Promise<void>;
}

export async function startSchemaRegistry(): Promise<SchemaRegistryDouble> {
  const byId = new Map<number, Stored>();
  const subjects = new Map<string, number[]>();
  const config = new Map<string, string>();
  const requests: string[] = [];
  let failures = { count: 0, status: 500 };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] as string;
    requests.push(`${req.method} ${path}`);
    if (failures.count > 0) {
      failures.count--;
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

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) =>
      send(res, 500, { error_code: 50001, message: String(err) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(count, status = 500) {
      failures = { count, status };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
