/**
 * Which dead letters a command looks at: by reason code, by failure time (`dlq.failed.at`) and by
 * position in the dead-letter topic. Parsers for the command-line forms live here too, so the
 * CLI and tests share one definition of `--offsets 0:10-20` and `--since 2026-01-01T00:00:00Z`.
 */
import type { StoredDeadLetter } from './stored-letter.js';

/** Offsets `from`..`to` inclusive of one dead-letter topic partition. */
export interface OffsetRange {
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}

export interface DeadLetterFilter {
  readonly codes?: ReadonlySet<string>;
  /** Failed at or after, epoch ms. */
  readonly since?: number;
  /** Failed before, epoch ms. */
  readonly until?: number;
  readonly offsets?: readonly OffsetRange[];
}

export function isEmptyFilter(filter: DeadLetterFilter): boolean {
  return (
    (filter.codes?.size ?? 0) === 0 &&
    filter.since === undefined &&
    filter.until === undefined &&
    (filter.offsets?.length ?? 0) === 0
  );
}

/**
 * True when the letter passes every criterion given. A letter without readable `dlq.*` headers
 * passes only filters on position: its code and failure time are unknown.
 */
export function matchesFilter(filter: DeadLetterFilter, letter: StoredDeadLetter): boolean {
  if (filter.offsets && filter.offsets.length > 0) {
    const offset = BigInt(letter.offset);
    const inRange = filter.offsets.some(
      (r) => r.partition === letter.partition && offset >= r.from && offset <= r.to,
    );
    if (!inRange) return false;
  }
  const wantsCode = filter.codes !== undefined && filter.codes.size > 0;
  const wantsTime = filter.since !== undefined || filter.until !== undefined;
  if (!wantsCode && !wantsTime) return true;
  const info = letter.info;
  if (!info) return false;
  if (wantsCode && !filter.codes?.has(info.code)) return false;
  if (wantsTime) {
    if (info.failedAt === undefined) return false;
    if (filter.since !== undefined && info.failedAt < filter.since) return false;
    if (filter.until !== undefined && info.failedAt >= filter.until) return false;
  }
  return true;
}

/** `P:FROM-TO`, `P:OFFSET` or `P:FROM-` (to the end). Throws a message fit for the user. */
export function parseOffsetRange(text: string): OffsetRange {
  const match = /^(\d+):(\d+)(?:(-)(\d+)?)?$/.exec(text.trim());
  if (!match) throw new Error(`expected PARTITION:FROM-TO (e.g. 0:100-200), got "${text}"`);
  const partition = Number(match[1]);
  const from = BigInt(match[2] as string);
  const to = match[3] ? (match[4] ? BigInt(match[4]) : BigInt(Number.MAX_SAFE_INTEGER)) : from;
  if (to < from) throw new Error(`"${text}": the range ends before it starts`);
  return { partition, from, to };
}

/** An ISO 8601 time with a date (`2026-01-31`, `2026-01-31T12:00:00Z`) to epoch ms. */
export function parseTime(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (!Number.isFinite(ms))
    throw new Error(`expected an ISO 8601 time such as 2026-01-31T12:00:00Z, got "${text}"`);
  return ms;
}

export function describeFilter(filter: DeadLetterFilter): string {
  const parts: string[] = [];
  if (filter.codes && filter.codes.size > 0) parts.push(`code ${[...filter.codes].join(', ')}`);
  if (filter.since !== undefined)
    parts.push(`failed at or after ${new Date(filter.since).toISOString()}`);
  if (filter.until !== undefined)
    parts.push(`failed before ${new Date(filter.until).toISOString()}`);
  for (const r of filter.offsets ?? []) {
    const end = r.to >= BigInt(Number.MAX_SAFE_INTEGER) ? '' : String(r.to);
    parts.push(
      r.from === r.to
        ? `offset ${r.partition}:${r.from}`
        : `offsets ${r.partition}:${r.from}-${end}`,
    );
  }
  return parts.length > 0 ? parts.join('; ') : 'all dead letters';
}
