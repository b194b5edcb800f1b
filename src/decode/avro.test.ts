import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import {
  startSchemaRegistry,
  TRACK_SCHEMA,
  type SchemaRegistryDouble,
} from '../../test/harness/schema-registry.js';
import { createAvroDecoder, isConfluentWireFormat } from './avro.js';

describe('Confluent Avro decoding', () => {
  let registry: SchemaRegistryDouble;
  let client: SchemaRegistry;
  let schemaId: number;

  beforeAll(async () => {
    registry = await startSchemaRegistry();
    client = new SchemaRegistry({ host: registry.url });
    ({ id: schemaId } = await client.register({
      type: SchemaType.AVRO,
      schema: JSON.stringify(TRACK_SCHEMA),
    }));
  });
  afterAll(() => registry.stop());

  const decoder = () =>
    createAvroDecoder({
      registry: { url: registry.url },
      clock: systemClock,
      retryDelayMs: 1,
      maxRetryDelayMs: 5,
    });

  it('decodes a message and parses JSON-string object fields', async () => {
    const bytes = await client.encode(schemaId, {
      type: 'track',
      event: 'Signed Up',
      userId: 'u-1',
      messageId: 'm-1',
      timestamp: '2024-12-30T09:15:00.000Z',
      properties: '{"plan":"pro"}',
    });
    expect(isConfluentWireFormat(bytes)).toBe(true);
    await expect(decoder().decode(bytes)).resolves.toEqual({
      ok: true,
      payload: {
        type: 'track',
        event: 'Signed Up',
        userId: 'u-1',
        messageId: 'm-1',
        timestamp: '2024-12-30T09:15:00.000Z',
        properties: { plan: 'pro' },
      },
    });
  });

  it('rejects an unknown schema id as schema_not_found', async () => {
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0x30, 0x39]), Buffer.from('xx')]);
    await expect(decoder().decode(bytes)).resolves.toMatchObject({
      ok: false,
      rejection: { code: 'schema_not_found', stage: 'decode' },
    });
  });

  it('rejects bytes that do not decode with the writer schema as avro_decode_failed', async () => {
    const good = await client.encode(schemaId, {
      type: 'track',
      event: 'E',
      userId: null,
      messageId: 'm',
      timestamp: 't',
      properties: '{}',
    });
    const truncated = good.subarray(0, 8);
    await expect(decoder().decode(truncated)).resolves.toMatchObject({
      ok: false,
      rejection: { code: 'avro_decode_failed' },
    });
  });

  it('retries a failing registry instead of dead-lettering the message', async () => {
    const fresh = new SchemaRegistry({ host: registry.url });
    const bytes = await fresh.encode(schemaId, {
      type: 'track',
      event: 'E',
      userId: null,
      messageId: 'm',
      timestamp: 't',
      properties: '{}',
    });
    const before = registry.requests.length;
    registry.failNext(6, 503);
    const outcome = await decoder().decode(bytes);
    expect(outcome.ok).toBe(true);
    expect(registry.requests.length - before).toBeGreaterThan(6);
  });

  it('stops retrying when the signal aborts', async () => {
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), Buffer.from('xx')]);
    const stopped = createAvroDecoder({
      registry: { url: 'http://127.0.0.1:9' },
      clock: systemClock,
      retryDelayMs: 5,
    });
    const controller = new AbortController();
    const pending = stopped.decode(bytes, controller.signal);
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });
});
