/**
 * `dlq inspect` as a function: scans a dead-letter topic and summarises it by reason code (count,
 * stages, first and last failure, source topics) with a few samples per code. Memory is bounded
 * by the number of codes and samples, never by the size of the topic.
 */
import type { Kafka } from 'kafkajs';
import { matchesFilter, type DeadLetterFilter } from './filter.js';
import { scanDeadLetters, type PartitionRange } from './reader.js';
import type { StoredDeadLetter } from './stored-letter.js';

export interface SampleValue {
  /** UTF-8 text when the bytes are valid UTF-8, else base64; cut to the byte budget. */
  readonly text: string;
  readonly encoding: 'utf8' | 'base64';
  readonly bytes: number;
  readonly truncated: boolean;
}

export interface DeadLetterSample {
  readonly partition: number;
  readonly offset: string;
  readonly source: { topic: string; partition: number; offset: string; timestamp?: number };
  readonly stage: string;
  readonly failedAt?: number;
  readonly attempts?: number;
  readonly message: string;
  readonly endpoint?: string;
  readonly field?: string;
  readonly key: SampleValue | null;
  readonly value: SampleValue | null;
}

export interface CodeSummary {
  readonly code: string;
  readonly count: number;
  readonly stages: Record<string, number>;
  readonly sourceTopics: Record<string, number>;
  readonly firstFailedAt?: number;
  readonly lastFailedAt?: number;
  readonly samples: readonly DeadLetterSample[];
}

export interface InspectReport {
  readonly topic: string;
  readonly partitions: readonly PartitionRange[];
  /** Records in the topic when the scan started. */
  readonly total: number;
  readonly scanned: number;
  /** Records that passed the filter. */
  readonly matched: number;
  /** Matching records without readable dlq.* headers, by position. */
  readonly unreadable: { count: number; first: readonly string[] };
  /** Most frequent first. */
  readonly codes: readonly CodeSummary[];
  readonly complete: boolean;
}

export interface SummaryOptions {
  readonly samplesPerCode?: number;
  /** Bytes of key and value shown per sample (default 200). */
  readonly valueBytes?: number;
}

/** Control bytes other than tab, newline and carriage return mark a value as binary. */
function isBinary(bytes: Buffer): boolean {
  return bytes.some((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
}

export function sampleValue(bytes: Buffer | null, budget: number): SampleValue | null {
  if (bytes === null) return null;
  const cut = bytes.subarray(0, budget);
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(cut);
  // A cut inside a multi-byte character leaves one replacement character at the end: still text.
  const isText = !utf8.slice(0, -1).includes('\uFFFD') && !isBinary(cut);
  return {
    text: isText ? utf8.replace(/\uFFFD$/, '') : cut.toString('base64'),
    encoding: isText ? 'utf8' : 'base64',
    bytes: bytes.length,
    truncated: bytes.length > budget,
  };
}

interface Tally {
  count: number;
  stages: Record<string, number>;
  sourceTopics: Record<string, number>;
  firstFailedAt?: number;
  lastFailedAt?: number;
  samples: DeadLetterSample[];
}

/** The pure aggregation behind inspect: feed letters in, read a report out. */
export class DeadLetterSummary {
  private readonly tallies = new Map<string, Tally>();
  private readonly unreadable: string[] = [];
  private unreadableCount = 0;
  matched = 0;

  constructor(private readonly options: SummaryOptions = {}) {}

  add(letter: StoredDeadLetter): void {
    this.matched++;
    const info = letter.info;
    if (!info) {
      this.unreadableCount++;
      if (this.unreadable.length < 10) this.unreadable.push(`${letter.partition}:${letter.offset}`);
      return;
    }
    let tally = this.tallies.get(info.code);
    if (!tally) {
      tally = { count: 0, stages: {}, sourceTopics: {}, samples: [] };
      this.tallies.set(info.code, tally);
    }
    tally.count++;
    tally.stages[info.stage] = (tally.stages[info.stage] ?? 0) + 1;
    tally.sourceTopics[info.sourceTopic] = (tally.sourceTopics[info.sourceTopic] ?? 0) + 1;
    if (info.failedAt !== undefined) {
      tally.firstFailedAt = Math.min(tally.firstFailedAt ?? Infinity, info.failedAt);
      tally.lastFailedAt = Math.max(tally.lastFailedAt ?? -Infinity, info.failedAt);
    }
    if (tally.samples.length < (this.options.samplesPerCode ?? 3)) {
      const budget = this.options.valueBytes ?? 200;
      tally.samples.push({
        partition: letter.partition,
        offset: letter.offset,
        source: {
          topic: info.sourceTopic,
          partition: info.sourcePartition,
          offset: info.sourceOffset,
          ...(info.sourceTimestamp !== undefined ? { timestamp: info.sourceTimestamp } : {}),
        },
        stage: info.stage,
        ...(info.failedAt !== undefined ? { failedAt: info.failedAt } : {}),
        ...(info.attempts !== undefined ? { attempts: info.attempts } : {}),
        message: info.message,
        ...(info.endpoint !== undefined ? { endpoint: info.endpoint } : {}),
        ...(info.field !== undefined ? { field: info.field } : {}),
        key: sampleValue(letter.key, budget),
        value: sampleValue(letter.value, budget),
      });
    }
  }

  codes(): CodeSummary[] {
    return [...this.tallies]
      .map(([code, t]) => ({ code, ...t }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  }

  unreadableRecords(): { count: number; first: readonly string[] } {
    return { count: this.unreadableCount, first: [...this.unreadable] };
  }
}

export interface InspectOptions extends SummaryOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly filter?: DeadLetterFilter;
  readonly signal?: AbortSignal;
  readonly onProgress?: (scanned: number, total: number) => void;
}

export async function inspectDeadLetters(options: InspectOptions): Promise<InspectReport> {
  const summary = new DeadLetterSummary(options);
  const filter = options.filter ?? {};
  const result = await scanDeadLetters({
    kafka: options.kafka,
    topic: options.topic,
    groupIdPrefix: 'segment-mixpanel-dlq-inspect',
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    onRecords: (letters) => {
      for (const letter of letters) if (matchesFilter(filter, letter)) summary.add(letter);
    },
  });
  return {
    topic: options.topic,
    partitions: result.partitions,
    total: result.total,
    scanned: result.scanned,
    matched: summary.matched,
    unreadable: summary.unreadableRecords(),
    codes: summary.codes(),
    complete: !result.aborted,
  };
}
