/**
 * Records of a fetched Kafka batch that the pipeline can keep: their keys and values copied out of
 * kafkajs's response into one buffer per batch, and headers copied, so that holding a record never
 * holds the response.
 */
import type { EachBatchPayload, IHeaders } from 'kafkajs';
import type { KafkaRecord } from '../kafka/record.js';

/**
 * kafkajs hands out keys, values and headers as slices of the whole fetch response (megabytes,
 * every partition's batch): keeping one unsettled message would keep its entire response alive.
 * The batch's keys and values are copied into one buffer of their own (one allocation and one
 * copy each, instead of one buffer per key and per value), so a retained record keeps at most its
 * own partition's batch (`kafka.maxBytesPerPartition`), and each response goes as soon as its
 * batches are taken.
 */
export function ownRecords(batch: EachBatchPayload['batch']): {
  records: KafkaRecord[];
  valueBytes: number;
} {
  const { messages, topic, partition } = batch;
  let valueBytes = 0;
  let keyBytes = 0;
  // Keys and values usually lie in one decoded response buffer, in order, a few framing bytes
  // apart: then the span holding them all is copied at once instead of two copies per record.
  let owner: ArrayBufferLike | undefined;
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  let oneSpan = true;
  const span = (part: Buffer): void => {
    owner ??= part.buffer;
    if (part.buffer !== owner) oneSpan = false;
    low = Math.min(low, part.byteOffset);
    high = Math.max(high, part.byteOffset + part.length);
  };
  for (const m of messages) {
    if (m.value) {
      valueBytes += m.value.length;
      span(m.value);
    }
    if (m.key) {
      keyBytes += m.key.length;
      span(m.key);
    }
  }
  const bytes = valueBytes + keyBytes;
  // Framing is ~20 bytes a record: a span much larger than the data is not worth keeping.
  if (oneSpan && owner !== undefined && high - low <= bytes + 64 * messages.length + 1024) {
    const slab = Buffer.allocUnsafeSlow(high - low);
    slab.set(new Uint8Array(owner, low, high - low));
    const at = (part: Buffer | null): number => (part === null ? -1 : part.byteOffset - low);
    return {
      records: messages.map((m) => slabRecord(topic, partition, m, slab, at(m.value), at(m.key))),
      valueBytes,
    };
  }
  const slab = Buffer.allocUnsafeSlow(bytes);
  let next = 0;
  const own = (part: Buffer | null): number => {
    if (part === null) return -1;
    slab.set(part, next);
    next += part.length;
    return next - part.length;
  };
  const records = messages.map((m) =>
    slabRecord(topic, partition, m, slab, own(m.value), own(m.key)),
  );
  return { records, valueBytes };
}

function slabRecord(
  topic: string,
  partition: number,
  m: EachBatchPayload['batch']['messages'][number],
  slab: Buffer,
  valueStart: number,
  keyStart: number,
): KafkaRecord {
  return new SlabRecord(
    topic,
    partition,
    Number(m.offset),
    Number(m.timestamp),
    m.headers ? ownHeaders(m.headers) : NO_HEADERS,
    slab,
    valueStart,
    m.value?.length ?? 0,
    keyStart,
    m.key?.length ?? 0,
  );
}

/**
 * A record whose key and value are ranges of its batch's buffer: one object per record held
 * in flight, where a view per key and per value made three. The views are made when asked for
 * (decoding, dead letters), and die young. Only the pipeline holds it, so once its bytes are no
 * longer needed they are dropped in place (withoutBytes) instead of by a copy of the record.
 */
class SlabRecord implements KafkaRecord {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
    private ownHeaders: Readonly<Record<string, Buffer | string | undefined>>,
    private slab: Buffer | null,
    /** Start of the value in the slab, -1 for none. */
    private readonly valueStart: number,
    private valueLength: number,
    private readonly keyStart: number,
    private keyLength: number,
  ) {}

  get headers(): Readonly<Record<string, Buffer | string | undefined>> {
    return this.ownHeaders;
  }

  get size(): number {
    return this.valueLength + this.keyLength;
  }

  get value(): Buffer | null {
    return this.slab === null || this.valueStart < 0
      ? null
      : this.slab.subarray(this.valueStart, this.valueStart + this.valueLength);
  }

  get key(): Buffer | null {
    return this.slab === null || this.keyStart < 0
      ? null
      : this.slab.subarray(this.keyStart, this.keyStart + this.keyLength);
  }

  withoutBytes(): KafkaRecord {
    this.slab = null;
    this.ownHeaders = NO_HEADERS;
    this.valueLength = 0;
    this.keyLength = 0;
    return this;
  }
}

/** The headers of a record without any (most), shared rather than one empty object each. */
const NO_HEADERS: Readonly<Record<string, Buffer | string | undefined>> = Object.freeze({});

function ownHeaders(headers: IHeaders): Record<string, Buffer | string | undefined> {
  let out: Record<string, Buffer | string | undefined> | undefined;
  for (const name in headers) {
    out ??= {};
    const value = headers[name];
    out[name] = Buffer.isBuffer(value)
      ? Buffer.from(value)
      : Array.isArray(value)
        ? value.join(',')
        : value;
  }
  return out ?? NO_HEADERS;
}
