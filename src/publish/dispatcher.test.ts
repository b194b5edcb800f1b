import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks } from '../../test/harness/manual-clock.js';
import { BATCHING } from '../../test/support/batching.js';
import { createMetrics } from '../metrics/registry.js';
import type { PreparedRecord } from '../mixpanel/records.js';
import { Dispatcher } from './dispatcher.js';
import type { Publisher, PublishResult } from './publisher.js';
import type { Endpoint } from '../mixpanel/endpoints.js';
import { prepareRecord, type PreparedOutput } from '../transform/stage-results.js';
import { Router } from '../batch/router.js';

/** A publisher that holds every request until the test answers it. */
class HeldPublisher implements Publisher {
  readonly calls: {
    endpoint: Endpoint;
    records: readonly PreparedRecord[];
    answer: (r: PublishResult) => void;
  }[] = [];
  publish(endpoint: Endpoint, records: readonly PreparedRecord[]): Promise<PublishResult> {
    return new Promise((answer) => this.calls.push({ endpoint, records, answer }));
  }
  reachable(): boolean {
    return true;
  }
  async close(): Promise<void> {}
  /** Answers call i: every record delivered. */
  deliver(i: number): void {
    const call = this.calls[i];
    call?.answer({ results: call.records.map(() => ({ status: 'delivered' })) });
  }
}

const event = (name: string, distinctId = 'u'): PreparedOutput =>
  prepareRecord({
    endpoint: '/import',
    record: { event: name, properties: { time: 1, distinct_id: distinctId, $insert_id: name } },
  });
const profile = (distinctId: string, seq: number): PreparedOutput =>
  prepareRecord({
    endpoint: '/engage',
    record: { $token: 't', $distinct_id: distinctId, $set: { seq } },
  });

function setup(batching: Partial<typeof BATCHING> = {}) {
  const clock = new ManualClock();
  const publisher = new HeldPublisher();
  const outcomes: { endpoint: Endpoint; owners: string[] }[] = [];
  const dispatcher = new Dispatcher<string>({
    publisher,
    onResults: (batch) =>
      outcomes.push({ endpoint: batch.lane.endpoint, owners: batch.items.map((i) => i.owner) }),
  });
  const router = new Router<string>({
    batching: { ...BATCHING, ...batching },
    clock,
    metrics: createMetrics(),
    orderedLanes: 4,
    onBatch: (batch) => dispatcher.dispatch(batch),
  });
  // The two stages as the pipeline uses them: records in, batches out to the publisher.
  const lanes = {
    add: (record: PreparedOutput, owner: string) => router.add(record, owner),
    flush: () => router.flush('shutdown'),
    idle: () => dispatcher.idle(),
  };
  return { clock, publisher, lanes, outcomes };
}

describe('Router and Dispatcher', () => {
  it('sends /import batches concurrently', async () => {
    const { lanes, publisher } = setup({ maxRecords: 2 });
    for (let i = 0; i < 6; i++) lanes.add(event(`e${i}`), `m${i}`);
    await flushMicrotasks();
    expect(publisher.calls.map((c) => c.records.length)).toEqual([2, 2, 2]);
  });

  it('holds the next /engage batch for a user until the previous one is answered', async () => {
    const { lanes, publisher, clock } = setup({ maxRecords: 2 });
    for (let seq = 0; seq < 6; seq++) lanes.add(profile('ada', seq), `m${seq}`);
    await flushMicrotasks();
    // One lane for this user: only its first batch is in flight.
    expect(publisher.calls).toHaveLength(1);
    publisher.deliver(0);
    await flushMicrotasks();
    expect(publisher.calls).toHaveLength(2);
    publisher.deliver(1);
    await flushMicrotasks();
    publisher.deliver(2);
    await clock.advance(0);
    const sent = publisher.calls.flatMap((c) =>
      c.records.map((r) => (JSON.parse(r.json) as { $set: { seq: number } }).$set.seq),
    );
    expect(sent).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('spreads different users over lanes that run side by side', async () => {
    const { lanes, publisher } = setup({ maxRecords: 1 });
    const users = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'edsger', 'donald'];
    for (const user of users) lanes.add(profile(user, 0), user);
    await flushMicrotasks();
    expect(publisher.calls.length).toBeGreaterThan(1);
  });

  it('keeps identity events in requests of their own', async () => {
    const { lanes, publisher } = setup();
    lanes.add(event('Signed Up'), 'a');
    lanes.add(event('$identify'), 'b');
    lanes.add(event('Page Viewed'), 'c');
    lanes.flush();
    await flushMicrotasks();
    const batches = publisher.calls.map((c) =>
      c.records.map((r) => (JSON.parse(r.json) as { event: string }).event),
    );
    expect(batches).toEqual([['Signed Up', 'Page Viewed'], ['$identify']]);
  });

  it('reports each record with its owner once answered, and is idle after', async () => {
    const { lanes, publisher, outcomes } = setup();
    lanes.add(event('a'), 'first');
    lanes.add(event('b'), 'second');
    lanes.flush();
    await flushMicrotasks();
    let idle = false;
    void lanes.idle().then(() => (idle = true));
    await flushMicrotasks();
    expect(idle).toBe(false);
    publisher.deliver(0);
    await flushMicrotasks();
    expect(outcomes).toEqual([{ endpoint: '/import', owners: ['first', 'second'] }]);
    expect(idle).toBe(true);
  });

  it('sends the prepared bytes unchanged, with their owner', async () => {
    const { lanes, publisher } = setup({ maxRecords: 1 });
    const record = event('once');
    lanes.add(record, 'owner');
    await flushMicrotasks();
    expect(publisher.calls[0]?.records[0]).toEqual({
      json: record.json,
      bytes: record.bytes,
      owner: 'owner',
      nonIdempotent: undefined,
    });
  });
});
