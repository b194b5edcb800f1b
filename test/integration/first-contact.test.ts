/**
 * What a new user meets first, through the real command line (bin/segment-mixpanel.js): topics
 * created idempotently with the recommended settings, and the mistakes that must end a command
 * at once with one line naming the setting: an unreachable broker, a missing topic.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kafkajs } from '../../src/kafka/kafkajs-exports.js';
import { testBrokers, testKafka, uniqueName, withAdmin } from '../harness/kafka/client.js';
import { freePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(REPO, 'bin/segment-mixpanel.js');

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(args: readonly string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      cwd: REPO,
      env: { ...process.env, SEGMENT_MIXPANEL_CONFIG: undefined },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function configFile(config: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sm-first-contact-')), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function describeTopic(topic: string) {
  return withAdmin(testKafka(), async (admin) => {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic }],
    });
    const entry = (name: string) =>
      configs.resources[0]?.configEntries.find((e) => e.configName === name)?.configValue;
    return {
      partitions: metadata?.partitions.length,
      retentionMs: entry('retention.ms'),
      minInsync: entry('min.insync.replicas'),
      maxMessageBytes: entry('max.message.bytes'),
    };
  });
}

describe('topics create', () => {
  it('creates the raw and dead-letter topics with the recommended settings, then leaves them be', async () => {
    const topic = uniqueName('events');
    const file = configFile({
      kafka: { brokers: testBrokers(), topics: [topic], deadLetterTopic: `${topic}-dlq` },
    });
    const first = await cli(['topics', 'create', '-c', file]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe(
      `created ${topic} (kafka.topics): 6 partitions, replication 1, retention 7 d, min.insync.replicas 1\n` +
        `created ${topic}-dlq (kafka.deadLetterTopic): 1 partition, replication 1, retention 30 d, min.insync.replicas 1, max.message.bytes ${1048588 + 2048}\n`,
    );
    expect(await describeTopic(topic)).toEqual({
      partitions: 6,
      retentionMs: String(7 * 86_400_000),
      minInsync: '1',
      maxMessageBytes: '1048588',
    });
    // Room for the dlq.* headers of the largest raw record (the broker default, 1048588 bytes).
    expect(await describeTopic(`${topic}-dlq`)).toMatchObject({
      partitions: 1,
      retentionMs: String(30 * 86_400_000),
      maxMessageBytes: String(1048588 + 2048),
    });

    const again = await cli(['topics', 'create', '-c', file, '--partitions', '3']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      `exists  ${topic} (kafka.topics): 6 partitions, replication 1, retention 7 d; left as is`,
    );
    expect((await describeTopic(topic)).partitions).toBe(6);
  });
});

describe('mistakes at startup', () => {
  it('run against a broker that is not there: exit 1 with one line naming kafka.brokers and the address', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const file = configFile({
      kafka: { brokers: [address], retries: 1, retryInitialDelayMs: 100 },
      mixpanel: { projectToken: 'tok', apiHost: 'http://127.0.0.1:1' },
      metrics: { enabled: false },
    });
    const result = await cli(['run', '-c', file, '--log-format', 'json']);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'fatal',
      code: 1,
      problem: 'unreachable',
      detail: `cannot reach the Kafka brokers at ${address} (kafka.brokers): connection refused (nothing listens there)`,
    });
    expect(result.stderr).toBe(
      `segment-mixpanel: cannot start: cannot reach the Kafka brokers at ${address} (kafka.brokers): connection refused (nothing listens there)\n`,
    );
  });

  it('produce to a missing topic: exit 1 naming the topic and the command that creates it', async () => {
    const topic = uniqueName('absent');
    const brokers = testBrokers().join(',');
    const result = await cli(['produce', '-b', brokers, '-t', topic, '-n', '5']);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `segment-mixpanel: topic ${topic} (--topic) does not exist on ${brokers} (kafka.brokers); create it with: segment-mixpanel topics create -b ${brokers} -t ${topic} --no-dead-letter\n`,
    });
  });

  it('run --create-topics creates what is missing and starts', async () => {
    const topic = uniqueName('created');
    const file = configFile({
      kafka: { brokers: testBrokers(), topics: [topic], deadLetterTopic: `${topic}-dlq` },
      mixpanel: { projectToken: 'tok', apiHost: 'http://127.0.0.1:1' },
      metrics: { enabled: false },
      log: { progressIntervalMs: 0 },
    });
    const child = spawn(
      process.execPath,
      [BIN, 'run', '-c', file, '--create-topics', '--log-format', 'json'],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await waitFor(
      () => Promise.resolve(output),
      (text) => text.includes('"msg":"processor started"'),
      { what: 'the processor to start', timeoutMs: 60_000 },
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.action === 'created').map((l) => l.topic)).toEqual([
      topic,
      `${topic}-dlq`,
    ]);
    expect(lines.at(-1)).toMatchObject({ msg: 'summary', code: 0, consumed: 0 });
    expect((await describeTopic(`${topic}-dlq`)).partitions).toBe(1);
  });
});
