import { describe, expect, it } from 'vitest';
import { compileTrigger } from './trigger.js';

const matches = (trigger: string, message: object): boolean => {
  const compiled = compileTrigger(trigger);
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.matches(message);
};

describe('compileTrigger', () => {
  it.each([
    ['type = "track"', { type: 'track' }, true],
    [
      'type = "track" and event != "Order Completed"',
      { type: 'track', event: 'Order Completed' },
      false,
    ],
    [
      'type = "track" and properties.platform = "android"',
      { type: 'track', properties: { platform: 'android' } },
      true,
    ],
    [
      'type = "track" and properties.platform = "android"',
      { type: 'track', properties: {} },
      false,
    ],
    ['properties.revenue > 100.50', { properties: { revenue: 150 } }, true],
    ['properties.revenue > 100', { properties: { revenue: '150' } }, false],
    ['match(event, "Checkout*")', { event: 'Checkout Started' }, true],
    ['type = "track" and (event = "A" or event = "B")', { type: 'track', event: 'B' }, true],
    [
      'traits.Mixpanel\\ -\\ Power\\ Users = true',
      { traits: { 'Mixpanel - Power Users': true } },
      true,
    ],
    ['userId != null', { userId: 'u' }, true],
    [
      'contains(context.page.url, "checkout")',
      { context: { page: { url: 'https://x/checkout' } } },
      true,
    ],
  ])('%s', (trigger, message, expected) => {
    expect(matches(trigger, message)).toBe(expected);
  });

  it.each([
    ['event = null', 'Segment would read it as `event = "null"`'],
    ["event = 'X'", 'Segment would read it as `event = "\'X\'"`'],
    [
      'type = "track" and event = "X" or event = "Y"',
      'would read it as `type = "track" or event = "X" or event = "Y"`',
    ],
    ['!(event = "X")', 'would read it as `event = "X"`'],
    ['properties.a >=1', 'would read it as `properties.a > NaN`'],
    ['type in ["track","page"]', 'would read it as'],
    ['anonymousId != null', 'not a trigger Segment understands'],
    ['(a = "1" and (b = "2" or c = "3"))', 'not a trigger Segment understands'],
    ['event = "unterminated', 'cannot read the trigger'],
    ['', 'empty trigger'],
  ])('refuses %s', (trigger, error) => {
    const compiled = compileTrigger(trigger);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.error).toContain(error);
  });
});
