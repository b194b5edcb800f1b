import { describe, expect, it } from 'vitest';
import { mappingSettings, TOKEN, validMessage } from '../../test/support/transform-config.js';
import type { AliasMessage } from '../segment/message.js';
import { mapAlias } from './alias.js';
import { insertIds } from './insert-id.js';

const message = validMessage({
  type: 'alias',
  userId: 'u-2017',
  previousId: 'anon-2017',
  messageId: 'm-17',
}) as AliasMessage;

describe('mapAlias', () => {
  it('is not sent with Simplified ID Merge', () => {
    expect(mapAlias(message, mappingSettings())).toEqual({ skip: 'identity_not_sent' });
  });

  it('is a $create_alias event through /import with Original ID Merge (C17)', () => {
    expect(
      mapAlias(message, mappingSettings({ idMergeMode: 'original', sourceName: 'server' })),
    ).toEqual({
      records: [
        {
          endpoint: '/import',
          record: {
            event: '$create_alias',
            properties: {
              time: Date.UTC(2024, 11, 30, 9, 15),
              distinct_id: 'anon-2017',
              $insert_id: insertIds(message).derived('$create_alias'),
              alias: 'u-2017',
              token: TOKEN,
              segment_source_name: 'server',
            },
          },
        },
      ],
    });
  });
});
