/**
 * Measures one drain of a topic by one process (the processor, the floor pipe, the bare
 * consumer): from its first consumed batch to its end (every offset committed, or its own `done`
 * line), CPU from /proc at both points, RSS sampled every 100 ms.
 */
import type { Kafka } from 'kafkajs';
import type { Child } from './children.js';
import { committedTotal } from './kafka.js';
import { sampleProcess, watchMemory } from './proc.js';

export interface DrainFigures {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** CPU of the process (every thread) per event, µs. */
  readonly cpuMicrosPerEvent: number;
  /** The sandbox's CPU over the same span, per event, µs (it shares the machine's cores). */
  readonly sandboxCpuMicrosPerEvent?: number;
  readonly peakRssBytes: number;
}

export interface MeasureOptions {
  readonly child: Child;
  readonly events: number;
  /** Resolves when the process consumed its first batch. */
  readonly started: () => Promise<void>;
  /** Resolves when the drain is complete. */
  readonly finished: () => Promise<void>;
  readonly sandboxPid?: number;
}

export async function measureDrain(options: MeasureOptions): Promise<DrainFigures> {
  const { child, events } = options;
  const memory = watchMemory(child.pid);
  try {
    await untilExit(child, options.started());
    const startedAt = performance.now();
    const cpuAtStart = sampleProcess(child.pid).cpuSeconds;
    const sandboxAtStart =
      options.sandboxPid === undefined ? 0 : sampleProcess(options.sandboxPid).cpuSeconds;
    await untilExit(child, options.finished());
    const seconds = (performance.now() - startedAt) / 1000;
    const cpu = sampleProcess(child.pid).cpuSeconds - cpuAtStart;
    const sandboxCpu =
      options.sandboxPid === undefined
        ? undefined
        : sampleProcess(options.sandboxPid).cpuSeconds - sandboxAtStart;
    const { peakRssBytes } = memory.stop();
    return {
      events,
      seconds,
      eventsPerSecond: events / seconds,
      cpuMicrosPerEvent: (cpu / events) * 1e6,
      ...(sandboxCpu === undefined
        ? {}
        : { sandboxCpuMicrosPerEvent: (sandboxCpu / events) * 1e6 }),
      peakRssBytes,
    };
  } finally {
    memory.stop();
  }
}

/** Rejects with the child's output when it exits before `promise` settles. */
async function untilExit<T>(child: Child, promise: Promise<T>): Promise<T> {
  const exited = child.exited.then((code) => {
    throw new Error(`${child.name} exited (${code}) during the benchmark:\n${child.output()}`);
  });
  return Promise.race([promise, exited]);
}

/** Resolves when the child printed `line` on its own line. */
export function lineSeen(child: Child, line: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): boolean => child.output().split('\n').includes(line);
    if (check()) return resolve();
    const onData = (): void => {
      if (!check()) return;
      child.process.stdout?.off('data', onData);
      resolve();
    };
    child.process.stdout?.on('data', onData);
  });
}

/** Resolves once the group committed `records` offsets on the topic (summed over partitions). */
export async function committedReaches(options: {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  readonly records: number;
  readonly progress: (line: string) => void;
  /** Called every ~2 s while waiting (diagnostics). */
  readonly every2s?: () => Promise<void>;
}): Promise<void> {
  let lastReport = performance.now();
  let lastTick = 0;
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    for (;;) {
      const committed = await committedTotal(admin, options.groupId, options.topic);
      if (committed >= options.records) return;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        options.progress(
          `  committed ${committed.toLocaleString('en')} / ${options.records.toLocaleString('en')}`,
        );
      }
      if (options.every2s && performance.now() - lastTick > 2000) {
        lastTick = performance.now();
        await options.every2s();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
  }
}
