import { describe, expect, it } from 'vitest';
import { TOKEN, transformConfig, validMessage } from '../../test/support/transform-config.js';
import { recordSizeBound } from './record-size.js';
import { createTransformer } from './transform.js';

const transform = createTransformer(transformConfig());

describe('createTransformer', () => {
  it('maps each type and reports its segmentType', () => {
    const cases = [
      { type: 'track', event: 'E', userId: 'u' },
      { type: 'page', userId: 'u' },
      { type: 'screen', userId: 'u' },
      { type: 'identify', userId: 'u', traits: { a: 1 } },
      { type: 'group', groupId: 'g', traits: { a: 1 } },
    ];
    expect(cases.map((c) => transform(validMessage(c)))).toMatchObject([
      { kind: 'records', segmentType: 'track', records: [{ endpoint: '/import' }] },
      { kind: 'records', segmentType: 'page', records: [{ endpoint: '/import' }] },
      { kind: 'records', segmentType: 'screen', records: [{ endpoint: '/import' }] },
      { kind: 'records', segmentType: 'identify', records: [{ endpoint: '/engage' }] },
      { kind: 'records', segmentType: 'group', records: [{ endpoint: '/groups' }] },
    ]);
    expect(transform(validMessage({ type: 'alias', userId: 'u', previousId: 'p' }))).toEqual({
      kind: 'skipped',
      segmentType: 'alias',
      reason: 'identity_not_sent',
    });
  });

  it('skips a message whose integrations disable Mixpanel', () => {
    const message = validMessage({
      type: 'track',
      event: 'E',
      userId: 'u',
      integrations: { All: false },
    });
    expect(transform(message)).toEqual({
      kind: 'skipped',
      segmentType: 'track',
      reason: 'integrations_disabled',
    });
  });

  it('ignores integrations with honorIntegrations: false', () => {
    const message = validMessage({
      type: 'track',
      event: 'E',
      userId: 'u',
      integrations: { Mixpanel: false },
    });
    expect(createTransformer(transformConfig({ honorIntegrations: false }))(message)).toMatchObject(
      { kind: 'records' },
    );
  });

  it('rejects the whole message when one of its records breaks a limit', () => {
    const products = [{ product_id: 'ok' }, { product_id: 'x'.repeat(1_100_000) }];
    const message = validMessage({
      type: 'track',
      event: 'Order Completed',
      userId: 'u',
      properties: { products },
    });
    expect(transform(message)).toMatchObject({
      kind: 'rejected',
      segmentType: 'track',
      rejection: { code: 'record_too_large', stage: 'transform' },
    });
  });

  it('rejects a placeholder userId as invalid_distinct_id', () => {
    const message = validMessage({ type: 'identify', userId: 'undefined', traits: { a: 1 } });
    expect(transform(message)).toMatchObject({
      kind: 'rejected',
      rejection: { code: 'invalid_distinct_id', field: '$distinct_id' },
    });
  });

  it('rejects a placeholder anonymousId even with a good userId ($device_id)', () => {
    const message = validMessage({
      type: 'track',
      event: 'E',
      userId: 'u',
      anonymousId: '00000000-0000-0000-0000-000000000000',
    });
    expect(transform(message)).toMatchObject({
      kind: 'rejected',
      rejection: { code: 'invalid_distinct_id', field: 'properties.$device_id' },
    });
  });
});

describe('the size shortcut', () => {
  it('holds for the most expansive input we know: numbers that print 4–5× longer, stringified nesting, numeric ids', () => {
    const deep = `{"a":{"b":{"c":{"d":[${Array(250).fill('1e20').join(',')}]}}}}`;
    const properties = Array.from({ length: 16 }, (_, i) => `"p${i}":${deep}`).join(',');
    const text = `{"type":"track","event":"E","userId":1e15,"anonymousId":9e15,"timestamp":"2024-12-30T09:15:00Z","properties":{${properties}}}`;
    const inputBytes = Buffer.byteLength(text);
    const payload = JSON.parse(text) as Record<string, unknown>;
    const message = validMessage(payload);
    const measured = transform(message);
    expect(transform(message, { inputBytes })).toEqual(measured);
    expect(measured.kind).toBe('records');
    const [record] = measured.kind === 'records' ? measured.records : [];
    const bytes = Buffer.byteLength(JSON.stringify(record?.record));
    expect(bytes / inputBytes).toBeGreaterThan(4); // the case really expands...
    expect(bytes).toBeLessThanOrEqual(recordSizeBound(inputBytes, TOKEN.length)); // ...and stays bounded
  });

  it('still rejects an oversize record when the input is large', () => {
    const text = JSON.stringify({
      type: 'track',
      event: 'E',
      userId: 'u',
      timestamp: '2024-12-30T09:15:00Z',
      properties: { blob: 'x'.repeat(1_100_000) },
    });
    const message = validMessage(JSON.parse(text) as Record<string, unknown>);
    expect(transform(message, { inputBytes: Buffer.byteLength(text) })).toMatchObject({
      kind: 'rejected',
      rejection: { code: 'record_too_large' },
    });
  });
});
