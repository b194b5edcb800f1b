/**
 * What went wrong talking to Kafka, as a value, and the one line that tells a person which setting
 * to look at. TLS and SASL failures are security-diagnosis.ts's; this adds the rest: unreachable
 * brokers, no answer in time, missing ACLs, missing topics. kafkajs wraps the cause of a failure in
 * retry errors (`cause`, `originalError`); the cause is recognised by its class, its protocol error
 * `type` or its socket error `code`, never by message text.
 */
import type { KafkaConfig } from '../config/schema.js';
import { kafkajs } from './kafkajs-exports.js';
import { describeSecurityFailure } from './security-diagnosis.js';

const { KafkaJSConnectionClosedError, KafkaJSConnectionError, KafkaJSProtocolError } = kafkajs;

export interface MissingTopic {
  readonly topic: string;
  /** The setting or option that named it: `kafka.topics`, `kafka.deadLetterTopic`, `--topic`. */
  readonly setting: string;
}

export type KafkaProblem =
  /** No broker could be connected to. `cause` is a short phrase, e.g. "connection refused". */
  | { readonly kind: 'unreachable'; readonly cause: string }
  /** The brokers did not answer within kafka.startupTimeoutMs. */
  | { readonly kind: 'timeout'; readonly afterMs: number }
  /** TLS or SASL: security-diagnosis.ts's line, which names the setting. */
  | { readonly kind: 'security'; readonly line: string }
  /** An ACL refused this client: the protocol error type says on what. */
  | { readonly kind: 'not_authorized'; readonly type: string }
  | { readonly kind: 'missing_topics'; readonly topics: readonly MissingTopic[] }
  | { readonly kind: 'other'; readonly cause: string };

/** The settings a failure is described against. */
export type ConnectionSettings = Pick<KafkaConfig, 'brokers' | 'ssl' | 'tls' | 'sasl'>;

/** Socket error codes, in words. */
const SOCKET_CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the broker',
  ETIMEDOUT: 'connection timed out',
};

const AUTHORIZATION_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

/** The innermost cause first: a retry error's own message only says that retries ran out. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 8;) {
    chain.unshift(e);
    const next =
      (e as { originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
    if (next === e) break;
    e = next;
  }
  return chain.length > 0 ? chain : [error];
}

/** The Kafka protocol error type (`UNKNOWN_TOPIC_OR_PARTITION`, …) behind an error, if any. */
export function protocolErrorType(error: unknown): string | undefined {
  for (const e of causes(error)) {
    if (e instanceof KafkaJSProtocolError && typeof e.type === 'string') return e.type;
  }
  return undefined;
}

/** Classifies an error thrown by a kafkajs client connected with these settings. */
export function kafkaProblemOf(error: unknown, settings: ConnectionSettings): KafkaProblem {
  const line = describeSecurityFailure(error, settings);
  if (line !== undefined) return { kind: 'security', line };
  for (const e of causes(error)) {
    if (e instanceof KafkaJSProtocolError && AUTHORIZATION_TYPES.has(e.type)) {
      return { kind: 'not_authorized', type: e.type };
    }
    if (e instanceof KafkaJSConnectionClosedError)
      return { kind: 'unreachable', cause: 'the broker closed the connection' };
    if (e instanceof KafkaJSConnectionError) {
      const { code: raw } = e as { code?: unknown };
      const code = typeof raw === 'string' ? raw : undefined;
      if (code) return { kind: 'unreachable', cause: SOCKET_CAUSES[code] ?? code };
      return { kind: 'unreachable', cause: e.message };
    }
  }
  const last = causes(error)[0];
  const type = protocolErrorType(error);
  const message = last instanceof Error ? last.message : String(last);
  return { kind: 'other', cause: type ? `${type}: ${message}` : message };
}

export interface ProblemContext {
  readonly brokers: readonly string[];
  /** The command that creates missing topics, e.g. `npx segment-mixpanel topics create -c config.yaml`. */
  readonly createTopics?: string | undefined;
}

/** One line, naming the setting to check and the address tried. */
export function describeKafkaProblem(problem: KafkaProblem, context: ProblemContext): string {
  const brokers = `${context.brokers.join(',')} (kafka.brokers)`;
  switch (problem.kind) {
    case 'unreachable':
      return `cannot reach the Kafka brokers at ${brokers}: ${problem.cause}`;
    case 'timeout':
      return `no answer from the Kafka brokers at ${brokers} within ${problem.afterMs / 1000} s (kafka.startupTimeoutMs); check the address and whether they expect TLS (kafka.ssl, kafka.tls)`;
    case 'security':
      return problem.line;
    case 'not_authorized':
      return `the Kafka brokers at ${brokers} refused this client (${problem.type}); grant its user the ACLs it needs (kafka.sasl)`;
    case 'missing_topics': {
      const list = problem.topics.map((t) => `${t.topic} (${t.setting})`).join(', ');
      const many = problem.topics.length > 1;
      const fix = context.createTopics
        ? `; create ${many ? 'them' : 'it'} with: ${context.createTopics}`
        : '';
      return `${many ? 'topics' : 'topic'} ${list} ${many ? 'do' : 'does'} not exist on ${brokers}${fix}`;
    }
    case 'other':
      return `Kafka at ${brokers}: ${problem.cause}`;
  }
}
