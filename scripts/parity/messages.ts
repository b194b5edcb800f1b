/**
 * 500 varied Segment messages for the parity check against Segment's Mixpanel (Actions) code
 * (test/fixtures/reference/README.md): realistic traffic from the load generator, each message
 * then varied by one seeded edit aimed at a rule of the mapping (a property named like a computed
 * key, a null or extra product field, types Segment coerces, nested values, custom fields…).
 *
 *   npx tsx scripts/parity/messages.ts > messages.ndjson
 */
import { TrafficGenerator } from '../../src/produce/generator.js';
import { SeededRandom } from '../../src/random.js';

type Json = Record<string, unknown>;
const r = new SeededRandom(20260801);
const traffic = new TrafficGenerator({ seed: 7, users: 50, startTimeMs: Date.UTC(2026, 0, 5) });

const EDITS: ((m: Json) => void)[] = [
  () => {},
  (m) => (props(m)['$os'] = 'Custom OS'),
  (m) => (props(m)['mp_lib'] = 'custom-lib'),
  (m) => (props(m)['$device_id'] = 'prop-device'),
  (m) => (props(m)['segment_source_name'] = 'from-props'),
  (m) => (props(m)['$group_id'] = 'g-42'),
  (m) => (props(m)['platform'] = r.pick(['android', 'ios', 'web'])),
  (m) => (props(m)['nested'] = { a: { b: { c: { d: 1 } } } }),
  (m) => (props(m)['increment'] = { logins: 1, points: '5' }),
  (m) => (ctx(m)['screen'] = { width: '1024', height: 768, density: 2 }),
  (m) => (ctx(m)['network'] = { wifi: 'true', cellular: false, carrier: 'T' }),
  (m) => (ctx(m)['app'] = { name: 'App', version: 3, build: '301', namespace: 'com.x' }),
  (m) => (ctx(m)['os'] = { name: 'iOS', version: '17.1' }),
  (m) =>
    (ctx(m)['device'] = {
      type: 'ios',
      manufacturer: 'Apple',
      model: 'iPhone15,2',
      advertisingId: 'ad-1',
      adTrackingEnabled: true,
    }),
  (m) => (ctx(m)['groupId'] = 'ctx-group'),
  (m) =>
    (ctx(m)['campaign'] = {
      source: 'google',
      medium: 'cpc',
      name: 'spring',
      term: 't',
      content: 'c',
    }),
  (m) => {
    delete ctx(m)['library'];
  },
  (m) => {
    ctx(m)['ip'] = 0;
  },
  (m) => {
    m['userId'] = 12345;
  },
  (m) => {
    delete m['userId'];
  },
  (m) => {
    const p = props(m);
    p['products'] = [
      { product_id: 'p1', price: '9.5', quantity: 2, sku: null, color: 'red' },
      { product_id: 'p2', price: 3, quantity: '1', brand: 'B' },
    ];
  },
  (m) => {
    const t = m['traits'] as Json | undefined;
    if (t) {
      t['createdAt'] = '2025-01-01T00:00:00Z';
      t['firstName'] = 'Ann';
      t['lastName'] = 'Lee';
      delete t['name'];
    }
  },
  (m) => {
    const t = m['traits'] as Json | undefined;
    if (t) t['$group_id'] = 'trait-group';
  },
  (m) => {
    m['name'] = undefined;
  },
];

function props(m: Json): Json {
  const key = m['type'] === 'identify' || m['type'] === 'group' ? 'traits' : 'properties';
  m[key] ??= {};
  return m[key] as Json;
}
function ctx(m: Json): Json {
  m['context'] ??= {};
  return m['context'] as Json;
}

for (let i = 0; i < 500; i++) {
  const m = JSON.parse(traffic.next().value.toString('utf8')) as Json;
  r.pick(EDITS)(m);
  if (m['type'] === 'track' && i % 17 === 0) m['event'] = 'Order Completed';
  process.stdout.write(`${JSON.stringify(m)}\n`);
}
