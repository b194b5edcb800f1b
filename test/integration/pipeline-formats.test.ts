/**
 * Per-user ordering of profile updates under faults, and the Confluent Avro input path, end to end
 * on the real broker and the sandbox: decoding, unknown schema ids, and a registry outage longer
 * than the session timeout (the member must keep its place in the group).
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSchemaRegistry, TRACK_SCHEMA } from '../harness/schema-registry.js';
import { readTopic, withAdmin } from '../harness/kafka/client.js';
import {
  deadLetterCount,
  usePipelineFixture,
  waitForCommitsAtEnd,
  type PipelineFixture,
} from '../harness/pipeline.js';
import { waitFor } from '../harness/wait.js';

/** The member ids of the group, as the group coordinator sees them. */
function members(fixture: PipelineFixture): Promise<string[]> {
  return withAdmin(fixture.kafka, async (admin) => {
    const { groups } = await admin.describeGroups([fixture.groupId]);
    return (groups[0]?.members ?? []).map((m) => m.memberId);
  });
}

describe('profile updates', () => {
  it('reach Mixpanel in Kafka order per user, so the latest $set wins, despite retries', async () => {
    const fixture = await usePipelineFixture({
      partitions: 3,
      config: { batching: { maxRecords: 25, lingerMs: 20 }, retry: { requestTimeoutMs: 500 } },
    });
    fixture.sandbox.addFault({ endpoint: '/engage', rate: 0.3, status: 503 });
    fixture.sandbox.addFault({ endpoint: '/engage', mode: 'hang', count: 3 });
    const users = ['ada', 'grace', 'linus', 'margaret', 'ken'];
    const messages = Array.from({ length: 600 }, (_, i) => {
      const userId = users[i % users.length] as string;
      return {
        key: userId,
        value: Buffer.from(
          JSON.stringify({
            type: 'identify',
            userId,
            messageId: `identify-${i}`,
            timestamp: new Date(Date.now() - 60_000).toISOString(),
            traits: { seq: i, plan: i % 2 === 0 ? 'even' : 'odd' },
          }),
        ),
      };
    });
    await fixture.startApp();
    await fixture.produce(messages);
    await waitForCommitsAtEnd(fixture);
    const stats = fixture.sandbox.stats();
    expect(stats.requests['/engage']['503']).toBeGreaterThan(0);
    expect(stats.faults.injected.hang).toBe(3);
    users.forEach((userId, u) => {
      const last = 600 - users.length + u;
      expect(fixture.sandbox.userRecords(userId).profile?.$properties).toMatchObject({
        seq: last,
        plan: last % 2 === 0 ? 'even' : 'odd',
      });
    });
  });
});

describe('Confluent Avro input', () => {
  it('decodes through the schema registry, delivers, and dead-letters unknown schema ids', async () => {
    const registry = await startSchemaRegistry();
    onTestFinished(() => registry.stop());
    const fixture = await usePipelineFixture({
      partitions: 1,
      sandbox: { keepRecords: 1000 },
      config: { input: { format: 'auto', schemaRegistry: { url: registry.url } } },
    });
    const client = new SchemaRegistry({ host: registry.url });
    const { id } = await client.register({
      type: SchemaType.AVRO,
      schema: JSON.stringify(TRACK_SCHEMA),
    });
    const timestamp = new Date(Date.now() - 60_000).toISOString();
    const avro = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.encode(id, {
          type: 'track',
          event: 'Avro Event',
          userId: `avro-user-${i % 5}`,
          messageId: `avro-${i}`,
          timestamp,
          properties: JSON.stringify({ n: i }),
        }),
      ),
    );
    const unknownSchema = Buffer.concat([
      Buffer.from([0, 0, 0, 0x7f, 0x7f]),
      Buffer.from('payload'),
    ]);
    const json = Buffer.from(
      JSON.stringify({
        type: 'track',
        event: 'Json Event',
        userId: 'json-user',
        messageId: 'json-1',
        timestamp,
      }),
    );
    await fixture.startApp();
    await fixture.produce([
      ...avro.map((value) => ({ key: 'avro', value })),
      { key: 'x', value: unknownSchema },
      { key: 'json', value: json },
    ]);
    await waitForCommitsAtEnd(fixture);
    expect(fixture.sandbox.stats().records['/import'].unique).toBe(51);
    expect(
      fixture.sandbox
        .userRecords('avro-user-3')
        .events.map((e) => Number(e.properties.n))
        .sort((a, b) => a - b),
    ).toEqual([3, 8, 13, 18, 23, 28, 33, 38, 43, 48]);
    const [letter] = await readTopic(fixture.kafka, fixture.deadLetterTopic, 1);
    expect(letter?.headers['dlq.error.code']).toBe('schema_not_found');
    expect(letter?.value?.equals(unknownSchema)).toBe(true);
  });

  it('keeps heartbeating through a registry outage longer than the session timeout, then delivers', async () => {
    const sessionTimeoutMs = 6000;
    const registry = await startSchemaRegistry();
    onTestFinished(() => registry.stop());
    const fixture = await usePipelineFixture({
      partitions: 1,
      sandbox: { keepRecords: 100 },
      config: {
        kafka: { sessionTimeoutMs, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
        input: {
          format: 'auto',
          schemaRegistry: { url: registry.url, retryInitialDelayMs: 100, retryMaxDelayMs: 500 },
        },
      },
    });
    const client = new SchemaRegistry({ host: registry.url });
    const { id } = await client.register({
      type: SchemaType.AVRO,
      schema: JSON.stringify(TRACK_SCHEMA),
    });
    const timestamp = new Date(Date.now() - 60_000).toISOString();
    const message = (messageId: string) => ({
      type: 'track',
      event: 'Outage Event',
      userId: 'outage-user',
      messageId,
      timestamp,
    });
    const app = await fixture.startApp();
    await fixture.produce([{ key: 'k', value: Buffer.from(JSON.stringify(message('json-1'))) }]);
    await waitForCommitsAtEnd(fixture);
    const [member] = await waitFor(
      () => members(fixture),
      (ids) => ids.length === 1,
      { what: 'one member in the group' },
    );

    registry.failUntilHealed(503);
    await fixture.produce([
      {
        key: 'k',
        value: await client.encode(id, { ...message('avro-1'), properties: '{}' }),
      },
      { key: 'k', value: Buffer.from(JSON.stringify(message('json-2'))) },
    ]);
    // Lookups keep failing (and being retried) for longer than the broker waits for a heartbeat.
    await waitFor(
      () => registry.failedAt,
      (at) => at.length > 1 && (at.at(-1) as number) - (at[0] as number) > sessionTimeoutMs + 2000,
      { what: 'registry failures spanning more than the session timeout', timeoutMs: 60_000 },
    );
    registry.heal();
    await waitForCommitsAtEnd(fixture);

    expect(await members(fixture)).toEqual([member]);
    const rebalances = await app.metrics.rebalances.get();
    expect(rebalances.values.find((v) => v.labels.kind === 'revoke')?.value ?? 0).toBe(0);
    expect(await deadLetterCount(fixture)).toBe(0n);
    expect(
      fixture.sandbox
        .userRecords('outage-user')
        .events.map((e) => e.properties.$insert_id)
        .sort(),
    ).toEqual(['avro-1', 'json-1', 'json-2']);
  });
});
