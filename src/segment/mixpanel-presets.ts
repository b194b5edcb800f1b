/**
 * The six subscriptions Segment installs with its Mixpanel (Actions) destination. The built-in
 * mapping equals them (plus the corrections); the tests hold the two to the same bytes.
 */
import type { ActionSlug } from './mixpanel-actions.js';

export interface Preset {
  readonly name: string;
  readonly action: ActionSlug;
  readonly trigger: string;
  /** Overrides of the action's default fields. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The subscriptions Segment installs with the destination; the built-in mapping equals them. */
export const PRESETS: readonly Preset[] = [
  {
    name: 'Track Calls',
    action: 'trackEvent',
    trigger: 'type = "track" and event != "Order Completed"',
    fields: {},
  },
  {
    name: 'Order Completed Calls',
    action: 'trackPurchase',
    trigger: 'type = "track" and event = "Order Completed"',
    fields: {},
  },
  {
    name: 'Page Calls',
    action: 'trackEvent',
    trigger: 'type = "page"',
    fields: { event: { '@template': 'Viewed {{name}}' } },
  },
  {
    name: 'Screen Calls',
    action: 'trackEvent',
    trigger: 'type = "screen"',
    fields: { event: { '@template': 'Viewed {{name}}' } },
  },
  { name: 'Identify Calls', action: 'identifyUser', trigger: 'type = "identify"', fields: {} },
  { name: 'Group Calls', action: 'groupIdentifyUser', trigger: 'type = "group"', fields: {} },
];
