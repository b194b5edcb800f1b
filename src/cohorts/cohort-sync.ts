/**
 * Cohort sync: turns pages of cohort membership (from the webhook or the Query API) into identify
 * messages for every user who entered or left, and keeps the membership in the state topic.
 *
 * A sync is a *generation*: a full listing (webhook `members`, every Query API listing) or a diff
 * (`add_members`, `remove_members`), in one or more pages, with a start time stored when it opens.
 * Each page is handled in three acknowledged steps:
 *
 *   1. stage the page (its distinct ids) in the state topic;
 *   2. write the identify messages of the users it moves: a full or `add` page enters the listed
 *      users who are not members, a `remove` page exits the listed users who are;
 *   3. record the new membership of those users.
 *
 * When every page of a full listing is staged, the members it did not list exit (steps 2 and 3),
 * and only then: a listing with pages missing never produces exits. Finally the generation is
 * marked finished in the cohort record and its pages are deleted.
 *
 * Why this order: messages are acknowledged before the membership they report is recorded, and
 * every step is a pure function of what is staged and recorded, with `messageId` and `timestamp`
 * taken from the generation. So a crash anywhere is repaired by running the generation's staged
 * pages again (recover): what was written is written again byte for byte, what was not is
 * written now — no transition is lost, none is invented, even if the cohort changed meanwhile.
 * The pages of one cohort are applied one at a time (Mixpanel may send them in parallel).
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';
import type { CohortSource } from '../vocabulary.js';
import { cohortKey, describeCohort, type CohortRef } from './cohort-ref.js';
import { LOG_OK, type CohortLog, type LogResult } from './cohort-log.js';
import { GenerationWriter, WriteFailed, type Moved, type Transition } from './generation-writer.js';
import { KeyedLock } from './keyed-lock.js';
import type { CohortState, MembershipState } from './membership-state.js';
import type { GenerationInfo, GenerationKind } from './state-records.js';

export interface PageInput {
  readonly ref: CohortRef;
  readonly name: string;
  readonly source: CohortSource;
  readonly generation: string;
  readonly kind: GenerationKind;
  /** From 1. */
  readonly page: number;
  /** Webhook: `page_info.total_pages`. */
  readonly totalPages?: number | undefined;
  /** Query API: this page is the last of the listing. */
  readonly last?: boolean | undefined;
  readonly ids: readonly string[];
}

export type PageOutcome =
  | {
      readonly kind: 'applied';
      readonly entered: number;
      readonly exited: number;
      /** The generation finished with this page. */
      readonly completed: boolean;
    }
  /** The generation had already finished (a late retry): nothing to do. */
  | { readonly kind: 'finished' }
  | { readonly kind: 'failed'; readonly reason: 'kafka'; readonly error: Error };

export interface CohortSyncOptions {
  readonly state: MembershipState;
  readonly log: CohortLog;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly sendToMixpanel: boolean;
  /** Messages or records per write. */
  readonly batchSize: number;
}

export class CohortSync {
  private readonly lock = new KeyedLock();
  private readonly writer: GenerationWriter;

  constructor(private readonly options: CohortSyncOptions) {
    this.writer = new GenerationWriter(options);
  }

  /** The id the next Query API generation of this cohort gets. */
  nextQueryGeneration(ref: CohortRef): string {
    return `query-${this.options.state.cohort(ref).sequence + 1}`;
  }

  receive(input: PageInput): Promise<PageOutcome> {
    return this.lock.run(cohortKey(input.ref), () => this.outcome(() => this.apply(input)));
  }

  /** Gives up a generation that will not complete: no exits; its entries stand. */
  abandon(ref: CohortRef, generation: string): Promise<LogResult> {
    return this.lock.run(cohortKey(ref), async () => {
      const cohort = this.options.state.cohort(ref);
      const info = cohort.generations.get(generation);
      if (!info) return LOG_OK;
      try {
        await this.writer.finish(cohort, generation, info.name);
      } catch (err) {
        if (err instanceof WriteFailed) return { ok: false, error: err.cause };
        throw err;
      }
      this.options.metrics.cohortSyncs.inc({ source: info.source, result: 'abandoned' });
      return LOG_OK;
    });
  }

  /**
   * After loading the state topic: runs the staged pages of every open generation of `source`
   * again (repairing whatever a crash interrupted), finishes the complete ones, abandons Query API
   * listings that cannot resume and webhook syncs older than `ttlMs`, and deletes leftovers.
   */
  async recover(source: CohortSource, ttlMs: number): Promise<LogResult> {
    for (const cohort of this.options.state.all()) {
      const result = await this.lock.run(cohortKey(cohort.ref), () =>
        this.outcome(() => this.recoverCohort(cohort, source, ttlMs)),
      );
      if (result.kind === 'failed') return { ok: false, error: result.error };
    }
    return LOG_OK;
  }

  /** Abandons webhook full syncs still incomplete `ttlMs` after they opened. */
  async expire(ttlMs: number): Promise<void> {
    const now = this.options.clock.now();
    for (const cohort of this.options.state.all()) {
      for (const [generation, info] of [...cohort.generations]) {
        if (info.source !== 'webhook' || now - info.timestampMs <= ttlMs) continue;
        const result = await this.abandon(cohort.ref, generation);
        this.options.logger.warn(
          { cohort: cohort.ref, generation, abandoned: result.ok },
          'an incomplete cohort sync expired: abandoned without exits',
        );
      }
    }
  }

  /** Resolves once every page submitted so far has been handled. */
  idle(): Promise<void> {
    return this.lock.idle();
  }

  /** A failed write ends the work where it stands: nothing after it was recorded. */
  private async outcome(work: () => Promise<PageOutcome>): Promise<PageOutcome> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof WriteFailed) return { kind: 'failed', reason: 'kafka', error: err.cause };
      throw err;
    }
  }

  private async apply(input: PageInput): Promise<PageOutcome> {
    const { ref, generation } = input;
    const cohort = this.options.state.cohort(ref);
    if (cohort.isFinished(generation)) return { kind: 'finished' };
    let info = cohort.generations.get(generation);
    if (!info) {
      if (input.kind === 'full' && input.source === 'webhook') await this.supersede(cohort);
      info = {
        source: input.source,
        kind: input.kind,
        timestampMs: this.options.clock.now(),
        name: input.name,
        totalPages: input.totalPages,
      };
      await this.writer.write([{ type: 'generation', ref, generation, info }]);
    }
    const pages = cohort.pagesOf(generation);
    if (!pages.has(input.page)) {
      const staged = { ids: [...new Set(input.ids)], last: input.last === true };
      await this.writer.write([{ type: 'page', ref, generation, page: input.page, staged }]);
      this.options.metrics.cohortPages.inc({ source: input.source });
    }
    const moved: Moved = { entered: 0, exited: 0 };
    await this.applyPage(cohort, generation, info, input.page, moved);
    const completed = cohort.isComplete(generation);
    if (completed) await this.complete(cohort, generation, info, moved);
    return { kind: 'applied', ...moved, completed };
  }

  /** A new full webhook sync replaces an incomplete older one: Mixpanel started over. */
  private async supersede(cohort: CohortState): Promise<void> {
    for (const [generation, info] of [...cohort.generations]) {
      if (info.source !== 'webhook' || info.kind !== 'full') continue;
      await this.writer.finish(cohort, generation, info.name);
      this.options.metrics.cohortSyncs.inc({ source: 'webhook', result: 'abandoned' });
      this.options.logger.warn(
        { cohort: cohort.ref, generation },
        'a new full cohort sync started before the previous one completed: the previous one is abandoned without exits',
      );
    }
  }

  /** Steps 2 and 3 for one staged page. */
  private async applyPage(
    cohort: CohortState,
    generation: string,
    info: GenerationInfo,
    page: number,
    moved: Moved,
  ): Promise<void> {
    const staged = cohort.pages.get(generation)?.get(page);
    if (!staged) return;
    const entering = info.kind !== 'remove';
    const transitions: Transition[] = [];
    for (const distinctId of staged.ids) {
      if (cohort.members.has(distinctId) !== entering) {
        transitions.push({ distinctId, member: entering });
      }
    }
    await this.writer.emit(cohort, generation, info, transitions, moved);
  }

  /** Exits of a complete full listing, then the generation is finished. */
  private async complete(
    cohort: CohortState,
    generation: string,
    info: GenerationInfo,
    moved: Moved,
  ): Promise<void> {
    if (info.kind === 'full') {
      const listed = cohort.listed(generation);
      const exits: Transition[] = [];
      for (const distinctId of cohort.members.keys()) {
        if (!listed.has(distinctId)) exits.push({ distinctId, member: false });
      }
      await this.writer.emit(cohort, generation, info, exits, moved);
    }
    await this.writer.finish(cohort, generation, info.name);
    this.options.metrics.cohortSyncs.inc({ source: info.source, result: 'completed' });
    this.options.logger.debug(
      { cohort: cohort.ref, generation, members: cohort.members.size },
      `${describeCohort(cohort.ref, info.name)}: sync ${generation} complete`,
    );
  }

  private async recoverCohort(
    cohort: CohortState,
    source: CohortSource,
    ttlMs: number,
  ): Promise<PageOutcome> {
    const moved: Moved = { entered: 0, exited: 0 };
    // Leftovers of finished generations, and pages whose generation is gone.
    for (const generation of new Set([...cohort.generations.keys(), ...cohort.pages.keys()])) {
      const info = cohort.generations.get(generation);
      if (info && !cohort.isFinished(generation)) continue;
      const leftovers = this.writer.leftovers(cohort, generation);
      if (leftovers.length > 0) await this.writer.write(leftovers);
    }
    const open = [...cohort.generations].sort(([, a], [, b]) => a.timestampMs - b.timestampMs);
    for (const [generation, info] of open) {
      if (info.source !== source) continue;
      const pages = [...(cohort.pages.get(generation)?.keys() ?? [])].sort((a, b) => a - b);
      for (const page of pages) await this.applyPage(cohort, generation, info, page, moved);
      if (cohort.isComplete(generation)) {
        await this.complete(cohort, generation, info, moved);
      } else if (info.source === 'query' || this.options.clock.now() - info.timestampMs > ttlMs) {
        await this.writer.finish(cohort, generation, info.name);
        this.options.metrics.cohortSyncs.inc({ source: info.source, result: 'abandoned' });
      }
    }
    if (moved.entered + moved.exited > 0) {
      this.options.logger.info(
        { cohort: cohort.ref, ...moved },
        'resumed an interrupted cohort sync from its staged pages',
      );
    }
    return { kind: 'applied', ...moved, completed: false };
  }
}
