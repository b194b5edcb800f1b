/**
 * One request of Mixpanel's webhook cohort sync → one page for cohort sync → the JSON answer
 * Mixpanel expects. The answer is `success` only once cohort sync has written the page's identify
 * messages and state and Kafka acknowledged them; a Kafka failure answers 503, which Mixpanel
 * retries (and a retried page writes the same messages). A body that is not a cohort sync answers
 * 400 and a missing or wrong Basic authentication 401: Mixpanel pauses the sync and shows the
 * message, since a person has to fix the configuration.
 */
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics/registry.js';
import {
  cohortSyncRequestSchema,
  type CohortSyncAnswer,
  type CohortSyncRequest,
} from '../../mixpanel/cohort-webhook.js';
import type { CohortFailureReason } from '../../vocabulary.js';
import type { CohortSync, PageInput } from '../cohort-sync.js';
import type { GenerationKind } from '../state-records.js';

export interface WebhookReply {
  readonly status: number;
  readonly answer: CohortSyncAnswer;
}

const KIND: Record<CohortSyncRequest['action'], GenerationKind> = {
  members: 'full',
  add_members: 'add',
  remove_members: 'remove',
};

/** The page a valid request carries. Its generation: the action and the session id. */
export function pageOfRequest(request: CohortSyncRequest): PageInput {
  const p = request.parameters;
  return {
    ref: { projectId: p.mixpanel_project_id, cohortId: p.mixpanel_cohort_id },
    name: p.mixpanel_cohort_name,
    source: 'webhook',
    generation: `${request.action}:${p.mixpanel_session_id}`,
    kind: KIND[request.action],
    page: p.page_info?.page_count ?? 1,
    totalPages: p.page_info?.total_pages ?? 1,
    ids: p.members.map((m) => m.mixpanel_distinct_id),
  };
}

export function failure(action: string, status: number, message: string): WebhookReply {
  return { status, answer: { action, status: 'failure', error: { message, code: status } } };
}

/** The `action` of a body, whatever else is wrong with it, to echo in the answer. */
function actionOf(value: unknown): string {
  const action = (value as { action?: unknown } | null)?.action;
  return typeof action === 'string' ? action : '';
}

export class WebhookHandler {
  constructor(
    private readonly deps: {
      readonly sync: CohortSync;
      readonly metrics: Metrics;
      readonly logger: Logger;
    },
  ) {}

  /** Counts and logs a refused request; returns the reply. */
  refuse(reason: CohortFailureReason, reply: WebhookReply): WebhookReply {
    this.deps.metrics.cohortFailures.inc({ source: 'webhook', reason });
    this.deps.metrics.cohortSyncs.inc({ source: 'webhook', result: 'failed' });
    const error = reply.answer.status === 'failure' ? reply.answer.error.message : '';
    this.deps.logger.warn(
      { reason, status: reply.status, error },
      'cohort webhook request refused',
    );
    return reply;
  }

  async handle(body: Buffer): Promise<WebhookReply> {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return this.refuse('invalid_request', failure('', 400, 'the body is not JSON'));
    }
    const action = actionOf(json);
    const parsed = cohortSyncRequestSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ');
      return this.refuse(
        'invalid_request',
        failure(action, 400, `not a Mixpanel cohort sync request: ${problems}`),
      );
    }
    const page = pageOfRequest(parsed.data);
    const outcome = await this.deps.sync.receive(page);
    if (outcome.kind === 'failed') {
      return this.refuse(
        'kafka',
        failure(action, 503, `could not write to Kafka, retry later: ${outcome.error.message}`),
      );
    }
    this.deps.logger.debug(
      {
        cohort: page.ref,
        generation: page.generation,
        page: page.page,
        totalPages: page.totalPages,
        members: page.ids.length,
        ...(outcome.kind === 'applied'
          ? { entered: outcome.entered, exited: outcome.exited, completed: outcome.completed }
          : { alreadyFinished: true }),
      },
      'cohort webhook page applied',
    );
    return { status: 200, answer: { action, status: 'success' } };
  }
}
