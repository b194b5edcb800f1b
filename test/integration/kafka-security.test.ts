/**
 * The processor against a broker serving TLS, mutual TLS, SASL_SSL (SCRAM, PLAIN) and OAUTHBEARER
 * listeners (secured-broker.ts, started once for this file), with certificates made for the run
 * and an OIDC token endpoint served here. For each setup it connects, consumes, dead-letters and
 * commits; for each wrong setting it stops at start with one line naming that setting.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../../src/app.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/registry.js';
import { KEY_PASSPHRASE } from '../harness/certificates.js';
import {
  OAUTH_SCOPE,
  PLAIN_USER,
  SCRAM_USER,
  startSecuredBroker,
  type SecuredBroker,
} from '../harness/kafka/secured-broker.js';
import {
  deadLetterCount,
  expectedOutcomes,
  traffic,
  usePipelineFixture,
  waitForCommitsAtEnd,
} from '../harness/pipeline.js';
import { startProcessorProcess } from '../harness/processor.js';
import { startTokenServer, type TokenServer } from '../harness/token-server.js';

/** A failure must be reported within this (generous) bound; the tests assert what is reported. */
const FAILURE_BOUND_MS = 15_000;

let broker: SecuredBroker;
let tokens: TokenServer;

beforeAll(async () => {
  broker = await startSecuredBroker();
  tokens = await startTokenServer({
    clients: { proc: 'proc-secret', 'proc-expired': 'proc-secret' },
    lifetimes: { 'proc-expired': -60 },
    tls: { key: broker.pki.pem('server.key'), cert: broker.pki.pem('server.crt') },
  });
});
afterAll(async () => {
  await tokens?.stop();
  await broker?.stop();
});

type KafkaSettings = NonNullable<ConfigInput['kafka']>;

const ca = () => broker.pki.path('ca.crt');
const oauth = (overrides: Record<string, unknown> = {}): KafkaSettings => ({
  brokers: [broker.oauth],
  allowPlaintextSasl: true,
  sasl: {
    mechanism: 'oauthbearer',
    oauthbearer: {
      tokenEndpoint: tokens.url,
      clientId: 'proc',
      clientSecret: 'proc-secret',
      scope: OAUTH_SCOPE,
      ca: ca(),
      ...overrides,
    },
  },
});

const SETUPS: [string, () => KafkaSettings][] = [
  ['TLS with a private CA', () => ({ brokers: [broker.ssl], tls: { ca: ca() } })],
  [
    'mutual TLS with an encrypted client key',
    () => ({
      brokers: [broker.mtls],
      tls: {
        ca: ca(),
        cert: broker.pki.path('client.crt'),
        key: broker.pki.path('client.enc.key'),
        keyPassphrase: KEY_PASSPHRASE,
      },
    }),
  ],
  [
    'SASL_SSL with SCRAM-SHA-512',
    () => ({
      brokers: [broker.saslSsl],
      tls: { ca: ca() },
      sasl: { mechanism: 'scram-sha-512', ...SCRAM_USER },
    }),
  ],
  [
    'SASL_SSL with PLAIN',
    () => ({
      brokers: [broker.saslSsl],
      tls: { ca: broker.pki.pem('ca.crt') },
      sasl: { mechanism: 'plain', ...PLAIN_USER },
    }),
  ],
  ['SASL_PLAINTEXT with OAUTHBEARER from an OIDC token endpoint', () => oauth()],
];

describe.each(SETUPS)('%s', (_name, settings) => {
  it('connects, consumes, dead-letters and commits', async () => {
    const fixture = await usePipelineFixture({
      bootstrap: [broker.plaintext],
      partitions: 2,
      config: { kafka: settings() },
    });
    const messages = traffic(400, { poisonRate: 0.05, seed: 21 });
    const expected = expectedOutcomes(fixture.config, messages);
    const poison = messages.filter((m) => m.kind === 'poison').length;
    expect(poison).toBeGreaterThan(5);
    await fixture.produce(messages);
    await fixture.startApp();
    await waitForCommitsAtEnd(fixture);
    expect(fixture.sandbox.stats().records['/import'].unique).toBe(expected.importEvents);
    expect(await deadLetterCount(fixture)).toBe(BigInt(poison));
  });
});

describe('OAUTHBEARER tokens', () => {
  it('come from the token endpoint with the configured scope', () => {
    // The OAUTHBEARER setup above ran first: its tokens were asked for as configured.
    expect(tokens.issued.some((t) => t.clientId === 'proc' && t.scope === OAUTH_SCOPE)).toBe(true);
  });
});

/** Starts the processor in-process and returns the one line its start fails with. */
async function startFailure(kafka: KafkaSettings): Promise<string> {
  const fixture = await usePipelineFixture({ bootstrap: [broker.plaintext], partitions: 1 });
  const config = configSchema.parse({
    ...fixture.configInput,
    kafka: { ...fixture.configInput.kafka, ...kafka },
  });
  const app = createApp(config, { logger: silentLogger(), metrics: createMetrics() });
  onTestFinished(async () => {
    await app.stop();
  });
  let bound: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    app.start().then(
      () => new Error('the processor started'),
      (err: unknown) => err,
    ),
    new Promise<Error>((resolve) => {
      bound = setTimeout(
        () => resolve(new Error(`no failure within ${FAILURE_BOUND_MS} ms`)),
        FAILURE_BOUND_MS,
      );
    }),
  ]);
  clearTimeout(bound);
  expect(outcome).toMatchObject({ name: 'StartupError' });
  return (outcome as Error).message;
}

describe('a wrong setting stops the start with a line naming it', () => {
  it.each<[string, () => KafkaSettings, string]>([
    [
      'a CA that did not sign the broker certificate',
      () => ({ brokers: [broker.ssl], tls: { ca: broker.pki.path('other-ca.crt') } }),
      "the broker's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN); kafka.tls.ca does not hold the CA",
    ],
    [
      'only the system CAs',
      () => ({ brokers: [broker.ssl], ssl: true }),
      'set kafka.tls.ca to the CA certificate that signed it',
    ],
    [
      'no client certificate where one is required',
      () => ({ brokers: [broker.mtls], tls: { ca: ca() } }),
      'set kafka.tls.cert and kafka.tls.key',
    ],
    [
      'a client certificate the broker does not trust',
      () => ({
        brokers: [broker.mtls],
        tls: {
          ca: ca(),
          cert: broker.pki.path('stranger.crt'),
          key: broker.pki.path('stranger.key'),
        },
      }),
      'the brokers do not accept kafka.tls.cert',
    ],
    [
      'a wrong SCRAM password',
      () => ({
        brokers: [broker.saslSsl],
        tls: { ca: ca() },
        sasl: { mechanism: 'scram-sha-256', username: SCRAM_USER.username, password: 'wrong' },
      }),
      `refused the SASL scram-sha-256 login of "${SCRAM_USER.username}": check kafka.sasl.username and kafka.sasl.password`,
    ],
    [
      'an expired OAuth token',
      () => oauth({ clientId: 'proc-expired' }),
      'rejected the OAuth token (invalid_token): check that kafka.sasl.oauthbearer.tokenEndpoint',
    ],
    [
      'a scope the brokers do not accept',
      () => oauth({ scope: 'other' }),
      'check kafka.sasl.oauthbearer.scope',
    ],
    [
      'a wrong OAuth client secret',
      () => oauth({ clientSecret: 'wrong' }),
      'answered 401 (invalid_client: bad client credentials); check kafka.sasl.oauthbearer.clientId / clientSecret',
    ],
    [
      'a TLS client on the OAUTHBEARER (plaintext) listener',
      () => ({ ...oauth(), ssl: true, allowPlaintextSasl: false }),
      'is kafka.brokers a TLS listener?',
    ],
  ])('%s', async (_name, kafka, expected) => {
    expect(await startFailure(kafka())).toContain(expected);
  });
});

describe('the command line', () => {
  it('runs from a config file on the mutual-TLS listener', async () => {
    const fixture = await usePipelineFixture({
      bootstrap: [broker.plaintext],
      partitions: 1,
      config: {
        kafka: {
          brokers: [broker.mtls],
          tls: {
            ca: ca(),
            cert: broker.pki.path('client.crt'),
            key: broker.pki.path('client.key'),
          },
        },
      },
    });
    const messages = traffic(50, { seed: 5 });
    const expected = expectedOutcomes(fixture.config, messages);
    await fixture.produce(messages);
    const processor = startProcessorProcess(fixture.configInput);
    onTestFinished(() => processor.kill('SIGKILL'));
    await Promise.race([
      waitForCommitsAtEnd(fixture),
      processor.exited.then(() => {
        throw new Error(`the processor exited:\n${processor.output()}`);
      }),
    ]);
    expect(fixture.sandbox.stats().records['/import'].unique).toBe(expected.importEvents);
    processor.kill('SIGTERM');
    expect((await processor.exited).code).toBe(0);
  });

  it('exits 1 with the line naming the SASL settings on a wrong password', async () => {
    const fixture = await usePipelineFixture({
      bootstrap: [broker.plaintext],
      partitions: 1,
      config: {
        kafka: {
          brokers: [broker.saslSsl],
          tls: { ca: ca() },
          sasl: { mechanism: 'scram-sha-512', username: SCRAM_USER.username, password: 'wrong' },
        },
      },
    });
    const processor = startProcessorProcess(fixture.configInput);
    onTestFinished(() => processor.kill('SIGKILL'));
    expect((await processor.exited).code).toBe(1);
    expect(processor.output()).toContain('check kafka.sasl.username and kafka.sasl.password');
    expect(processor.output()).not.toContain('wrong');
  });

  it('exits 2 naming the setting and the file when a certificate file is missing', async () => {
    const fixture = await usePipelineFixture({
      bootstrap: [broker.plaintext],
      partitions: 1,
      config: { kafka: { brokers: [broker.ssl], tls: { ca: '/nonexistent/ca.pem' } } },
    });
    const processor = startProcessorProcess(fixture.configInput);
    onTestFinished(() => processor.kill('SIGKILL'));
    expect((await processor.exited).code).toBe(2);
    expect(processor.output()).toContain(
      'kafka.tls.ca: cannot read /nonexistent/ca.pem: no such file',
    );
  });
});
