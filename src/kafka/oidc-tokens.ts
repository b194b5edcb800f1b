/**
 * Tokens from an OIDC identity provider through the OAuth 2.0 client-credentials grant
 * (openid-client), for `kafka.sasl.mechanism: oauthbearer`. The token endpoint is configured
 * directly (no discovery request). Failures become a TokenUnavailableError that says what the
 * provider answered and which settings to check; the provider's fields (status, `error`) are read,
 * never its message text. openid-client is loaded on the first token request, so commands that
 * never use OAuth do not pay for it.
 */
import type * as Oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { KafkaConfig } from '../config/schema.js';
import { redactUrlCredentials } from '../config/redact.js';
import { certificateProblem } from '../config/tls-files.js';
import { TokenUnavailableError, type FetchToken } from './bearer-token.js';

export type OauthBearerSettings = NonNullable<NonNullable<KafkaConfig['sasl']>['oauthbearer']>;

const SETTINGS = 'kafka.sasl.oauthbearer.tokenEndpoint';
const CLIENT = 'kafka.sasl.oauthbearer.clientId / clientSecret';

export interface OidcTokens {
  readonly fetch: FetchToken;
  /** Closes the HTTP connections to the provider. */
  close(): Promise<void>;
}

export function oidcClientCredentials(
  settings: OauthBearerSettings,
  options: { readonly ca?: string | undefined } = {},
): OidcTokens {
  const endpoint = new URL(settings.tokenEndpoint);
  const dispatcher =
    options.ca !== undefined ? new Agent({ connect: { ca: options.ca } }) : undefined;
  const parameters: Record<string, string> = settings.scope ? { scope: settings.scope } : {};
  let client: Promise<{ oidc: typeof Oidc; config: Oidc.Configuration }> | undefined;

  async function configure(): Promise<{ oidc: typeof Oidc; config: Oidc.Configuration }> {
    const oidc = await import('openid-client');
    const auth =
      settings.clientAuthMethod === 'client_secret_post'
        ? oidc.ClientSecretPost(settings.clientSecret)
        : oidc.ClientSecretBasic(settings.clientSecret);
    const config = new oidc.Configuration(
      { issuer: endpoint.origin, token_endpoint: endpoint.href },
      settings.clientId,
      undefined,
      auth,
    );
    // An http:// endpoint is the user's explicit choice (a local provider); a warning says so.
    if (endpoint.protocol === 'http:') oidc.allowInsecureRequests(config);
    if (dispatcher) {
      config[oidc.customFetch] = (url, init) =>
        undiciFetch(url, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
    }
    return { oidc, config };
  }

  return {
    async fetch() {
      const { oidc, config } = await (client ??= configure());
      try {
        const response = await oidc.clientCredentialsGrant(config, parameters);
        const expiresIn = response.expiresIn();
        return {
          value: response.access_token,
          lifetimeMs: expiresIn === undefined ? undefined : expiresIn * 1000,
        };
      } catch (err) {
        throw tokenError(oidc, err, endpoint.href);
      }
    },
    close: async () => dispatcher?.close(),
  };
}

/** What the provider said, from the error's typed fields. */
function tokenError(oidc: typeof Oidc, err: unknown, endpoint: string): TokenUnavailableError {
  const where = `the token endpoint ${redactUrlCredentials(endpoint)}`;
  if (err instanceof oidc.ResponseBodyError) {
    const detail = [err.error, err.error_description].filter(Boolean).join(': ');
    const settings = err.error === 'invalid_scope' ? 'kafka.sasl.oauthbearer.scope' : CLIENT;
    return new TokenUnavailableError(
      settings,
      `${where} answered ${err.status} (${detail}); check ${settings}`,
      { cause: err },
    );
  }
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    const challenge = err.cause[0];
    const detail = challenge?.parameters.error ?? challenge?.scheme ?? 'authentication required';
    return new TokenUnavailableError(
      CLIENT,
      `${where} answered ${err.status} (${detail}); check ${CLIENT}`,
      { cause: err },
    );
  }
  const code = networkCode(err);
  if (code !== undefined) {
    return new TokenUnavailableError(
      SETTINGS,
      `cannot reach ${where}: ${code}${certificateProblem(code) === 'untrusted' ? '; set kafka.sasl.oauthbearer.ca to the CA that signed its certificate' : ''}`,
      { cause: err },
    );
  }
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new TokenUnavailableError(SETTINGS, `no token from ${where}: ${detail}`, { cause: err });
}

/** The socket or TLS error code somewhere in the cause chain (fetch wraps it in a TypeError). */
function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('OAUTH_')) return code;
    e = e.cause;
  }
  return undefined;
}
