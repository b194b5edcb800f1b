import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_PASSPHRASE, makeTestPki, type TestPki } from '../../test/harness/certificates.js';
import { certificateProblem, loadTlsFiles, readPem } from './tls-files.js';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

function problems(result: ReturnType<typeof loadTlsFiles>): readonly string[] {
  return result.ok ? [] : result.problems;
}

describe('readPem', () => {
  it('takes inline PEM as is and reads a path', () => {
    const ca = pki.pem('ca.crt');
    expect(readPem('x.ca', ca)).toEqual({ ok: true, value: ca });
    expect(readPem('x.ca', pki.path('ca.crt'))).toEqual({ ok: true, value: ca });
  });

  it('names the setting and the path when the file is missing or holds no PEM', () => {
    expect(readPem('kafka.tls.ca', '/nowhere/ca.pem')).toEqual({
      ok: false,
      problems: ['kafka.tls.ca: cannot read /nowhere/ca.pem: no such file'],
    });
    const der = join(pki.dir, 'ca.der');
    writeFileSync(der, Buffer.from([0x30, 0x82, 0x01]));
    expect(readPem('kafka.tls.ca', der)).toEqual({
      ok: false,
      problems: [`kafka.tls.ca: ${der} holds no PEM block (-----BEGIN …-----); convert it to PEM`],
    });
    expect(readPem('kafka.tls.ca', pki.dir)).toMatchObject({
      ok: false,
      problems: [`kafka.tls.ca: cannot read ${pki.dir}: is a directory`],
    });
  });
});

describe('loadTlsFiles', () => {
  it('builds connection options from paths and settings', () => {
    const result = loadTlsFiles('kafka.tls', {
      ca: pki.path('ca.crt'),
      cert: pki.path('client.crt'),
      key: pki.path('client.enc.key'),
      keyPassphrase: KEY_PASSPHRASE,
      rejectUnauthorized: true,
      servername: 'localhost',
    });
    expect(result).toEqual({
      ok: true,
      value: {
        ca: pki.pem('ca.crt'),
        cert: pki.pem('client.crt'),
        key: pki.pem('client.enc.key'),
        passphrase: KEY_PASSPHRASE,
        servername: 'localhost',
      },
    });
  });

  it('passes rejectUnauthorized: false on', () => {
    expect(loadTlsFiles('kafka.tls', { rejectUnauthorized: false })).toEqual({
      ok: true,
      value: { rejectUnauthorized: false },
    });
  });

  it('says when the key passphrase is wrong or missing', () => {
    const base = { cert: pki.path('client.crt'), key: pki.path('client.enc.key') };
    expect(problems(loadTlsFiles('kafka.tls', { ...base, keyPassphrase: 'nope' }))).toEqual([
      'kafka.tls.keyPassphrase does not decrypt kafka.tls.key',
    ]);
    expect(problems(loadTlsFiles('kafka.tls', base))).toEqual([
      'kafka.tls.key is encrypted: set kafka.tls.keyPassphrase',
    ]);
  });

  it('says when the certificate and the key do not belong together', () => {
    expect(
      problems(
        loadTlsFiles('input.schemaRegistry.tls', {
          cert: pki.path('server.crt'),
          key: pki.path('client.key'),
        }),
      ),
    ).toEqual([
      'input.schemaRegistry.tls.cert and input.schemaRegistry.tls.key do not belong together (the certificate is for another key)',
    ]);
  });

  it('refuses a CA bundle that holds no certificate, or one that does not parse', () => {
    expect(problems(loadTlsFiles('kafka.tls', { ca: pki.path('client.key') }))).toEqual([
      `kafka.tls.ca: ${pki.path('client.key')} holds no certificate`,
    ]);
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(problems(loadTlsFiles('kafka.tls', { ca: broken }))).toEqual([
      'kafka.tls.ca: the inline PEM holds a certificate that does not parse',
    ]);
  });

  it('reports every unreadable file at once', () => {
    expect(
      problems(
        loadTlsFiles('kafka.tls', { ca: '/no/ca.pem', cert: '/no/c.pem', key: '/no/k.pem' }),
      ),
    ).toEqual([
      'kafka.tls.ca: cannot read /no/ca.pem: no such file',
      'kafka.tls.cert: cannot read /no/c.pem: no such file',
      'kafka.tls.key: cannot read /no/k.pem: no such file',
    ]);
  });
});

describe('certificateProblem', () => {
  it.each([
    ['SELF_SIGNED_CERT_IN_CHAIN', 'untrusted'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'untrusted'],
    ['CERT_HAS_EXPIRED', 'out_of_date'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'wrong_name'],
    ['ECONNREFUSED', undefined],
  ])('%s → %s', (code, expected) => {
    expect(certificateProblem(code)).toBe(expected);
  });
});
