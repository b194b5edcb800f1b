/**
 * SASL OAUTHBEARER (RFC 7628) as a kafkajs authentication provider, used instead of kafkajs' own.
 *
 * Why: when a broker rejects a token (expired, wrong scope, not a token it can validate) it answers
 * the SaslAuthenticate request with error code 0 and the RFC 7628 error challenge
 * (`{"status":"invalid_token"}`) as its bytes. kafkajs 2.2.4's built-in provider ignores those
 * bytes and reports success; the broker then drops the next request, and the failure surfaces
 * later as an unrelated "no brokers in the broker pool". Here a non-empty server answer is a
 * rejection: the exchange is finished with the %x01 the RFC asks for and the login fails at once,
 * non-retriably, with the broker's status.
 */
import kafkajs, { type Mechanism } from 'kafkajs';
import { TokenUnavailableError } from './bearer-token.js';

/**
 * kafkajs exports its error classes only on the CommonJS module object, and declares this one
 * without the (message, { cause }) constructor it has.
 */
const { KafkaJSSASLAuthenticationError } = kafkajs as unknown as {
  KafkaJSSASLAuthenticationError: new (message: string, options: { cause: unknown }) => Error;
};

const SOH = '\u0001';

/** The broker's RFC 7628 §3.2.2 error: `status` (e.g. invalid_token), and `scope` when relevant. */
export class TokenRejectedError extends Error {
  override name = 'TokenRejectedError';
  constructor(
    readonly status: string,
    readonly scope: string | undefined,
  ) {
    super(`the broker rejected the token: ${status}${scope ? ` (required scope: ${scope})` : ''}`);
  }
}

/** `key=value` extensions in the order given. */
export type SaslExtensions = readonly string[];

/** The client's initial response: GS2 header, the token, the extensions (RFC 7628 §3.1). */
export function initialResponse(token: string, extensions: SaslExtensions = []): string {
  const ext = extensions.map((e) => `${SOH}${e}`).join('');
  return `n,,${SOH}auth=Bearer ${token}${ext}${SOH}${SOH}`;
}

/** SASL bytes as kafkajs frames them: a 4-byte length, then the bytes. */
function framed(text: string): Buffer {
  const bytes = Buffer.from(text);
  const out = Buffer.alloc(4 + bytes.length);
  out.writeInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

/** The server's bytes, without the length prefix that the pre-SaslAuthenticate path leaves on. */
function unframed(raw: Buffer | undefined): Buffer {
  if (!raw) return Buffer.alloc(0);
  return raw.length >= 4 && raw.readInt32BE(0) === raw.length - 4 ? raw.subarray(4) : raw;
}

/** Reads the error challenge; a server answer that is not the RFC's JSON is kept as text. */
export function parseChallenge(bytes: Buffer): TokenRejectedError {
  const text = bytes.toString('utf8');
  try {
    const json = JSON.parse(text) as { status?: unknown; scope?: unknown };
    if (typeof json.status === 'string') {
      return new TokenRejectedError(
        json.status,
        typeof json.scope === 'string' ? json.scope : undefined,
      );
    }
  } catch {
    // not JSON
  }
  return new TokenRejectedError(text.slice(0, 200), undefined);
}

export function oauthBearerAuthenticator(
  token: () => Promise<string>,
  extensions: SaslExtensions = [],
): Mechanism['authenticationProvider'] {
  return ({ host, port, saslAuthenticate }) => ({
    async authenticate() {
      const broker = `${host}:${port}`;
      let value: string;
      try {
        value = await token();
      } catch (err) {
        const reason = err instanceof TokenUnavailableError ? err.message : String(err);
        throw new KafkaJSSASLAuthenticationError(
          `SASL OAUTHBEARER at ${broker}: no token: ${reason}`,
          { cause: err },
        );
      }
      const challenge = unframed(
        (await saslAuthenticate<Buffer>({
          request: { encode: () => framed(initialResponse(value, extensions)) },
          response: { decode: (raw) => raw, parse: (raw) => raw },
        })) ?? undefined,
      );
      if (challenge.length === 0) return;
      const rejection = parseChallenge(challenge);
      try {
        await saslAuthenticate({ request: { encode: () => framed(SOH) } });
      } catch {
        // The broker fails the exchange here, as the RFC says; the challenge already told why.
      }
      throw new KafkaJSSASLAuthenticationError(
        `SASL OAUTHBEARER at ${broker}: ${rejection.message}`,
        { cause: rejection },
      );
    },
  });
}
