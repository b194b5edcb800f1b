import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../test/harness/certificates.js';
import { freePort } from '../../test/harness/ports.js';
import { startTokenServer, type TokenServer } from '../../test/harness/token-server.js';
import { TokenUnavailableError } from './bearer-token.js';
import { oidcClientCredentials, type OauthBearerSettings } from './oidc-tokens.js';

let pki: TestPki;
let plain: TokenServer;
let secure: TokenServer;
beforeAll(async () => {
  pki = makeTestPki();
  plain = await startTokenServer({ clients: { proc: 'proc-secret' }, lifetimeS: 120 });
  secure = await startTokenServer({
    clients: { proc: 'proc-secret' },
    tls: { key: pki.pem('server.key'), cert: pki.pem('server.crt') },
  });
});
afterAll(async () => {
  await plain.stop();
  await secure.stop();
  pki.remove();
});

function settings(overrides: Partial<OauthBearerSettings> = {}): OauthBearerSettings {
  return {
    tokenEndpoint: plain.url,
    clientId: 'proc',
    clientSecret: 'proc-secret',
    clientAuthMethod: 'client_secret_basic',
    extensions: [],
    ...overrides,
  };
}

async function unavailable(fetch: () => Promise<unknown>): Promise<TokenUnavailableError> {
  const error = await fetch().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(TokenUnavailableError);
  return error as TokenUnavailableError;
}

describe('oidcClientCredentials', () => {
  it('gets a token with its lifetime, authenticating with HTTP Basic or form fields', async () => {
    const basic = oidcClientCredentials(settings({ scope: 'kafka' }));
    const token = await basic.fetch();
    // expires_in is 120 s; openid-client counts it down from when the answer arrived.
    expect(token.lifetimeMs).toBeGreaterThan(110_000);
    expect(token.lifetimeMs).toBeLessThanOrEqual(120_000);
    const claims = JSON.parse(Buffer.from(token.value.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'proc', scope: 'kafka' });
    const post = oidcClientCredentials(settings({ clientAuthMethod: 'client_secret_post' }));
    await post.fetch();
    expect(plain.issued.slice(-2)).toEqual([
      { clientId: 'proc', scope: 'kafka', auth: 'basic' },
      { clientId: 'proc', scope: undefined, auth: 'post' },
    ]);
  });

  it('says the provider refused the client and names the settings', async () => {
    const error = await unavailable(
      oidcClientCredentials(settings({ clientSecret: 'wrong' })).fetch,
    );
    expect(error.message).toBe(
      `the token endpoint ${plain.url} answered 401 (invalid_client: bad client credentials); check kafka.sasl.oauthbearer.clientId / clientSecret`,
    );
  });

  it('trusts a private CA given as kafka.sasl.oauthbearer.ca, and says to set it otherwise', async () => {
    const trusted = oidcClientCredentials(settings({ tokenEndpoint: secure.url }), {
      ca: pki.pem('ca.crt'),
    });
    expect((await trusted.fetch()).value).toMatch(/\.$/);
    await trusted.close();
    const error = await unavailable(
      oidcClientCredentials(settings({ tokenEndpoint: secure.url })).fetch,
    );
    expect(error.message).toMatch(
      /^cannot reach the token endpoint .*: [A-Z_]+; set kafka\.sasl\.oauthbearer\.ca to the CA that signed its certificate$/,
    );
  });

  it('says when the endpoint cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}/token`;
    const error = await unavailable(oidcClientCredentials(settings({ tokenEndpoint: url })).fetch);
    expect(error.message).toBe(`cannot reach the token endpoint ${url}: ECONNREFUSED`);
    expect(error.settings).toBe('kafka.sasl.oauthbearer.tokenEndpoint');
  });
});
