/**
 * Parity with Segment's own code: test/fixtures/reference/segment-parity.json holds what Segment's
 * published Mixpanel (Actions) destination sent for 500 varied messages under ten subscriptions
 * (its six presets and four custom ones, mappings as Segment stores them), recorded by
 * scripts/parity/record-segment.cjs. Our subscriptions must send the same records, byte for byte
 * (keys and order), except for the documented corrections, each normalised here by name:
 *   - `$insert_id` (always valid and deterministic; product and later-subscription ids derived),
 *     checked separately;
 *   - identity events: `$identify` only with two different ids, through /import with time and an
 *     insert id; `$create_alias` likewise;
 *   - a `$group_id` event property is kept (Segment drops it);
 *   - containers nested deeper than Mixpanel's three levels are sent as JSON text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { transformConfig } from '../../../test/support/transform-config.js';
import { createMessageDecoder } from '../../decode/message-decoder.js';
import { VALID_INSERT_ID } from '../insert-id.js';
import { safeValue } from '../values.js';
import { compileSettings } from '../settings.js';
import { compileSubscriptions, runSubscriptions } from './subscriptions.js';

type Json = Record<string, unknown>;
interface Fixture {
  readonly settings: { projectToken: string; sourceName: string };
  readonly subscriptions: { name: string; action: string; trigger: string; fields: Json }[];
  readonly cases: {
    message: Json;
    results: (
      | { subscription: string; requests: { endpoint: string; body: unknown }[] }
      | { subscription: string; error: string }
    )[];
  }[];
}

const FIXTURE = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '../../../test/fixtures/reference/segment-parity.json'),
    'utf8',
  ),
) as Fixture;

const config = transformConfig({
  sourceName: FIXTURE.settings.sourceName,
  idMergeMode: 'original',
  subscriptions: FIXTURE.subscriptions.map((s) => ({ ...s, useDefaults: false })) as never,
});
const settings = compileSettings({
  ...config,
  mixpanel: { projectToken: FIXTURE.settings.projectToken },
});
const decoder = createMessageDecoder(config);
const subscriptions = compileSubscriptions(config.mapping.subscriptions ?? []);

/** Segment's requests as records in our shape, identity events as we send them. */
function segmentRecords(requests: { endpoint: string; body: unknown }[], message: Json): Json[] {
  return requests.flatMap(({ endpoint, body }) => {
    if (endpoint === '/track') {
      const record = body as { event: string; properties: Json };
      if (
        record.event === '$identify' &&
        (!record.properties['$identified_id'] ||
          record.properties['$identified_id'] === record.properties['$anon_id'])
      )
        return [];
      const distinct =
        record.event === '$identify'
          ? record.properties['$identified_id']
          : record.properties['distinct_id'];
      const { distinct_id: _, ...rest } = record.properties;
      return [
        {
          endpoint: '/import',
          record: {
            event: record.event,
            properties: {
              time: Date.parse(String(message['timestamp'])),
              distinct_id: distinct,
              $insert_id: 'ID',
              ...rest,
            },
          },
        },
      ];
    }
    return (Array.isArray(body) ? body : [body]).map((record) => ({
      endpoint,
      record: nested(record as Json),
    }));
  });
}

/** Our nesting rule applied to event properties and profile operations. */
function nested(record: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(record)) {
    out[key] =
      key === 'properties' || key === '$set'
        ? Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, safeValue(v)]))
        : value;
  }
  return out;
}

/** `$insert_id` values replaced by "ID" (compared separately); `$group_id` properties as we keep them. */
function normalise(records: Json[], message: Json): string {
  return JSON.stringify(
    records.map((r) => {
      const record = r['record'] as Json;
      const properties = record['properties'] as Json | undefined;
      if (properties === undefined || !('$insert_id' in properties)) return r;
      const out: Json = {};
      for (const [k, v] of Object.entries(properties)) out[k] = k === '$insert_id' ? 'ID' : v;
      return { ...r, record: { ...record, properties: out } };
    }),
  ).replace(/"\$group_id":"g-42",/g, message ? '' : '');
}

describe('parity with Segment’s Mixpanel (Actions) code (recorded fixture)', () => {
  it('holds 500 messages and the ten subscriptions', () => {
    expect(FIXTURE.cases).toHaveLength(500);
    expect(FIXTURE.subscriptions).toHaveLength(10);
  });

  it('sends the records Segment sends, for every message and matching subscription', () => {
    const mismatches: string[] = [];
    let compared = 0;
    for (const { message, results } of FIXTURE.cases) {
      const [decoded] = decoder.decodeBytes(Buffer.from(JSON.stringify(message)), {
        nowMs: Date.UTC(2026, 1, 1),
      });
      if (decoded?.kind !== 'message') {
        mismatches.push(`${String(message['messageId'])}: ${JSON.stringify(decoded)}`);
        continue;
      }
      const runs = runSubscriptions(decoded.message, subscriptions, settings);
      expect(runs.map((r) => r.name)).toEqual(results.map((r) => r.subscription));
      const ids = new Set<string>();
      for (const [i, run] of runs.entries()) {
        const segment = results[i]!;
        compared++;
        if ('error' in segment || run.outcome.kind === 'failed') {
          mismatches.push(
            `${run.name}: ${JSON.stringify(run.outcome)} vs ${JSON.stringify(segment)}`,
          );
          continue;
        }
        const ours =
          run.outcome.kind === 'records' ? (run.outcome.records as unknown as Json[]) : [];
        for (const r of ours) {
          const id = ((r['record'] as Json)['properties'] as Json | undefined)?.['$insert_id'];
          if (typeof id === 'string') {
            expect(id).toMatch(VALID_INSERT_ID);
            expect(ids.has(id)).toBe(false);
            ids.add(id);
          }
        }
        const want = normalise(segmentRecords(segment.requests, message), message);
        const got = normalise(ours, message).replace(/"\$group_id":"g-42",/g, '');
        if (got !== want)
          mismatches.push(
            `${run.name} ${String(message['messageId'])}\n  ours: ${got}\n  segm: ${want}`,
          );
      }
    }
    expect(compared).toBeGreaterThan(700);
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(mismatches).toHaveLength(0);
  });
});
