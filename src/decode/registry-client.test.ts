/**
 * The registry client against the registry double over TLS: a private CA, a client certificate,
 * basic auth from the URL, a bearer token, and file problems named by setting.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { makeTestPki, type TestPki } from '../../test/harness/certificates.js';
import {
  startSchemaRegistry,
  TRACK_SCHEMA,
  type SchemaRegistryDouble,
} from '../../test/harness/schema-registry.js';
import { systemClock } from '../clock.js';
import { ConfigError } from '../config/load.js';
import { createRegistryClient, type RegistryConfig } from './registry-client.js';

let pki: TestPki;
let mtls: SchemaRegistryDouble;
let bearer: SchemaRegistryDouble;
let basic: SchemaRegistryDouble;

beforeAll(async () => {
  pki = makeTestPki();
  const server = { key: pki.pem('server.key'), cert: pki.pem('server.crt') };
  mtls = await startSchemaRegistry({ tls: { ...server, ca: pki.pem('ca.crt') } });
  bearer = await startSchemaRegistry({ tls: server, authorization: 'Bearer reg-token' });
  basic = await startSchemaRegistry({
    authorization: `Basic ${Buffer.from('reg:p@ss').toString('base64')}`,
  });
  for (const registry of [mtls, bearer, basic]) registry.store(JSON.stringify(TRACK_SCHEMA));
});
afterAll(async () => {
  await Promise.all([mtls.stop(), bearer.stop(), basic.stop()]);
  pki.remove();
});

/** The status the registry answered for schema 1, or `network` when there was no answer. */
async function lookup(config: Omit<RegistryConfig, 'requestTimeoutMs'>): Promise<number | string> {
  const client = createRegistryClient({ requestTimeoutMs: 5000, ...config }, systemClock);
  onTestFinished(() => client.close());
  const result = await client.get('/schemas/ids/1');
  return result.kind === 'response' ? result.status : result.kind;
}

const rejectUnauthorized = true;

describe('createRegistryClient', () => {
  it('trusts a private CA and presents a client certificate', async () => {
    const ca = pki.path('ca.crt');
    const tls = { ca, cert: pki.path('client.crt'), key: pki.path('client.key') };
    expect(await lookup({ url: mtls.url, tls: { ...tls, rejectUnauthorized } })).toBe(200);
    expect(await lookup({ url: mtls.url, tls: { ca, rejectUnauthorized } })).toBe('network');
  });

  it('sends a bearer token', async () => {
    const tls = { ca: pki.pem('ca.crt'), rejectUnauthorized };
    expect(await lookup({ url: bearer.url, token: 'reg-token', tls })).toBe(200);
    expect(await lookup({ url: bearer.url, token: 'other', tls })).toBe(401);
  });

  it('fails without the CA, and skips verification when told to', async () => {
    expect(await lookup({ url: bearer.url, token: 'reg-token' })).toBe('network');
    const insecure = { rejectUnauthorized: false };
    expect(await lookup({ url: bearer.url, token: 'reg-token', tls: insecure })).toBe(200);
  });

  it('takes basic-auth credentials out of the URL', async () => {
    expect(await lookup({ url: basic.url.replace('http://', 'http://reg:p%40ss@') })).toBe(200);
    expect(await lookup({ url: basic.url.replace('http://', 'http://reg:wrong@') })).toBe(401);
  });

  it('names the setting of an unreadable certificate file', () => {
    expect(() =>
      createRegistryClient(
        { url: mtls.url, requestTimeoutMs: 5000, tls: { ca: '/no/ca.pem', rejectUnauthorized } },
        systemClock,
      ),
    ).toThrow(
      new ConfigError(['input.schemaRegistry.tls.ca: cannot read /no/ca.pem: no such file']),
    );
  });
});
