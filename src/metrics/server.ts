/**
 * The operations endpoint: `/metrics` (Prometheus text), `/healthz` (the process is alive and
 * its event loop answers) and `/readyz` (ready for traffic: the consumer joined its group, Mixpanel
 * is reachable, not shutting down; the JSON body says which check fails).
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { listen } from '../http-listen.js';

export interface ReadinessCheck {
  readonly ready: boolean;
  /** Named checks, each true or a short reason it fails. */
  readonly checks: Readonly<Record<string, true | string>>;
}

export interface OpsServerOptions {
  readonly registry: Registry;
  readonly host: string;
  readonly port: number;
  readonly readiness: () => ReadinessCheck;
}

export interface OpsServer {
  /** `http://host:port` once listening. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/metrics':
        options.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
          (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
        );
        return;
      case '/healthz':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      case '/readyz': {
        const readiness = options.readiness();
        res.writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            status: readiness.ready ? 'ready' : 'not ready',
            checks: readiness.checks,
          }),
        );
        return;
      }
      default:
        res
          .writeHead(404, { 'content-type': 'text/plain' })
          .end('try /metrics, /healthz or /readyz\n');
    }
  });
  server.keepAliveTimeout = 5000;
  const { url, port } = await listen(server, options.port, options.host);
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
