/**
 * The records of the cohort state topic (compacted: the latest value per key is the state, a
 * tombstone deletes it). Four kinds, each key URI-encoding its parts after a type prefix:
 *
 *   member/<project>/<cohort>/<distinct_id>     {"v":1,"generation":G}   the user is a member
 *   generation/<project>/<cohort>/<generation>  {"v":1,"source",…}       a sync in progress
 *   page/<project>/<cohort>/<generation>/<n>    {"v":1,"ids":[…],"last"} a page of that sync
 *   cohort/<project>/<cohort>                   {"v":1,"name","finished":[…],"sequence"}
 *
 * A user who left a cohort has no member record (tombstone). A generation and its pages are
 * tombstoned when the sync finishes; the cohort record remembers the latest finished generations
 * so that a late retry of one is recognised and ignored.
 */
import { z } from 'zod';
import type { CohortSource } from '../vocabulary.js';
import type { CohortRef } from './cohort-ref.js';

/** `full`: a complete listing (webhook `members`, every Query API listing); the others are diffs. */
export const GENERATION_KINDS = ['full', 'add', 'remove'] as const;
export type GenerationKind = (typeof GENERATION_KINDS)[number];

export interface GenerationInfo {
  readonly source: CohortSource;
  readonly kind: GenerationKind;
  /** When the generation opened: the `timestamp` of every message it writes. */
  readonly timestampMs: number;
  /** The cohort's name when the generation opened: the trait of its messages. */
  readonly name: string;
  /** Known up front for the webhook (`page_info.total_pages`); a Query API page says it is last. */
  readonly totalPages: number | undefined;
}

export interface StagedPage {
  readonly ids: readonly string[];
  /** The Query API's last page (fewer results than its page size). */
  readonly last: boolean;
}

export interface CohortInfo {
  readonly name: string;
  /** The latest finished (completed or abandoned) generations, oldest first. */
  readonly finished: readonly string[];
  /** The number of the latest Query API generation (`query-<n>`). */
  readonly sequence: number;
}

export type StateRecord =
  | {
      readonly type: 'member';
      readonly ref: CohortRef;
      readonly distinctId: string;
      readonly generation: string | null;
    }
  | {
      readonly type: 'generation';
      readonly ref: CohortRef;
      readonly generation: string;
      readonly info: GenerationInfo | null;
    }
  | {
      readonly type: 'page';
      readonly ref: CohortRef;
      readonly generation: string;
      readonly page: number;
      readonly staged: StagedPage | null;
    }
  | { readonly type: 'cohort'; readonly ref: CohortRef; readonly info: CohortInfo | null };

/** A record as written to Kafka: `value` null is a tombstone. */
export interface StateWrite {
  readonly key: string;
  readonly value: Buffer | null;
}

const enc = encodeURIComponent;

function keyOf(record: StateRecord): string {
  const base = `${enc(record.ref.projectId)}/${enc(record.ref.cohortId)}`;
  switch (record.type) {
    case 'member':
      return `member/${base}/${enc(record.distinctId)}`;
    case 'generation':
      return `generation/${base}/${enc(record.generation)}`;
    case 'page':
      return `page/${base}/${enc(record.generation)}/${record.page}`;
    case 'cohort':
      return `cohort/${base}`;
  }
}

function valueOf(record: StateRecord): object | null {
  switch (record.type) {
    case 'member':
      return record.generation === null ? null : { generation: record.generation };
    case 'generation':
      return record.info === null
        ? null
        : { ...record.info, totalPages: record.info.totalPages ?? null };
    case 'page':
      return record.staged;
    case 'cohort':
      return record.info;
  }
}

export function encodeState(record: StateRecord): StateWrite {
  const value = valueOf(record);
  return {
    key: keyOf(record),
    value: value === null ? null : Buffer.from(JSON.stringify({ v: 1, ...value })),
  };
}

const memberValue = z.object({ v: z.literal(1), generation: z.string() });
const generationValue = z.object({
  v: z.literal(1),
  source: z.enum(['webhook', 'query']),
  kind: z.enum(GENERATION_KINDS),
  timestampMs: z.number().int(),
  name: z.string(),
  totalPages: z.number().int().min(1).nullable(),
});
const pageValue = z.object({ v: z.literal(1), ids: z.array(z.string()), last: z.boolean() });
const cohortValue = z.object({
  v: z.literal(1),
  name: z.string(),
  finished: z.array(z.string()),
  sequence: z.number().int().min(0),
});

function parse<T>(schema: z.ZodType<T>, value: Buffer): T | undefined {
  try {
    const result = schema.safeParse(JSON.parse(value.toString('utf8')));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** The record a Kafka key and value hold, or undefined when they are not a state record. */
export function decodeState(key: string, value: Buffer | null): StateRecord | undefined {
  const parts = key.split('/');
  let decoded: string[];
  try {
    decoded = parts.map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [type, projectId, cohortId, third, fourth] = decoded;
  if (projectId === undefined || cohortId === undefined) return undefined;
  const ref = { projectId, cohortId };
  switch (type) {
    case 'member': {
      if (parts.length !== 4 || third === undefined) return undefined;
      if (value === null) return { type, ref, distinctId: third, generation: null };
      const v = parse(memberValue, value);
      return v && { type, ref, distinctId: third, generation: v.generation };
    }
    case 'generation': {
      if (parts.length !== 4 || third === undefined) return undefined;
      if (value === null) return { type, ref, generation: third, info: null };
      const v = parse(generationValue, value);
      return (
        v && {
          type,
          ref,
          generation: third,
          info: {
            source: v.source,
            kind: v.kind,
            timestampMs: v.timestampMs,
            name: v.name,
            totalPages: v.totalPages ?? undefined,
          },
        }
      );
    }
    case 'page': {
      const page = Number(fourth);
      if (parts.length !== 5 || third === undefined || !Number.isInteger(page)) return undefined;
      if (value === null) return { type, ref, generation: third, page, staged: null };
      const v = parse(pageValue, value);
      return v && { type, ref, generation: third, page, staged: { ids: v.ids, last: v.last } };
    }
    case 'cohort': {
      if (parts.length !== 3) return undefined;
      if (value === null) return { type, ref, info: null };
      const v = parse(cohortValue, value);
      return v && { type, ref, info: { name: v.name, finished: v.finished, sequence: v.sequence } };
    }
    default:
      return undefined;
  }
}
