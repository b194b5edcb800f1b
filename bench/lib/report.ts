/** The table of a run: every figure, with the targets the processor is held to. */
import {
  backlogResult,
  type BacklogResult,
  type DrainFigures,
  type EndToEndResult,
  type Spread,
} from '../scenarios/end-to-end.js';
import type { LatencyResult } from '../scenarios/latency.js';
import type { PublishOnlyResult } from '../scenarios/publish.js';
import type { SweepResult } from '../scenarios/sweep.js';
import type { TransformResult } from '../scenarios/transform.js';
import { fmt, type Row } from './format.js';

/** Peak RSS while draining a 1M-event backlog with default settings. */
export const MEMORY_TARGET_BYTES = 300 * 1024 * 1024;
/** Processor CPU per event ÷ floor CPU per event, end to end with default settings. */
export const CPU_RATIO_TARGET = 1.5;

export interface Results {
  transform?: TransformResult;
  publish?: PublishOnlyResult;
  endToEnd?: EndToEndResult;
  latency?: LatencyResult;
  /** Results files before the memory drains were repeated hold one drain, without `runs`. */
  memory?: (DrainFigures & { backlog: number }) | BacklogResult;
  /** The same backlog drained again with the memory-lean settings (LEAN_MEMORY). */
  memoryLean?: DrainFigures;
  sweep?: SweepResult[];
}

/** "12.3 (11.9–12.8)" for a spread over several runs; the median alone for one. */
function spreadText(s: Spread, format: (n: number) => string): string {
  return s.min === s.max
    ? format(s.median)
    : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

const micros = (n: number): string => `${n.toFixed(1)} µs`;

export function report(r: Results, options: { smoke: boolean; lingerMs: number }): Row[] {
  const rows: Row[] = [];
  const verdict = (ok: boolean): Row['verdict'] => (options.smoke ? 'info' : ok ? 'met' : 'missed');
  const info = (measure: string, value: string): Row => ({
    measure,
    value,
    target: '',
    verdict: 'info',
  });
  if (r.endToEnd) {
    const e = r.endToEnd;
    const runs = e.runs.length > 1 ? `, median of ${e.runs.length} (min–max)` : '';
    rows.push(
      {
        measure: `processor CPU per event ÷ floor's${runs}`,
        value: spreadText(e.cpuRatio, fmt.ratio),
        target: `≤ ${fmt.ratio(CPU_RATIO_TARGET)}`,
        verdict: verdict(e.cpuRatio.median <= CPU_RATIO_TARGET),
      },
      info('processor CPU per event, end to end', spreadText(e.processorCpuMicrosPerEvent, micros)),
      info('floor pipe CPU per event', spreadText(e.floorCpuMicrosPerEvent, micros)),
      info('processor events/s ÷ floor events/s', spreadText(e.rateRatio, fmt.ratio)),
      info('processor events/s into the sandbox', spreadText(e.processorEventsPerSecond, fmt.int)),
      info('floor pipe events/s', spreadText(e.floorEventsPerSecond, fmt.int)),
      info('bare kafkajs consumer: events/s', fmt.int(e.bare.eventsPerSecond)),
      info('bare kafkajs consumer: CPU per event', micros(e.bare.cpuMicrosPerEvent)),
      info(
        'sandbox CPU per event (processor runs)',
        spreadText(e.sandboxCpuMicrosPerEvent, micros),
      ),
      info('processor peak RSS, end to end', spreadText(e.processorPeakRssBytes, fmt.mb)),
    );
  }
  if (r.latency) {
    const l = r.latency;
    rows.push(info(`latency p50 at ${fmt.int(l.rate)}/s (Kafka append → ack)`, fmt.ms(l.p50Ms)), {
      measure: `latency p99 at ${fmt.int(l.rate)}/s`,
      value: fmt.ms(l.p99Ms),
      target: `≤ ${l.lingerMs + 300} ms (lingerMs + 300)`,
      verdict: verdict(l.p99Ms !== null && l.p99Ms <= options.lingerMs + 300),
    });
  }
  if (r.memory) {
    // An older results file holds its one drain in place of the repeated ones.
    const m = 'runs' in r.memory ? r.memory : backlogResult([r.memory], r.memory.backlog);
    const repeated = m.runs.length > 1 ? `, median of ${m.runs.length} (min–max)` : '';
    rows.push(
      {
        measure: `peak RSS draining a ${fmt.int(m.backlog)}-event backlog, defaults${repeated}`,
        value: spreadText(m.peakRss, fmt.mb),
        target: '≤ 300 MB',
        verdict: verdict(m.peakRssBytes <= MEMORY_TARGET_BYTES),
      },
      info('backlog drain, defaults, events/s', spreadText(m.rate, fmt.int)),
      info('backlog drain, defaults, CPU per event', spreadText(m.cpu, micros)),
    );
  }
  if (r.memoryLean) {
    rows.push(
      info('peak RSS, same backlog, memory-lean settings', fmt.mb(r.memoryLean.peakRssBytes)),
      info('backlog drain, memory-lean, events/s', fmt.int(r.memoryLean.eventsPerSecond)),
    );
  }
  if (r.transform) {
    rows.push(
      info('transform alone, messages/s on one core', fmt.int(r.transform.transformPerSecond)),
      info(
        'transform + serialize + encode (worker jobs), messages/s',
        fmt.int(r.transform.withSerializationPerSecond),
      ),
    );
  }
  if (r.publish) {
    rows.push(info('publish alone, records/s to the sandbox', fmt.int(r.publish.recordsPerSecond)));
  }
  if (r.sweep) {
    const worst = r.sweep.reduce((a, b) => (b.cpuRatio > a.cpuRatio ? b : a));
    const peak = r.sweep.reduce((a, b) =>
      b.processor.peakRssBytes > a.processor.peakRssBytes ? b : a,
    );
    rows.push(
      info(
        `sweep: highest CPU ratio (${worst.dimension} ${worst.label})`,
        fmt.ratio(worst.cpuRatio),
      ),
      info(
        `sweep: highest peak RSS (${peak.dimension} ${peak.label})`,
        fmt.mb(peak.processor.peakRssBytes),
      ),
    );
  }
  return rows;
}
