/**
 * `kafka.sasl` → the `sasl` option of kafkajs. PLAIN and SCRAM go to kafkajs' own mechanisms;
 * OAUTHBEARER (tokens from an OIDC provider) and AWS MSK IAM (tokens from AWS's signer) go through
 * this project's OAUTHBEARER authenticator, which reports a rejected token (see
 * oauthbearer-authenticator.ts), with a token cache in front of the issuer.
 */
import type { Mechanism, SASLOptions } from 'kafkajs';
import type { Clock } from '../clock.js';
import { kafkaTlsEnabled, type KafkaConfig } from '../config/schema.js';
import { readPem, type Loaded } from '../config/tls-files.js';
import type { Logger } from '../log.js';
import type { FetchToken } from './bearer-token.js';
import { mskIamTokens, type MskIamOptions } from './msk-iam-tokens.js';
import { oauthBearerAuthenticator } from './oauthbearer-authenticator.js';
import { oidcClientCredentials } from './oidc-tokens.js';
import { cachedTokens } from './token-cache.js';

export interface KafkaSasl {
  readonly sasl: SASLOptions | Mechanism | undefined;
  readonly warnings: readonly string[];
}

export interface KafkaSaslDeps {
  readonly clock: Clock;
  readonly logger?: Logger;
  /** MSK IAM credentials instead of the default AWS provider chain (tests). */
  readonly awsCredentials?: MskIamOptions['credentials'];
}

export function kafkaSasl(config: KafkaConfig, deps: KafkaSaslDeps): Loaded<KafkaSasl> {
  const sasl = config.sasl;
  if (sasl === undefined) return { ok: true, value: { sasl: undefined, warnings: [] } };
  const warnings: string[] = [];
  if (
    (sasl.mechanism === 'plain' || sasl.mechanism === 'oauthbearer') &&
    !kafkaTlsEnabled(config)
  ) {
    warnings.push(
      `SASL ${sasl.mechanism} without TLS (kafka.allowPlaintextSasl): the ${sasl.mechanism === 'plain' ? 'password' : 'token'} is readable on the network path`,
    );
  }
  const tokens = (fetch: FetchToken): (() => Promise<string>) =>
    cachedTokens(fetch, {
      clock: deps.clock,
      refreshMarginMs: sasl.tokenRefreshMarginMs,
      ...(deps.logger ? { logger: deps.logger } : {}),
    });

  switch (sasl.mechanism) {
    case 'plain':
    case 'scram-sha-256':
    case 'scram-sha-512':
      return {
        ok: true,
        value: {
          sasl: {
            mechanism: sasl.mechanism,
            username: sasl.username ?? '',
            password: sasl.password ?? '',
          } as SASLOptions,
          warnings,
        },
      };
    case 'oauthbearer': {
      const settings = sasl.oauthbearer;
      if (!settings) return { ok: false, problems: ['kafka.sasl.oauthbearer is required'] };
      let ca: string | undefined;
      if (settings.ca !== undefined) {
        const loaded = readPem('kafka.sasl.oauthbearer.ca', settings.ca);
        if (!loaded.ok) return loaded;
        ca = loaded.value;
      }
      if (new URL(settings.tokenEndpoint).protocol === 'http:') {
        warnings.push(
          'kafka.sasl.oauthbearer.tokenEndpoint is plain http: the client secret and the tokens are readable on the network path',
        );
      }
      const issuer = oidcClientCredentials(settings, { ca });
      return {
        ok: true,
        value: {
          sasl: {
            mechanism: 'oauthbearer',
            authenticationProvider: oauthBearerAuthenticator(
              tokens(issuer.fetch),
              settings.extensions,
            ),
          },
          warnings,
        },
      };
    }
    case 'aws-msk-iam': {
      const fetch = mskIamTokens({
        region: sasl.awsRegion ?? '',
        clock: deps.clock,
        ...(deps.awsCredentials ? { credentials: deps.awsCredentials } : {}),
      });
      return {
        ok: true,
        value: {
          sasl: {
            mechanism: 'oauthbearer',
            authenticationProvider: oauthBearerAuthenticator(tokens(fetch)),
          },
          warnings,
        },
      };
    }
  }
}
