/**
 * `segment-mixpanel produce`: seeded realistic Segment traffic (or the lines of an NDJSON file)
 * to a Kafka topic, flat out or at a rate, with a progress bar on a terminal.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { SingleBar, Presets } from 'cli-progress';
import { systemClock, type Clock } from '../clock.js';
import { loadToolConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { TrafficGenerator } from '../produce/generator.js';
import { produceMessages, type OutgoingMessage } from '../produce/producer.js';
import { createKafka } from '../kafka/client.js';
import { preflight } from './kafka-preflight.js';
import { withBrokers } from './topics.js';

export interface ProduceCommandOptions {
  readonly config?: string | undefined;
  readonly brokers?: string | undefined;
  readonly topic?: string | undefined;
  /** Messages to send; 0 means until interrupted (generator only). */
  readonly count: number;
  readonly rate?: number | undefined;
  readonly seed: number;
  readonly users: number;
  readonly poisonRate: number;
  readonly file?: string | undefined;
  readonly startTime?: string | undefined;
  readonly progress: boolean;
}

export async function produceCommand(
  options: ProduceCommandOptions,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream & { isTTY?: boolean } },
  signal: AbortSignal,
  clock: Clock = systemClock,
): Promise<void> {
  const config = loadToolConfig({ file: options.config });
  const kafkaConfig = withBrokers(config, options.brokers);
  const topic = options.topic ?? (config.kafka.topics[0] as string);
  await preflight(
    kafkaConfig,
    clock,
    [{ topic, setting: options.topic ? '--topic' : 'kafka.topics' }],
    `segment-mixpanel topics create -b ${kafkaConfig.brokers.join(',')} -t ${topic} --no-dead-letter`,
  );
  const logger = createLogger({ level: 'warn' }, io.err as never);
  const kafka = createKafka(kafkaConfig, logger, '-produce');

  const tally = new Map<string, number>();
  const count = (label: string): void => void tally.set(label, (tally.get(label) ?? 0) + 1);
  let messages: Iterable<OutgoingMessage> | AsyncIterable<OutgoingMessage>;
  let total: number | undefined;
  if (options.file) {
    messages = fileMessages(options.file, count);
  } else {
    const startTimeMs = options.startTime ? Date.parse(options.startTime) : clock.now();
    if (!Number.isFinite(startTimeMs))
      throw new Error(`--start-time ${options.startTime}: not a date`);
    const generator = new TrafficGenerator({
      seed: options.seed,
      users: options.users,
      poisonRate: options.poisonRate,
      startTimeMs,
    });
    total = options.count > 0 ? options.count : undefined;
    messages = generated(generator, total, count);
  }

  const bar =
    options.progress && io.err.isTTY
      ? new SingleBar(
          {
            stream: io.err,
            format: total
              ? ' producing [{bar}] {percentage}% | {value}/{total} | {rate} msg/s | eta {eta}s'
              : ' producing {value} messages | {rate} msg/s',
            hideCursor: true,
          },
          Presets.shades_classic,
        )
      : undefined;
  bar?.start(total ?? 0, 0, { rate: 0 });
  const started = clock.monotonic();
  let lastLine = started;
  const result = await produceMessages({
    kafka,
    topic,
    messages,
    clock,
    ...(options.rate ? { ratePerSecond: options.rate } : {}),
    signal,
    onProgress: (sent) => {
      const rate = Math.round(sent / Math.max(0.001, (clock.monotonic() - started) / 1000));
      if (bar) bar.update(sent, { rate });
      else if (options.progress && clock.monotonic() - lastLine >= 5000) {
        lastLine = clock.monotonic();
        io.err.write(`produced ${sent}${total ? `/${total}` : ''} messages (${rate} msg/s)\n`);
      }
    },
  });
  bar?.stop();

  const seconds = result.elapsedMs / 1000;
  io.out.write(
    `produced ${result.sent} messages to ${topic} in ${seconds.toFixed(1)} s (${Math.round(result.sent / Math.max(seconds, 0.001))} msg/s)\n`,
  );
  for (const [label, n] of [...tally].sort()) io.out.write(`  ${label.padEnd(32)} ${n}\n`);
}

function* generated(
  generator: TrafficGenerator,
  total: number | undefined,
  count: (label: string) => void,
): Generator<OutgoingMessage> {
  for (let i = 0; total === undefined || i < total; i++) {
    const message = generator.next();
    count(message.kind === 'poison' ? `poison (${message.expectedCode})` : message.kind);
    yield { key: message.key, value: message.value };
  }
}

async function* fileMessages(
  file: string,
  count: (label: string) => void,
): AsyncGenerator<OutgoingMessage> {
  const input = file === '-' ? process.stdin : createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    count('lines');
    yield { key: keyOf(line), value: Buffer.from(line) };
  }
}

/** Keys a line by its user, like Segment's own pipelines, so a user's messages keep their order. */
function keyOf(line: string): string | null {
  try {
    const parsed = JSON.parse(line) as { userId?: unknown; anonymousId?: unknown };
    const id = parsed.userId || parsed.anonymousId;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
  } catch {
    return null;
  }
}
