/**
 * The floor of the end-to-end benchmark: the least work any Kafka → Mixpanel pipe must do, written
 * as plainly as possible and sharing no code with the processor. kafkajs consumer (eachBatch),
 * JSON.parse of each message, one record per Segment message built and JSON.stringify'd, bodies of
 * `--records` records (and at most `--max-body-bytes`) gzipped on libuv's pool at `--gzip-level`,
 * POSTed to the sandbox's /import
 * with `--in-flight` records unacknowledged at most, and the acknowledged prefix committed every
 * `--commit-ms`. It validates nothing, maps nothing, routes nothing and never dead-letters: a
 * refused body is a failure of the benchmark.
 *
 * The record: `{ event, properties: <the message, with time, distinct_id and $insert_id> }`, about
 * the size of what the processor sends for the same message (~950 B for the realistic ~1 KB
 * message, against ~990 B), so gzip and HTTP cost about the same.
 *
 * Prints `first` on stdout when the first batch arrives (the benchmark reads /proc CPU there) and
 * keeps running until stopped; the benchmark polls the group's committed offsets.
 *
 * Usage: node --import tsx bench/floor-pipe.ts --brokers B --topic T --group G --sandbox URL
 *          --token TOKEN [--gzip-level 3] [--records 2000] [--max-body-bytes N] [--in-flight 5000]
 *          [--linger-ms 500]
 *          [--commit-ms 1000] [--max-bytes N] [--max-bytes-per-partition N] [--max-wait-ms N]
 */
import { parseArgs, promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'undici';

const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string' },
    topic: { type: 'string' },
    group: { type: 'string' },
    sandbox: { type: 'string' },
    token: { type: 'string' },
    'gzip-level': { type: 'string', default: '3' },
    records: { type: 'string', default: '2000' },
    'max-body-bytes': { type: 'string', default: String(9 * 1024 * 1024) },
    'in-flight': { type: 'string', default: '5000' },
    'linger-ms': { type: 'string', default: '500' },
    'commit-ms': { type: 'string', default: '1000' },
    'max-bytes': { type: 'string', default: String(2 * 1024 * 1024) },
    'max-bytes-per-partition': { type: 'string', default: String(1024 * 1024) },
    'max-wait-ms': { type: 'string', default: '500' },
  },
});
const topic = args.topic as string;
const gzipLevel = Number(args['gzip-level']);
const bodyRecords = Number(args.records);
const maxBodyBytes = Number(args['max-body-bytes']);
const maxInFlight = Number(args['in-flight']);
const lingerMs = Number(args['linger-ms']);
const gzipAsync = promisify(gzip);
const pool = new Pool(args.sandbox as string, { connections: 16 });
const headers = {
  'content-type': 'application/x-ndjson',
  'content-encoding': 'gzip',
  authorization: `Basic ${Buffer.from(`${args.token}:`).toString('base64')}`,
};

interface Body {
  readonly texts: string[];
  /** UTF-8 bytes of the body so far (records and newlines). */
  bytes: number;
  /** Per partition, the next offset to commit once this body and every earlier one are acknowledged. */
  readonly next: Map<number, number>;
  acknowledged: boolean;
}

/** Bodies in the order they were opened; the acknowledged prefix is committable. */
const bodies: Body[] = [];
let open: Body = { texts: [], bytes: 0, next: new Map(), acknowledged: false };
let linger: NodeJS.Timeout | undefined;
let unacknowledged = 0;
let roomWaiter: (() => void) | undefined;
const committable = new Map<number, number>();
let committedChanged = false;

/**
 * The parsed message itself becomes the record's properties, with the three fields Mixpanel
 * requires added and the envelope fields the record carries elsewhere (or does not need) set to
 * undefined, which JSON.stringify leaves out. Adding and blanking keys keeps V8's fast object
 * layout; copying the message into a new object key by key would cost several times more than
 * parsing it.
 */
function record(message: Record<string, unknown>): string {
  const time = Date.parse(message.timestamp as string);
  message.time = Number.isNaN(time) ? Date.now() : time;
  message.distinct_id = message.userId ?? message.anonymousId;
  message.$insert_id = message.messageId;
  message.messageId = undefined;
  message.timestamp = undefined;
  message.sentAt = undefined;
  message.receivedAt = undefined;
  message.integrations = undefined;
  message.version = undefined;
  return JSON.stringify({
    event: message.event ?? message.name ?? message.type,
    properties: message,
  });
}

function close(): void {
  if (linger) clearTimeout(linger);
  linger = undefined;
  if (open.texts.length === 0) return;
  const body = open;
  bodies.push(body);
  open = { texts: [], bytes: 0, next: new Map(), acknowledged: false };
  void send(body);
}

async function send(body: Body): Promise<void> {
  const compressed = await gzipAsync(Buffer.from(body.texts.join('\n')), { level: gzipLevel });
  const response = await pool.request({
    method: 'POST',
    path: '/import?strict=1&ip=0',
    headers,
    body: compressed,
  });
  const answer = await response.body.text();
  if (response.statusCode !== 200) {
    process.stderr.write(`the sandbox answered ${response.statusCode}: ${answer.slice(0, 500)}\n`);
    process.exit(1);
  }
  body.acknowledged = true;
  unacknowledged -= body.texts.length;
  while (bodies[0]?.acknowledged) {
    for (const [partition, next] of (bodies.shift() as Body).next) {
      committable.set(partition, next);
      committedChanged = true;
    }
  }
  if (roomWaiter && unacknowledged < maxInFlight) {
    roomWaiter();
    roomWaiter = undefined;
  }
}

const kafka = new Kafka({
  clientId: 'bench-floor',
  brokers: (args.brokers as string).split(','),
  logLevel: logLevel.NOTHING,
});
const consumer = kafka.consumer({
  groupId: args.group as string,
  maxBytes: Number(args['max-bytes']),
  maxBytesPerPartition: Number(args['max-bytes-per-partition']),
  maxWaitTimeInMs: Number(args['max-wait-ms']),
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
setInterval(() => {
  if (!committedChanged) return;
  committedChanged = false;
  void consumer.commitOffsets(
    [...committable].map(([partition, next]) => ({ topic, partition, offset: String(next) })),
  );
}, Number(args['commit-ms']));
let first = true;
await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch, heartbeat }) => {
    if (first) {
      first = false;
      process.stdout.write('first\n');
    }
    for (const message of batch.messages) {
      if (message.value === null) continue;
      const parsed = JSON.parse(message.value.toString()) as Record<string, unknown>;
      const messages = Array.isArray(parsed.batch)
        ? (parsed.batch as Record<string, unknown>[])
        : [parsed];
      const next = Number(message.offset) + 1;
      if (messages.length === 0) open.next.set(batch.partition, next);
      for (let i = 0; i < messages.length; i++) {
        const text = record(messages[i] as Record<string, unknown>);
        const size = Buffer.byteLength(text) + 1;
        // Mixpanel takes at most 10 MB per request: close the body before it would pass the limit.
        if (open.texts.length > 0 && open.bytes + size > maxBodyBytes) close();
        open.texts.push(text);
        open.bytes += size;
        unacknowledged++;
        // The body holding a record's last message commits past the record.
        if (i === messages.length - 1) open.next.set(batch.partition, next);
        if (open.texts.length === 1) linger = setTimeout(close, lingerMs);
        if (open.texts.length >= bodyRecords) close();
      }
      while (unacknowledged >= maxInFlight) {
        close();
        await new Promise<void>((resolve) => (roomWaiter = resolve));
        await heartbeat();
      }
    }
  },
});
