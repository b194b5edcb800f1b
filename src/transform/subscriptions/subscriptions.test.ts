import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { transformConfig } from '../../../test/support/transform-config.js';
import { inBuiltInOrder } from '../../../test/support/property-order.js';
import { ConfigError } from '../../config/load.js';
import { configSchema } from '../../config/schema.js';
import { PRESETS } from '../../segment/mixpanel-presets.js';
import { VALID_INSERT_ID } from '../insert-id.js';
import { createRecordTransformer } from '../record-transformer.js';

const NOW = Date.UTC(2026, 0, 1);
const PRESET_SUBSCRIPTIONS = PRESETS.map((p) => ({
  name: p.name,
  action: p.action,
  trigger: p.trigger,
  fields: p.fields,
}));
const run = (subscriptions: unknown[], message: object, extra: object = {}) =>
  createRecordTransformer(transformConfig({ subscriptions, ...extra } as never)).transformRecord(
    Buffer.from(JSON.stringify({ timestamp: '2025-06-01T00:00:00Z', ...message })),
    { nowMs: NOW },
  );

const base = {
  userId: 'u-1',
  anonymousId: 'a-1',
  messageId: 'm-1',
  timestamp: '2025-06-01T00:00:00Z',
};

describe('mapping.subscriptions', () => {
  it('with the six presets gives the built-in mapping’s records, byte for byte up to key order', () => {
    const ours = createRecordTransformer(
      transformConfig({ subscriptions: PRESET_SUBSCRIPTIONS } as never),
    );
    const builtIn = createRecordTransformer(transformConfig());
    const text = fc.constantFrom(
      '',
      'x',
      'Home',
      'analytics.js',
      '1.2.3.4',
      'Order Completed',
      '1024',
    );
    const anyValue = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null));
    const message = fc.record({
      type: fc.constantFrom('track', 'page', 'screen', 'identify', 'group'),
      event: fc.constantFrom('Signed Up', 'Order Completed'),
      name: text,
      groupId: fc.constant('g-1'),
      userId: fc.constantFrom('u-1', undefined),
      anonymousId: fc.constant('a-1'),
      messageId: fc.constantFrom('m-1', undefined),
      properties: fc.dictionary(
        fc.constantFrom('plan', '$os', 'mp_lib', 'ip', 'revenue', 'products', '$group_id'),
        anyValue,
      ),
      traits: fc.dictionary(
        fc.constantFrom('email', 'name', 'firstName', 'lastName', 'plan', '$group_id'),
        anyValue,
      ),
      context: fc.record(
        {
          ip: text,
          library: fc.record({ name: text, version: text }),
          os: fc.record({ name: text }),
          screen: fc.record({ width: anyValue }),
          userAgent: text,
        },
        { requiredKeys: [] },
      ),
    });
    fc.assert(
      fc.property(message, (m) => {
        if (m.type === 'page' || m.type === 'screen') {
          if (m.name === '') return; // unnamed: "Viewed " by the template, "Loaded a Page" built in
        }
        // Only track calls carry `event` (Segment's event_original_name prefers it even on pages).
        const event = m.type === 'track' ? m.event : undefined;
        const bytes = Buffer.from(
          JSON.stringify({ ...m, event, timestamp: '2025-06-01T00:00:00Z' }),
        );
        // Subscriptions keep Segment's key order; the built-in mapping puts message keys first.
        const keys = Object.keys(m.properties);
        const reordered = ours
          .transformRecord(bytes, { nowMs: NOW })
          .map((o) =>
            o.kind === 'records' ? { ...o, records: inBuiltInOrder(o.records, keys) } : o,
          );
        expect(JSON.stringify(reordered)).toBe(
          JSON.stringify(builtIn.transformRecord(bytes, { nowMs: NOW })),
        );
      }),
      { numRuns: 400, seed: 5 },
    );
  });

  it('runs every matching subscription, in list order, with distinct and stable insert ids', () => {
    const subscriptions = [
      ...PRESET_SUBSCRIPTIONS,
      {
        name: 'Android',
        action: 'trackEvent',
        trigger: 'type = "track" and properties.platform = "android"',
        fields: { event: { '@template': 'Android {{event}}' } },
      },
    ];
    const message = {
      ...base,
      type: 'track',
      event: 'Signed Up',
      properties: { platform: 'android' },
    };
    const [first] = run(subscriptions, message);
    const [again] = run(subscriptions, message);
    expect(first).toEqual(again);
    if (first?.kind !== 'records') throw new Error('records expected');
    const events = first.records.map(
      (r) => r.record as { event: string; properties: Record<string, string> },
    );
    expect(events.map((e) => e.event)).toEqual(['Signed Up', 'Android Signed Up']);
    const ids = events.map((e) => e.properties['$insert_id']);
    expect(ids[0]).toBe('m-1');
    expect(ids[1]).toMatch(VALID_INSERT_ID);
    expect(ids[1]).not.toBe('m-1');
  });

  it('expresses the guide’s examples: a platform trigger, a renamed event, "Segment Message ID"', () => {
    const [outcome] = run(
      [
        {
          name: 'Checkout on Android',
          action: 'trackEvent',
          trigger: 'type = "track" and properties.platform = "android"',
          fields: {
            event: {
              '@if': {
                exists: { '@path': '$.properties.step' },
                then: { '@template': 'Checkout step {{properties.step}}' },
                else: { '@path': '$.event' },
              },
            },
            event_properties: {
              '@merge': {
                direction: 'right',
                objects: [
                  { '@path': '$.properties' },
                  { 'Segment Message ID': { '@path': '$.messageId' } },
                ],
              },
            },
          },
        },
      ],
      { ...base, type: 'track', event: 'Checkout', properties: { platform: 'android', step: 2 } },
    );
    expect(outcome).toMatchObject({
      kind: 'records',
      records: [
        {
          record: {
            event: 'Checkout step 2',
            properties: { platform: 'android', step: 2, 'Segment Message ID': 'm-1' },
          },
        },
      ],
    });
  });

  it('skips a message no subscription matches, and rejects one whose mapping fails', () => {
    expect(run(PRESET_SUBSCRIPTIONS, { ...base, type: 'alias', previousId: 'p' })).toEqual([
      { kind: 'skipped', segmentType: 'alias', reason: 'no_subscription' },
    ]);
    const [failed] = run(
      [
        {
          name: 'Needs group',
          action: 'groupIdentifyUser',
          trigger: 'type = "track"',
          fields: { group_id: { '@path': '$.properties.gid' } },
        },
      ],
      { ...base, type: 'track', event: 'E' },
    );
    expect(failed).toMatchObject({
      kind: 'rejected',
      rejection: {
        code: 'mapping_failed',
        stage: 'transform',
        message: expect.stringContaining('subscription "Needs group"') as string,
      },
    });
  });

  it('increments and aliases like Segment’s actions, with our identity corrections', () => {
    const [inc] = run([{ name: 'Inc', action: 'incrementProperties', trigger: 'type = "track"' }], {
      ...base,
      type: 'track',
      event: 'E',
      properties: { increment: { logins: 1, points: '5', flag: true } },
    });
    expect(inc).toMatchObject({
      kind: 'records',
      records: [
        { endpoint: '/engage', record: { $distinct_id: 'u-1', $add: { logins: 1, points: 5 } } },
      ],
    });
    const [alias] = run(
      [{ name: 'Alias', action: 'alias', trigger: 'type = "alias"' }],
      { ...base, type: 'alias', previousId: 'p-1' },
      { idMergeMode: 'original' },
    );
    expect(alias).toMatchObject({
      kind: 'records',
      records: [
        {
          endpoint: '/import',
          record: { event: '$create_alias', properties: { distinct_id: 'p-1', alias: 'u-1' } },
        },
      ],
    });
  });
});

describe('mapping.subscriptions config', () => {
  const parse = (mapping: object) =>
    configSchema.safeParse({ mixpanel: { projectToken: 't' }, mapping });
  it('names the subscription and the problem of a bad trigger or directive', () => {
    const result = parse({
      subscriptions: [
        {
          name: 'Mine',
          action: 'trackEvent',
          trigger: "event = 'X'",
          fields: { event: { '@liquid': '{{event}}' } },
        },
      ],
    });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^mapping\.subscriptions\.0\.trigger: subscription "Mine": Segment would read it as/,
        ),
        expect.stringMatching(
          /^mapping\.subscriptions\.0\.fields\.event: subscription "Mine": \/event @liquid is not supported/,
        ),
      ]),
    );
  });
  it('refuses unknown fields, duplicate names, Classic settings beside subscriptions, and alias without Original ID Merge', () => {
    const result = parse({
      pageNaming: 'named',
      subscriptions: [
        { name: 'A', action: 'trackEvent', fields: { evnt: 'x' } },
        { name: 'A', action: 'alias', trigger: 'type = "alias"' },
      ],
    });
    const messages = result.error?.issues.map((i) => i.message).join('\n') ?? '';
    expect(messages).toContain('trackEvent has no field "evnt"');
    expect(messages).toContain('names must be unique');
    expect(messages).toContain('does not apply with mapping.subscriptions');
    expect(messages).toContain('Original ID Merge');
    expect(ConfigError).toBeDefined();
  });
});
