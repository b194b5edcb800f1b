/**
 * End to end: the processor drains N pre-produced messages into the sandbox, and in the same run
 * the floor pipe (bench/floor-pipe.ts) drains the same records into the same kind of sandbox, in
 * turns (floor, processor, floor, processor, …) so that both see the same machine. Each is
 * measured from its first consumed batch to its last committed offset. The bare consumer
 * (bench/baseline-consumer.ts) reads the records once more, as an informational row.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import { readMetrics, sumMetric } from '../../scripts/demo-metrics.js';
import { freePort } from '../../test/harness/ports.js';
import { launch, REPO, startProcessor, type Child } from '../lib/children.js';
import { committedReaches, lineSeen, measureDrain, type DrainFigures } from '../lib/measure.js';

export type { DrainFigures };

export interface DrainTarget {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly deadLetterTopic: string;
  /** Segment messages in the topic: what figures are per. */
  readonly events: number;
  /** Kafka records in the topic, when not one per event (batch payloads). */
  readonly records?: number;
  readonly progress: (line: string) => void;
}

const recordsOf = (target: DrainTarget): number => target.records ?? target.events;

export interface ProcessorDrainOptions extends DrainTarget {
  readonly sandbox: { readonly url: string; readonly pid: number };
  /** Extra node flags for the processor, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /** Config sections for the processor, over the benchmark's own (shallow merge). */
  readonly config?: Readonly<Record<string, unknown>>;
}

export interface FloorDrainOptions extends DrainTarget {
  readonly sandbox: { readonly url: string; readonly pid: number };
  /** The processor's defaults the floor mirrors (gzip level, body size, fetch sizes, …). */
  readonly defaults: Config;
}

/**
 * The memory-lean settings: 2 MiB V8 semi-spaces instead of 16 (a smaller young generation,
 * collected more often), for the main thread and the transform worker alike.
 */
export const LEAN_MEMORY = {
  config: {},
  nodeArgs: ['--max-semi-space-size=2'],
} as const;

const groupId = (name: string): string => `bench-${name}-${randomBytes(4).toString('hex')}`;

/** `config` with each section of `over` merged into its own (BENCH_CONFIG keeps the brokers). */
function withSections(config: ConfigInput, over: Partial<ConfigInput>): ConfigInput {
  const out: Record<string, unknown> = { ...config };
  for (const [name, section] of Object.entries(over)) {
    const base = out[name];
    out[name] =
      typeof base === 'object' && base !== null && typeof section === 'object' && section !== null
        ? { ...base, ...section }
        : section;
  }
  return out as ConfigInput;
}

/** A fresh processor with default settings drains the topic until every offset is committed. */
export async function drainProcessor(options: ProcessorDrainOptions): Promise<DrainFigures> {
  const group = groupId('processor');
  const port = await freePort();
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const processor: Child = startProcessor(
    withSections(
      {
        kafka: {
          brokers: [...options.brokers],
          topics: [options.topic],
          deadLetterTopic: options.deadLetterTopic,
          groupId: group,
        },
        mixpanel: { projectToken: 'bench-token', apiHost: options.sandbox.url },
        metrics: { enabled: true, host: '127.0.0.1', port },
        log: { level: 'warn' },
        ...options.config,
      },
      process.env.BENCH_CONFIG
        ? (JSON.parse(process.env.BENCH_CONFIG) as Partial<ConfigInput>)
        : {},
    ),
    [
      ...(options.nodeArgs ?? []),
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ],
  );
  try {
    const figures = await measureDrain({
      child: processor,
      events: options.events,
      sandboxPid: options.sandbox.pid,
      started: async () => {
        for (;;) {
          const consumed = await readMetrics(metricsUrl).then(
            (s) => sumMetric(s, 'segment_mixpanel_kafka_messages_consumed_total'),
            () => 0,
          );
          if (consumed > 0) return;
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      finished: () =>
        committedReaches({
          ...options,
          records: recordsOf(options),
          groupId: group,
          ...(process.env.BENCH_HEAP
            ? { every2s: async () => options.progress(await heapLine(metricsUrl)) }
            : {}),
        }),
    });
    if (process.env.BENCH_THREADS) options.progress(threadBreakdown(processor.pid));
    return figures;
  } finally {
    await processor.stop('SIGTERM');
  }
}

/** The floor pipe drains the topic into the sandbox until every offset is committed. */
export async function drainFloor(options: FloorDrainOptions): Promise<DrainFigures> {
  const group = groupId('floor');
  const { batching, kafka } = options.defaults;
  const floor = launch(
    'the floor pipe',
    [
      join(REPO, 'bench/floor-pipe.ts'),
      ...['--brokers', options.brokers.join(','), '--topic', options.topic, '--group', group],
      ...['--sandbox', options.sandbox.url, '--token', 'bench-token'],
      ...['--gzip-level', String(batching.gzipLevel), '--records', String(batching.maxRecords)],
      ...['--max-body-bytes', String(batching.maxBytes)],
      ...['--in-flight', String(batching.maxBufferedRecords)],
      ...['--linger-ms', String(batching.lingerMs), '--commit-ms', String(kafka.commitIntervalMs)],
      ...['--max-bytes', String(kafka.maxBytes), '--max-wait-ms', String(kafka.maxWaitTimeMs)],
      ...['--max-bytes-per-partition', String(kafka.maxBytesPerPartition)],
    ],
    ['--import', 'tsx'],
  );
  try {
    const figures = await measureDrain({
      child: floor,
      events: options.events,
      sandboxPid: options.sandbox.pid,
      started: () => lineSeen(floor, 'first'),
      finished: () => committedReaches({ ...options, records: recordsOf(options), groupId: group }),
    });
    if (process.env.BENCH_THREADS) options.progress(threadBreakdown(floor.pid));
    return figures;
  } finally {
    await floor.stop('SIGTERM');
  }
}

/** The bare kafkajs consumer reads the topic: no parsing, no output. */
export async function drainBare(options: DrainTarget): Promise<DrainFigures> {
  const bare = launch(
    'the bare consumer',
    [
      join(REPO, 'bench/baseline-consumer.ts'),
      options.brokers.join(','),
      options.topic,
      groupId('bare'),
      String(recordsOf(options)),
    ],
    ['--import', 'tsx'],
  );
  try {
    return await measureDrain({
      child: bare,
      events: options.events,
      started: () => lineSeen(bare, 'first'),
      finished: () => lineSeen(bare, 'done'),
    });
  } finally {
    await bare.stop('SIGTERM');
  }
}

export interface EndToEndRun {
  readonly floor: DrainFigures;
  readonly processor: DrainFigures;
  /** processor CPU per event ÷ floor CPU per event, this pair. */
  readonly cpuRatio: number;
  /** processor events/s ÷ floor events/s, this pair. */
  readonly rateRatio: number;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface EndToEndResult {
  readonly runs: readonly EndToEndRun[];
  readonly cpuRatio: Spread;
  readonly rateRatio: Spread;
  readonly processorCpuMicrosPerEvent: Spread;
  readonly floorCpuMicrosPerEvent: Spread;
  readonly processorEventsPerSecond: Spread;
  readonly floorEventsPerSecond: Spread;
  readonly processorPeakRssBytes: Spread;
  readonly sandboxCpuMicrosPerEvent: Spread;
  readonly bare: DrainFigures;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

/** The 1M backlog drained several times with the same settings: each figure's median, and the drains. */
export interface BacklogResult extends DrainFigures {
  readonly backlog: number;
  readonly runs: readonly DrainFigures[];
  readonly peakRss: Spread;
  readonly rate: Spread;
  readonly cpu: Spread;
}

export function backlogResult(runs: readonly DrainFigures[], backlog: number): BacklogResult {
  const over = (pick: (run: DrainFigures) => number): Spread => spread(runs.map(pick));
  const peakRss = over((r) => r.peakRssBytes);
  const rate = over((r) => r.eventsPerSecond);
  const cpu = over((r) => r.cpuMicrosPerEvent);
  return {
    events: (runs[0] as DrainFigures).events,
    seconds: over((r) => r.seconds).median,
    eventsPerSecond: rate.median,
    cpuMicrosPerEvent: cpu.median,
    sandboxCpuMicrosPerEvent: over((r) => r.sandboxCpuMicrosPerEvent ?? 0).median,
    peakRssBytes: peakRss.median,
    backlog,
    runs,
    peakRss,
    rate,
    cpu,
  };
}

export async function endToEnd(
  options: Omit<ProcessorDrainOptions & FloorDrainOptions, 'sandbox'> & {
    readonly repeat: number;
    /** A fresh sandbox for each drain; `profiled` for the processor's last run. */
    readonly sandbox: (profiled: boolean) => Promise<{ url: string; pid: number }>;
    /** Node flags for the processor's last run (e.g. --cpu-prof). */
    readonly lastRunNodeArgs?: readonly string[];
  },
): Promise<EndToEndResult> {
  // The bare consumer reads first: the first drain of a freshly written topic cost the floor ~25%
  // more CPU per event than the drains after it in every full run, which made the first pair's
  // ratio the lowest. Its own figures are informational either way.
  options.progress('▶ end to end: the bare consumer reads the records first');
  const bare = await drainBare(options);
  const runs: EndToEndRun[] = [];
  for (let i = 0; i < options.repeat; i++) {
    const last = i === options.repeat - 1;
    const n = `${i + 1}/${options.repeat}`;
    options.progress(
      `▶ end to end ${n}: the floor pipe drains ${options.events.toLocaleString('en')} events`,
    );
    const floor = await drainFloor({ ...options, sandbox: await options.sandbox(false) });
    options.progress(`▶ end to end ${n}: the processor drains the same events`);
    const processor = await drainProcessor({
      ...options,
      sandbox: await options.sandbox(last),
      ...(last && options.lastRunNodeArgs ? { nodeArgs: options.lastRunNodeArgs } : {}),
    });
    const run: EndToEndRun = {
      floor,
      processor,
      cpuRatio: processor.cpuMicrosPerEvent / floor.cpuMicrosPerEvent,
      rateRatio: processor.eventsPerSecond / floor.eventsPerSecond,
    };
    options.progress(
      `  floor ${floor.cpuMicrosPerEvent.toFixed(1)} µs/event ${Math.round(floor.eventsPerSecond)}/s; processor ${processor.cpuMicrosPerEvent.toFixed(1)} µs/event ${Math.round(processor.eventsPerSecond)}/s; CPU ratio ${run.cpuRatio.toFixed(2)}×`,
    );
    runs.push(run);
  }
  const of = (f: (run: EndToEndRun) => number): Spread => spread(runs.map(f));
  return {
    runs,
    cpuRatio: of((r) => r.cpuRatio),
    rateRatio: of((r) => r.rateRatio),
    processorCpuMicrosPerEvent: of((r) => r.processor.cpuMicrosPerEvent),
    floorCpuMicrosPerEvent: of((r) => r.floor.cpuMicrosPerEvent),
    processorEventsPerSecond: of((r) => r.processor.eventsPerSecond),
    floorEventsPerSecond: of((r) => r.floor.eventsPerSecond),
    processorPeakRssBytes: of((r) => r.processor.peakRssBytes),
    sandboxCpuMicrosPerEvent: of((r) => r.processor.sandboxCpuMicrosPerEvent ?? 0),
    bare,
  };
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
