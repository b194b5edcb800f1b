import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/harness/manual-clock.js';
import { silentLogger } from '../../log.js';
import { createMetrics } from '../../metrics/registry.js';
import type { CohortSyncRequestInput } from '../../mixpanel/cohort-webhook.js';
import { CohortSync } from '../cohort-sync.js';
import { MemoryCohortLog } from '../memory-cohort-log.js';
import { basicAuthAccepts } from './basic-auth.js';
import { WebhookHandler } from './webhook-handler.js';

function request(
  action: CohortSyncRequestInput['action'],
  ids: string[],
  page?: [number, number],
): Buffer {
  const body: CohortSyncRequestInput = {
    action,
    parameters: {
      mixpanel_project_id: 2195193,
      mixpanel_cohort_id: '5834112',
      mixpanel_cohort_name: 'Power Users',
      mixpanel_cohort_description: '3+ sessions in the last 7 days',
      mixpanel_session_id: 'a1b2c3',
      ...(page ? { page_info: { page_count: page[0], total_pages: page[1] } } : {}),
      members: ids.map((id) => ({
        mixpanel_distinct_id: id,
        email: `${id}@example.com`,
        first_name: 'Ana',
        last_name: 'Silva',
      })),
    },
  };
  return Buffer.from(JSON.stringify(body));
}

function setup() {
  const log = new MemoryCohortLog();
  const sync = new CohortSync({
    state: log.load(),
    log,
    clock: new ManualClock(),
    metrics: createMetrics(),
    logger: silentLogger(),
    sendToMixpanel: false,
    batchSize: 100,
  });
  const handler = new WebhookHandler({ sync, metrics: createMetrics(), logger: silentLogger() });
  return { log, handler };
}

describe('WebhookHandler', () => {
  it('answers success echoing the action once the page is written', async () => {
    const { log, handler } = setup();
    expect(await handler.handle(request('members', ['u1', 'u2'], [1, 2]))).toEqual({
      status: 200,
      answer: { action: 'members', status: 'success' },
    });
    expect(log.messages().map((m) => m.userId)).toEqual(['u1', 'u2']);
    await handler.handle(request('members', ['u3'], [2, 2]));
    await handler.handle(request('remove_members', ['u1']));
    expect(log.messages().map((m) => [m.userId, m.traits])).toEqual([
      ['u1', { 'Mixpanel - Power Users': true }],
      ['u2', { 'Mixpanel - Power Users': true }],
      ['u3', { 'Mixpanel - Power Users': true }],
      ['u1', { 'Mixpanel - Power Users': false }],
    ]);
  });

  it('refuses what is not a cohort sync with 400 and a failure that names the problem', async () => {
    const { log, handler } = setup();
    expect(await handler.handle(Buffer.from('{"action":"members"'))).toEqual({
      status: 400,
      answer: {
        action: '',
        status: 'failure',
        error: { message: 'the body is not JSON', code: 400 },
      },
    });
    const reply = await handler.handle(Buffer.from('{"action":"add_members","parameters":{}}'));
    expect(reply.status).toBe(400);
    expect(reply.answer).toMatchObject({ action: 'add_members', status: 'failure' });
    expect(reply.answer.status === 'failure' && reply.answer.error.message).toContain(
      'parameters.mixpanel_cohort_id',
    );
    expect(log.published).toEqual([]);
  });

  it('answers 503 when Kafka does not acknowledge, so Mixpanel retries', async () => {
    const { log, handler } = setup();
    log.failAfterWrites('publish', 0);
    const reply = await handler.handle(request('add_members', ['u1']));
    expect(reply.status).toBe(503);
    expect(reply.answer).toMatchObject({ action: 'add_members', status: 'failure' });
    log.heal();
    expect((await handler.handle(request('add_members', ['u1']))).status).toBe(200);
    expect(log.messages().map((m) => m.userId)).toEqual(['u1']);
  });
});

describe('basicAuthAccepts', () => {
  const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  const credentials = { username: 'mixpanel', password: 's3cret' };

  it.each([
    [undefined, undefined, true],
    [header('any:thing'), undefined, true],
    [header('mixpanel:s3cret'), credentials, true],
    [`basic   ${Buffer.from('mixpanel:s3cret').toString('base64')}`, credentials, true],
    [header('mixpanel:wrong'), credentials, false],
    [header('mixpanel:s3cret:'), credentials, false],
    [undefined, credentials, false],
    ['Bearer abc', credentials, false],
  ])('%s with %o → %s', (given, expected, accepted) => {
    expect(basicAuthAccepts(given, expected)).toBe(accepted);
  });
});
