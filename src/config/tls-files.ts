/**
 * The certificates and keys that TLS settings name, read and checked once at start. A PEM setting
 * holds either the PEM text itself or the path of a file holding it. Problems come back as values
 * naming the setting (and the file), so a wrong path, an unreadable file, a wrong key passphrase or
 * a certificate that does not match its key stops the start with one clear line instead of
 * surfacing later as a failed handshake.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type ConnectionOptions } from 'node:tls';

export type Loaded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The TLS settings as the schema declares them (kafka.tls, input.schemaRegistry.tls, …). */
export interface TlsSettings {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly keyPassphrase?: string | undefined;
  readonly rejectUnauthorized?: boolean | undefined;
  readonly servername?: string | undefined;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** True when the value is PEM text rather than a path. */
export function isInlinePem(value: string): boolean {
  return value.includes('-----BEGIN ');
}

/** Reads a PEM setting: inline text as is, otherwise the file it names. */
export function readPem(setting: string, value: string): Loaded<string> {
  if (isInlinePem(value)) return { ok: true, value };
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : (code ?? String(err));
    return { ok: false, problems: [`${setting}: cannot read ${value}: ${why}`] };
  }
  if (!isInlinePem(text)) {
    return {
      ok: false,
      problems: [`${setting}: ${value} holds no PEM block (-----BEGIN …-----); convert it to PEM`],
    };
  }
  return { ok: true, value: text };
}

/** Every certificate in a PEM bundle must parse: Node silently ignores a broken CA bundle. */
function checkCertificates(setting: string, where: string, pem: string): string | undefined {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  const certificates = blocks.filter(
    (b) => b[1] === 'CERTIFICATE' || b[1] === 'TRUSTED CERTIFICATE',
  );
  if (certificates.length === 0) return `${setting}: ${where} holds no certificate`;
  for (const block of certificates) {
    try {
      new X509Certificate(block[0]);
    } catch {
      return `${setting}: ${where} holds a certificate that does not parse`;
    }
  }
  return undefined;
}

/** A PEM key that needs a passphrase (PKCS#8 `ENCRYPTED PRIVATE KEY`, or a legacy `Proc-Type`). */
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

/** OpenSSL's error codes (a typed field) for what can be wrong with a client certificate and key. */
function keyProblem(prefix: string, code: string | undefined): string {
  if (code === 'ERR_OSSL_BAD_DECRYPT') {
    return `${prefix}.keyPassphrase does not decrypt ${prefix}.key`;
  }
  if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') {
    return `${prefix}.cert and ${prefix}.key do not belong together (the certificate is for another key)`;
  }
  return `${prefix}.cert / ${prefix}.key cannot be used (${code ?? 'unknown error'}): expected a PEM certificate chain and its private key`;
}

/**
 * Reads the files of one TLS settings group (`prefix` is its dotted path, e.g. `kafka.tls`) into
 * Node TLS connection options, and checks that they work together.
 */
export function loadTlsFiles(prefix: string, settings: TlsSettings): Loaded<ConnectionOptions> {
  const problems: string[] = [];
  const options: ConnectionOptions = {};
  const read = (name: 'ca' | 'cert' | 'key'): string | undefined => {
    const value = settings[name];
    if (value === undefined) return undefined;
    const loaded = readPem(`${prefix}.${name}`, value);
    if (!loaded.ok) {
      problems.push(...loaded.problems);
      return undefined;
    }
    return loaded.value;
  };
  const where = (name: 'ca' | 'cert'): string =>
    isInlinePem(settings[name] ?? '') ? 'the inline PEM' : (settings[name] ?? '');

  const ca = read('ca');
  if (ca !== undefined) {
    const problem = checkCertificates(`${prefix}.ca`, where('ca'), ca);
    if (problem) problems.push(problem);
    else options.ca = ca;
  }
  const cert = read('cert');
  const key = read('key');
  if (cert !== undefined && key !== undefined) {
    const certProblem = checkCertificates(`${prefix}.cert`, where('cert'), cert);
    const passphrase = settings.keyPassphrase;
    if (certProblem) {
      problems.push(certProblem);
    } else if (passphrase === undefined && ENCRYPTED_KEY.test(key)) {
      problems.push(`${prefix}.key is encrypted: set ${prefix}.keyPassphrase`);
    } else {
      try {
        createSecureContext({ cert, key, ...(passphrase !== undefined ? { passphrase } : {}) });
        options.cert = cert;
        options.key = key;
        if (passphrase !== undefined) options.passphrase = passphrase;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        problems.push(keyProblem(prefix, typeof code === 'string' ? code : undefined));
      }
    }
  }
  if (settings.rejectUnauthorized === false) options.rejectUnauthorized = false;
  if (settings.servername !== undefined) options.servername = settings.servername;
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: options };
}

/** Node's certificate-verification error codes, by what they mean for the peer's certificate. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
const OUT_OF_DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

export type CertificateProblem = 'untrusted' | 'out_of_date' | 'wrong_name';

/** What a TLS error code says about the certificate the peer presented, if anything. */
export function certificateProblem(code: string): CertificateProblem | undefined {
  if (UNTRUSTED.has(code)) return 'untrusted';
  if (OUT_OF_DATE.has(code)) return 'out_of_date';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'wrong_name';
  return undefined;
}
