import { describe, expect, it } from 'vitest';
import { checkUpdate, type UpdateRules } from './update-rules.js';

const rules: UpdateRules = { multipleOperations: 'reject', groupsAdd: true };
const user = (extra: Record<string, unknown>) => ({ $token: 't', $distinct_id: 'u1', ...extra });
const group = (extra: Record<string, unknown>) => ({
  $token: 't',
  $group_key: 'company_id',
  $group_id: 'c1',
  ...extra,
});

/** Mixpanel's profile and group operations. */
const rows: [string, unknown, '/engage' | '/groups', UpdateRules, string][] = [
  ['$set', user({ $set: { a: 1 } }), '/engage', rules, 'ok'],
  ['$set_once', user({ $set_once: { a: 1 } }), '/engage', rules, 'ok'],
  ['$add', user({ $add: { n: -2 } }), '/engage', rules, 'ok'],
  [
    '$add with a string',
    user({ $add: { n: '2' } }),
    '/engage',
    rules,
    '$add values must be numbers',
  ],
  ['$union', user({ $union: { l: ['a'] } }), '/engage', rules, 'ok'],
  [
    '$union with a scalar',
    user({ $union: { l: 'a' } }),
    '/engage',
    rules,
    '$union values must be lists',
  ],
  ['$append', user({ $append: { l: 'a' } }), '/engage', rules, 'ok'],
  ['$remove', user({ $remove: { l: 'a' } }), '/engage', rules, 'ok'],
  ['$unset', user({ $unset: ['a'] }), '/engage', rules, 'ok'],
  [
    '$unset empty',
    user({ $unset: [] }),
    '/engage',
    rules,
    '$unset must be a non-empty list of property names',
  ],
  ['$delete ""', user({ $delete: '' }), '/engage', rules, 'ok'],
  ['$delete null', user({ $delete: null }), '/engage', rules, 'ok'],
  ['$set not an object', user({ $set: 'x' }), '/engage', rules, '$set must be an object'],
  ['no $token', { $distinct_id: 'u', $set: {} }, '/engage', rules, '$token, missing or empty'],
  [
    'empty $distinct_id',
    user({ $distinct_id: '', $set: {} }),
    '/engage',
    rules,
    '$distinct_id, missing or empty',
  ],
  ['no operation', user({ $ip: '0' }), '/engage', rules, 'no valid operation in the update'],
  [
    'two operations (refused by default)',
    user({ $set: { a: 1 }, $add: { n: 1 } }),
    '/engage',
    rules,
    'only one operation per update is allowed',
  ],
  [
    'two operations with the knob',
    user({ $set: { a: 1 }, $add: { n: 1 } }),
    '/engage',
    { ...rules, multipleOperations: 'apply' },
    'ok',
  ],
  ['not an object', [1], '/engage', rules, 'update must be a JSON object'],
  ['group $set', group({ $set: { plan: 'pro' } }), '/groups', rules, 'ok'],
  [
    'group without $group_key',
    { $token: 't', $group_id: 'c', $set: {} },
    '/groups',
    rules,
    '$group_key, missing or empty',
  ],
  [
    'group without $group_id',
    { $token: 't', $group_key: 'k', $set: {} },
    '/groups',
    rules,
    '$group_id, missing or empty',
  ],
  [
    'group $append is not a group operation',
    group({ $append: { l: 1 } }),
    '/groups',
    rules,
    '$append is not a valid operation for group profiles',
  ],
  ['group $add (accepted by default)', group({ $add: { n: 1 } }), '/groups', rules, 'ok'],
  [
    'group $add with the knob off',
    group({ $add: { n: 1 } }),
    '/groups',
    { ...rules, groupsAdd: false },
    '$add is not a valid operation for group profiles',
  ],
];

describe('checkUpdate', () => {
  it.each(rows)('%s', (_name, input, kind, r, expected) => {
    const verdict = checkUpdate(input, kind, r);
    expect(verdict.ok ? 'ok' : verdict.message).toBe(expected);
  });

  it('keys group profiles by key and id, reads $ignore_time and $time', () => {
    expect(checkUpdate(group({ $set: {} }), '/groups', rules)).toMatchObject({
      ok: true,
      id: 'company_id\u0000c1',
    });
    expect(
      checkUpdate(user({ $set: {}, $ignore_time: true, $time: 1_700_000_000 }), '/engage', rules),
    ).toMatchObject({ ok: true, id: 'u1', ignoreTime: true, timeMs: 1_700_000_000_000 });
  });
});
