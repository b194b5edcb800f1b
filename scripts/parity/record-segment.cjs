/**
 * Records what Segment's published Mixpanel (Actions) destination sends for each message of
 * messages.ndjson under a list of subscriptions (its six presets and four custom ones), into
 * test/fixtures/reference/segment-parity.json. Maintainer tool: it needs Segment's package, which
 * is not a dependency (see test/fixtures/reference/README.md for the set-up); no network is used,
 * requests are captured instead of sent.
 *
 *   node scripts/parity/record-segment.cjs SEGMENT_DIR messages.ndjson > segment-parity.json
 */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const [dir, messagesFile] = process.argv.slice(2);
const load = (p) => require(join(dir, p));
// Requests are answered here: node-fetch's export is replaced before cross-fetch captures it.
const nodeFetch = load('node_modules/node-fetch');
const captured = [];
nodeFetch.default = async (input, init) => {
  const request = new nodeFetch.Request(input, init);
  captured.push({ endpoint: request.url, body: await request.text() });
  const body = JSON.stringify({ code: 200, status: 1, num_records_imported: 1 });
  return new nodeFetch.Response(body, {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
};
const { Destination } = load('node_modules/@segment/actions-core');
const definition = load('package/dist/destinations/mixpanel/index.js').default;
// The package's schema cache key is "<destination name>:<action title>", which the fast-uri
// release installed with it refuses as a URI scheme; a plain name keeps the behaviour intact.
const destination = new Destination({ ...definition, name: 'mixpanel' });

const defaults = (slug) =>
  Object.fromEntries(
    Object.entries(definition.actions[slug].fields)
      .filter(([, f]) => f.default !== undefined)
      .map(([k, f]) => [k, f.default]),
  );
const subscriptions = [
  ...definition.presets.map((p) => ({
    name: p.name,
    action: p.partnerAction,
    trigger: p.subscribe,
    fields: p.mapping,
  })),
  {
    name: 'Android',
    action: 'trackEvent',
    trigger: 'type = "track" and properties.platform = "android"',
    fields: { ...defaults('trackEvent'), event: { '@template': 'Android: {{event}}' } },
  },
  {
    name: 'Segment Message ID',
    action: 'trackEvent',
    trigger: 'type = "track" and event != "Order Completed"',
    fields: {
      ...defaults('trackEvent'),
      event_properties: {
        '@merge': {
          direction: 'right',
          objects: [
            { '@path': '$.properties' },
            { 'Segment Message ID': { '@path': '$.messageId' } },
          ],
        },
      },
    },
  },
  {
    name: 'Increment',
    action: 'incrementProperties',
    trigger: 'type = "track" and properties.increment != null',
    fields: defaults('incrementProperties'),
  },
  { name: 'Alias', action: 'alias', trigger: 'type = "alias"', fields: defaults('alias') },
];
const settings = {
  projectToken: 'parity-token',
  apiSecret: 'parity-secret',
  sourceName: 'parity-source',
};

async function main() {
  const cases = [];
  const lines = readFileSync(messagesFile, 'utf8').split('\n').filter(Boolean);
  for (const line of lines) {
    const message = JSON.parse(line);
    const results = [];
    for (const s of subscriptions) {
      captured.length = 0;
      const [result] = await destination.onSubscription(
        { subscribe: s.trigger, partnerAction: s.action, mapping: structuredClone(s.fields) },
        structuredClone(message),
        settings,
      );
      if (result && result.output === 'not subscribed') continue;
      const error =
        result && result.error ? String(result.error.message ?? result.error) : undefined;
      const requests = captured.map(({ endpoint, body }) => ({
        endpoint: new URL(endpoint).pathname,
        body: body.startsWith('data=')
          ? JSON.parse(new URLSearchParams(body).get('data'))
          : JSON.parse(body),
      }));
      results.push(
        error === undefined ? { subscription: s.name, requests } : { subscription: s.name, error },
      );
    }
    cases.push({ message, results });
  }
  const packages = {
    '@segment/action-destinations': load('package/package.json').version,
    '@segment/actions-core': load('node_modules/@segment/actions-core/package.json').version,
  };
  // One case per line keeps the fixture diffable.
  const head = JSON.stringify({ packages, settings, subscriptions }).slice(0, -1);
  process.stdout.write(
    `${head},"cases":[\n${cases.map((c) => JSON.stringify(c)).join(',\n')}\n]}\n`,
  );
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
