import { describe, expect, it } from 'vitest';
import { kafkajs } from './kafkajs-exports.js';
import {
  describeKafkaProblem,
  kafkaProblemOf,
  protocolErrorType,
  type ConnectionSettings,
  type KafkaProblem,
} from './problem.js';

// The constructors as kafkajs defines them (its type declarations differ in places).
type Constructor = new (...args: unknown[]) => Error & { cause?: Error };
const {
  KafkaJSConnectionClosedError,
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} = kafkajs as unknown as Record<
  | 'KafkaJSConnectionClosedError'
  | 'KafkaJSConnectionError'
  | 'KafkaJSNonRetriableError'
  | 'KafkaJSNumberOfRetriesExceeded'
  | 'KafkaJSProtocolError'
  | 'KafkaJSSASLAuthenticationError',
  Constructor
>;

/** How kafkajs's retrier hands a failure to the caller: the cause inside two wrappers. */
function afterRetries(cause: Error): Error {
  const exceeded = new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 3000 });
  return new KafkaJSNonRetriableError(exceeded, { cause: exceeded.cause ?? exceeded });
}

function protocolError(type: string): Error {
  return new KafkaJSProtocolError({ type, code: 0, retriable: false, message: 'refused' });
}

const plain: ConnectionSettings = {
  brokers: ['k1:9092'],
  ssl: undefined,
  tls: undefined,
  sasl: undefined,
};

describe('kafkaProblemOf', () => {
  it.each<[string, Error, KafkaProblem]>([
    [
      'refused connection',
      afterRetries(
        new KafkaJSConnectionError('Connection error: x', { broker: 'h:1', code: 'ECONNREFUSED' }),
      ),
      { kind: 'unreachable', cause: 'connection refused (nothing listens there)' },
    ],
    [
      'unknown host',
      afterRetries(new KafkaJSConnectionError('x', { broker: 'h:1', code: 'ENOTFOUND' })),
      { kind: 'unreachable', cause: 'host not found' },
    ],
    [
      'missing ACL',
      afterRetries(protocolError('TOPIC_AUTHORIZATION_FAILED')),
      { kind: 'not_authorized', type: 'TOPIC_AUTHORIZATION_FAILED' },
    ],
    [
      'another protocol error, with its type',
      afterRetries(protocolError('UNKNOWN_TOPIC_OR_PARTITION')),
      { kind: 'other', cause: 'UNKNOWN_TOPIC_OR_PARTITION: refused' },
    ],
    ['anything else', new Error('surprise'), { kind: 'other', cause: 'surprise' }],
  ])('%s', (_, error, expected) => {
    expect(kafkaProblemOf(error, plain)).toEqual(expected);
  });

  it('leaves TLS and SASL failures to the security diagnosis, which names the setting', () => {
    const refused = kafkaProblemOf(afterRetries(new KafkaJSSASLAuthenticationError('bad')), plain);
    expect(refused).toEqual({
      kind: 'security',
      line: expect.stringContaining('kafka.sasl') as unknown as string,
    });
    const closed = kafkaProblemOf(
      afterRetries(new KafkaJSConnectionClosedError('Closed connection', { host: 'h', port: 1 })),
      plain,
    );
    expect(closed.kind).toBe('security');
  });
});

describe('protocolErrorType', () => {
  it('finds the protocol error type behind the retry wrappers', () => {
    expect(protocolErrorType(afterRetries(protocolError('UNKNOWN_TOPIC_OR_PARTITION')))).toBe(
      'UNKNOWN_TOPIC_OR_PARTITION',
    );
    expect(protocolErrorType(new Error('x'))).toBeUndefined();
  });
});

describe('describeKafkaProblem', () => {
  const context = { brokers: ['k1:9092', 'k2:9092'] };

  it('names kafka.brokers and the addresses tried', () => {
    expect(describeKafkaProblem({ kind: 'unreachable', cause: 'host not found' }, context)).toBe(
      'cannot reach the Kafka brokers at k1:9092,k2:9092 (kafka.brokers): host not found',
    );
    expect(describeKafkaProblem({ kind: 'timeout', afterMs: 10_000 }, context)).toMatch(
      /^no answer from the Kafka brokers at k1:9092,k2:9092 \(kafka\.brokers\) within 10 s \(kafka\.startupTimeoutMs\)/,
    );
  });

  it('names each missing topic with its setting, and the command that creates them', () => {
    expect(
      describeKafkaProblem(
        {
          kind: 'missing_topics',
          topics: [{ topic: 'events-dlq', setting: 'kafka.deadLetterTopic' }],
        },
        { ...context, createTopics: 'segment-mixpanel topics create -c c.yaml' },
      ),
    ).toBe(
      'topic events-dlq (kafka.deadLetterTopic) does not exist on k1:9092,k2:9092 (kafka.brokers); create it with: segment-mixpanel topics create -c c.yaml',
    );
  });
});
