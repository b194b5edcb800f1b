/**
 * A bearer-token cache in front of an issuer. kafkajs asks for a token on every broker connection
 * and again before each session ends (it re-authenticates when less than 10 s of the session is
 * left, and the broker ends the session when the token expires), so tokens are reused while they
 * have more than `refreshMarginMs` (or half their lifetime) left, and concurrent callers share one
 * request. A token whose lifetime the issuer did not state is not reused. When a renewal fails
 * while the cached token is still valid, the cached one is used and the failure logged.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { FetchToken } from './bearer-token.js';

export interface TokenCacheOptions {
  readonly clock: Clock;
  /** Renew once less than this is left (must exceed kafkajs' 10 s re-authentication margin). */
  readonly refreshMarginMs: number;
  readonly logger?: Logger;
}

interface Cached {
  readonly value: string;
  /** Monotonic time at which it expires, and at which it is renewed. */
  readonly expiresAt: number;
  readonly renewAt: number;
}

export function cachedTokens(fetch: FetchToken, options: TokenCacheOptions): () => Promise<string> {
  const { clock, refreshMarginMs } = options;
  let cached: Cached | undefined;
  let inFlight: Promise<string> | undefined;

  async function renew(): Promise<string> {
    const issuedAt = clock.monotonic();
    try {
      const token = await fetch();
      if (token.lifetimeMs === undefined) {
        cached = undefined;
      } else {
        const margin = Math.min(refreshMarginMs, token.lifetimeMs / 2);
        cached = {
          value: token.value,
          expiresAt: issuedAt + token.lifetimeMs,
          renewAt: issuedAt + token.lifetimeMs - margin,
        };
      }
      return token.value;
    } catch (err) {
      if (cached && clock.monotonic() < cached.expiresAt) {
        options.logger?.warn(
          { err, expiresInMs: Math.round(cached.expiresAt - clock.monotonic()) },
          'could not renew the SASL token; using the current one until it expires',
        );
        return cached.value;
      }
      cached = undefined;
      throw err;
    }
  }

  return () => {
    if (cached && clock.monotonic() < cached.renewAt) return Promise.resolve(cached.value);
    inFlight ??= renew().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
