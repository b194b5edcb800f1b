import { describe, expect, it } from 'vitest';
import { mappingSettings, TOKEN, validMessage } from '../../test/support/transform-config.js';
import type { ConfigInput } from '../config/schema.js';
import type { GroupMessage } from '../segment/message.js';
import { mapGroup } from './group.js';

type Mapping = NonNullable<ConfigInput['mapping']>;
const map = (payload: Record<string, unknown>, mapping: Mapping = {}) =>
  mapGroup(
    validMessage({ type: 'group', groupId: 'org-42', userId: 'u', ...payload }) as GroupMessage,
    mappingSettings(mapping),
  );
const groups = (key: string, id: string, op: Record<string, unknown>) => ({
  endpoint: '/groups',
  record: { $token: TOKEN, $group_key: key, $group_id: id, ...op },
});

describe('mapGroup', () => {
  it('uses $group_id and groupId by default, renaming name and created (A41)', () => {
    const traits = {
      name: 'Initrode',
      created_at: '2019-03-01T00:00:00Z',
      plan: 'enterprise',
      employees: 329,
    };
    expect(map({ traits, context: { ip: '1.2.3.4' } })).toEqual({
      records: [
        groups('$group_id', 'org-42', {
          $set: {
            plan: 'enterprise',
            employees: 329,
            $name: 'Initrode',
            $created: '2019-03-01T00:00:00Z',
          },
        }),
      ],
    });
  });

  it('takes the id from a truthy $group_id trait, as Segment does', () => {
    expect(map({ traits: { $group_id: 'org-from-trait', a: 1 } })).toEqual({
      records: [
        groups('$group_id', 'org-from-trait', { $set: { $group_id: 'org-from-trait', a: 1 } }),
      ],
    });
  });

  it('uses the first listed identifier trait present as key, its value (as a string) as id (A42)', () => {
    expect(
      map(
        { traits: { company_id: 77, plan: 'gold' } },
        { groupIdentifierTraits: ['org_slug', 'company_id'] },
      ),
    ).toEqual({
      records: [groups('company_id', '77', { $set: { company_id: 77, plan: 'gold' } })],
    });
  });

  it.each([
    ['absent', { name: 'Hooli', plan: 'gold' }],
    ['null', { company_id: null, plan: 'gold' }],
    ['empty', { company_id: '', plan: 'gold' }],
    ['an object', { company_id: { id: 1 } }],
    ['a boolean', { company_id: true }],
    ['inherited', {}],
  ])(
    'skips as no_group_identifier_trait when the identifier trait is %s (D01; Actions falls back, A43)',
    (_name, traits) => {
      expect(map({ traits }, { groupIdentifierTraits: ['company_id', 'constructor'] })).toEqual({
        skip: 'no_group_identifier_trait',
      });
    },
  );

  it('sends groupTraitsToSetOnce through $set_once', () => {
    expect(
      map(
        { traits: { plan: 'gold', founded: 1999, name: 'Hooli' } },
        { groupTraitsToSetOnce: ['founded', 'name'] },
      ),
    ).toEqual({
      records: [
        groups('$group_id', 'org-42', { $set: { plan: 'gold' } }),
        groups('$group_id', 'org-42', { $set_once: { founded: 1999, $name: 'Hooli' } }),
      ],
    });
  });

  it('skips as no_profile_update without traits (A44) or with empty traits', () => {
    expect(map({})).toEqual({ skip: 'no_profile_update' });
    expect(map({ traits: {} })).toEqual({ skip: 'no_profile_update' });
  });
});
