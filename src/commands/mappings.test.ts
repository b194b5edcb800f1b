import { Readable, Writable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSubscriptions } from './mappings-import.js';
import { mappingsTestCommand } from './mappings-test.js';
import { configSchema } from '../config/schema.js';

const exported = {
  data: {
    subscriptions: [
      {
        id: '1',
        name: 'Track Calls',
        actionSlug: 'trackEvent',
        modelId: '',
        enabled: true,
        trigger: 'type = "track"',
        settings: {
          event: { '@path': '$.event' },
          enable_batching: true,
          batch_size: 1000,
          nope: 1,
        },
      },
      {
        id: '2',
        name: 'Bad',
        actionSlug: 'trackEvent',
        enabled: true,
        trigger: "event = 'X'",
        settings: { event: { '@path': '$.event' } },
      },
      {
        id: '3',
        name: 'Aliases',
        actionSlug: 'alias',
        enabled: true,
        trigger: 'type = "alias"',
        settings: { distinct_id: { '@path': '$.previousId' } },
      },
      {
        id: '4',
        name: 'RETL',
        actionSlug: 'trackEvent',
        modelId: 'm',
        enabled: true,
        trigger: 'type = "track"',
        settings: {},
      },
      {
        id: '5',
        name: 'Other',
        actionSlug: 'sendEvent',
        enabled: true,
        trigger: 'type = "track"',
        settings: {},
      },
    ],
  },
};

describe('mappings import', () => {
  it('carries the export over and lists what it could not', () => {
    const { mapping, notes } = importSubscriptions(exported);
    expect(mapping.subscriptions.map((s) => [s.name, s.action, s.enabled, s.useDefaults])).toEqual([
      ['Track Calls', 'trackEvent', true, false],
      ['Bad', 'trackEvent', false, false],
      ['Aliases', 'alias', true, false],
    ]);
    expect(mapping.subscriptions[0]?.fields).toEqual({ event: { '@path': '$.event' } });
    expect(mapping.idMergeMode).toBe('original');
    expect(notes.join('\n')).toMatch(
      /"Track Calls": field "enable_batching" dropped[\s\S]*"nope" dropped[\s\S]*"Bad": written disabled: Segment would read it[\s\S]*"RETL": not imported[\s\S]*"Other": not imported/,
    );
    // What it writes loads as configuration.
    expect(configSchema.safeParse({ mixpanel: { projectToken: 't' }, mapping }).success).toBe(true);
  });
});

describe('mappings test', () => {
  it('prints the matching subscriptions and the outcome per message, stably', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mappings-'));
    const config = join(dir, 'c.json');
    writeFileSync(
      config,
      JSON.stringify({
        mixpanel: { projectToken: 't' },
        mapping: { subscriptions: [{ name: 'All', action: 'trackEvent' }] },
      }),
    );
    let text = '';
    const output = new Writable({
      write: (chunk, _e, done) => {
        text += String(chunk);
        done();
      },
    });
    const input = Readable.from([
      '{"type":"track","event":"E","userId":"u","messageId":"m","timestamp":"2025-01-01T00:00:00Z"}\n',
      '{"type":"identify","userId":"u","timestamp":"2025-01-01T00:00:00Z"}\nnope\n',
    ]);
    await mappingsTestCommand(
      { config, nowMs: Date.UTC(2025, 0, 2) },
      { input, output, clock: { now: () => 0 } },
    );
    expect(text.trim().split('\n')).toEqual([
      '{"line":1,"subscriptions":[{"name":"All","action":"trackEvent","records":[{"endpoint":"/import","record":{"event":"E","properties":{"time":1735689600000,"id":"u","distinct_id":"u","$identified_id":"u","$insert_id":"m","$source":"segment","$user_id":"u","event_original_name":"E"}}}]}],"outcome":{"records":1}}',
      '{"line":2,"subscriptions":[],"outcome":{"skipped":"no_subscription"}}',
      expect.stringMatching(
        /^\{"line":3,"subscriptions":\[\],"outcome":\{"error":\{"code":"invalid_json"/,
      ) as string,
    ]);
  });
});
