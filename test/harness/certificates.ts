/**
 * A throw-away PKI for the TLS tests, made with the openssl command line into a temp dir: a CA and
 * an unrelated CA, a server certificate for `localhost` and `127.0.0.1`, client certificates (one
 * from each CA), an encrypted copy of the client key, the broker's PEM key store, and the
 * certificate a TLS-inspecting proxy shows for `api.mixpanel.test` (from the unrelated CA). EC P-256 keys
 * keep it to about half a second. Nothing here is a secret; the directory is deleted by `remove()`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  /** Absolute path of a file in the PKI directory. */
  path(name: PkiFile): string;
  /** The PEM text of a file. */
  pem(name: PkiFile): string;
  remove(): void;
}

export type PkiFile =
  | 'ca.crt'
  | 'other-ca.crt'
  | 'server.crt'
  | 'server.key'
  /** PKCS#8 server key followed by its chain: a broker's `ssl.keystore.type=PEM` store. */
  | 'server.keystore.pem'
  | 'client.crt'
  | 'client.key'
  /** client.key encrypted with KEY_PASSPHRASE (PKCS#8, AES-256). */
  | 'client.enc.key'
  /** A client certificate from other-ca: the brokers do not trust it. */
  | 'stranger.crt'
  | 'stranger.key'
  /** What a TLS-inspecting proxy shows for api.mixpanel.test, signed by other-ca. */
  | 'inspector.crt'
  | 'inspector.key';

export const KEY_PASSPHRASE = 'test-key-passphrase';

/** Runs openssl in the PKI directory; `args` is split on spaces (no argument holds one). */
function openssl(dir: string, args: string): void {
  execFileSync('openssl', args.split(' '), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sm-pki-'));
  const key = (name: string): void =>
    openssl(dir, `genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${name}`);
  for (const ca of ['ca', 'other-ca']) {
    key(`${ca}.key`);
    openssl(
      dir,
      `req -x509 -new -key ${ca}.key -sha256 -days 2 -subj /CN=${ca} -out ${ca}.crt ` +
        '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign',
    );
  }
  const leaf = (name: string, ca: string, subject: string, extensions: string): void => {
    key(`${name}.key`);
    openssl(dir, `req -new -key ${name}.key -subj ${subject} -out ${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(
      dir,
      `x509 -req -in ${name}.csr -CA ${ca}.crt -CAkey ${ca}.key -CAcreateserial -days 2 -sha256 ` +
        `-extfile ${name}.ext -out ${name}.crt`,
    );
  };
  leaf(
    'server',
    'ca',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  const client = 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n';
  leaf('client', 'ca', '/CN=alice', client);
  leaf('stranger', 'other-ca', '/CN=mallory', client);
  leaf(
    'inspector',
    'other-ca',
    '/CN=api.mixpanel.test',
    'subjectAltName=DNS:api.mixpanel.test\nextendedKeyUsage=serverAuth\n',
  );
  openssl(dir, 'pkcs8 -topk8 -nocrypt -in server.key -out server.pk8.key');
  const chain = ['server.pk8.key', 'server.crt', 'ca.crt'];
  writeFileSync(
    join(dir, 'server.keystore.pem'),
    chain.map((f) => readFileSync(join(dir, f), 'utf8')).join(''),
  );
  openssl(
    dir,
    `pkcs8 -topk8 -in client.key -v2 aes-256-cbc -passout pass:${KEY_PASSPHRASE} -out client.enc.key`,
  );
  return {
    dir,
    path: (name) => join(dir, name),
    pem: (name) => readFileSync(join(dir, name), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
