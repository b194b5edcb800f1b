import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { REASON_CODES, SKIP_REASONS } from '../vocabulary.js';
import { INSERT_ID_NAMESPACE } from './insert-id.js';
import { PLACEHOLDER_IDS } from '../mixpanel/placeholder-ids.js';

const doc = readFileSync(join(import.meta.dirname, '../../docs/mapping.md'), 'utf8');
const OTHER_STAGES = [
  'schema_not_found',
  'invalid_schema',
  'avro_decode_failed',
  'mixpanel_rejected',
  'retries_exhausted',
];

describe('docs/mapping.md', () => {
  it.each(SKIP_REASONS)('documents the skip reason %s in the skips table', (reason) => {
    expect(doc).toMatch(new RegExp(`^\\| \`${reason}\` +\\|`, 'm'));
  });

  it.each(REASON_CODES.filter((c) => !OTHER_STAGES.includes(c)))(
    'documents the reason code %s in the validation table',
    (code) => {
      expect(doc).toMatch(new RegExp(`^\\| \\d+ +\\| \`${code}\` +\\|`, 'm'));
    },
  );

  it.each(Object.keys(configSchema.shape.mapping.unwrap().shape))(
    'documents the setting %s',
    (key) => {
      expect(doc).toMatch(new RegExp(`^\\| \`${key}\` +\\|`, 'm'));
    },
  );

  it('states the insert-id namespace and every placeholder id', () => {
    expect(doc).toContain(INSERT_ID_NAMESPACE);
    for (const id of PLACEHOLDER_IDS) expect(doc).toContain(`\`${id}\``);
  });
});
