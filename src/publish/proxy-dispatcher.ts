/**
 * The undici dispatcher for Mixpanel requests through a forward proxy (`mixpanel.proxy`, or the
 * standard proxy variables read by the config loader): undici's EnvHttpProxyAgent, given the proxy
 * and the no-proxy list explicitly so it reads no environment itself. An https target goes through
 * a CONNECT tunnel, and TLS to Mixpanel runs inside it.
 *
 * When the proxy answers CONNECT with anything but 200, undici reports only a message
 * ("Proxy response (407) !== 200 when HTTP Tunneling"). So the client that talks to the proxy is
 * made here (undici's `clientFactory` hook) and turns that answer into a ProxyRefusedError that
 * carries the status, for the HTTP client to classify: a 407 is a configuration error that no
 * retry fixes.
 */
import { EnvHttpProxyAgent, Pool, type Dispatcher } from 'undici';

/** The proxy refused to open a tunnel: 407 (credentials) or another status (e.g. 403, 502). */
export class ProxyRefusedError extends Error {
  override name = 'ProxyRefusedError';
  readonly code = 'PROXY_REFUSED';
  constructor(readonly statusCode: number) {
    super(
      statusCode === 407
        ? '407 Proxy Authentication Required'
        : `the proxy answered ${statusCode} to CONNECT`,
    );
  }
}

/** A client to the proxy whose CONNECT fails with a ProxyRefusedError on a non-200 answer. */
function proxyClient(origin: URL, options: object): Dispatcher {
  const pool = new Pool(origin, options);
  const connect: (o: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData> =
    pool.connect.bind(pool);
  const checked = async (o: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData> => {
    const result = await connect(o);
    if (result.statusCode !== 200) {
      result.socket.destroy();
      throw new ProxyRefusedError(result.statusCode);
    }
    return result;
  };
  return Object.assign(pool, { connect: checked });
}

export interface ProxyDispatcherOptions {
  /** The proxy URL, credentials included (`http://user:password@proxy:3128`). */
  readonly proxy: string;
  /** Hosts reached directly: names, `.domain`, `host:port`, `*`. */
  readonly noProxy: readonly string[];
  /** CAs trusted for the target (through the tunnel or directly) and for an https:// proxy. */
  readonly ca?: readonly string[] | undefined;
  /** Options of the per-origin pools (connections, keep-alive, timeouts). */
  readonly pool: Pool.Options;
}

export function createProxyDispatcher(options: ProxyDispatcherOptions): Dispatcher {
  const tls = options.ca ? { ca: [...options.ca] } : {};
  return new EnvHttpProxyAgent({
    ...options.pool,
    httpProxy: options.proxy,
    httpsProxy: options.proxy,
    noProxy: options.noProxy.join(','),
    // Direct connections (no-proxy hosts) use `connect`; tunnelled ones `requestTls`.
    connect: tls,
    requestTls: tls,
    proxyTls: tls,
    clientFactory: proxyClient,
  });
}
