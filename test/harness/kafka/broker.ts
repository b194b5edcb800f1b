/**
 * A real single-node Apache Kafka broker (KRaft, combined broker+controller) started from the
 * Maven Central jars, for tests, benchmarks, the demo and `npm run kafka`.
 *
 * Recipe: KRaft combined mode (one JVM is both broker and controller) with a static one-voter
 * quorum, listeners on 127.0.0.1 only.
 *
 * Lifecycle: free ports → server.properties → StorageTool format → `java kafka.Kafka` with a small
 * heap → ready when a kafkajs admin sees the broker → stop with SIGTERM, SIGKILL after a deadline,
 * then the data folder is deleted (unless it was given as `dataDir`: then it is kept, with the
 * ports, and the next start reuses both). Besides its PLAINTEXT listener (inter-broker traffic,
 * readiness, topic creation) a broker can serve extra listeners, e.g. TLS or SASL ones for the
 * security tests, configured by `listener.name.<name>.*` properties; SCRAM users are created when
 * the storage is formatted. A watchdog process kills the JVM if this Node process dies without
 * stopping it, so a crashed test run never leaves a broker behind. The JVM runs in a process group
 * of its own: a Ctrl-C in the terminal reaches only the Node process, which then stops the broker
 * after whatever must stop before it (the demo's processor, for one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { startLifeline } from '../lifeline.js';
import { freePort } from '../ports.js';
import { ensureKafkaJars, HarnessError, javaMajorVersion, REPO_ROOT } from './jars.js';
import { KAFKA_VERSION } from './versions.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Every broker JVM carries this marker so `.ci/run` can find strays: pkill -f "$HARNESS_MARKER=$REPO". */
export const HARNESS_MARKER = '-Dsegment_mixpanel.harness';

export interface BrokerOptions {
  /** Maximum heap of the broker JVM in MiB (default 512). */
  readonly heapMb?: number;
  /** How long to wait for readiness before failing (default 120 s; CI machines can be slow). */
  readonly startTimeoutMs?: number;
  /** Receives broker log lines as they come (default: kept in memory, shown on failure). */
  readonly onLog?: (line: string) => void;
  /** Fixed client port (default: a free port, or the one saved in `dataDir`). */
  readonly port?: number;
  /**
   * A folder that keeps the data (and the ports) across stops and starts; created if missing.
   * Default: a temporary folder, deleted on stop.
   */
  readonly dataDir?: string;
  /** Extra listeners on free ports, each with its security protocol. */
  readonly listeners?: readonly ExtraListener[];
  /** Extra server.properties lines, given the port of every extra listener by name. */
  readonly properties?: (ports: Readonly<Record<string, number>>) => readonly string[];
  /** SCRAM credentials made at format time (`--add-scram`), e.g. `SCRAM-SHA-256=[name=u,password=p]`. */
  readonly scram?: readonly string[];
}

export interface ExtraListener {
  /** Upper case, e.g. `MTLS`; its properties go under `listener.name.mtls.`. */
  readonly name: string;
  readonly protocol: 'SSL' | 'SASL_SSL' | 'SASL_PLAINTEXT' | 'PLAINTEXT';
}

export interface KafkaBroker {
  /** `127.0.0.1:<port>`, the bootstrap address. */
  readonly bootstrap: string;
  readonly brokers: readonly string[];
  readonly runDir: string;
  /** True when runDir is the caller's `dataDir`, kept on stop. */
  readonly persistent: boolean;
  /** The JVM's pid while it runs. */
  pid(): number | undefined;
  /** Controlled shutdown (SIGTERM, SIGKILL after 15 s), then deletes the data folder (if temporary). */
  stop(): Promise<void>;
  /** Stops the JVM and starts it again on the same ports and data (for broker-restart tests). */
  restart(): Promise<void>;
  /** The last lines the broker logged. */
  recentLog(): string[];
  /** `127.0.0.1:<port>` of an extra listener. */
  listener(name: string): string;
}

const LOG_LINES = 200;
const STOP_GRACE_MS = 15_000;

export async function startKafkaBroker(options: BrokerOptions = {}): Promise<KafkaBroker> {
  const major = javaMajorVersion();
  if (major < 17) {
    throw new HarnessError(
      `[kafka] Java ${major} found; the Kafka ${KAFKA_VERSION} broker here needs Java 17+.`,
    );
  }
  const libs = await ensureKafkaJars(
    options.onLog ?? ((line) => process.stderr.write(`${line}\n`)),
  );
  const heapMb = options.heapMb ?? 512;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;

  const persistent = options.dataDir !== undefined;
  const runDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'segment-mixpanel-kafka-'));
  mkdirSync(runDir, { recursive: true });
  const saved = persistent ? readSavedPorts(runDir) : undefined;
  const recent: string[] = [];
  const remember = (line: string): void => {
    recent.push(line);
    if (recent.length > LOG_LINES) recent.shift();
    options.onLog?.(line);
  };

  let attempt = 0;
  for (;;) {
    attempt++;
    const port = options.port ?? saved?.port ?? (await freePort());
    const controllerPort = saved?.controllerPort ?? (await freePort());
    const extraPorts: Record<string, number> = {};
    for (const listener of options.listeners ?? []) extraPorts[listener.name] = await freePort();
    try {
      const properties = writeConfig(runDir, port, controllerPort, {
        listeners: options.listeners ?? [],
        ports: extraPorts,
        lines: options.properties?.(extraPorts) ?? [],
      });
      if (persistent) savePorts(runDir, { port, controllerPort });
      // A kept data folder is formatted once: formatting again would give it a new cluster id.
      if (!existsSync(join(runDir, 'data', 'meta.properties'))) {
        await formatStorage(libs, runDir, properties, remember, options.scram ?? []);
      }
      const spec: LaunchSpec = {
        libs,
        runDir,
        persistent,
        properties,
        heapMb,
        startTimeoutMs,
        port,
        extraPorts,
        remember,
        recent,
      };
      return makeHandle(await launch(spec), spec);
    } catch (err) {
      // A port grabbed between freePort() and the JVM's bind: try once more on new ports.
      const portClash = recent.some((line) => /Address already in use|BindException/.test(line));
      if (portClash && attempt < 3 && options.port === undefined && !persistent) {
        rmSync(join(runDir, 'data'), { recursive: true, force: true });
        continue;
      }
      if (!persistent) rmSync(runDir, { recursive: true, force: true });
      throw explainStartupFailure(err, port, recent, saved ? runDir : undefined);
    }
  }
}

interface SavedPorts {
  readonly port: number;
  readonly controllerPort: number;
}

const PORTS_FILE = 'ports.json';

/** The ports of an earlier start in this data folder: its metadata names the controller's. */
function readSavedPorts(dir: string): SavedPorts | undefined {
  const file = join(dir, PORTS_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as SavedPorts;
}

function savePorts(dir: string, ports: SavedPorts): void {
  writeFileSync(join(dir, PORTS_FILE), `${JSON.stringify(ports)}\n`);
}

/** Turns a startup failure into an error that says why, with the broker's last log lines. */
function explainStartupFailure(
  err: unknown,
  port: number,
  recent: readonly string[],
  savedIn: string | undefined,
): Error {
  const message = err instanceof Error ? err.message : String(err);
  const clash = recent.some((line) => /Address already in use|BindException/.test(line));
  const saved = savedIn ? ` (the ports of ${join(savedIn, PORTS_FILE)})` : '';
  const why = clash
    ? `\n[kafka] port ${port} (or the controller port) is already in use by another process${saved}.`
    : '';
  const tail = recent
    .slice(-15)
    .map((line) => `  | ${line}`)
    .join('\n');
  return new HarnessError(
    `${message}${why}${tail ? `\n[kafka] last broker log lines:\n${tail}` : ''}`,
  );
}

interface LaunchSpec {
  libs: string;
  runDir: string;
  persistent: boolean;
  properties: string;
  heapMb: number;
  startTimeoutMs: number;
  port: number;
  extraPorts: Readonly<Record<string, number>>;
  remember: (line: string) => void;
  recent: string[];
}

function makeHandle(first: RunningBroker, spec: LaunchSpec): KafkaBroker {
  let current: RunningBroker | undefined = first;
  const bootstrap = `127.0.0.1:${spec.port}`;
  return {
    bootstrap,
    brokers: [bootstrap],
    runDir: spec.runDir,
    persistent: spec.persistent,
    pid: () => current?.child.pid,
    recentLog: () => [...spec.recent],
    listener(name) {
      const port = spec.extraPorts[name];
      if (port === undefined) throw new Error(`the broker has no listener ${name}`);
      return `127.0.0.1:${port}`;
    },
    async stop() {
      const running = current;
      current = undefined;
      if (running) await running.stop();
      if (!spec.persistent) rmSync(spec.runDir, { recursive: true, force: true });
    },
    async restart() {
      if (current) await current.stop();
      current = await launch(spec);
    },
  };
}

interface ExtraConfig {
  readonly listeners: readonly ExtraListener[];
  readonly ports: Readonly<Record<string, number>>;
  readonly lines: readonly string[];
}

function writeConfig(
  runDir: string,
  port: number,
  controllerPort: number,
  extra: ExtraConfig,
): string {
  const dataDir = join(runDir, 'data');
  const served = extra.listeners.map((l) => `${l.name}://127.0.0.1:${extra.ports[l.name]}`);
  const protocols = extra.listeners.map((l) => `${l.name}:${l.protocol}`);
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(join(runDir, 'tmp'), { recursive: true });
  const file = join(runDir, 'server.properties');
  const lines = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=${[`PLAINTEXT://127.0.0.1:${port}`, ...served, `CONTROLLER://127.0.0.1:${controllerPort}`].join(',')}`,
    `advertised.listeners=${[`PLAINTEXT://127.0.0.1:${port}`, ...served].join(',')}`,
    'controller.listener.names=CONTROLLER',
    // Inter-broker and controller traffic stay on PLAINTEXT, so the broker needs no credentials.
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=${['PLAINTEXT:PLAINTEXT', ...protocols, 'CONTROLLER:PLAINTEXT'].join(',')}`,
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    // Topics are created explicitly: KRaft auto-creation races the first metadata request.
    'auto.create.topics.enable=false',
    // One broker: internal topics with RF 1 and one partition, so the first group join is fast.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    // The default 128 MiB cleaner buffer would take a quarter of a small heap.
    'log.cleaner.dedupe.buffer.size=1048577',
    'num.network.threads=2',
    'num.io.threads=2',
    'log.segment.bytes=268435456',
    ...extra.lines,
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function javaArgs(libs: string, runDir: string, heapMb: number): string[] {
  return [
    `-Xms${Math.min(128, heapMb)}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Djava.io.tmpdir=${join(runDir, 'tmp')}`,
    `-Dlog4j.configuration=file:${join(HERE, 'log4j.properties')}`,
    `${HARNESS_MARKER}=${REPO_ROOT}`,
    '-cp',
    join(libs, '*'),
  ];
}

async function formatStorage(
  libs: string,
  runDir: string,
  properties: string,
  remember: (line: string) => void,
  scram: readonly string[],
): Promise<void> {
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const args = [
    ...javaArgs(libs, runDir, 256),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    properties,
    '--ignore-formatted',
    ...scram.flatMap((credential) => ['--add-scram', credential]),
  ];
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  pipeLines(child, remember);
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new HarnessError(`[kafka] formatting storage failed (exit ${code})`);
}

interface RunningBroker {
  child: ChildProcess;
  stop(): Promise<void>;
}

async function launch(spec: LaunchSpec): Promise<RunningBroker> {
  const { libs, runDir, properties, heapMb, startTimeoutMs, port, remember } = spec;
  // Its own process group: the terminal's Ctrl-C must not stop it before what depends on it.
  const child = spawn('java', [...javaArgs(libs, runDir, heapMb), 'kafka.Kafka', properties], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  pipeLines(child, remember);
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  const spawnError = new Promise<never>((_, reject) =>
    child.on('error', (err) =>
      reject(new HarnessError(`[kafka] could not start java: ${err.message}`)),
    ),
  );
  const watchdog = startLifeline(child.pid, {
    name: 'kafka-watchdog',
    graceSeconds: 15,
    ...(spec.persistent ? {} : { removeDir: runDir }),
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      watchdog.release();
    })();
    return stopping;
  };

  try {
    await Promise.race([
      waitUntilReady(`127.0.0.1:${port}`, startTimeoutMs),
      spawnError,
      exited.then((code) => {
        throw new HarnessError(`[kafka] the broker exited during startup (exit ${code})`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, stop };
}

/** Polls with a kafkajs admin until the broker answers metadata requests. */
async function waitUntilReady(bootstrap: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const kafka = new Kafka({
      clientId: 'harness-readiness',
      brokers: [bootstrap],
      connectionTimeout: 1000,
      requestTimeout: 2000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length >= 1) return;
    } catch {
      // not up yet
    } finally {
      await admin.disconnect().catch(() => {});
    }
    if (performance.now() > deadline) {
      throw new HarnessError(
        `[kafka] the broker did not become ready within ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function pipeLines(child: ChildProcess, sink: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) sink(line);
    });
  }
}
