/** The cross-field rules of the security settings, through the loader (its messages are the UX). */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.js';

const TOKEN = { SEGMENT_MIXPANEL_MIXPANEL_PROJECT_TOKEN: 'tok' };

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ env: { ...TOKEN, ...env } });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const PLAIN = {
  SEGMENT_MIXPANEL_KAFKA_SASL_MECHANISM: 'plain',
  SEGMENT_MIXPANEL_KAFKA_SASL_USERNAME: 'bob',
  SEGMENT_MIXPANEL_KAFKA_SASL_PASSWORD: 'pw',
};
const OAUTH = {
  SEGMENT_MIXPANEL_KAFKA_SASL_MECHANISM: 'oauthbearer',
  SEGMENT_MIXPANEL_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT: 'https://idp.example/token',
  SEGMENT_MIXPANEL_KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'c',
  SEGMENT_MIXPANEL_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: 's',
};

describe('kafka TLS and SASL settings', () => {
  it('refuses PLAIN and OAUTHBEARER without TLS, saying why, unless allowPlaintextSasl', () => {
    const [problem] = problems(PLAIN);
    expect(problem).toMatch(
      /^SEGMENT_MIXPANEL_KAFKA_SASL_MECHANISM = "plain": without TLS this mechanism sends/,
    );
    expect(problem).toContain('kafka.allowPlaintextSasl: true');
    expect(problems(OAUTH)[0]).toMatch(
      /^SEGMENT_MIXPANEL_KAFKA_SASL_MECHANISM = "oauthbearer": without/,
    );
    expect(problems({ ...PLAIN, SEGMENT_MIXPANEL_KAFKA_ALLOW_PLAINTEXT_SASL: 'true' })).toEqual([]);
    expect(problems({ ...PLAIN, SEGMENT_MIXPANEL_KAFKA_SSL: 'true' })).toEqual([]);
    expect(problems({ ...PLAIN, SEGMENT_MIXPANEL_KAFKA_TLS_CA: '/etc/ca.pem' })).toEqual([]);
  });

  it('lets SCRAM run without TLS (the password never crosses the wire)', () => {
    expect(problems({ ...PLAIN, SEGMENT_MIXPANEL_KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toEqual(
      [],
    );
  });

  it('needs the fields of the chosen mechanism and no others', () => {
    expect(problems({ SEGMENT_MIXPANEL_KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toEqual([
      'kafka.sasl.username (or SEGMENT_MIXPANEL_KAFKA_SASL_USERNAME) is required (needed by mechanism scram-sha-512)',
      'kafka.sasl.password (or SEGMENT_MIXPANEL_KAFKA_SASL_PASSWORD) is required (needed by mechanism scram-sha-512)',
    ]);
    expect(
      problems({
        SEGMENT_MIXPANEL_KAFKA_SSL: 'true',
        SEGMENT_MIXPANEL_KAFKA_SASL_MECHANISM: 'oauthbearer',
      }),
    ).toEqual(['kafka.sasl.oauthbearer is required (needed by mechanism oauthbearer)']);
    expect(problems({ ...OAUTH, ...PLAIN, SEGMENT_MIXPANEL_KAFKA_SSL: 'true' })).toEqual([
      'kafka.sasl.oauthbearer = "****": not used by mechanism plain; remove it or change kafka.sasl.mechanism',
    ]);
    expect(
      problems({
        SEGMENT_MIXPANEL_KAFKA_SSL: 'true',
        SEGMENT_MIXPANEL_KAFKA_SASL_MECHANISM: 'aws-msk-iam',
        SEGMENT_MIXPANEL_KAFKA_SASL_AWS_REGION: 'eu-west-1',
        SEGMENT_MIXPANEL_KAFKA_SASL_PASSWORD: 'pw',
      }),
    ).toEqual([
      'SEGMENT_MIXPANEL_KAFKA_SASL_PASSWORD = "****": not used by mechanism aws-msk-iam; remove it or change kafka.sasl.mechanism',
    ]);
  });

  it('wants TLS for MSK IAM', () => {
    expect(
      problems({
        SEGMENT_MIXPANEL_KAFKA_SASL_MECHANISM: 'aws-msk-iam',
        SEGMENT_MIXPANEL_KAFKA_SASL_AWS_REGION: 'eu-west-1',
      })[0],
    ).toContain('aws-msk-iam needs TLS');
  });

  it('treats kafka.tls as TLS on, and refuses it together with ssl: false', () => {
    expect(
      problems({ SEGMENT_MIXPANEL_KAFKA_SSL: 'false', SEGMENT_MIXPANEL_KAFKA_TLS_CA: '/ca.pem' }),
    ).toEqual([
      'SEGMENT_MIXPANEL_KAFKA_SSL = false: kafka.tls is set, which turns TLS on; remove kafka.ssl: false or kafka.tls',
    ]);
  });

  it('pairs the client certificate with its key', () => {
    expect(problems({ SEGMENT_MIXPANEL_KAFKA_TLS_CERT: '/c.pem' })).toEqual([
      'SEGMENT_MIXPANEL_KAFKA_TLS_CERT = "/c.pem": cert and key go together (mutual TLS needs both)',
    ]);
  });

  it('checks SASL extensions', () => {
    expect(
      problems({
        ...OAUTH,
        SEGMENT_MIXPANEL_KAFKA_SSL: 'true',
        SEGMENT_MIXPANEL_KAFKA_SASL_OAUTHBEARER_EXTENSIONS: 'logicalCluster=lkc-1,auth=x',
      }),
    ).toEqual([
      'SEGMENT_MIXPANEL_KAFKA_SASL_OAUTHBEARER_EXTENSIONS = "auth=x": expected key=value, the key letters only',
    ]);
  });
});

describe('schema registry auth', () => {
  it('takes basic auth or a bearer token, not both', () => {
    const registry = {
      SEGMENT_MIXPANEL_INPUT_SCHEMA_REGISTRY_URL: 'https://registry.example',
      SEGMENT_MIXPANEL_INPUT_SCHEMA_REGISTRY_USERNAME: 'u',
      SEGMENT_MIXPANEL_INPUT_SCHEMA_REGISTRY_TOKEN: 't',
    };
    expect(problems(registry)).toEqual([
      'SEGMENT_MIXPANEL_INPUT_SCHEMA_REGISTRY_TOKEN = "****": use either basic auth (username, password) or a bearer token, not both',
    ]);
  });
});
