import { describe, expect, it } from 'vitest';
import { mixpanelDisabled } from './integrations.js';

describe('mixpanelDisabled', () => {
  it.each([
    [{}, false],
    [{ Mixpanel: false }, true],
    [{ 'Mixpanel (Actions)': false }, true],
    [{ 'Mixpanel (Legacy)': false }, true],
    [{ Mixpanel: true }, false],
    [{ All: false }, true],
    [{ All: false, Mixpanel: true }, false],
    [{ All: false, 'Mixpanel (Actions)': true }, false],
    [{ All: false, 'Mixpanel (Legacy)': { someOption: 1 } }, false],
    [{ All: true, Mixpanel: false }, true],
    [{ All: false, Mixpanel: true, 'Mixpanel (Actions)': false }, true],
    [{ All: false, Mixpanel: 'yes' }, true],
    [{ mixpanel: false }, false],
    [{ All: 'false' }, false],
    [{ Amplitude: false }, false],
  ])('%j → %s', (integrations, disabled) => {
    expect(mixpanelDisabled(integrations)).toBe(disabled);
  });

  it('ignores inherited keys', () => {
    expect(mixpanelDisabled(Object.create({ Mixpanel: false }) as Record<string, unknown>)).toBe(
      false,
    );
  });
});
