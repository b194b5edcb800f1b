/**
 * Fetches the Kafka broker jars from Maven Central once, into an ignored cache folder, and reuses
 * them offline afterwards: a stamp file listing the jars marks a complete download, so later runs
 * never call Maven at all.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KAFKA_VERSION, SCALA_VERSION } from './versions.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '../../..');
export const KAFKA_CACHE = join(REPO_ROOT, '.cache', 'kafka', KAFKA_VERSION);
const LIBS = join(KAFKA_CACHE, 'libs');
const STAMP = join(KAFKA_CACHE, 'libs.complete');

/** Jars without which the broker or the storage tool cannot start . */
const REQUIRED = [
  `kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar`,
  `kafka-clients-${KAFKA_VERSION}.jar`,
  `kafka-metadata-${KAFKA_VERSION}.jar`,
  `kafka-raft-${KAFKA_VERSION}.jar`,
  `kafka-server-${KAFKA_VERSION}.jar`,
  'reload4j-1.2.25.jar',
  'slf4j-reload4j-1.7.36.jar',
];
const REQUIRED_PREFIXES = ['scala-library-', 'argparse4j-', 'jopt-simple-'];

export class HarnessError extends Error {
  override name = 'HarnessError';
}

/** True when a complete jar set is cached. */
export function kafkaJarsCached(): boolean {
  return existsSync(STAMP);
}

/**
 * Returns the folder holding the broker jars, downloading them with Maven the first time.
 * `log` receives progress lines (the first download takes a minute or two).
 */
export async function ensureKafkaJars(log: (line: string) => void = () => {}): Promise<string> {
  if (kafkaJarsCached()) return LIBS;
  requireTool(
    'mvn',
    ['-v'],
    'Maven is needed once to fetch the Kafka broker jars from Maven Central (apt-get install maven)',
  );
  requireTool(
    'java',
    ['-version'],
    'Java 17+ is needed to run the Kafka broker (apt-get install openjdk-17-jre-headless)',
  );

  const staging = `${LIBS}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(
    `[kafka] fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${LIBS} (one time)`,
  );
  const started = performance.now();
  const args = [
    '-B',
    '-q',
    '-f',
    join(HERE, 'pom.xml'),
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${staging}`,
  ];
  const output = await run('mvn', args);
  if (output.code !== 0) {
    throw new HarnessError(
      `[kafka] mvn ${args.join(' ')} failed with exit code ${output.code}:\n${output.text.slice(-4000)}`,
    );
  }
  const jars = readdirSync(staging).filter((f) => f.endsWith('.jar'));
  const missing = [
    ...REQUIRED.filter((j) => !jars.includes(j)),
    ...REQUIRED_PREFIXES.filter((p) => !jars.some((j) => j.startsWith(p))).map((p) => `${p}*.jar`),
  ];
  if (missing.length > 0) {
    throw new HarnessError(
      `[kafka] Maven finished but these jars are missing: ${missing.join(', ')}`,
    );
  }
  rmSync(LIBS, { recursive: true, force: true });
  renameSync(staging, LIBS);
  writeFileSync(STAMP, `${jars.sort().join('\n')}\n`);
  log(
    `[kafka] ${jars.length} jars cached in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return LIBS;
}

/** The cached jar list (for diagnostics). */
export function cachedJars(): string[] {
  return kafkaJarsCached() ? readFileSync(STAMP, 'utf8').trim().split('\n') : [];
}

/** Fails with `hint` when `command` cannot be executed. */
export function requireTool(command: string, args: string[], hint: string): void {
  const probe = spawnSync(command, args, { stdio: 'ignore' });
  if (probe.error) throw new HarnessError(`[kafka] \`${command}\` not found on PATH. ${hint}.`);
}

/** The major version of the `java` on PATH, or an error naming what is wrong. */
export function javaMajorVersion(): number {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new HarnessError(
      '[kafka] `java` not found on PATH. Java 17+ is needed to run the Kafka broker (apt-get install openjdk-17-jre-headless).',
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  if (!match) throw new HarnessError(`[kafka] cannot read the Java version from: ${probe.stderr}`);
  const major = Number(match[1]) === 1 ? Number(match[2]) : Number(match[1]);
  return major;
}

function run(command: string, args: string[]): Promise<{ code: number; text: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, text }));
  });
}
