/**
 * `$browser` and `$browser_version` from `context.userAgent`, reproducing Segment's Mixpanel
 * (Actions) rules exactly (docs/mapping.md) so that browser reports do not shift when a
 * project moves from Segment to this product — quirks included: Firefox on Android is
 * "Android Mobile" without a version (the version pattern looks for lowercase "android"), iPad
 * Safari is "Safari", most Chromium browsers are "Chrome", versions without a dot are dropped and
 * the OS is never inferred from the user agent.
 *
 * The first rule whose test matches names the browser; its version pattern (if any) must find at
 * least `major.minor`, else there is no version. An agent no rule matches gives `$browser: ""`.
 */

interface BrowserRule {
  readonly test: (ua: string) => boolean;
  readonly name: (ua: string) => string;
  /** Capture group 1 is the version. */
  readonly version?: RegExp;
}

const has =
  (...needles: string[]) =>
  (ua: string) =>
    needles.some((n) => ua.includes(n));
const named = (name: string) => () => name;
const V = String.raw`(\d+(?:\.\d+)+)`;

/** Ordered: the first match wins (rows 1–16 of docs/mapping.md "User agent"). */
const RULES: readonly BrowserRule[] = [
  {
    test: has(' OPR/'),
    name: (ua) => (ua.includes('Mini') ? 'Opera Mini' : 'Opera'),
    version: new RegExp(String.raw`(?:Opera|OPR)\/${V}`),
  },
  {
    test: (ua) => /BlackBerry|PlayBook|BB10/i.test(ua),
    name: named('BlackBerry'),
    version: new RegExp(`BlackBerry ${V}`),
  },
  {
    test: has('IEMobile', 'WPDesktop'),
    name: named('Internet Explorer Mobile'),
    version: new RegExp(`rv:${V}`),
  },
  {
    test: has('SamsungBrowser/'),
    name: named('Samsung Internet'),
    version: new RegExp(String.raw`SamsungBrowser\/${V}`),
  },
  {
    test: has('Edge', 'Edg/'),
    name: named('Microsoft Edge'),
    version: new RegExp(String.raw`Edge?\/${V}`),
  },
  { test: has('FBIOS'), name: named('Facebook Mobile') },
  { test: has('Chrome'), name: named('Chrome'), version: new RegExp(String.raw`Chrome\/${V}`) },
  { test: has('CriOS'), name: named('Chrome iOS'), version: new RegExp(String.raw`CriOS\/${V}`) },
  {
    test: has('UCWEB', 'UCBrowser'),
    name: named('UC Browser'),
    version: new RegExp(String.raw`(?:UCBrowser|UCWEB)\/${V}`),
  },
  { test: has('FxiOS'), name: named('Firefox iOS'), version: new RegExp(String.raw`FxiOS\/${V}`) },
  {
    test: has('Safari'),
    name: (ua) => (ua.includes('iPhone') ? 'Mobile Safari' : 'Safari'),
    version: new RegExp(String.raw`Version\/${V}`),
  },
  // Segment's pattern is lowercase, so real Android agents ("Android 14") never yield a version.
  {
    test: has('Android'),
    name: named('Android Mobile'),
    version: new RegExp(String.raw`android\s${V}`),
  },
  { test: has('Konqueror'), name: named('Konqueror'), version: new RegExp(`Konqueror:${V}`) },
  { test: has('Firefox'), name: named('Firefox'), version: new RegExp(String.raw`Firefox\/${V}`) },
  {
    test: has('MSIE', 'Trident/'),
    name: named('Internet Explorer'),
    version: new RegExp(`(?:rv:|MSIE )${V}`),
  },
  { test: has('Gecko'), name: named('Mozilla'), version: new RegExp(`rv:${V}`) },
];

export interface Browser {
  /** "" when no rule matches (Segment sends the empty string). */
  readonly browser: string;
  readonly version?: string;
}

/**
 * Results of recent user agents: a stream repeats a few thousand agents over and over, and
 * matching one runs up to a dozen tests and an expression. Results are frozen and shared, and
 * the cache forgets everything once full, so it stays small whatever the traffic.
 */
const CACHE_SIZE = 2048;
const cache = new Map<string, Browser>();

export function parseUserAgent(ua: string): Browser {
  const known = cache.get(ua);
  if (known !== undefined) return known;
  const browser = Object.freeze(matchUserAgent(ua));
  if (cache.size >= CACHE_SIZE) cache.clear();
  // Long agents are rare and would make the cache's footprint unpredictable.
  if (ua.length <= 512) cache.set(ua, browser);
  return browser;
}

function matchUserAgent(ua: string): Browser {
  for (const rule of RULES) {
    if (!rule.test(ua)) continue;
    // Opera Mini has no version pattern in Segment's table.
    const name = rule.name(ua);
    const match = name === 'Opera Mini' ? null : (rule.version?.exec(ua) ?? null);
    return match?.[1] === undefined ? { browser: name } : { browser: name, version: match[1] };
  }
  return { browser: '' };
}
