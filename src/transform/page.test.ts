import { describe, expect, it } from 'vitest';
import { mappingSettings, validMessage } from '../../test/support/transform-config.js';
import type { ConfigInput } from '../config/schema.js';
import type { PageMessage, ScreenMessage } from '../segment/message.js';
import type { MixpanelRecord } from '../mixpanel/records.js';
import { mapPage } from './page.js';

type Mapping = NonNullable<ConfigInput['mapping']>;
const events = (payload: Record<string, unknown>, mapping: Mapping = {}) => {
  const message = validMessage({ type: 'page', userId: 'u', ...payload }) as
    PageMessage | ScreenMessage;
  const mapped = mapPage(message, mappingSettings(mapping));
  return 'records' in mapped ? mapped.records : [];
};
const only = (records: MixpanelRecord[]) => {
  const [first] = records;
  if (first?.endpoint !== '/import') throw new Error('expected an /import event');
  return first.record;
};

describe('mapPage', () => {
  it('names "Viewed {name}" with event_original_name = name and page properties as sent (A28)', () => {
    const record = only(
      events({ name: 'Pricing', category: 'Marketing', properties: { path: '/pricing' } }),
    );
    expect(record.event).toBe('Viewed Pricing');
    expect(record.properties).toMatchObject({ event_original_name: 'Pricing', path: '/pricing' });
    expect(record.properties).not.toHaveProperty('category');
  });

  it('names an unnamed page "Loaded a Page" without event_original_name (A29)', () => {
    const record = only(events({ properties: { url: 'https://x/' } }));
    expect(record.event).toBe('Loaded a Page');
    expect(record.properties).not.toHaveProperty('event_original_name');
  });

  it('maps screens the same way (A30)', () => {
    expect(only(events({ type: 'screen', name: 'Checkout' })).event).toBe('Viewed Checkout');
  });

  it('copies name and category into properties under a Classic naming (C11), after the other keys', () => {
    const record = only(
      events(
        { name: 'Pricing', category: 'Marketing', properties: { url: 'u' } },
        { pageNaming: 'consolidated' },
      ),
    );
    expect(record.event).toBe('Loaded a Page');
    const keys = Object.keys(record.properties);
    expect(keys[0]).toBe('url');
    expect(keys.slice(-2)).toEqual(['category', 'name']);
    expect(record.properties).toMatchObject({ category: 'Marketing', name: 'Pricing' });
  });

  it('does not overwrite name or category the message already carries', () => {
    const record = only(
      events({ name: 'Home', properties: { name: 'home-v2' } }, { pageNaming: 'named' }),
    );
    expect(record.event).toBe('Viewed Home Page');
    expect(record.properties['name']).toBe('home-v2');
  });

  it('increments the generated page event name (Classic: "Viewed Signup Page")', () => {
    const records = events(
      { name: 'Signup' },
      { pageNaming: 'named', eventIncrements: ['viewed signup page'] },
    );
    expect(records.map((r) => r.endpoint)).toEqual(['/import', '/engage', '/engage']);
    expect(records[1]?.record).toMatchObject({ $add: { 'Viewed Signup Page': 1 } });
  });

  describe('pageEvents (Classic toggles)', () => {
    const names = (payload: Record<string, unknown>, pageEvents: Mapping['pageEvents']) =>
      events(payload, { pageEvents }).map((r) => (r.record as { event: string }).event);

    it('sends one event per option that applies, in Classic order, each with its own insert id', () => {
      const records = events(
        { name: 'Index', category: 'Docs', messageId: 'm-1' },
        { pageEvents: ['named', 'categorized', 'all', 'consolidated'] },
      );
      expect(records.map((r) => (r.record as { event: string }).event)).toEqual([
        'Loaded a Page',
        'Viewed Docs Index Page',
        'Viewed Index Page',
      ]);
      const ids = records.map(
        (r) => (r.record as { properties: { $insert_id: string } }).properties.$insert_id,
      );
      expect(ids[0]).toBe('m-1');
      expect(new Set(ids).size).toBe(3);
      expect((records[1]?.record as { properties: object }).properties).toMatchObject({
        category: 'Docs',
        name: 'Index',
      });
    });

    it('sends only the options that apply, or nothing', () => {
      expect(names({ name: 'Signup' }, ['categorized', 'named'])).toEqual(['Viewed Signup Page']);
      expect(names({ type: 'screen', category: 'Shop' }, ['categorized'])).toEqual([
        'Viewed Shop Screen',
      ]);
      const message = validMessage({ type: 'page', userId: 'u', name: 'X' }) as PageMessage;
      expect(mapPage(message, mappingSettings({ pageEvents: [] }))).toEqual({
        skip: 'page_not_tracked',
      });
      expect(mapPage(message, mappingSettings({ pageEvents: ['categorized'] }))).toEqual({
        skip: 'page_not_tracked',
      });
    });
  });

  it('adds context.traits on request, under Mixpanel names, never over an existing key', () => {
    const payload = {
      name: 'Home',
      properties: { plan: 'from-properties' },
      context: { traits: { email: 'a@b.c', plan: 'trait', firstName: 'Ann', id: 'u' } },
    };
    expect(only(events(payload)).properties).not.toHaveProperty('$email');
    expect(only(events(payload, { contextTraits: 'properties' })).properties).toMatchObject({
      plan: 'from-properties',
      $email: 'a@b.c',
      $first_name: 'Ann',
    });
    const legacy = only(events(payload, { contextTraits: 'legacy' })).properties;
    expect(legacy).toMatchObject({ plan: 'from-properties', $plan: 'trait', $email: 'a@b.c' });
    expect(legacy).not.toHaveProperty('$id');
  });
});
