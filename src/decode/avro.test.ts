import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../clock.js';
import {
  startSchemaRegistry,
  TRACK_SCHEMA,
  type FailureBody,
  type SchemaRegistryDouble,
} from '../../test/harness/schema-registry.js';
import { createAvroDecoder, isConfluentWireFormat, type AvroOutcome } from './avro.js';

/** The system clock, but every sleep is recorded and cut to 0 ms. */
function recordingClock(): Clock & { readonly sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    ...systemClock,
    sleeps,
    sleep(ms, signal) {
      sleeps.push(ms);
      return systemClock.sleep(0, signal);
    },
  };
}

const MESSAGE = {
  type: 'track',
  event: 'Signed Up',
  userId: 'u-1',
  messageId: 'm-1',
  timestamp: '2024-12-30T09:15:00.000Z',
  properties: '{"plan":"pro"}',
};

/** Confluent wire format by hand: magic byte, schema id, then (garbage) Avro bytes. */
function framed(schemaId: number): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, Buffer.from([2, 0x61])]);
}

describe('Confluent Avro decoding', () => {
  let registry: SchemaRegistryDouble;
  let client: SchemaRegistry;
  let schemaId: number;
  let bytes: Buffer;

  beforeAll(async () => {
    registry = await startSchemaRegistry();
    client = new SchemaRegistry({ host: registry.url });
    ({ id: schemaId } = await client.register({
      type: SchemaType.AVRO,
      schema: JSON.stringify(TRACK_SCHEMA),
    }));
    bytes = await client.encode(schemaId, MESSAGE);
  });
  afterAll(() => registry.stop());
  beforeEach(() => registry.heal());

  const decoder = (clock: Clock = systemClock) =>
    createAvroDecoder({
      registry: {
        url: registry.url,
        retryInitialDelayMs: 100,
        retryMaxDelayMs: 400,
        requestTimeoutMs: 5000,
      },
      clock,
    });

  /** Requests the registry saw while `run` ran. */
  async function counting<T>(run: () => Promise<T> | T): Promise<{ result: T; requests: number }> {
    const before = registry.requests.length;
    const result = await run();
    return { result, requests: registry.requests.length - before };
  }

  it('decodes a message and parses JSON-string object fields', async () => {
    expect(isConfluentWireFormat(bytes)).toBe(true);
    await expect(decoder().decode(bytes)).resolves.toEqual({
      ok: true,
      payload: { ...MESSAGE, properties: { plan: 'pro' } },
    });
  });

  it('caches each schema by id (schemas are immutable): later messages decode at once', async () => {
    const avro = decoder();
    const first = await counting(() => avro.decode(bytes));
    expect(first.requests).toBe(1);
    const second = avro.decode(bytes);
    expect(second).not.toBeInstanceOf(Promise);
    expect(second).toEqual(first.result);
    expect(registry.requests.length).toBeGreaterThan(0);
  });

  it("dead-letters the registry's own 40403 answer (schema not found) as schema_not_found", async () => {
    const { result, requests } = await counting(() => decoder().decode(framed(4242)));
    expect(result).toMatchObject({
      ok: false,
      rejection: { code: 'schema_not_found', stage: 'decode' },
    });
    expect(requests).toBe(1);
  });

  it.each<[string, number, FailureBody]>([
    ["an ingress's HTML 404", 404, 'html'],
    ['a JSON 404 that is not 40403', 404, 'json'],
    ['a 500', 500, 'json'],
    ['an HTML 503', 503, 'html'],
    ['a 200 that is not a registry answer', 200, 'html'],
    ['a 429', 429, 'json'],
  ])(
    'retries %s with backoff on the clock (input.schemaRegistry.retry*), never dead-letters it',
    async (_name, status, body) => {
      registry.failNext(4, status, body);
      const clock = recordingClock();
      const { result, requests } = await counting(() => decoder(clock).decode(bytes));
      expect(result).toMatchObject({ ok: true, payload: { messageId: 'm-1' } });
      expect(requests).toBe(5);
      expect(clock.sleeps).toEqual([100, 200, 400, 400]);
    },
  );

  it.each([401, 403])(
    'stops on %i: a fatal outcome naming input.schemaRegistry, no retry',
    async (status) => {
      registry.failNext(1, status);
      const { result, requests } = await counting(() => decoder().decode(bytes));
      expect(result).toMatchObject({ ok: false, fatal: expect.stringContaining(`${status}`) });
      expect((result as { fatal: string }).fatal).toContain('input.schemaRegistry');
      expect(requests).toBe(1);
    },
  );

  it.each([
    [
      'an invalid Avro schema',
      '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}',
    ],
    ['a schema that is not JSON', 'record X { string a; }'],
  ])('dead-letters %s as invalid_schema, once per id', async (_name, schema) => {
    const id = registry.store(schema);
    const avro = decoder();
    const { result, requests } = await counting(async () => [
      await avro.decode(framed(id)),
      await avro.decode(framed(id)),
    ]);
    for (const outcome of result as AvroOutcome[]) {
      expect(outcome).toMatchObject({
        ok: false,
        rejection: {
          code: 'invalid_schema',
          stage: 'decode',
          message: expect.stringContaining(`schema id ${id}`),
        },
      });
    }
    expect(requests).toBe(1);
  });

  it('dead-letters a schema of an unknown schemaType as invalid_schema', async () => {
    const id = registry.store(JSON.stringify(TRACK_SCHEMA), 'XML');
    await expect(decoder().decode(framed(id))).resolves.toMatchObject({
      ok: false,
      rejection: { code: 'invalid_schema', message: expect.stringContaining('XML') },
    });
  });

  it('rejects bytes that do not decode with the writer schema as avro_decode_failed', async () => {
    await expect(decoder().decode(bytes.subarray(0, 8))).resolves.toMatchObject({
      ok: false,
      rejection: { code: 'avro_decode_failed' },
    });
  });

  it('stops retrying when the signal aborts', async () => {
    const stopped = createAvroDecoder({
      registry: {
        url: 'http://127.0.0.1:9',
        retryInitialDelayMs: 5,
        retryMaxDelayMs: 5,
        requestTimeoutMs: 1000,
      },
      clock: systemClock,
    });
    const controller = new AbortController();
    const pending = stopped.decode(framed(1), controller.signal);
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });
});
