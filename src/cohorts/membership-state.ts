/**
 * The in-memory view of the cohort state topic: per cohort, its members, the generations (syncs)
 * in progress with their staged pages, and the latest finished generations. Built by applying the
 * topic's records in any order across keys (the latest value per key wins, as compaction keeps
 * it), then kept current by cohort-sync.ts after each acknowledged write.
 */
import { cohortKey, type CohortRef } from './cohort-ref.js';
import type { GenerationInfo, StagedPage, StateRecord } from './state-records.js';

/** Finished generations remembered per cohort, to recognise late retries. */
export const FINISHED_KEPT = 32;

export class CohortState {
  name: string | undefined;
  /** distinct id → the generation that made the user a member. */
  readonly members = new Map<string, string>();
  readonly generations = new Map<string, GenerationInfo>();
  /** Staged pages by generation; may hold pages of a generation not (or no longer) known. */
  readonly pages = new Map<string, Map<number, StagedPage>>();
  finished: string[] = [];
  sequence = 0;

  constructor(readonly ref: CohortRef) {}

  pagesOf(generation: string): Map<number, StagedPage> {
    let pages = this.pages.get(generation);
    if (!pages) {
      pages = new Map();
      this.pages.set(generation, pages);
    }
    return pages;
  }

  isFinished(generation: string): boolean {
    return this.finished.includes(generation);
  }

  /** Every page of the generation has been staged. */
  isComplete(generation: string): boolean {
    const info = this.generations.get(generation);
    const pages = this.pages.get(generation);
    if (!info || !pages) return false;
    let total = info.totalPages;
    if (total === undefined) {
      for (const [page, staged] of pages) if (staged.last) total = page;
    }
    if (total === undefined) return false;
    for (let page = 1; page <= total; page++) if (!pages.has(page)) return false;
    return true;
  }

  /** The distinct ids listed by the generation's staged pages. */
  listed(generation: string): Set<string> {
    const ids = new Set<string>();
    for (const staged of this.pages.get(generation)?.values() ?? []) {
      for (const id of staged.ids) ids.add(id);
    }
    return ids;
  }

  markFinished(generation: string): void {
    this.finished = [...this.finished.filter((g) => g !== generation), generation].slice(
      -FINISHED_KEPT,
    );
    const match = /^query-(\d+)$/.exec(generation);
    if (match) this.sequence = Math.max(this.sequence, Number(match[1]));
  }
}

export class MembershipState {
  private readonly cohorts = new Map<string, CohortState>();

  cohort(ref: CohortRef): CohortState {
    const key = cohortKey(ref);
    let cohort = this.cohorts.get(key);
    if (!cohort) {
      cohort = new CohortState({ projectId: ref.projectId, cohortId: ref.cohortId });
      this.cohorts.set(key, cohort);
    }
    return cohort;
  }

  all(): readonly CohortState[] {
    return [...this.cohorts.values()];
  }

  /** Applies one record of the state topic (loading, or after an acknowledged write). */
  apply(record: StateRecord): void {
    const cohort = this.cohort(record.ref);
    switch (record.type) {
      case 'member':
        if (record.generation === null) cohort.members.delete(record.distinctId);
        else cohort.members.set(record.distinctId, record.generation);
        return;
      case 'generation':
        if (record.info === null) {
          cohort.generations.delete(record.generation);
        } else {
          cohort.generations.set(record.generation, record.info);
          cohort.name ??= record.info.name;
          const match = /^query-(\d+)$/.exec(record.generation);
          if (match) cohort.sequence = Math.max(cohort.sequence, Number(match[1]));
        }
        return;
      case 'page':
        if (record.staged === null) {
          const pages = cohort.pages.get(record.generation);
          pages?.delete(record.page);
          if (pages?.size === 0) cohort.pages.delete(record.generation);
        } else {
          cohort.pagesOf(record.generation).set(record.page, record.staged);
        }
        return;
      case 'cohort':
        if (record.info === null) return;
        cohort.name = record.info.name;
        cohort.sequence = Math.max(cohort.sequence, record.info.sequence);
        for (const generation of record.info.finished) cohort.markFinished(generation);
        return;
    }
  }
}
