/**
 * The sandbox's saved cohorts: each is a name and a filter on one user profile property
 * (defined through `POST /_sandbox/cohorts`). Membership is evaluated against the profiles at the
 * moment it is asked for, so a profile update (through `/engage`) moves a user in or out for the
 * next Query API listing or webhook sync, as a behavioural cohort would in Mixpanel.
 */
import { z } from 'zod';
import type { Properties, ProfileStore } from '../profile-store.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** One property and one test; `exists: false` matches profiles without the property. */
export const cohortFilterSchema = z
  .object({
    property: z.string().min(1),
    equals: scalar.optional(),
    notEquals: scalar.optional(),
    in: z.array(scalar).min(1).optional(),
    exists: z.boolean().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    contains: z.string().optional(),
  })
  .strict()
  .refine((f) => Object.keys(f).length === 2, {
    message:
      'give the property and exactly one test: equals, notEquals, in, exists, gt, gte, lt, lte or contains',
  });
export type CohortFilter = z.output<typeof cohortFilterSchema>;

export const cohortDefinitionSchema = z
  .object({
    /** Assigned (from 1001 up) when absent. */
    id: z.number().int().min(1).optional(),
    name: z.string().min(1),
    description: z.string().default(''),
    filter: cohortFilterSchema,
  })
  .strict();
export type CohortDefinitionInput = z.input<typeof cohortDefinitionSchema>;

export interface CohortDefinition {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly filter: CohortFilter;
  /** Sandbox clock time of the definition. */
  readonly createdMs: number;
}

export function matches(filter: CohortFilter, properties: Properties): boolean {
  const has = Object.hasOwn(properties, filter.property);
  const value = has ? properties[filter.property] : undefined;
  if (filter.exists !== undefined) return has === filter.exists;
  if (!has) return false;
  if (filter.equals !== undefined) return value === filter.equals;
  if (filter.notEquals !== undefined) return value !== filter.notEquals;
  if (filter.in !== undefined) return filter.in.some((v) => v === value);
  if (filter.contains !== undefined) {
    return typeof value === 'string'
      ? value.includes(filter.contains)
      : Array.isArray(value) && value.includes(filter.contains);
  }
  if (typeof value !== 'number') return false;
  if (filter.gt !== undefined) return value > filter.gt;
  if (filter.gte !== undefined) return value >= filter.gte;
  if (filter.lt !== undefined) return value < filter.lt;
  if (filter.lte !== undefined) return value <= filter.lte;
  return false;
}

export class CohortBook {
  private readonly cohorts = new Map<number, CohortDefinition>();
  private nextId = 1001;

  constructor(private readonly users: ProfileStore) {}

  /** Validates and saves a definition (replacing one with the same id); throws a ZodError. */
  define(input: CohortDefinitionInput, nowMs: number): CohortDefinition {
    const parsed = cohortDefinitionSchema.parse(input);
    const id = parsed.id ?? this.nextId;
    this.nextId = Math.max(this.nextId, id + 1);
    const definition: CohortDefinition = {
      id,
      name: parsed.name,
      description: parsed.description,
      filter: parsed.filter,
      createdMs: this.cohorts.get(id)?.createdMs ?? nowMs,
    };
    this.cohorts.set(id, definition);
    return definition;
  }

  get(id: number): CohortDefinition | undefined {
    return this.cohorts.get(id);
  }

  remove(id: number): boolean {
    return this.cohorts.delete(id);
  }

  all(): readonly CohortDefinition[] {
    return [...this.cohorts.values()].sort((a, b) => a.id - b.id);
  }

  /** The distinct ids of the cohort's members now, sorted. */
  members(id: number): string[] {
    const cohort = this.cohorts.get(id);
    if (!cohort) return [];
    const ids: string[] = [];
    for (const [distinctId, properties] of this.users.entries()) {
      if (matches(cohort.filter, properties)) ids.push(distinctId);
    }
    return ids.sort();
  }

  /** Every user profile's distinct id, sorted (`/engage` without a filter). */
  everyone(): string[] {
    return [...this.users.entries()].map(([id]) => id).sort();
  }

  profile(distinctId: string): Properties | undefined {
    return this.users.get(distinctId);
  }
}
