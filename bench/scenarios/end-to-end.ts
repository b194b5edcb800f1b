/**
 * End to end: one processor drains N pre-produced realistic messages into the sandbox. Measured
 * from the first record consumed to the last offset committed; CPU and peak RSS from /proc. In the
 * same run, a bare kafkajs consumer reads the same records as the baseline.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { launch, REPO, startProcessor, type Child } from '../lib/children.js';
import { committedTotal } from '../lib/kafka.js';
import { sampleProcess, watchMemory } from '../lib/proc.js';
import { freePort } from '../../test/harness/ports.js';
import { readMetrics, sumMetric } from '../../scripts/demo-metrics.js';

export interface DrainResult {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly cpuSecondsPer100k: number;
  /** The sandbox's CPU over the same span: it shares the machine's two cores. */
  readonly sandboxCpuSecondsPer100k: number;
  readonly peakRssBytes: number;
}

export interface EndToEndResult {
  readonly processor: DrainResult;
  readonly baseline: {
    readonly events: number;
    readonly seconds: number;
    readonly eventsPerSecond: number;
  };
  readonly ratio: number;
}

export interface DrainOptions {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly events: number;
  readonly sandbox: { readonly url: string; readonly pid: number };
  readonly progress: (line: string) => void;
  /** Extra node flags for the processor, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /** Config sections for the processor, over the benchmark's own (shallow merge). */
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * The memory-lean settings of bench/README.md: half the default backlog, and 2 MiB V8 semi-spaces
 * instead of 16 (a smaller young generation, collected more often).
 */
export const LEAN_MEMORY = {
  config: { batching: { maxBufferedRecords: 5000 } },
  nodeArgs: ['--max-semi-space-size=2'],
} as const;

/** Runs a fresh processor over the topic until every offset is committed. */
export async function drain(options: DrainOptions): Promise<DrainResult> {
  const groupId = `bench-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const processor: Child = startProcessor(
    {
      kafka: {
        brokers: [...options.brokers],
        topics: [options.topic],
        deadLetterTopic: options.deadLetterTopic,
        groupId,
      },
      mixpanel: { projectToken: 'bench-token', apiHost: options.sandbox.url },
      metrics: { enabled: true, host: '127.0.0.1', port },
      log: { level: 'warn' },
      ...options.config,
      ...(process.env.BENCH_CONFIG ? (JSON.parse(process.env.BENCH_CONFIG) as object) : {}),
    },
    [
      ...(options.nodeArgs ?? []),
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ],
  );
  const memory = watchMemory(processor.pid);
  try {
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    let startedAt = 0;
    let cpuAtStart = 0;
    let sandboxCpuAtStart = 0;
    for (;;) {
      const consumed = await readMetrics(metricsUrl).then(
        (s) => sumMetric(s, 'segment_mixpanel_kafka_messages_consumed_total'),
        () => 0,
      );
      if (consumed > 0) {
        startedAt = performance.now();
        cpuAtStart = sampleProcess(processor.pid).cpuSeconds;
        sandboxCpuAtStart = sampleProcess(options.sandbox.pid).cpuSeconds;
        break;
      }
      if (processor.process.exitCode !== null)
        throw new Error(`the processor exited:\n${processor.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    let lastReport = performance.now();
    let lastHeap = 0;
    for (;;) {
      const committed = await committedTotal(options.kafka, groupId, options.topic);
      if (committed >= options.events) break;
      if (processor.process.exitCode !== null)
        throw new Error(`the processor exited:\n${processor.output()}`);
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        options.progress(
          `  committed ${committed.toLocaleString('en')} / ${options.events.toLocaleString('en')}`,
        );
      }
      if (process.env.BENCH_HEAP && performance.now() - lastHeap > 2000) {
        lastHeap = performance.now();
        options.progress(await heapLine(metricsUrl));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - startedAt) / 1000;
    const cpu = sampleProcess(processor.pid).cpuSeconds - cpuAtStart;
    const sandboxCpu = sampleProcess(options.sandbox.pid).cpuSeconds - sandboxCpuAtStart;
    if (process.env.BENCH_THREADS) options.progress(threadBreakdown(processor.pid));
    const { peakRssBytes } = memory.stop();
    return {
      events: options.events,
      seconds,
      eventsPerSecond: options.events / seconds,
      cpuSecondsPer100k: (cpu / options.events) * 100_000,
      sandboxCpuSecondsPer100k: (sandboxCpu / options.events) * 100_000,
      peakRssBytes,
    };
  } finally {
    memory.stop();
    await processor.stop('SIGTERM');
  }
}

/** CPU seconds per thread of a process (diagnostics: main thread vs libuv pool vs GC). */
function threadBreakdown(pid: number): string {
  const lines: string[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / 100;
    if (cpu > 0.05) lines.push(`    ${name.padEnd(16)} ${cpu.toFixed(2)} s`);
  }
  return `  CPU by thread:\n${lines.join('\n')}`;
}

export async function baseline(
  brokers: readonly string[],
  topic: string,
  events: number,
): Promise<{ events: number; seconds: number; eventsPerSecond: number }> {
  const child = launch(
    [
      join(REPO, 'bench/baseline-consumer.ts'),
      brokers.join(','),
      topic,
      `bench-baseline-${randomBytes(4).toString('hex')}`,
      String(events),
    ],
    ['--import', 'tsx'],
  );
  const code = await child.exited;
  if (code !== 0) throw new Error(`the baseline consumer failed:\n${child.output()}`);
  const result = JSON.parse(child.output().trim().split('\n').pop() as string) as {
    events: number;
    seconds: number;
  };
  return { ...result, eventsPerSecond: result.events / result.seconds };
}

export async function endToEnd(options: DrainOptions): Promise<EndToEndResult> {
  options.progress(
    `▶ end to end: the processor drains ${options.events.toLocaleString('en')} events into the sandbox`,
  );
  const processor = await drain(options);
  options.progress('▶ end to end: the baseline, a bare kafkajs consumer over the same records');
  const bare = await baseline(options.brokers, options.topic, options.events);
  return { processor, baseline: bare, ratio: processor.eventsPerSecond / bare.eventsPerSecond };
}

const HEAP_METRICS = new Set([
  'process_resident_memory_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_heap_space_size_total_bytes',
]);

/** BENCH_HEAP=1: the processor's main-thread memory, from its default metrics, in MB. */
async function heapLine(metricsUrl: string): Promise<string> {
  const samples = await readMetrics(metricsUrl).catch(() => []);
  const parts = samples
    .filter((m) => HEAP_METRICS.has(m.name) && m.value > 0)
    .map((m) => {
      const name = m.name.replace(/^(nodejs|process)_/, '').replace(/_bytes$/, '');
      const label = m.labels.space ? `:${m.labels.space}` : '';
      return `${name}${label}=${(m.value / 2 ** 20).toFixed(0)}`;
    });
  return `  MB: ${parts.join(' ')}`;
}
