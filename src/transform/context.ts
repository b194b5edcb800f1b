/**
 * A read-only view of a Segment message's `context` for the mappers: each sub-object read once,
 * typed, and the user agent parsed once. Every field is defensive: a `context.app` that is a
 * string reads as `{}`, so it simply has no build number.
 */
import type { UntrustedObject } from '../segment/message.js';
import { asBoolean, asObject, asString } from './coerce.js';
import { parseUserAgent, type Browser } from './user-agent.js';

const NONE: UntrustedObject = Object.freeze({});

export interface ContextView {
  readonly raw: UntrustedObject;
  readonly app: UntrustedObject;
  readonly device: UntrustedObject;
  readonly os: UntrustedObject;
  readonly network: UntrustedObject;
  readonly page: UntrustedObject;
  readonly screen: UntrustedObject;
  readonly library: UntrustedObject;
  readonly location: UntrustedObject;
  readonly campaign: UntrustedObject;
  readonly userAgentData: UntrustedObject;
  /** `context.ip` as text (the number 0 becomes "0": Mixpanel's "do not geolocate"). */
  readonly ip: string | undefined;
  /** Parsed `context.userAgent`; undefined when there is no user agent. */
  readonly browser: Browser | undefined;
  /** `context.active === false`: the user did not act, do not bump "last seen". */
  readonly inactive: boolean;
  /** `context.device.token`, the iOS push token. */
  readonly deviceToken: string | undefined;
}

const sub = (context: UntrustedObject, key: string): UntrustedObject =>
  asObject(context[key]) ?? NONE;

export function contextView(context: UntrustedObject): ContextView {
  const device = sub(context, 'device');
  const ua = asString(context['userAgent']);
  return {
    raw: context,
    app: sub(context, 'app'),
    device,
    os: sub(context, 'os'),
    network: sub(context, 'network'),
    page: sub(context, 'page'),
    screen: sub(context, 'screen'),
    library: sub(context, 'library'),
    location: sub(context, 'location'),
    campaign: sub(context, 'campaign'),
    userAgentData: sub(context, 'userAgentData'),
    ip: asString(context['ip']),
    browser: ua === undefined ? undefined : parseUserAgent(ua),
    inactive: asBoolean(context['active']) === false,
    deviceToken: asString(device['token']),
  };
}
