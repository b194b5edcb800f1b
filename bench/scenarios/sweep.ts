/**
 * How cost grows: the processor and the floor pipe drain the same pre-produced traffic at each
 * point of three one-dimensional sweeps around the realistic default (~1 KB messages, no batch
 * payloads, 8 partitions): message size, share of Segment batch payloads, partitions. CPU per
 * event (Segment message) and peak RSS of each, and their ratio.
 */
import type { Kafka } from 'kafkajs';
import type { Config } from '../../src/config/schema.js';
import { fmt } from '../lib/format.js';
import { createTopics, preProduce, type TrafficShape } from '../lib/kafka.js';
import type { DrainFigures } from '../lib/measure.js';
import { drainFloor, drainProcessor } from './end-to-end.js';

export type SweepDimension = 'message size' | 'batch payloads' | 'partitions';

export interface SweepPoint {
  readonly dimension: SweepDimension;
  /** The point's value on its axis, e.g. "4 KB", "50%", "32". */
  readonly label: string;
  readonly shape: TrafficShape;
  readonly partitions: number;
}

export interface SweepResult extends SweepPoint {
  readonly events: number;
  readonly records: number;
  readonly bytesPerRecord: number;
  readonly processor: DrainFigures;
  readonly floor: DrainFigures;
  readonly cpuRatio: number;
}

const DEFAULT_POINT = { shape: {}, partitions: 8 } as const;

/** Every point of the sweep; the realistic default appears once per dimension (measured once). */
export const SWEEP: readonly SweepPoint[] = [
  { dimension: 'message size', label: '300 B', shape: { messageBytes: 300 }, partitions: 8 },
  { dimension: 'message size', label: '1 KB', ...DEFAULT_POINT },
  { dimension: 'message size', label: '4 KB', shape: { messageBytes: 4096 }, partitions: 8 },
  { dimension: 'message size', label: '16 KB', shape: { messageBytes: 16384 }, partitions: 8 },
  { dimension: 'batch payloads', label: '0%', ...DEFAULT_POINT },
  { dimension: 'batch payloads', label: '50%', shape: { batchShare: 0.5 }, partitions: 8 },
  { dimension: 'batch payloads', label: '100%', shape: { batchShare: 1 }, partitions: 8 },
  { dimension: 'partitions', label: '1', shape: {}, partitions: 1 },
  { dimension: 'partitions', label: '8', ...DEFAULT_POINT },
  { dimension: 'partitions', label: '32', shape: {}, partitions: 32 },
];

/** The smoke run's points: one beyond the default on each axis, which exercises every path. */
export const SMOKE_SWEEP: readonly SweepPoint[] = SWEEP.filter((p) =>
  ['16 KB', '100%', '32'].includes(p.label),
);

const pointKey = (p: SweepPoint): string =>
  `${p.shape.messageBytes ?? 'default'}-${p.shape.batchShare ?? 0}-${p.partitions}`;

/** Fewer events for larger messages, so each point moves a comparable volume in comparable time. */
export function eventsAt(point: SweepPoint, events: number): number {
  const bytes = point.shape.messageBytes ?? 1100;
  return Math.round(events * Math.min(1, Math.sqrt(1100 / bytes)));
}

export async function sweep(options: {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  readonly points: readonly SweepPoint[];
  /** Events at the ~1 KB points (fewer for larger messages: eventsAt). */
  readonly events: number;
  readonly defaults: Config;
  readonly sandbox: () => Promise<{ url: string; pid: number }>;
  readonly progress: (line: string) => void;
}): Promise<SweepResult[]> {
  const measured = new Map<string, Omit<SweepResult, keyof SweepPoint>>();
  const results: SweepResult[] = [];
  for (const point of options.points) {
    const key = pointKey(point);
    let figures = measured.get(key);
    if (!figures) {
      const topic = `bench-sweep-${key}`;
      const deadLetterTopic = `${topic}-dlq`;
      await createTopics(options.kafka, [
        { topic, partitions: point.partitions },
        { topic: deadLetterTopic, partitions: 1 },
      ]);
      const wanted = eventsAt(point, options.events);
      options.progress(
        `▶ sweep ${point.dimension} ${point.label}: ${fmt.int(wanted)} events, ${point.partitions} partitions`,
      );
      const produced = await preProduce(
        options.kafka,
        topic,
        wanted,
        options.progress,
        point.shape,
      );
      const target = {
        kafka: options.kafka,
        brokers: options.brokers,
        topic,
        deadLetterTopic,
        events: produced.events,
        records: produced.records,
        progress: options.progress,
      };
      const floor = await drainFloor({
        ...target,
        sandbox: await options.sandbox(),
        defaults: options.defaults,
      });
      const processor = await drainProcessor({ ...target, sandbox: await options.sandbox() });
      figures = {
        events: produced.events,
        records: produced.records,
        bytesPerRecord: produced.bytes / produced.records,
        processor,
        floor,
        cpuRatio: processor.cpuMicrosPerEvent / floor.cpuMicrosPerEvent,
      };
      options.progress(
        `  floor ${floor.cpuMicrosPerEvent.toFixed(1)} µs/event, processor ${processor.cpuMicrosPerEvent.toFixed(1)} µs/event (${fmt.ratio(figures.cpuRatio)}), peak RSS ${fmt.mb(processor.peakRssBytes)}`,
      );
      measured.set(key, figures);
    }
    results.push({ ...point, ...figures });
  }
  return results;
}
