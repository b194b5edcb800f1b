/**
 * The startup line for each TLS and SASL failure, from errors built with kafkajs' own classes the
 * way it wraps them (a connection error inside a retry error, a SASL error, a protocol error).
 */
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../config/schema.js';
import { TokenUnavailableError } from './bearer-token.js';
import { TokenRejectedError } from './oauthbearer-authenticator.js';
import { describeSecurityFailure } from './security-diagnosis.js';

type Ctor = new (message: string, options?: Record<string, unknown>) => Error;
const {
  KafkaJSConnectionError,
  KafkaJSConnectionClosedError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} = kafkajs as unknown as Record<
  | 'KafkaJSConnectionError'
  | 'KafkaJSConnectionClosedError'
  | 'KafkaJSNumberOfRetriesExceeded'
  | 'KafkaJSProtocolError'
  | 'KafkaJSSASLAuthenticationError',
  Ctor
>;

function kafka(input: ConfigInput['kafka'] = {}) {
  return configSchema.parse({
    mixpanel: { projectToken: 't' },
    kafka: { brokers: ['b:9093'], ...input },
  }).kafka;
}

/** A connection failure with this socket/TLS code, after kafkajs ran out of retries. */
function connectionFailure(code: string): Error {
  const cause = new KafkaJSConnectionError(`Connection error: ${code}`, {
    broker: 'b:9093',
    code,
  });
  return new KafkaJSNumberOfRetriesExceeded(cause as never, { retryCount: 5, retryTime: 3000 });
}

const AT = 'the Kafka brokers at b:9093 (kafka.brokers)';
const SCRAM = { mechanism: 'scram-sha-512', username: 'alice', password: 'x' } as const;

describe('describeSecurityFailure', () => {
  it('points an untrusted broker certificate to kafka.tls.ca', () => {
    expect(
      describeSecurityFailure(connectionFailure('SELF_SIGNED_CERT_IN_CHAIN'), kafka({ ssl: true })),
    ).toBe(
      `TLS with ${AT} failed: the broker's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN); set kafka.tls.ca to the CA certificate that signed it (a private CA is not among the system CAs)`,
    );
    expect(
      describeSecurityFailure(
        connectionFailure('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
        kafka({ tls: { ca: '/etc/ca.pem' } }),
      ),
    ).toContain('kafka.tls.ca does not hold the CA that signed it');
  });

  it('points a name mismatch to kafka.tls.servername', () => {
    expect(
      describeSecurityFailure(
        connectionFailure('ERR_TLS_CERT_ALTNAME_INVALID'),
        kafka({ ssl: true }),
      ),
    ).toContain('set kafka.tls.servername');
  });

  it('says the listener wants a client certificate, or refused the one given', () => {
    const refused = connectionFailure('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(describeSecurityFailure(refused, kafka({ ssl: true }))).toContain(
      'the listener requires a client certificate (mutual TLS): set kafka.tls.cert and kafka.tls.key',
    );
    expect(
      describeSecurityFailure(
        connectionFailure('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'),
        kafka({ tls: { cert: '/c.pem', key: '/k.pem' } }),
      ),
    ).toContain('the brokers do not accept kafka.tls.cert');
  });

  it('asks whether the listener speaks TLS when the handshake breaks', () => {
    expect(
      describeSecurityFailure(connectionFailure('ECONNRESET'), kafka({ ssl: true })),
    ).toContain('is kafka.brokers a TLS listener?');
    // Without TLS a reset is not a security question.
    expect(describeSecurityFailure(connectionFailure('ECONNRESET'), kafka())).toBeUndefined();
  });

  it('names the username and password of a refused SCRAM or PLAIN login', () => {
    const error = new KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed');
    expect(describeSecurityFailure(error, kafka({ ssl: true, sasl: SCRAM }))).toBe(
      `${AT} refused the SASL scram-sha-512 login of "alice": check kafka.sasl.username and kafka.sasl.password (SCRAM credentials exist per mechanism: the user needs one for scram-sha-512)`,
    );
  });

  it('names kafka.sasl.mechanism when the listener does not offer it', () => {
    const error = new KafkaJSProtocolError('not supported', {});
    (error as { type?: string }).type = 'UNSUPPORTED_SASL_MECHANISM';
    expect(describeSecurityFailure(error, kafka({ ssl: true, sasl: SCRAM }))).toContain(
      'check kafka.sasl.mechanism',
    );
  });

  it('suggests TLS or SASL when a plaintext client is dropped at once', () => {
    const closed = new KafkaJSConnectionClosedError('Closed connection', {
      host: 'b',
      port: 9093,
    });
    const wrapped = new KafkaJSNumberOfRetriesExceeded(closed as never, {
      retryCount: 1,
      retryTime: 1,
    });
    expect(describeSecurityFailure(wrapped, kafka())).toContain('set kafka.ssl: true');
  });

  it('passes on why no OAuth token could be had, and why the broker rejected one', () => {
    const oauth = {
      mechanism: 'oauthbearer',
      oauthbearer: { tokenEndpoint: 'https://idp/token', clientId: 'c', clientSecret: 's' },
    } as const;
    const unavailable = new KafkaJSSASLAuthenticationError('no token', {
      cause: new TokenUnavailableError('x', 'the token endpoint answered 401 (invalid_client)'),
    });
    expect(describeSecurityFailure(unavailable, kafka({ ssl: true, sasl: oauth }))).toBe(
      `cannot log in to ${AT}: the token endpoint answered 401 (invalid_client)`,
    );
    const rejected = new KafkaJSSASLAuthenticationError('rejected', {
      cause: new TokenRejectedError('invalid_token', undefined),
    });
    expect(describeSecurityFailure(rejected, kafka({ ssl: true, sasl: oauth }))).toContain(
      'rejected the OAuth token (invalid_token): check that kafka.sasl.oauthbearer.tokenEndpoint',
    );
    const scope = new KafkaJSSASLAuthenticationError('rejected', {
      cause: new TokenRejectedError('insufficient_scope', '[kafka]'),
    });
    expect(describeSecurityFailure(scope, kafka({ ssl: true, sasl: oauth }))).toContain(
      'required scope [kafka]): check kafka.sasl.oauthbearer.scope',
    );
  });

  it('leaves other failures to the caller', () => {
    expect(describeSecurityFailure(connectionFailure('ECONNREFUSED'), kafka())).toBeUndefined();
    expect(describeSecurityFailure(new Error('boom'), kafka())).toBeUndefined();
  });
});
