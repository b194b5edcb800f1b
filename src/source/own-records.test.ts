import type { EachBatchPayload } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ownRecords } from './own-records.js';

type Batch = EachBatchPayload['batch'];
interface Part {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/** A batch as kafkajs hands it out: keys and values as slices of one response, framing between. */
function batchOf(parts: readonly Part[], options: { separate?: boolean } = {}): Batch {
  const chunks: Buffer[] = [];
  const at: Array<{ key: [number, number] | null; value: [number, number] | null }> = [];
  let size = 0;
  const put = (text: string | null): [number, number] | null => {
    if (text === null) return null;
    chunks.push(Buffer.from('##frame##'));
    size += 9;
    const bytes = Buffer.from(text);
    chunks.push(bytes);
    size += bytes.length;
    return [size - bytes.length, size];
  };
  for (const part of parts) at.push({ key: put(part.key), value: put(part.value) });
  const response = Buffer.concat(chunks);
  const slice = (range: [number, number] | null): Buffer | null =>
    range === null
      ? null
      : options.separate
        ? Buffer.from(response.subarray(range[0], range[1]))
        : response.subarray(range[0], range[1]);
  const messages = parts.map((part, i) => ({
    offset: String(10 + i),
    timestamp: String(1_700_000_000_000 + i),
    key: slice(at[i]?.key ?? null),
    value: slice(at[i]?.value ?? null),
    headers: part.headers ?? {},
    attributes: 0,
  }));
  return { topic: 'events', partition: 3, messages, response } as unknown as Batch & {
    response: Buffer;
  };
}

const parts: Part[] = [
  { key: 'u-1', value: '{"type":"track"}', headers: { trace: Buffer.from('t-1') } },
  { key: null, value: '{"ü":"€"}' },
  { key: 'u-3', value: null },
  { key: 'u-4', value: '', headers: { list: ['a', Buffer.from('b')] } },
];

describe('ownRecords', () => {
  for (const separate of [false, true]) {
    it(`copies keys, values and headers out of the response (${separate ? 'one buffer each' : 'one response'})`, () => {
      const batch = batchOf(parts, { separate });
      const { records, valueBytes } = ownRecords(batch);
      expect(valueBytes).toBe(Buffer.byteLength('{"type":"track"}{"ü":"€"}'));
      // Overwriting what kafkajs handed out changes nothing in the records.
      for (const m of batch.messages) {
        m.value?.fill(0x20);
        m.key?.fill(0x20);
      }
      expect(
        records.map((r) => [
          r.offset,
          r.timestamp,
          r.key?.toString() ?? null,
          r.value?.toString() ?? null,
        ]),
      ).toEqual([
        [10, 1_700_000_000_000, 'u-1', '{"type":"track"}'],
        [11, 1_700_000_000_001, null, '{"ü":"€"}'],
        [12, 1_700_000_000_002, 'u-3', null],
        [13, 1_700_000_000_003, 'u-4', ''],
      ]);
      expect(records.map((r) => r.size)).toEqual([19, 12, 3, 3]);
      expect(records[0]?.headers['trace']).toEqual(Buffer.from('t-1'));
      expect(records[3]?.headers['list']).toBe('a,b');
      expect(records[1]?.headers).toEqual({});
      expect(records.every((r) => r.topic === 'events' && r.partition === 3)).toBe(true);
    });
  }

  it('drops a record’s bytes in place, leaving its place in the stream', () => {
    const [record] = ownRecords(batchOf(parts)).records;
    const light = record?.withoutBytes?.();
    expect(light).toBe(record);
    expect([light?.key, light?.value, light?.headers, light?.size]).toEqual([null, null, {}, 0]);
    expect([light?.topic, light?.partition, light?.offset]).toEqual(['events', 3, 10]);
  });
});
