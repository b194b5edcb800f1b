import { describe, expect, it } from 'vitest';
import { letter } from '../../test/support/dead-letter.js';
import { deadLetterHeaders, deadLetterRecordHeaders, truncateUtf8 } from './letter.js';

describe('dead-letter headers', () => {
  it('carry the reason and the source position as strings', () => {
    expect(deadLetterHeaders(letter(41))).toEqual({
      'dlq.error.code': 'invalid_json',
      'dlq.error.stage': 'decode',
      'dlq.error.message': 'Unexpected token n',
      'dlq.source.topic': 'events',
      'dlq.source.partition': '2',
      'dlq.source.offset': '41',
      'dlq.source.timestamp': '1735550100000',
      'dlq.failed.at': '1735550200000',
      'dlq.attempts': '0',
    });
  });

  it('name the Mixpanel endpoint and field for publish rejections', () => {
    const headers = deadLetterHeaders(
      letter(1, {
        rejection: {
          code: 'mixpanel_rejected',
          stage: 'publish',
          message: 'bad time',
          field: 'properties.time',
        },
        endpoint: '/import',
        attempts: 1,
      }),
    );
    expect(headers['dlq.mixpanel.endpoint']).toBe('/import');
    expect(headers['dlq.mixpanel.field']).toBe('properties.time');
    expect(headers['dlq.attempts']).toBe('1');
  });

  it('keep the source headers but replace stale dlq.* ones, except the replay trail', () => {
    const replayed = letter(1);
    const headers = deadLetterRecordHeaders({
      ...replayed,
      source: {
        ...replayed.source,
        headers: { ...replayed.source.headers, 'dlq.replayed.from': 'dlq/0/7' },
      },
    });
    expect(headers.traceparent).toBe('abc');
    expect(headers['dlq.error.code']).toBe('invalid_json');
    expect(headers['dlq.replayed.from']).toBe('dlq/0/7');
  });

  it('cap the message at 1 KB without splitting a character', () => {
    const long = 'é'.repeat(2000);
    const cut = truncateUtf8(long, 1024);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.startsWith('éé')).toBe(true);
    expect(truncateUtf8('short', 1024)).toBe('short');
  });
});
