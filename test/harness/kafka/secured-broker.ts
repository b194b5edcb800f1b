/**
 * One broker serving every security setup the processor supports, for the security tests: a
 * throw-away PKI (certificates.ts) and, besides PLAINTEXT (topic creation, checking results):
 *
 * - SSL: TLS, server certificate only;
 * - MTLS: TLS with a client certificate required (`ssl.client.auth=required`);
 * - SASLSSL: SASL_SSL with SCRAM-SHA-256 and SCRAM-SHA-512 (users made at format time) and PLAIN;
 * - OAUTH: SASL_PLAINTEXT with OAUTHBEARER, checked by Kafka's built-in validator of unsecured
 *   JWS tokens (signature `alg: none`), which wants the scope `kafka`. A real deployment validates
 *   signed tokens against its identity provider's keys instead; the client side is the same.
 *
 * The key stores are PEM files, so nothing but openssl is needed to make them.
 */
import { makeTestPki, type TestPki } from '../certificates.js';
import { startKafkaBroker, type KafkaBroker } from './broker.js';

export const SCRAM_USER = { username: 'alice', password: 'alice-secret' } as const;
export const PLAIN_USER = { username: 'bob', password: 'bob-secret' } as const;
export const OAUTH_SCOPE = 'kafka';

export interface SecuredBroker {
  readonly pki: TestPki;
  /** The PLAINTEXT listener. */
  readonly plaintext: string;
  readonly ssl: string;
  readonly mtls: string;
  readonly saslSsl: string;
  readonly oauth: string;
  stop(): Promise<void>;
}

const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
const PLAIN = `org.apache.kafka.common.security.plain.PlainLoginModule required user_${PLAIN_USER.username}="${PLAIN_USER.password}";`;
/** `unsecuredLoginStringClaim_sub` is the broker's own login (it must have one), not a client's. */
const OAUTHBEARER = `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker" unsecuredValidatorRequiredScope="${OAUTH_SCOPE}" unsecuredValidatorAllowableClockSkewMs="1000";`;

export async function startSecuredBroker(
  options: { readonly onLog?: (line: string) => void } = {},
): Promise<SecuredBroker> {
  const pki = makeTestPki();
  const keystore = (listener: string): string[] => [
    `listener.name.${listener}.ssl.keystore.type=PEM`,
    `listener.name.${listener}.ssl.keystore.location=${pki.path('server.keystore.pem')}`,
  ];
  let broker: KafkaBroker;
  try {
    broker = await startKafkaBroker({
      heapMb: 384,
      ...(options.onLog ? { onLog: options.onLog } : {}),
      listeners: [
        { name: 'SSL', protocol: 'SSL' },
        { name: 'MTLS', protocol: 'SSL' },
        { name: 'SASLSSL', protocol: 'SASL_SSL' },
        { name: 'OAUTH', protocol: 'SASL_PLAINTEXT' },
      ],
      properties: () => [
        ...keystore('ssl'),
        'listener.name.ssl.ssl.client.auth=none',
        ...keystore('mtls'),
        'listener.name.mtls.ssl.truststore.type=PEM',
        `listener.name.mtls.ssl.truststore.location=${pki.path('ca.crt')}`,
        'listener.name.mtls.ssl.client.auth=required',
        ...keystore('saslssl'),
        'listener.name.saslssl.ssl.client.auth=none',
        'listener.name.saslssl.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
        `listener.name.saslssl.scram-sha-256.sasl.jaas.config=${SCRAM}`,
        `listener.name.saslssl.scram-sha-512.sasl.jaas.config=${SCRAM}`,
        `listener.name.saslssl.plain.sasl.jaas.config=${PLAIN}`,
        'listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER',
        `listener.name.oauth.oauthbearer.sasl.jaas.config=${OAUTHBEARER}`,
      ],
      // Each SCRAM mechanism is a credential of its own.
      scram: ['SCRAM-SHA-256', 'SCRAM-SHA-512'].map(
        (m) => `${m}=[name=${SCRAM_USER.username},password=${SCRAM_USER.password}]`,
      ),
    });
  } catch (err) {
    pki.remove();
    throw err;
  }
  return {
    pki,
    plaintext: broker.bootstrap,
    ssl: broker.listener('SSL'),
    mtls: broker.listener('MTLS'),
    saslSsl: broker.listener('SASLSSL'),
    oauth: broker.listener('OAUTH'),
    async stop() {
      await broker.stop();
      pki.remove();
    },
  };
}
