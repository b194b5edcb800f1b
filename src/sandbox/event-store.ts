/**
 * Accepted events, as Mixpanel keeps them (https://docs.mixpanel.com/reference/event-deduplication): a raw view with
 * every copy and a deduplicated view on `(event, distinct_id, time, $insert_id)`, latest copy wins.
 * Counting is exact and compact (a 16-byte digest per distinct key in a DigestSet); full rows are
 * kept only up to `keepRecords`, for GET /_sandbox/records.
 */
import { hash } from 'node:crypto';
import { ArrivalDelay } from './arrival-delay.js';
import { DigestSet } from './digest-set.js';

export interface IncomingEvent {
  readonly endpoint: '/import' | '/track';
  readonly event: string;
  readonly distinctId: string;
  /** As sent, in ms (the dedupe key uses it, so a clamped future time still deduplicates). */
  readonly timeMs: number;
  readonly storedTimeMs: number;
  /** Absent on /track events sent without one: Mixpanel never deduplicates those. */
  readonly insertId: string | undefined;
  /** The record's JSON text when the body had it on its own line; else serialized if kept. */
  readonly text: string | undefined;
  readonly value: unknown;
}

interface Row {
  readonly endpoint: '/import' | '/track';
  readonly key: string;
  readonly storedTimeMs: number;
  readonly distinctId: string;
  readonly receivedAt: number;
  readonly json: string;
}

/** An event as GET /_sandbox/records shows it (like a Mixpanel export row). */
export interface EventRow {
  readonly event: string;
  readonly properties: Record<string, unknown>;
}

const MAX_STRING = 255;

export class EventStore {
  private digests = new DigestSet();
  private rows: Row[] = [];
  private byDistinct = new Map<string, number[]>();
  private copies = 0;
  private unkeyed = 0;
  /** Arrival minus event time of each first copy (/import). */
  readonly arrivalDelay = new ArrivalDelay();

  constructor(private readonly keepRecords: number) {}

  /** Every accepted copy. */
  get raw(): number {
    return this.copies;
  }

  /** Distinct dedupe keys (events without `$insert_id` are each their own). */
  get unique(): number {
    return this.digests.size;
  }

  get duplicates(): number {
    return this.copies - this.digests.size;
  }

  get kept(): number {
    return this.rows.length;
  }

  /** Full rows are no longer kept: GET /_sandbox/records shows only the first `keepRecords`. */
  get truncated(): boolean {
    return this.copies > this.rows.length;
  }

  /** Stores one copy; returns true if its dedupe key is new. */
  add(e: IncomingEvent, receivedAt: number): boolean {
    const key =
      e.insertId === undefined
        ? `\u0001unkeyed\u0000${this.unkeyed++}`
        : `${e.event}\u0000${e.distinctId}\u0000${e.timeMs}\u0000${e.insertId}`;
    const digest = hash('md5', key, 'buffer');
    const before = this.digests.add(digest);
    this.copies++;
    if (before === 0 && e.endpoint === '/import') this.arrivalDelay.record(receivedAt - e.timeMs);
    if (this.rows.length < this.keepRecords) {
      const index = this.rows.length;
      this.rows.push({
        endpoint: e.endpoint,
        key: digest.toString('base64'),
        storedTimeMs: e.storedTimeMs,
        distinctId: e.distinctId,
        receivedAt,
        json: e.text ?? JSON.stringify(e.value),
      });
      const list = this.byDistinct.get(e.distinctId);
      if (list) list.push(index);
      else this.byDistinct.set(e.distinctId, [index]);
    }
    return before === 0;
  }

  /** Copies received of the event with this key. */
  copiesOf(event: string, distinctId: string, timeMs: number, insertId: string): number {
    return this.digests.count(
      hash('md5', `${event}\u0000${distinctId}\u0000${timeMs}\u0000${insertId}`, 'buffer'),
    );
  }

  /** The deduplicated events of one user among the kept rows, by time, and their raw copies. */
  eventsOf(distinctId: string): { events: EventRow[]; raw: number } {
    const indices = this.byDistinct.get(distinctId) ?? [];
    return { events: dedupe(indices.map((i) => this.rows[i] as Row)), raw: indices.length };
  }

  /** The deduplicated view of the kept rows, first `limit` by time. */
  allEvents(limit: number): EventRow[] {
    return dedupe(this.rows).slice(0, limit);
  }

  clear(): void {
    this.digests = new DigestSet();
    this.rows = [];
    this.byDistinct.clear();
    this.copies = 0;
    this.unkeyed = 0;
    this.arrivalDelay.clear();
  }
}

/** Latest copy per key wins; ordered by time, then arrival. */
function dedupe(rows: readonly Row[]): EventRow[] {
  const latest = new Map<string, Row>();
  for (const row of rows) {
    latest.delete(row.key);
    latest.set(row.key, row);
  }
  return [...latest.values()]
    .sort((a, b) => a.storedTimeMs - b.storedTimeMs || a.receivedAt - b.receivedAt)
    .map(materialize);
}

/**
 * A stored row as Mixpanel would show it: time as stored (ms), the effective distinct_id, strings
 * truncated to 255 characters, and `$import` / `mp_processing_time_ms` on /import rows.
 */
function materialize(row: Row): EventRow {
  const parsed = JSON.parse(row.json) as { event: string; properties: Record<string, unknown> };
  const properties = truncateStrings(parsed.properties) as Record<string, unknown>;
  properties.time = row.storedTimeMs;
  properties.distinct_id = row.distinctId;
  if (row.endpoint === '/import') {
    properties.$import = true;
    properties.mp_processing_time_ms = row.receivedAt;
  }
  return { event: parsed.event, properties };
}

function truncateStrings(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.length <= MAX_STRING) return value;
    const chars = Array.from(value);
    return chars.length <= MAX_STRING ? value : chars.slice(0, MAX_STRING).join('');
  }
  if (Array.isArray(value)) return value.map(truncateStrings);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = truncateStrings(v);
    return out;
  }
  return value;
}
