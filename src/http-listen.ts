/**
 * Starting an HTTP server on a host and port (0 for a free one) and the URL a client on this
 * machine reaches it at: the operations endpoint, the cohort webhook receiver and the sandbox all
 * listen this way. A listen error (port taken, address not available) rejects instead of being
 * thrown later from the server's 'error' event.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  /** `http://host:port`, with a wildcard address replaced by the loopback one. */
  readonly url: string;
  /** The address the server is bound to, as the socket reports it. */
  readonly host: string;
  readonly port: number;
}

export async function listen(server: Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${clientHost(address.address)}:${address.port}`,
    host: address.address,
    port: address.port,
  };
}

/** Where a client on this machine connects to reach a server bound to `address`. */
function clientHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}
