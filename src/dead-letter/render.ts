/** Plain-text renderings of `dlq inspect` reports and `dlq replay` summaries for a terminal. */
import { describeFilter, type DeadLetterFilter } from './filter.js';
import type { DeadLetterSample, InspectReport, SampleValue } from './inspect.js';
import type { ReplayItem, ReplaySummary } from './replay.js';

export const REASON_CODES_DOC = 'docs/runbook.md#reason-codes';

const iso = (ms: number | undefined): string =>
  ms === undefined ? '—' : new Date(ms).toISOString();
const count = (n: number): string => n.toLocaleString('en-US');
const tally = (record: Record<string, number>): string =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => (Object.keys(record).length > 1 ? `${k} ${count(n)}` : k))
    .join(', ');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function shown(label: string, value: SampleValue | null): string {
  if (value === null) return `    ${label}null`;
  const more = value.truncated ? ` … (${count(value.bytes)} bytes, first part shown)` : '';
  const encoding = value.encoding === 'base64' ? ' [base64]' : '';
  return `    ${label}${value.text.replace(/\s+/g, ' ')}${more}${encoding}`;
}

function sample(s: DeadLetterSample): string[] {
  const where = `dlq ${s.partition}:${s.offset}  from ${s.source.topic} ${s.source.partition}:${s.source.offset}`;
  const extra = [
    `stage ${s.stage}`,
    `failed ${iso(s.failedAt)}`,
    ...(s.attempts !== undefined ? [`attempts ${s.attempts}`] : []),
    ...(s.endpoint ? [`endpoint ${s.endpoint}`] : []),
    ...(s.field ? [`field ${s.field}`] : []),
  ];
  return [
    `  ${where}  ${extra.join('  ')}`,
    `    message: ${s.message || '—'}`,
    shown('key:     ', s.key),
    shown('value:   ', s.value),
  ];
}

export function renderInspectReport(report: InspectReport, filter: DeadLetterFilter = {}): string {
  const ranges = report.partitions.map((p) => `${p.partition}:${p.low}-${p.high}`).join(', ');
  const lines = [
    `Dead-letter topic ${report.topic}: ${count(report.total)} records in ${report.partitions.length} partitions (offsets ${ranges || 'none'}).`,
    `${describeFilter(filter)}: ${count(report.matched)} of ${count(report.scanned)} scanned.${report.complete ? '' : ' Interrupted before the end.'}`,
  ];
  if (report.codes.length > 0) {
    lines.push(
      '',
      ...table(
        ['CODE', 'COUNT', 'STAGES', 'FIRST FAILED', 'LAST FAILED', 'SOURCE TOPICS'],
        report.codes.map((c) => [
          c.code,
          count(c.count),
          tally(c.stages),
          iso(c.firstFailedAt),
          iso(c.lastFailedAt),
          tally(c.sourceTopics),
        ]),
      ),
    );
    for (const c of report.codes) {
      lines.push('', `${c.code}: ${c.samples.length} of ${count(c.count)} shown`);
      for (const s of c.samples) lines.push(...sample(s));
    }
  }
  if (report.unreadable.count > 0) {
    lines.push(
      '',
      `${count(report.unreadable.count)} records have no readable dlq.* headers (not written by segment-mixpanel?): ${report.unreadable.first.join(', ')}${report.unreadable.count > report.unreadable.first.length ? ', …' : ''}`,
    );
  }
  lines.push('', `What each code means and whether a replay helps: ${REASON_CODES_DOC}`);
  return `${lines.join('\n')}\n`;
}

export function renderReplayItem(item: ReplayItem, dryRun: boolean): string {
  return `${dryRun ? 'would replay' : 'replayed'} dlq ${item.partition}:${item.offset} → ${item.target}  (${item.code}, from ${item.source.topic} ${item.source.partition}:${item.source.offset}, failed ${iso(item.failedAt)})`;
}

export function renderReplaySummary(summary: ReplaySummary, filter: DeadLetterFilter): string {
  const verb = summary.dryRun ? 'Would replay' : 'Replayed';
  const lines = [
    `${verb} ${count(summary.replayed)} of ${count(summary.scanned)} dead letters in ${summary.deadLetterTopic} (${describeFilter(filter)}).`,
  ];
  for (const [topic, n] of Object.entries(summary.byTarget))
    lines.push(`  → ${topic}: ${count(n)}`);
  if (Object.keys(summary.byCode).length > 0) lines.push(`  by code: ${tally(summary.byCode)}`);
  if (summary.limitReached) lines.push(`Stopped at the --limit of ${count(summary.replayed)}.`);
  if (summary.interrupted) lines.push('Interrupted before the end of the topic.');
  if (summary.refused > 0) {
    lines.push(
      `${count(summary.refused)} matching records were left alone: their source is a dead-letter topic.`,
    );
  }
  if (summary.unreadable > 0) {
    lines.push(
      `${count(summary.unreadable)} matching records were left alone: no readable dlq.* headers.`,
    );
  }
  if (summary.dryRun) lines.push('Dry run: nothing was written.');
  else if (summary.replayed > 0) {
    lines.push(
      'Each carries the header dlq.replayed.from=<topic>/<partition>/<offset>. The bytes are unchanged, so',
      `only records whose cause was fixed will pass this time (${REASON_CODES_DOC}).`,
    );
  }
  return `${lines.join('\n')}\n`;
}
