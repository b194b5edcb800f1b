import { describe, expect, it } from 'vitest';
import { mappingSettings, TOKEN, validMessage } from '../../test/support/transform-config.js';
import type { TrackMessage } from '../segment/message.js';
import type { ConfigInput } from '../config/schema.js';
import { contextView } from './context.js';
import { chargeAmount, eventProfileUpdates } from './event-profile-updates.js';

type Mapping = NonNullable<ConfigInput['mapping']>;
const track = (payload: Record<string, unknown>) =>
  validMessage({ type: 'track', event: 'Logged In', userId: 'u-1', ...payload }) as TrackMessage;
const updates = (message: TrackMessage, mapping: Mapping) =>
  eventProfileUpdates(
    message,
    message.event,
    contextView(message.context),
    mappingSettings(mapping),
  );

describe('eventProfileUpdates', () => {
  it('sends nothing by default', () => {
    expect(updates(track({ properties: { revenue: 10 } }), {})).toEqual([]);
  });

  it('increments a listed event case-insensitively and sets "Last <event>" (C07)', () => {
    expect(
      updates(track({ context: { ip: '1.2.3.4' } }), { eventIncrements: ['logged in'] }),
    ).toEqual([
      {
        endpoint: '/engage',
        record: { $token: TOKEN, $distinct_id: 'u-1', $ip: '1.2.3.4', $add: { 'Logged In': 1 } },
      },
      {
        endpoint: '/engage',
        record: {
          $token: TOKEN,
          $distinct_id: 'u-1',
          $ip: '1.2.3.4',
          $set: { 'Last Logged In': '2024-12-30T09:15:00' },
        },
      },
    ]);
  });

  it('increments only known users (a userId)', () => {
    expect(
      updates(track({ userId: undefined, anonymousId: 'a' }), { eventIncrements: ['Logged In'] }),
    ).toEqual([]);
  });

  it('adds listed numeric properties, numeric strings included, in one $add', () => {
    const message = track({
      properties: { credits: '5', logins: 1, plan: 'pro', broken: 'x', flag: true },
    });
    expect(
      updates(message, {
        propertyIncrements: ['credits', 'logins', 'plan', 'broken', 'flag', 'absent'],
      }),
    ).toEqual([
      {
        endpoint: '/engage',
        record: { $token: TOKEN, $distinct_id: 'u-1', $add: { credits: 5, logins: 1 } },
      },
    ]);
  });

  it('reads property increments from own properties only', () => {
    expect(
      updates(track({ properties: {} }), { propertyIncrements: ['constructor', 'toString'] }),
    ).toEqual([]);
  });

  it('appends revenue to $transactions (C05), to the anonymousId when there is no userId', () => {
    const message = track({
      userId: undefined,
      anonymousId: 'a-1',
      event: 'Purchased Ticket',
      properties: { revenue: 39.95 },
    });
    expect(updates(message, { revenueAsCharge: true })).toEqual([
      {
        endpoint: '/engage',
        record: {
          $token: TOKEN,
          $distinct_id: 'a-1',
          $append: { $transactions: { $time: '2024-12-30T09:15:00', $amount: 39.95 } },
        },
      },
    ]);
  });

  it('marks updates of an inactive context with $ignore_time', () => {
    const [update] = updates(track({ context: { active: false } }), {
      eventIncrements: ['logged in'],
    });
    expect(update?.record).toMatchObject({ $ignore_time: true });
  });

  it('sends nothing with people: false', () => {
    expect(
      updates(track({ properties: { revenue: 1, n: 1 } }), {
        people: false,
        revenueAsCharge: true,
        eventIncrements: ['logged in'],
        propertyIncrements: ['n'],
      }),
    ).toEqual([]);
  });

  it.each([
    [{ revenue: 12.5 }, 'Anything', 12.5],
    [{ revenue: '$12.50' }, 'Anything', 12.5],
    [{ revenue: ' 7 ' }, 'Anything', 7],
    [{ revenue: 'free' }, 'Anything', undefined],
    [{ total: 84.5 }, 'Order Completed', 84.5],
    [{ total: 84.5 }, 'completed_order', 84.5],
    [{ total: 84.5 }, 'Checkout Started', undefined],
    [{ revenue: 70, total: 84.5 }, 'Order Completed', 70],
    [{ revenue: null, total: 84.5 }, 'order completed', 84.5],
  ])('charge amount of %j on %s is %s', (properties, event, amount) => {
    expect(chargeAmount(properties, event)).toBe(amount);
  });
});
