/**
 * check-config never prints a secret or the credentials of a URL. The test walks every key of the
 * schema: each secret key and each URL key must be set (to a recognisable value) by at least one
 * scenario below, so a secret added to the schema without a scenario fails here.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, type ConfigKey } from '../config/keys.js';
import { checkConfig } from './check-config.js';

/** Where a scenario wants the recognisable value of a secret or URL key planted. */
const FILL = '<fill>';

/** Valid configs that between them hold every secret and URL key (each marked FILL). */
const SCENARIOS: Record<string, unknown>[] = [
  {
    kafka: {
      tls: {
        ca: '/etc/kafka/ca.pem',
        cert: '/etc/kafka/client.pem',
        key: FILL,
        keyPassphrase: FILL,
      },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: FILL },
    },
    input: {
      schemaRegistry: {
        url: FILL,
        username: 'reg',
        password: FILL,
        tls: { cert: '/etc/registry/client.pem', key: FILL, keyPassphrase: FILL },
      },
    },
    mixpanel: {
      projectToken: 'tok',
      projectId: '42',
      apiSecret: FILL,
      serviceAccount: { username: 'sa', secret: FILL },
      apiHost: FILL,
      proxy: FILL,
    },
    cohorts: {
      webhook: { username: 'mixpanel', password: FILL },
      query: { serviceAccount: { username: 'sa', secret: FILL }, projectId: '42', apiHost: FILL },
    },
  },
  {
    kafka: {
      ssl: true,
      sasl: {
        mechanism: 'oauthbearer',
        oauthbearer: {
          tokenEndpoint: FILL,
          clientId: 'proc',
          clientSecret: FILL,
          extensions: ['logicalCluster=lkc-1'],
        },
      },
    },
    input: { schemaRegistry: { url: FILL, token: FILL } },
    mixpanel: { projectToken: 'tok', tls: { ca: '/etc/proxy-ca.pem' } },
  },
];

function getPath(target: unknown, path: readonly string[]): unknown {
  let node = target;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** The value planted in a key: secrets are unique words, URLs carry unique credentials. */
function plant(key: ConfigKey): string {
  const id = key.path.join('-');
  return key.url ? `https://user-${id}:pass-${id}@host.example:8443/base` : `SECRET-${id}`;
}

function forbidden(key: ConfigKey): string[] {
  const id = key.path.join('-');
  return key.url ? [`user-${id}`, `pass-${id}`] : [`SECRET-${id}`];
}

function run(config: unknown, format: 'yaml' | 'json'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sm-check-')), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  checkConfig({ config: file, format }, sink);
  return out;
}

const sensitive = CONFIG_KEYS.filter((k) => k.secret || k.url);

describe('check-config', () => {
  it('has secret and URL keys to check', () => {
    expect(sensitive.filter((k) => k.secret).length).toBeGreaterThanOrEqual(8);
    expect(sensitive.filter((k) => k.url).length).toBeGreaterThanOrEqual(4);
  });

  const planted = new Set<string>();
  it.each(SCENARIOS.map((s, i) => [i, s] as const))(
    'masks every secret and URL credential of scenario %i',
    (_i, scenario) => {
      const config = structuredClone(scenario);
      const here: ConfigKey[] = [];
      for (const key of sensitive) {
        const parent = getPath(config, key.path.slice(0, -1)) as Record<string, unknown>;
        const leaf = key.path.at(-1) as string;
        if (getPath(config, key.path) !== FILL) continue;
        parent[leaf] = plant(key);
        here.push(key);
      }
      expect(JSON.stringify(config)).not.toContain(FILL);
      for (const format of ['yaml', 'json'] as const) {
        const out = run(config, format);
        for (const key of here) {
          for (const word of forbidden(key)) expect(out).not.toContain(word);
        }
        // The values are there, masked: the keys were printed, not dropped.
        for (const key of here) expect(out).toContain(key.path.at(-1) as string);
        expect(out).toContain('****');
      }
      for (const key of here) planted.add(key.path.join('.'));
    },
  );

  it('covers every secret and URL key of the schema', () => {
    expect([...planted].sort()).toEqual(sensitive.map((k) => k.path.join('.')).sort());
  });
});
