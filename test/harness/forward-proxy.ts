/**
 * A forward proxy for the Mixpanel proxy tests: CONNECT tunnels only (undici tunnels http targets
 * too), Basic proxy authentication answering 407, and TLS inspection (it ends the client's TLS with
 * its own certificate, as corporate proxies do, and passes the decrypted bytes on). Every tunnel
 * goes to `upstream` whatever host was asked for, so `api.mixpanel.test` reaches the sandbox.
 */
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export interface ForwardProxyOptions {
  /** Where every tunnel really goes. */
  readonly upstream: { readonly host: string; readonly port: number };
  /** `user:password` the proxy wants; without it any client is let through. */
  readonly credentials?: string;
  /** Inspect TLS: terminate it with this key and certificate. */
  readonly inspect?: { readonly key: string; readonly cert: string };
}

export interface ForwardProxy {
  /** `http://127.0.0.1:port`, without credentials. */
  readonly url: string;
  /** The CONNECT requests seen: target and whether they carried the right credentials. */
  readonly connects: { readonly target: string; readonly authorized: boolean }[];
  stop(): Promise<void>;
}

export async function startForwardProxy(options: ForwardProxyOptions): Promise<ForwardProxy> {
  const connects: { target: string; authorized: boolean }[] = [];
  const sockets = new Set<Socket>();
  const expected =
    options.credentials === undefined
      ? undefined
      : `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  const server = createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const authorized = expected === undefined || req.headers['proxy-authorization'] === expected;
    connects.push({ target: req.url ?? '', authorized });
    client.on('error', () => client.destroy());
    if (!authorized) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    const upstream = connect(options.upstream.port, options.upstream.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      const inbound = options.inspect
        ? new TLSSocket(client, { isServer: true, ...options.inspect })
        : client;
      if (head.length > 0) inbound.unshift(head);
      inbound.on('error', () => upstream.destroy());
      inbound.pipe(upstream).pipe(inbound);
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
