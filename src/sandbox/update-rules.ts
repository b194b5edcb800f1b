/**
 * Validation of `/engage` and `/groups` update objects, as Mixpanel's profile and group APIs describe them:
 * the identifying keys, then exactly one operation with a value of the documented shape.
 */
import { PROFILE_OPERATIONS, type ProfileOperation } from '../mixpanel/records.js';

export type UpdateKind = '/engage' | '/groups';

export interface UpdateRules {
  readonly multipleOperations: 'reject' | 'apply';
  /** `$add` on /groups (only the batch page names it). */
  readonly groupsAdd: boolean;
}

/** Operations /groups accepts; `$add` depends on `groupsAdd`. */
const GROUP_OPERATIONS: ReadonlySet<ProfileOperation> = new Set([
  '$set',
  '$set_once',
  '$unset',
  '$remove',
  '$union',
  '$delete',
]);

export type UpdateVerdict =
  | {
      readonly ok: true;
      /** Profile key: the distinct_id, or group key and id joined by NUL. */
      readonly id: string;
      readonly token: unknown;
      readonly operations: readonly (readonly [ProfileOperation, unknown])[];
      readonly ignoreTime: boolean;
      readonly timeMs: number | undefined;
    }
  | { readonly ok: false; readonly message: string };

export function checkUpdate(value: unknown, kind: UpdateKind, rules: UpdateRules): UpdateVerdict {
  if (!isObject(value)) return fail('update must be a JSON object');
  if (typeof value.$token !== 'string' || value.$token.length === 0) {
    return fail('$token, missing or empty');
  }
  let id: string;
  if (kind === '/engage') {
    const distinctId = value.$distinct_id;
    if (typeof distinctId !== 'string' || distinctId.length === 0) {
      return fail('$distinct_id, missing or empty');
    }
    id = distinctId;
  } else {
    const key = value.$group_key;
    const groupId = value.$group_id;
    if (typeof key !== 'string' || key.length === 0) return fail('$group_key, missing or empty');
    if ((typeof groupId !== 'string' || groupId.length === 0) && typeof groupId !== 'number') {
      return fail('$group_id, missing or empty');
    }
    id = `${key}\u0000${String(groupId)}`;
  }

  const operations: [ProfileOperation, unknown][] = [];
  for (const op of PROFILE_OPERATIONS) {
    if (!(op in value)) continue;
    if (kind === '/groups' && !GROUP_OPERATIONS.has(op) && !(op === '$add' && rules.groupsAdd)) {
      return fail(`${op} is not a valid operation for group profiles`);
    }
    const problem = checkOperationValue(op, value[op]);
    if (problem) return fail(problem);
    operations.push([op, value[op]]);
  }
  if (operations.length === 0) return fail('no valid operation in the update');
  if (operations.length > 1 && rules.multipleOperations === 'reject') {
    return fail('only one operation per update is allowed');
  }
  const time = value.$time;
  return {
    ok: true,
    id,
    token: value.$token,
    operations,
    ignoreTime: value.$ignore_time === true || value.$ignore_time === 'true',
    timeMs:
      typeof time === 'number' && Number.isFinite(time)
        ? Math.trunc(time < 1e11 ? time * 1000 : time)
        : undefined,
  };
}

function checkOperationValue(op: ProfileOperation, v: unknown): string | undefined {
  switch (op) {
    case '$set':
    case '$set_once':
    case '$append':
    case '$remove':
      return isObject(v) ? undefined : `${op} must be an object`;
    case '$add':
      if (!isObject(v)) return '$add must be an object';
      for (const n of Object.values(v)) {
        if (typeof n !== 'number' || !Number.isFinite(n)) return '$add values must be numbers';
      }
      return undefined;
    case '$union':
      if (!isObject(v)) return '$union must be an object';
      for (const list of Object.values(v)) {
        if (!Array.isArray(list)) return '$union values must be lists';
      }
      return undefined;
    case '$unset':
      return Array.isArray(v) && v.length > 0 && v.every((k) => typeof k === 'string')
        ? undefined
        : '$unset must be a non-empty list of property names';
    case '$delete':
      return v === '' || v === null ? undefined : '$delete must be "" or null';
  }
}

function fail(message: string): UpdateVerdict {
  return { ok: false, message };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
