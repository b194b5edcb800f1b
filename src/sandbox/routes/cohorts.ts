/**
 * The cohort part of the inspection API (not Mixpanel's): define saved cohorts by a profile
 * property filter, see their members, connect one to a webhook URL the way a Mixpanel project
 * connects a webhook destination, and run a sync now. JSON shapes are in docs/sandbox.md.
 *
 *   GET    /_sandbox/cohorts                  every cohort, with its size and webhook connection
 *   POST   /_sandbox/cohorts                  {"name","filter":{"property","equals"|…},"id"?}
 *   GET    /_sandbox/cohorts/<id>             the cohort and its members now
 *   DELETE /_sandbox/cohorts/<id>
 *   POST   /_sandbox/cohorts/<id>/webhook     {"url","username"?,"password"?,"mode"?}: connect
 *   DELETE /_sandbox/cohorts/<id>/webhook
 *   POST   /_sandbox/cohorts/<id>/sync        run a webhook sync now; answers its report
 */
import { z } from 'zod';
import type { CohortBook, CohortDefinition } from '../cohorts/cohort-book.js';
import type {
  ConnectionView,
  SyncReport,
  WebhookConnectionInput,
  WebhookPusher,
} from '../cohorts/webhook-pusher.js';
import { json, methodNotAllowed, type Reply } from '../responses.js';

export interface CohortInspectable {
  readonly book: CohortBook;
  readonly pusher: WebhookPusher;
  readonly nowMs: () => number;
}

export interface CohortView extends CohortDefinition {
  readonly count: number;
  readonly webhook?: ConnectionView;
}

export function cohortView(api: CohortInspectable, cohort: CohortDefinition): CohortView {
  const webhook = api.pusher.view(cohort.id);
  return { ...cohort, count: api.book.members(cohort.id).length, ...(webhook ? { webhook } : {}) };
}

function invalid(error: unknown): Reply {
  if (error instanceof z.ZodError) {
    return json(400, {
      error: 'invalid cohort request',
      issues: error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    });
  }
  return json(400, { error: String(error) });
}

function parseBody(body: Buffer): { ok: true; value: unknown } | { ok: false; reply: Reply } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8') || '{}') as unknown };
  } catch {
    return { ok: false, reply: json(400, { error: 'the body must be JSON' }) };
  }
}

/** Answers a /_sandbox/cohorts request, or undefined when the path is not one of them. */
export async function handleCohortInspect(
  api: CohortInspectable,
  method: string,
  path: string,
  body: Buffer,
): Promise<Reply | undefined> {
  const match = /^\/_sandbox\/cohorts(?:\/(\d+)(?:\/(webhook|sync))?)?$/.exec(path);
  if (!match) return undefined;
  const id = match[1] === undefined ? undefined : Number(match[1]);
  const sub = match[2];
  if (id === undefined) {
    if (method === 'GET') {
      return json(200, { cohorts: api.book.all().map((c) => cohortView(api, c)) });
    }
    if (method !== 'POST') return methodNotAllowed();
    const parsed = parseBody(body);
    if (!parsed.ok) return parsed.reply;
    try {
      const cohort = api.book.define(parsed.value as never, api.nowMs());
      return json(201, { cohort: cohortView(api, cohort) });
    } catch (err) {
      return invalid(err);
    }
  }
  const cohort = api.book.get(id);
  if (!cohort) return json(404, { error: `no cohort ${id}` });
  if (sub === undefined) {
    if (method === 'GET')
      return json(200, { ...cohortView(api, cohort), members: api.book.members(id) });
    if (method !== 'DELETE') return methodNotAllowed();
    api.pusher.disconnect(id);
    return json(200, { deleted: api.book.remove(id) });
  }
  if (sub === 'webhook') {
    if (method === 'DELETE') return json(200, { disconnected: api.pusher.disconnect(id) });
    if (method !== 'POST') return methodNotAllowed();
    const parsed = parseBody(body);
    if (!parsed.ok) return parsed.reply;
    try {
      return json(201, { webhook: api.pusher.connect(id, parsed.value as WebhookConnectionInput) });
    } catch (err) {
      return invalid(err);
    }
  }
  if (method !== 'POST') return methodNotAllowed();
  const report: SyncReport | undefined = await api.pusher.syncNow(id);
  return report
    ? json(200, { sync: report })
    : json(409, { error: `cohort ${id} has no active webhook connection` });
}
