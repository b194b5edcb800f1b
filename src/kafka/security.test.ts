import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { ConfigError } from '../config/load.js';
import { configSchema, type ConfigInput } from '../config/schema.js';
import { createLogger } from '../log.js';
import { kafkaSecurity } from './security.js';

function kafka(input: ConfigInput['kafka']) {
  return configSchema.parse({ mixpanel: { projectToken: 't' }, kafka: input }).kafka;
}

function build(input: ConfigInput['kafka']) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()).msg as string);
      done();
    },
  });
  const options = kafkaSecurity(kafka(input), {
    logger: createLogger({ level: 'warn' }, sink),
    clock: systemClock,
  });
  return { options, warnings: lines };
}

describe('kafkaSecurity', () => {
  it('leaves a plaintext client without ssl and sasl', () => {
    expect(build({}).options).toEqual({});
  });

  it('maps kafka.ssl: true to the system CAs, and SCRAM to kafkajs own mechanism', () => {
    const sasl = { mechanism: 'scram-sha-256', username: 'u', password: 'p' } as const;
    expect(build({ ssl: true, sasl }).options).toEqual({ ssl: true, sasl });
  });

  it('warns at start about settings that weaken security', () => {
    const { options, warnings } = build({
      tls: { rejectUnauthorized: false },
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
    });
    expect(options.ssl).toEqual({ rejectUnauthorized: false });
    expect(warnings).toEqual([
      'kafka.tls.rejectUnauthorized is false: broker certificates are not verified, so anyone on the network path can pose as a broker',
    ]);
    expect(
      build({
        allowPlaintextSasl: true,
        sasl: { mechanism: 'plain', username: 'u', password: 'p' },
      }).warnings,
    ).toEqual([
      'SASL plain without TLS (kafka.allowPlaintextSasl): the password is readable on the network path',
    ]);
  });

  it('turns unreadable certificate files into a configuration error naming the settings', () => {
    expect(() =>
      build({
        tls: { ca: '/no/ca.pem' },
        sasl: {
          mechanism: 'oauthbearer',
          oauthbearer: {
            tokenEndpoint: 'https://idp.example/token',
            clientId: 'c',
            clientSecret: 's',
            ca: '/no/idp-ca.pem',
          },
        },
      }),
    ).toThrow(
      new ConfigError([
        'kafka.tls.ca: cannot read /no/ca.pem: no such file',
        'kafka.sasl.oauthbearer.ca: cannot read /no/idp-ca.pem: no such file',
      ]),
    );
  });
});
