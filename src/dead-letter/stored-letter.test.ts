import { describe, expect, it } from 'vitest';
import { deadLetterRecordHeaders, type DeadLetter } from './letter.js';
import { matchesFilter, parseOffsetRange, parseTime, describeFilter } from './filter.js';
import { REPLAYED_FROM_HEADER, parseDeadLetter, replayHeaders } from './stored-letter.js';

const written: DeadLetter = {
  source: {
    topic: 'segment-events',
    partition: 4,
    offset: 1042,
    timestamp: 1735550100000,
    key: Buffer.from('user-1'),
    value: Buffer.from('{not json'),
    headers: { traceparent: '00-abc', 'dlq.error.code': 'stale from an earlier trip' },
  },
  rejection: { code: 'mixpanel_rejected', stage: 'publish', message: 'bad time', field: 'time' },
  endpoint: '/import',
  attempts: 2,
  failedAt: 1735550200000,
};

/** What kafkajs hands a consumer: every header value as a Buffer. */
function asConsumed(headers: Record<string, Buffer | string>, offset = '7') {
  return {
    offset,
    key: Buffer.from('user-1'),
    value: Buffer.from('{not json'),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  };
}

describe('parseDeadLetter', () => {
  it('reads back every dlq.* header the processor writes, and keeps the original headers apart', () => {
    const letter = parseDeadLetter('dlq', 1, asConsumed(deadLetterRecordHeaders(written)));
    expect(letter).toMatchObject({ topic: 'dlq', partition: 1, offset: '7' });
    expect(letter.info).toEqual({
      code: 'mixpanel_rejected',
      stage: 'publish',
      message: 'bad time',
      sourceTopic: 'segment-events',
      sourcePartition: 4,
      sourceOffset: '1042',
      sourceTimestamp: 1735550100000,
      failedAt: 1735550200000,
      attempts: 2,
      endpoint: '/import',
      field: 'time',
    });
    expect(Object.keys(letter.originalHeaders)).toEqual(['traceparent']);
    expect(letter.originalHeaders.traceparent).toEqual(Buffer.from('00-abc'));
  });

  it('reports a record without the headers that locate its source as unreadable', () => {
    const headers = deadLetterRecordHeaders(written);
    delete headers['dlq.source.offset'];
    expect(parseDeadLetter('dlq', 0, asConsumed(headers)).info).toBeUndefined();
    expect(parseDeadLetter('dlq', 0, { offset: '1', key: null, value: null }).info).toBeUndefined();
    const bad = { ...deadLetterRecordHeaders(written), 'dlq.source.partition': 'four' };
    expect(parseDeadLetter('dlq', 0, asConsumed(bad)).info).toBeUndefined();
  });

  it('gives a replay the original headers plus where it came from', () => {
    const letter = parseDeadLetter('dlq', 1, asConsumed(deadLetterRecordHeaders(written), '99'));
    expect(replayHeaders(letter)).toEqual({
      traceparent: Buffer.from('00-abc'),
      [REPLAYED_FROM_HEADER]: 'dlq/1/99',
    });
  });
});

describe('dead-letter filters', () => {
  const letter = (code: string, failedAt: number | undefined, partition = 0, offset = '10') =>
    parseDeadLetter(
      'dlq',
      partition,
      asConsumed(
        {
          ...deadLetterRecordHeaders({
            ...written,
            rejection: { code: code as 'invalid_json', stage: 'decode', message: '' },
          }),
          ...(failedAt === undefined
            ? { 'dlq.failed.at': 'n/a' }
            : { 'dlq.failed.at': String(failedAt) }),
        },
        offset,
      ),
    );

  it('select by code, by failure time (since inclusive, until exclusive) and by position', () => {
    const codes = new Set(['invalid_json']);
    expect(matchesFilter({ codes }, letter('invalid_json', 5))).toBe(true);
    expect(matchesFilter({ codes }, letter('missing_event', 5))).toBe(false);
    expect(matchesFilter({ since: 5, until: 6 }, letter('invalid_json', 5))).toBe(true);
    expect(matchesFilter({ since: 5, until: 6 }, letter('invalid_json', 6))).toBe(false);
    expect(matchesFilter({ since: 5 }, letter('invalid_json', 4))).toBe(false);
    expect(matchesFilter({ since: 5 }, letter('invalid_json', undefined))).toBe(false);
    const offsets = [parseOffsetRange('1:10-20')];
    expect(matchesFilter({ offsets }, letter('x', 1, 1, '20'))).toBe(true);
    expect(matchesFilter({ offsets }, letter('x', 1, 1, '21'))).toBe(false);
    expect(matchesFilter({ offsets }, letter('x', 1, 0, '15'))).toBe(false);
    expect(matchesFilter({ codes, offsets }, letter('x', 1, 1, '15'))).toBe(false);
  });

  it('let unreadable records through position filters only', () => {
    const unreadable = parseDeadLetter('dlq', 2, { offset: '3', key: null, value: null });
    expect(matchesFilter({}, unreadable)).toBe(true);
    expect(matchesFilter({ offsets: [parseOffsetRange('2:3')] }, unreadable)).toBe(true);
    expect(matchesFilter({ codes: new Set(['invalid_json']) }, unreadable)).toBe(false);
  });

  it('parse the command-line forms and reject the rest with a usable message', () => {
    expect(parseOffsetRange('0:100-200')).toEqual({ partition: 0, from: 100n, to: 200n });
    expect(parseOffsetRange('2:57')).toEqual({ partition: 2, from: 57n, to: 57n });
    expect(parseOffsetRange('3:10-').to).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    expect(() => parseOffsetRange('0:200-100')).toThrow(/ends before it starts/);
    expect(() => parseOffsetRange('0-100')).toThrow(/PARTITION:FROM-TO/);
    expect(parseTime('2026-01-31T12:00:00Z')).toBe(Date.UTC(2026, 0, 31, 12));
    expect(parseTime('2026-01-31')).toBe(Date.UTC(2026, 0, 31));
    expect(() => parseTime('yesterday')).toThrow(/ISO 8601/);
    expect(() => parseTime('1700000000')).toThrow(/ISO 8601/);
    expect(describeFilter({})).toBe('all dead letters');
    expect(
      describeFilter({ codes: new Set(['invalid_json']), offsets: [parseOffsetRange('1:5-')] }),
    ).toBe('code invalid_json; offsets 1:5-');
  });
});
