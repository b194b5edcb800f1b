/**
 * User and group profiles with Mixpanel's operation semantics (its profile and group update APIs,
 * https://developer.mixpanel.com/reference/profile-set): updates are applied in arrival order, so tests can check that a later `$set` wins.
 * At most `capacity` profiles are held; updates that would create more are counted as untracked.
 */
import type { ProfileOperation } from '../mixpanel/records.js';

export type Properties = Record<string, unknown>;

export interface ProfileMeta {
  /** `$ignore_time: true` leaves `$last_seen` alone. */
  readonly ignoreTime: boolean;
  /** `$time` of the update, else the server clock (ms). */
  readonly timeMs: number;
}

export class ProfileStore {
  private profiles = new Map<string, Properties>();
  private untrackedUpdates = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.profiles.size;
  }

  /** Updates dropped because they would have created a profile past the capacity. */
  get untracked(): number {
    return this.untrackedUpdates;
  }

  get(id: string): Properties | undefined {
    return this.profiles.get(id);
  }

  /** Every profile: its id and properties (read-only by convention). */
  entries(): IterableIterator<[string, Properties]> {
    return this.profiles.entries();
  }

  /** Applies one operation to the profile `id` (a distinct_id, or a group key and id). */
  apply(id: string, operation: ProfileOperation, value: unknown, meta: ProfileMeta): void {
    if (operation === '$delete') {
      this.profiles.delete(id);
      return;
    }
    let profile = this.profiles.get(id);
    if (!profile) {
      // Only operations that create a profile do so; the rest are no-ops on a missing one.
      if (operation === '$unset' || operation === '$remove') return;
      if (this.profiles.size >= this.capacity) {
        this.untrackedUpdates++;
        return;
      }
      profile = {};
      this.profiles.set(id, profile);
    }
    applyOperation(profile, operation, value);
    if (!meta.ignoreTime) profile.$last_seen = new Date(meta.timeMs).toISOString();
  }

  clear(): void {
    this.profiles.clear();
    this.untrackedUpdates = 0;
  }
}

function applyOperation(profile: Properties, operation: ProfileOperation, value: unknown): void {
  switch (operation) {
    case '$set':
      Object.assign(profile, value as Properties);
      return;
    case '$set_once':
      for (const [key, v] of Object.entries(value as Properties)) {
        if (!(key in profile)) profile[key] = v;
      }
      return;
    case '$add':
      for (const [key, v] of Object.entries(value as Properties)) {
        const current = profile[key];
        profile[key] = (typeof current === 'number' ? current : 0) + (v as number);
      }
      return;
    case '$union':
      for (const [key, v] of Object.entries(value as Properties)) {
        const list = asList(profile[key]);
        for (const item of v as unknown[]) {
          if (!list.some((existing) => same(existing, item))) list.push(item);
        }
        profile[key] = list;
      }
      return;
    case '$append':
      for (const [key, v] of Object.entries(value as Properties)) {
        const list = asList(profile[key]);
        list.push(v);
        profile[key] = list;
      }
      return;
    case '$remove':
      for (const [key, v] of Object.entries(value as Properties)) {
        const current = profile[key];
        if (Array.isArray(current)) profile[key] = current.filter((item) => !same(item, v));
      }
      return;
    case '$unset':
      for (const key of value as string[]) delete profile[key];
      return;
    case '$delete':
      return;
  }
}

function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return [...(value as unknown[])];
  return value === undefined ? [] : [value];
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
