/**
 * Mixpanel cohorts back into the stream, end to end on the real broker with the sandbox: cohorts
 * defined in the sandbox, profiles moved in and out between syncs, and both the webhook receiver
 * (push) and the Query API puller (pull) writing exactly one identify message per transition to
 * the cohort topic — none for users who did not change — also across a crash in the middle of a
 * sync and a restart. The processor consuming that topic with `cohorts.sendToMixpanel: true`
 * sets the profiles' "Mixpanel - <cohort>" properties.
 */
import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type { CohortLog, LogResult } from '../../src/cohorts/cohort-log.js';
import { runCohortPull } from '../../src/cohorts/cohort-pull.js';
import { startCohortReceiver, type CohortReceiver } from '../../src/cohorts/cohort-receiver.js';
import type { CohortServiceConfig } from '../../src/cohorts/cohort-service.js';
import type { IdentifyRecord } from '../../src/cohorts/identify-message.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/registry.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { endOffsets, readTopic, testBrokers, uniqueName } from '../harness/kafka/client.js';
import { TOKEN, usePipelineFixture } from '../harness/pipeline.js';
import { post } from '../harness/sandbox.js';
import { waitFor } from '../harness/wait.js';

const SERVICE_ACCOUNT = { username: 'sa', secret: 'sa-secret' };

function cohortConfig(cohorts: NonNullable<ConfigInput['cohorts']>): Readonly<CohortServiceConfig> {
  return configSchema.partial({ mixpanel: true }).parse({
    kafka: { brokers: testBrokers() },
    cohorts: { stateTopic: uniqueName('cohort-state'), ...cohorts },
    metrics: { enabled: false },
    log: { level: 'warn' },
  });
}

const quiet = { logger: silentLogger(), metrics: createMetrics(), createTopics: { partitions: 1 } };

async function setPlans(sandbox: Sandbox, plans: Record<string, string>): Promise<void> {
  const updates = Object.entries(plans).map(([id, plan]) => ({
    $token: TOKEN,
    $distinct_id: id,
    $set: { plan, $email: `${id}@example.com` },
  }));
  const answer = await post(`${sandbox.url}/engage?verbose=1`, JSON.stringify(updates), {
    headers: { 'content-type': 'application/json' },
  });
  expect(answer.json).toEqual({ status: 1, error: null });
}

interface Written {
  readonly key: string | null;
  readonly raw: string;
  readonly message: {
    type: string;
    userId: string;
    traits: Record<string, boolean>;
    messageId: string;
    timestamp: string;
    integrations?: Record<string, boolean>;
  };
}

/** Every record of the topic, in offset order per partition. */
async function topicRecords(kafka: Kafka, topic: string): Promise<Written[]> {
  const total = [...(await endOffsets(kafka, topic)).values()].reduce((a, b) => a + b, 0n);
  if (total === 0n) return [];
  const records = await readTopic(kafka, topic, Number(total));
  return records
    .sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)))
    .map((r) => {
      const raw = r.value?.toString() ?? '';
      return { key: r.key, raw, message: JSON.parse(raw) as Written['message'] };
    });
}

/**
 * The distinct transitions written (`user=true|false`), checking that every copy of a message id
 * is byte-identical: a resent message is the same message, never a new transition.
 */
function transitions(written: readonly Written[], trait: string): string[] {
  const byId = new Map<string, string>();
  for (const w of written) {
    const earlier = byId.get(w.message.messageId);
    if (earlier !== undefined) expect(w.raw).toBe(earlier);
    byId.set(w.message.messageId, w.raw);
    expect(w.key).toBe(w.message.userId);
  }
  return [...byId.values()]
    .map((raw) => JSON.parse(raw) as Written['message'])
    .map((m) => `${m.userId}=${String(m.traits[trait])}`)
    .sort();
}

/** Wraps the Kafka log: after the identify batch `trigger` picks is acknowledged, every write fails. */
function crashAfter(trigger: (messages: readonly IdentifyRecord[]) => boolean) {
  let crashed = false;
  const refused: LogResult = { ok: false, error: new Error('the process crashed') };
  return {
    crashed: () => crashed,
    wrap: (log: CohortLog): CohortLog => ({
      async publish(messages) {
        if (crashed) return refused;
        const result = await log.publish(messages);
        if (result.ok && trigger(messages)) crashed = true;
        return result;
      },
      record: async (writes) => (crashed ? refused : log.record(writes)),
    }),
  };
}

describe('cohorts → identify messages in Kafka', () => {
  it('push: the webhook receiver writes one identify per transition, across a crash and restart', async () => {
    const fixture = await usePipelineFixture({
      partitions: 3,
      sandbox: {
        cohorts: {
          syncPageSize: 2,
          syncRetries: 2,
          syncRetryDelayMs: 20,
          syncIntervalMs: 3_600_000,
        },
      },
    });
    const { sandbox, kafka } = fixture;
    const trait = 'Mixpanel - Pro Users';
    await setPlans(sandbox, { u1: 'pro', u2: 'pro', u3: 'pro', u4: 'free', u5: 'free' });
    sandbox.defineCohort({
      id: 11,
      name: 'Pro Users',
      filter: { property: 'plan', equals: 'pro' },
    });
    const config = cohortConfig({
      topic: fixture.topic,
      webhook: { host: '127.0.0.1', port: 0, username: 'mixpanel', password: 'hook-secret' },
    });
    let receiver: CohortReceiver = await startCohortReceiver(config, quiet);
    try {
      sandbox.connectCohortWebhook(11, {
        url: receiver.url,
        username: 'mixpanel',
        password: 'hook-secret',
      });
      // Waits for the first (full, two pages) sync, then runs an empty diff.
      expect(await sandbox.syncCohortWebhook(11)).toMatchObject({ status: 'success' });
      const first = await topicRecords(kafka, fixture.topic);
      expect(transitions(first, trait)).toEqual(['u1=true', 'u2=true', 'u3=true']);
      expect(first[0]?.message).toEqual({
        type: 'identify',
        userId: first[0]?.message.userId,
        traits: { [trait]: true },
        messageId: expect.stringMatching(/^mp-cohort-[0-9a-f]{32}$/),
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        integrations: { Mixpanel: false },
      });

      await setPlans(sandbox, { u1: 'free', u4: 'pro' });
      expect(await sandbox.syncCohortWebhook(11)).toMatchObject({ added: 1, removed: 1 });
      expect(transitions(await topicRecords(kafka, fixture.topic), trait)).toEqual([
        'u1=false',
        'u1=true',
        'u2=true',
        'u3=true',
        'u4=true',
      ]);

      // Crash: u5's identify is acknowledged, its membership never recorded.
      await receiver.stop();
      const crash = crashAfter((messages) => messages.some((m) => m.key === 'u5'));
      receiver = await startCohortReceiver(
        {
          ...config,
          cohorts: {
            ...config.cohorts,
            webhook: { ...config.cohorts.webhook, port: portOf(receiver) },
          },
        },
        { ...quiet, wrapLog: crash.wrap },
      );
      await setPlans(sandbox, { u2: 'free', u5: 'pro' });
      expect(await sandbox.syncCohortWebhook(11)).toMatchObject({ status: 'failed' });
      expect(crash.crashed()).toBe(true);
      await receiver.stop();

      // Restart: the interrupted sync is finished from its staged page, then Mixpanel's next
      // sync (the same diff: the failed one did not advance its snapshot) changes nothing more.
      receiver = await startCohortReceiver(
        {
          ...config,
          cohorts: {
            ...config.cohorts,
            webhook: { ...config.cohorts.webhook, port: portOf(receiver) },
          },
        },
        quiet,
      );
      expect(await sandbox.syncCohortWebhook(11)).toMatchObject({ status: 'success' });
      const all = await topicRecords(kafka, fixture.topic);
      expect(transitions(all, trait)).toEqual([
        'u1=false',
        'u1=true',
        'u2=false',
        'u2=true',
        'u3=true',
        'u4=true',
        'u5=true',
      ]);
      // u3 never changed: one message, from the first sync.
      expect(all.filter((w) => w.message.userId === 'u3')).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  it('pull: the Query API puller writes the same messages, survives a crash mid-listing, and the processor sets the profile properties', async () => {
    const fixture = await usePipelineFixture({
      partitions: 2,
      sandbox: { cohorts: { queryPageSize: 2 } },
    });
    const { sandbox, kafka } = fixture;
    const trait = 'Mixpanel - Trial';
    await setPlans(sandbox, { t1: 'trial', t2: 'trial', t3: 'trial', t4: 'paid', t5: 'trial' });
    sandbox.defineCohort({ id: 21, name: 'Trial', filter: { property: 'plan', equals: 'trial' } });
    const config = cohortConfig({
      topic: fixture.topic,
      sendToMixpanel: true,
      query: {
        serviceAccount: SERVICE_ACCOUNT,
        projectId: '1',
        apiHost: sandbox.url,
        retryInitialDelayMs: 20,
        retryMaxDelayMs: 100,
      },
    });
    const stop = new AbortController();
    const pull = (wrapLog?: (log: CohortLog) => CohortLog) =>
      runCohortPull(config, {
        ...quiet,
        cohortIds: ['21'],
        signal: stop.signal,
        ...(wrapLog ? { wrapLog } : {}),
      });
    await fixture.startApp();
    const profile = (id: string) => sandbox.userRecords(id).profile?.$properties[trait];

    expect(await pull()).toEqual([
      // Four members fill two pages of 2: a third, empty page ends the listing.
      expect.objectContaining({ listed: 4, pages: 3, entered: 4, exited: 0 }),
    ]);
    await waitFor(
      () => ['t1', 't2', 't3', 't5'].map(profile),
      (values) => values.every((v) => v === true),
      { what: 'the processor to set "Mixpanel - Trial" on the members' },
    );
    expect(profile('t4')).toBeUndefined();

    // Crash during the next listing, after the identifies of its first page.
    await setPlans(sandbox, { t1: 'paid', t4: 'trial', t6: 'trial' });
    const crash = crashAfter(() => true);
    const [crashed] = await pull(crash.wrap);
    expect(crashed?.failure?.reason).toBe('kafka');
    // Before the restart, t2 leaves as well.
    await setPlans(sandbox, { t2: 'paid' });
    // The restart finishes the interrupted listing's page (t4) and abandons it without exits;
    // the new listing adds t6 and exits t1 and t2.
    const [resumed] = await pull();
    expect(resumed).toMatchObject({ generation: 'query-3', entered: 1, exited: 2 });
    expect(resumed).not.toHaveProperty('failure');

    const all = await topicRecords(kafka, fixture.topic);
    expect(transitions(all, trait)).toEqual([
      't1=false',
      't1=true',
      't2=false',
      't2=true',
      't3=true',
      't4=true',
      't5=true',
      't6=true',
    ]);
    expect(all.every((w) => w.message.integrations === undefined)).toBe(true);
    await waitFor(
      () => ['t1', 't2', 't3', 't4', 't5', 't6'].map(profile),
      (values) => values.join() === [false, false, true, true, true, true].join(),
      { what: 'the processor to update "Mixpanel - Trial" after the moves' },
    );
  });
});

function portOf(receiver: CohortReceiver): number {
  return Number(new URL(receiver.url).port);
}
