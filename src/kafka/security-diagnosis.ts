/**
 * Which security setting a failure to connect to or log in at the brokers points to, in one line.
 * Given the error a kafkajs client threw and the `kafka` config, it returns the line, or undefined
 * when the failure is not about TLS or SASL (an unreachable broker, a missing topic: the caller's
 * own report covers those). It composes with any startup report: call it first, fall back to the
 * generic description.
 *
 * The cause is recognised by typed fields only: the error classes' `name`, a protocol error's
 * `type`, the socket or TLS error `code`, and this project's TokenUnavailableError and
 * TokenRejectedError. kafkajs wraps the cause in retry errors (`cause`, `originalError`).
 */
import { kafkaTlsEnabled, type KafkaConfig } from '../config/schema.js';
import { certificateProblem } from '../config/tls-files.js';
import { TokenUnavailableError } from './bearer-token.js';
import { TokenRejectedError } from './oauthbearer-authenticator.js';

/** TLS alerts the broker sends when it does not accept the client certificate (or its absence). */
const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);
/** What a TLS client sees when the listener does not speak TLS. */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

type Security = Pick<KafkaConfig, 'brokers' | 'ssl' | 'tls' | 'sasl'>;

/** The error and its causes, outermost first. */
function chain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  for (let e: unknown = error; e instanceof Error && seen.length < 8 && !seen.includes(e);) {
    seen.push(e);
    e = (e as { originalError?: unknown }).originalError ?? e.cause;
  }
  return seen;
}

function field(e: unknown, name: 'name' | 'code' | 'type'): string | undefined {
  const value = (e as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value : undefined;
}

export function describeSecurityFailure(error: unknown, config: Security): string | undefined {
  const at = `the Kafka brokers at ${config.brokers.join(',')} (kafka.brokers)`;
  const causes = chain(error);
  for (const e of causes) {
    if (e instanceof TokenUnavailableError) return `cannot log in to ${at}: ${e.message}`;
    if (e instanceof TokenRejectedError) return tokenRejected(e, at, config);
  }
  for (const e of causes) {
    const name = field(e, 'name');
    if (name === 'KafkaJSSASLAuthenticationError') return loginRefused(at, config);
    if (name === 'KafkaJSProtocolError') {
      const type = field(e, 'type');
      if (type === 'UNSUPPORTED_SASL_MECHANISM') {
        return `${at} do not offer SASL ${config.sasl?.mechanism ?? ''} on this listener: check kafka.sasl.mechanism, and that kafka.brokers names the listener meant for it`;
      }
      if (type === 'SASL_AUTHENTICATION_FAILED') return loginRefused(at, config);
      if (type === 'ILLEGAL_SASL_STATE') {
        return `${at} expect a SASL login this client did not complete: check kafka.sasl`;
      }
    }
    const code = field(e, 'code');
    if (code !== undefined) {
      const line = tlsFailure(code, at, config);
      if (line) return line;
    }
    if (name === 'KafkaJSConnectionClosedError' && !kafkaTlsEnabled(config)) {
      return `${at} closed the connection at once: if the listener expects TLS, set kafka.ssl: true (or kafka.tls); if it expects SASL, set kafka.sasl`;
    }
  }
  return undefined;
}

function tlsFailure(code: string, at: string, config: Security): string | undefined {
  const tlsOn = kafkaTlsEnabled(config);
  const problem = certificateProblem(code);
  if (problem === 'untrusted') {
    const fix =
      config.tls?.ca !== undefined
        ? 'kafka.tls.ca does not hold the CA that signed it'
        : 'set kafka.tls.ca to the CA certificate that signed it (a private CA is not among the system CAs)';
    return `TLS with ${at} failed: the broker's certificate is not trusted (${code}); ${fix}`;
  }
  if (problem === 'out_of_date') {
    return `TLS with ${at} failed: the broker's certificate is outside its validity period (${code}); renew it on the brokers (kafka.tls.rejectUnauthorized: false skips the check, for tests only)`;
  }
  if (problem === 'wrong_name') {
    return `TLS with ${at} failed: the broker's certificate is not issued for the host name connected to (${code}); use a host name from the certificate in kafka.brokers, or set kafka.tls.servername to one`;
  }
  if (CLIENT_CERT_REFUSED.has(code)) {
    const fix =
      config.tls?.cert !== undefined
        ? 'the brokers do not accept kafka.tls.cert (is it signed by a CA they trust, and still valid?)'
        : 'the listener requires a client certificate (mutual TLS): set kafka.tls.cert and kafka.tls.key';
    return `TLS with ${at} failed: the broker refused the client certificate (${code}); ${fix}`;
  }
  if (tlsOn && (NOT_TLS.has(code) || code === 'ECONNRESET')) {
    return `TLS with ${at} failed: the connection broke during the TLS handshake (${code}); is kafka.brokers a TLS listener? Without TLS, remove kafka.ssl and kafka.tls`;
  }
  return undefined;
}

function loginRefused(at: string, config: Security): string {
  const sasl = config.sasl;
  if (sasl === undefined) {
    return `${at} require a SASL login: set kafka.sasl`;
  }
  switch (sasl.mechanism) {
    case 'plain':
      return `${at} refused the SASL plain login of "${sasl.username ?? ''}": check kafka.sasl.username and kafka.sasl.password`;
    case 'scram-sha-256':
    case 'scram-sha-512':
      return `${at} refused the SASL ${sasl.mechanism} login of "${sasl.username ?? ''}": check kafka.sasl.username and kafka.sasl.password (SCRAM credentials exist per mechanism: the user needs one for ${sasl.mechanism})`;
    case 'oauthbearer':
      return `${at} refused the SASL oauthbearer login: check kafka.sasl.oauthbearer`;
    case 'aws-msk-iam':
      return `${at} refused the MSK IAM login: check that the IAM identity of the default AWS credential chain may kafka-cluster:Connect, and kafka.sasl.awsRegion`;
  }
}

function tokenRejected(e: TokenRejectedError, at: string, config: Security): string {
  if (config.sasl?.mechanism === 'aws-msk-iam') {
    return `${at} rejected the MSK IAM token (${e.status}): check that the IAM identity of the default AWS credential chain may kafka-cluster:Connect, and kafka.sasl.awsRegion`;
  }
  if (e.status === 'insufficient_scope' || e.scope !== undefined) {
    return `${at} rejected the OAuth token (${e.status}${e.scope ? `, required scope ${e.scope}` : ''}): check kafka.sasl.oauthbearer.scope`;
  }
  return `${at} rejected the OAuth token (${e.status}): check that kafka.sasl.oauthbearer.tokenEndpoint issues tokens these brokers accept (issuer, audience, kafka.sasl.oauthbearer.scope), that they have not expired, and that the clocks agree`;
}
