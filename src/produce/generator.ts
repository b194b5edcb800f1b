/**
 * Seeded, realistic Segment traffic for demos, tests and benchmarks: every call type in a
 * production-like mix, web and mobile contexts, ~1 KB per message on average, keyed by user so a
 * user's messages stay on one partition. Optionally a share of poison messages, each labelled with
 * the reason code the processor must dead-letter it with.
 *
 * The same seed and start time give byte-identical traffic.
 */
import type { ReasonCode } from '../vocabulary.js';
import { SeededRandom } from '../random.js';

export interface GeneratorOptions {
  readonly seed?: number;
  /** Distinct users the traffic is spread over (default 1000). */
  readonly users?: number;
  /** Share of poison messages, 0..1 (default 0). */
  readonly poisonRate?: number;
  /** Timestamp of the first message (epoch ms); later messages step forward from it. */
  readonly startTimeMs: number;
  /** Milliseconds between consecutive message timestamps (default 10). */
  readonly stepMs?: number;
}

export type MessageKind = 'track' | 'order' | 'page' | 'screen' | 'identify' | 'group' | 'alias';

export interface GeneratedMessage {
  /** Kafka key: the user the message belongs to. */
  readonly key: string;
  readonly value: Buffer;
  readonly kind: MessageKind | 'poison';
  /** For poison: the reason code the processor must dead-letter it with. */
  readonly expectedCode?: ReasonCode;
}

/** The production-like mix of call types (cumulative weights). */
const MIX: ReadonlyArray<readonly [MessageKind, number]> = [
  ['track', 0.55],
  ['order', 0.03],
  ['page', 0.2],
  ['screen', 0.08],
  ['identify', 0.1],
  ['group', 0.02],
  ['alias', 0.02],
];

const WEB_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
];
const PAGES = [
  { path: '/', title: 'Home', name: 'Home', category: 'Marketing' },
  { path: '/pricing', title: 'Pricing', name: 'Pricing', category: 'Marketing' },
  {
    path: '/products/running-shoes',
    title: 'Running Shoes',
    name: 'Product Detail',
    category: 'Shop',
  },
  { path: '/cart', title: 'Your Cart', name: 'Cart', category: 'Shop' },
  { path: '/blog/how-we-scale', title: 'How we scale', name: 'Blog Post', category: 'Content' },
  { path: '/docs/getting-started', title: 'Getting started', name: 'Docs', category: 'Content' },
];
const SCREENS = ['Home', 'Search', 'Product Detail', 'Cart', 'Checkout', 'Settings', 'Profile'];
const EVENTS = [
  'Product Viewed',
  'Product Added',
  'Checkout Started',
  'Signed In',
  'Search Performed',
  'Video Played',
  'Button Clicked',
  'Form Submitted',
  'Plan Selected',
];
const LOCALES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'ja-JP', 'pt-BR'];
const TIMEZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Europe/London',
  'Asia/Tokyo',
  'America/Sao_Paulo',
];
const COUNTRIES = ['United States', 'Germany', 'United Kingdom', 'Japan', 'Brazil', 'France'];
const PLANS = ['free', 'starter', 'pro', 'enterprise'];
const INDUSTRIES = ['Software', 'Retail', 'Finance', 'Healthcare', 'Media'];
const PRODUCTS = [
  {
    product_id: 'P-100',
    sku: 'SKU-100',
    name: 'Trail Runner',
    category: 'Shoes',
    brand: 'Acme',
    price: 119.0,
  },
  {
    product_id: 'P-200',
    sku: 'SKU-200',
    name: 'Wool Socks',
    category: 'Apparel',
    brand: 'Acme',
    price: 12.5,
  },
  {
    product_id: 'P-300',
    sku: 'SKU-300',
    name: 'Rain Jacket',
    category: 'Apparel',
    brand: 'Northwind',
    price: 89.9,
  },
  {
    product_id: 'P-400',
    sku: 'SKU-400',
    name: 'Water Bottle',
    category: 'Gear',
    brand: 'Contoso',
    price: 18.0,
  },
];
const POISON: ReadonlyArray<
  readonly [ReasonCode, (r: SeededRandom, base: Record<string, unknown>) => Buffer]
> = [
  ['invalid_json', (r) => Buffer.from(`{"type":"track","event":"Broken ${r.hex(6)}",`)],
  [
    'invalid_utf8',
    () =>
      Buffer.concat([
        Buffer.from('{"type":"track","event":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('","userId":"u"}'),
      ]),
  ],
  ['not_an_object', (r) => Buffer.from(JSON.stringify([r.hex(8), 1, 2]))],
  ['unknown_type', (_r, base) => json({ ...base, type: 'purchase' })],
  ['missing_identity', (_r, base) => json({ ...base, userId: '', anonymousId: undefined })],
  ['missing_event', (_r, base) => json({ ...base, event: undefined })],
  ['invalid_timestamp', (_r, base) => json({ ...base, timestamp: 'yesterday at noon' })],
  ['time_out_of_range', (_r, base) => json({ ...base, timestamp: '1969-07-20T20:17:40Z' })],
  [
    'invalid_distinct_id',
    (_r, base) => json({ ...base, userId: 'undefined', anonymousId: undefined }),
  ],
];

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

interface User {
  readonly userId: string;
  readonly anonymousId: string;
  readonly email: string;
  readonly mobile: boolean;
  readonly agent: string;
  readonly ip: string;
  readonly locale: string;
  readonly timezone: string;
  readonly country: string;
  readonly company: string;
}

export class TrafficGenerator {
  private readonly random: SeededRandom;
  private readonly users: User[];
  private index = 0;

  constructor(private readonly options: GeneratorOptions) {
    this.random = new SeededRandom(options.seed ?? 1);
    const r = new SeededRandom((options.seed ?? 1) ^ 0x5bd1e995);
    this.users = Array.from({ length: options.users ?? 1000 }, (_, i) => ({
      userId: `u-${String(i).padStart(6, '0')}`,
      anonymousId: r.uuid(),
      email: `user${i}@example.com`,
      mobile: r.chance(0.3),
      agent: r.pick(WEB_AGENTS),
      ip: `${r.int(11, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
      locale: r.pick(LOCALES),
      timezone: r.pick(TIMEZONES),
      country: r.pick(COUNTRIES),
      company: `org-${r.int(1, Math.max(1, Math.floor((options.users ?? 1000) / 20)))}`,
    }));
  }

  /** The next message of the stream. */
  next(): GeneratedMessage {
    const r = this.random;
    const user = r.pick(this.users);
    const time = this.options.startTimeMs + this.index * (this.options.stepMs ?? 10);
    this.index++;
    const kind = this.pickKind();
    const message = this.build(kind, user, time);
    if (this.options.poisonRate && r.chance(this.options.poisonRate)) {
      const [code, make] = r.pick(POISON);
      const base = this.build('track', user, time);
      return { key: user.userId, value: make(r, base), kind: 'poison', expectedCode: code };
    }
    return { key: user.userId, value: json(message), kind };
  }

  private pickKind(): MessageKind {
    const x = this.random.next();
    let acc = 0;
    for (const [kind, weight] of MIX) {
      acc += weight;
      if (x < acc) return kind;
    }
    return 'track';
  }

  private build(kind: MessageKind, user: User, time: number): Record<string, unknown> {
    const r = this.random;
    const identified = r.chance(0.7);
    const timestamp = new Date(time).toISOString();
    const common: Record<string, unknown> = {
      messageId: r.uuid(),
      anonymousId: user.anonymousId,
      ...(identified || kind === 'identify' || kind === 'alias' ? { userId: user.userId } : {}),
      timestamp,
      sentAt: new Date(time + r.int(50, 900)).toISOString(),
      receivedAt: new Date(time + r.int(1000, 2000)).toISOString(),
      context: user.mobile ? this.mobileContext(user) : this.webContext(user),
      integrations: {},
      version: 2,
    };
    switch (kind) {
      case 'track':
        return {
          ...common,
          type: 'track',
          event: r.pick(EVENTS),
          properties: this.trackProperties(),
        };
      case 'order':
        return {
          ...common,
          type: 'track',
          event: 'Order Completed',
          properties: this.orderProperties(),
        };
      case 'page': {
        const page = r.pick(PAGES);
        return {
          ...common,
          type: 'page',
          name: page.name,
          category: page.category,
          properties: {
            path: page.path,
            title: page.title,
            url: `https://shop.example.com${page.path}`,
            referrer: 'https://www.google.com/',
            search: '',
            name: page.name,
            category: page.category,
          },
        };
      }
      case 'screen':
        return {
          ...common,
          type: 'screen',
          name: r.pick(SCREENS),
          properties: { load_time_ms: r.int(80, 2400), from_notification: r.chance(0.1) },
        };
      case 'identify':
        return {
          ...common,
          type: 'identify',
          traits: {
            email: user.email,
            firstName: `First${user.userId.slice(-3)}`,
            lastName: `Last${user.userId.slice(-3)}`,
            plan: r.pick(PLANS),
            logins: r.int(1, 500),
            createdAt: new Date(time - r.int(1, 900) * 86_400_000).toISOString(),
            company: { name: user.company, employees: r.int(5, 5000) },
            preferences: { newsletter: r.chance(0.5), theme: r.pick(['light', 'dark']) },
          },
        };
      case 'group':
        return {
          ...common,
          type: 'group',
          groupId: user.company,
          traits: {
            name: `Company ${user.company}`,
            industry: r.pick(INDUSTRIES),
            employees: r.int(5, 5000),
            plan: r.pick(PLANS),
          },
        };
      case 'alias':
        return { ...common, type: 'alias', previousId: user.anonymousId, userId: user.userId };
    }
  }

  private trackProperties(): Record<string, unknown> {
    const r = this.random;
    const product = r.pick(PRODUCTS);
    return {
      ...product,
      quantity: r.int(1, 3),
      currency: 'USD',
      position: r.int(1, 24),
      list_id: `list-${r.int(1, 40)}`,
      query: r.chance(0.3) ? r.pick(['shoes', 'jacket', 'socks', 'bottle']) : undefined,
      experiment: { id: `exp-${r.int(1, 9)}`, variant: r.pick(['control', 'treatment']) },
      tags: [r.pick(['sale', 'new', 'popular']), r.pick(['spring', 'summer'])],
    };
  }

  private orderProperties(): Record<string, unknown> {
    const r = this.random;
    const products = Array.from({ length: r.int(1, 3) }, () => ({
      ...r.pick(PRODUCTS),
      quantity: r.int(1, 2),
    }));
    const subtotal = Math.round(products.reduce((s, p) => s + p.price * p.quantity, 0) * 100) / 100;
    return {
      order_id: `ord-${r.hex(10)}`,
      checkout_id: `chk-${r.hex(8)}`,
      affiliation: 'Web Store',
      subtotal,
      shipping: 4.5,
      tax: Math.round(subtotal * 0.08 * 100) / 100,
      revenue: subtotal,
      total: Math.round((subtotal * 1.08 + 4.5) * 100) / 100,
      currency: 'USD',
      coupon: r.chance(0.2) ? 'WINTER' : undefined,
      products,
    };
  }

  private webContext(user: User): Record<string, unknown> {
    const r = this.random;
    const page = r.pick(PAGES);
    return {
      ip: user.ip,
      library: { name: 'analytics.js', version: 'next-1.72.0' },
      locale: user.locale,
      timezone: user.timezone,
      userAgent: user.agent,
      page: {
        path: page.path,
        referrer: r.pick(['https://www.google.com/', 'https://news.ycombinator.com/', '']),
        search: '',
        title: page.title,
        url: `https://shop.example.com${page.path}`,
      },
      location: { country: user.country },
      ...(r.chance(0.25)
        ? {
            campaign: {
              name: 'spring_sale',
              source: r.pick(['newsletter', 'google', 'facebook']),
              medium: r.pick(['email', 'cpc', 'social']),
              term: 'running shoes',
              content: 'hero_banner',
            },
          }
        : {}),
    };
  }

  private mobileContext(user: User): Record<string, unknown> {
    const r = this.random;
    const ios = user.userId.charCodeAt(user.userId.length - 1) % 2 === 0;
    return {
      ip: user.ip,
      app: { name: 'Acme Shop', version: '4.2.1', build: '421', namespace: 'com.acme.shop' },
      device: ios
        ? {
            id: user.anonymousId.toUpperCase(),
            manufacturer: 'Apple',
            model: 'iPhone15,2',
            name: 'iPhone',
            type: 'ios',
            advertisingId: user.anonymousId,
            adTrackingEnabled: false,
          }
        : {
            id: user.anonymousId,
            manufacturer: 'Samsung',
            model: 'SM-S918B',
            name: 'Galaxy S23',
            type: 'android',
            advertisingId: user.anonymousId,
            adTrackingEnabled: true,
          },
      library: ios
        ? { name: 'analytics-swift', version: '1.5.11' }
        : { name: 'analytics-kotlin', version: '1.16.0' },
      locale: user.locale,
      timezone: user.timezone,
      network: {
        wifi: r.chance(0.6),
        cellular: r.chance(0.5),
        carrier: r.pick(['T-Mobile', 'Vodafone', 'Telekom.de']),
        bluetooth: false,
      },
      os: ios ? { name: 'iOS', version: '17.4.1' } : { name: 'Android', version: '14' },
      screen: ios
        ? { width: 393, height: 852, density: 3 }
        : { width: 412, height: 915, density: 2.625 },
      location: { country: user.country },
    };
  }
}
