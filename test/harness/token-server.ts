/**
 * An OAuth 2.0 token endpoint for the OAUTHBEARER tests: the client-credentials grant with HTTP
 * Basic or form-field client authentication, issuing the unsecured JWS tokens (`alg: none`) that
 * Kafka's built-in unsecured validator accepts. Listens on 127.0.0.1 port 0, over TLS when given a
 * key and certificate. Tokens carry the scope asked for; their lifetime is set per client.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface TokenServerOptions {
  /** client id → secret. */
  readonly clients: Readonly<Record<string, string>>;
  /** Token lifetime in seconds (default 300). */
  readonly lifetimeS?: number;
  /**
   * Per client id, when its tokens expire, in seconds from now, over `lifetimeS`. `expires_in`
   * stays `lifetimeS`: a negative value stands for a provider whose clock is behind.
   */
  readonly lifetimes?: Readonly<Record<string, number>>;
  readonly tls?: { readonly key: string; readonly cert: string };
  /** Leave `expires_in` out of the answers. */
  readonly omitExpiresIn?: boolean;
}

export interface IssuedToken {
  readonly clientId: string;
  readonly scope: string | undefined;
  readonly auth: 'basic' | 'post';
}

export interface TokenServer {
  /** The token endpoint URL. */
  readonly url: string;
  readonly issued: IssuedToken[];
  stop(): Promise<void>;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWS: header `{"alg":"none"}`, the claims, and an empty signature. */
export function unsecuredJws(claims: Record<string, unknown>): string {
  return `${b64url({ alg: 'none' })}.${b64url(claims)}.`;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const issued: IssuedToken[] = [];
  const lifetimeS = options.lifetimeS ?? 300;

  const answer = (res: ServerResponse, status: number, body: unknown, headers = {}): void => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/token') {
      answer(res, 404, { error: 'not_found' });
      return;
    }
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const form = new URLSearchParams(text);
    let clientId = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    const authorization = req.headers.authorization;
    if (authorization?.startsWith('Basic ')) {
      const [id, password] = Buffer.from(authorization.slice(6), 'base64')
        .toString()
        .split(':')
        .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
      clientId = id;
      secret = password;
    }
    if (form.get('grant_type') !== 'client_credentials') {
      answer(res, 400, { error: 'unsupported_grant_type' });
      return;
    }
    if (clientId === undefined || options.clients[clientId] !== secret) {
      answer(res, 401, { error: 'invalid_client', error_description: 'bad client credentials' });
      return;
    }
    const scope = form.get('scope') ?? undefined;
    const iat = Math.floor(Date.now() / 1000);
    const lifetime = options.lifetimes?.[clientId] ?? lifetimeS;
    const token = unsecuredJws({
      sub: clientId,
      iat,
      exp: iat + lifetime,
      ...(scope !== undefined ? { scope } : {}),
    });
    issued.push({ clientId, scope, auth: authorization ? 'basic' : 'post' });
    answer(res, 200, {
      access_token: token,
      token_type: 'Bearer',
      ...(options.omitExpiresIn ? {} : { expires_in: lifetimeS }),
    });
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => res.destroy());
  };
  const server: Server = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, listener)
    : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    issued,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
