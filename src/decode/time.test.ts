import { describe, expect, it } from 'vitest';
import {
  MAX_FUTURE_MS,
  MIN_EVENT_TIME_MS,
  parseIsoTime,
  parseTimeValue,
  resolveEventTime,
} from './time.js';

const NOW = Date.UTC(2025, 0, 1); // 1735689600000, the vectors' harness clock
const T = Date.UTC(2024, 11, 30, 9, 15); // 2024-12-30T09:15:00Z = 1735550100000

describe('parseTimeValue', () => {
  it.each([
    ['ISO with Z and ms', '2024-12-30T09:15:00.000Z', T],
    ['ISO with lowercase z', '2024-12-30t09:15:00z', T],
    ['ISO with +02:00 offset (A05)', '2024-12-30T11:15:00.250+02:00', T + 250],
    ['ISO with -0530 offset', '2024-12-30T03:45:00-0530', T],
    ['ISO with +01 offset', '2024-12-30T10:15:00+01', T],
    ['ISO without zone is UTC (A52)', '2024-12-30T09:15:00', T],
    ['ISO without seconds', '2024-12-30T09:15Z', T],
    ['space separator (Python str(datetime))', '2024-12-30 09:15:00+00:00', T],
    ['microseconds are truncated to ms', '2024-12-30T09:15:00.123999Z', T + 123],
    ['one fraction digit is tenths', '2024-12-30T09:15:00.5Z', T + 500],
    ['date only is midnight UTC', '2024-12-30', Date.UTC(2024, 11, 30)],
    ['leap day', '2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['surrounding whitespace', '  2024-12-30T09:15:00Z ', T],
    ['year 0099 is not 1999', '0099-01-01T00:00:00Z', -59_042_995_200_000],
    ['number below 1e11 is seconds (A07)', 1735550100, T],
    ['fractional seconds', 1735550100.123, T + 123],
    ['number at or above 1e11 is milliseconds', 1735550100000, T],
    ['fractional milliseconds are truncated', 1735550100000.9, T],
    ['largest seconds value', 99_999_999_999, 99_999_999_999_000],
    ['smallest milliseconds value', 100_000_000_000, 100_000_000_000],
    ['numeric string is seconds, not a calendar date (A51)', '1735550100', T],
    ['numeric string in ms', '1735550100000', T],
    ['numeric string with exponent', '1.7355501e9', T],
    ['a Date (Avro timestamp-millis)', new Date(T), T],
  ])('%s', (_name, input, expected) => {
    expect(parseTimeValue(input)).toBe(expected);
  });

  it.each([
    ['words (A06)', 'yesterday at noon'],
    ['empty string', ''],
    ['month 13', '2024-13-01T00:00:00Z'],
    ['29 February of a common year', '2023-02-29'],
    ['31 April', '2024-04-31'],
    ['hour 24', '2024-12-30T24:00:00Z'],
    ['minute 60', '2024-12-30T09:60:00Z'],
    ['offset hour 24', '2024-12-30T09:15:00+24:00'],
    ['RFC 2822 (zone-dependent in Date.parse)', 'Mon, 30 Dec 2024 09:15:00 GMT'],
    ['slashes', '2024/12/30'],
    ['trailing garbage', '2024-12-30T09:15:00Zjunk'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['boolean', true],
    ['object', { seconds: 1 }],
    ['invalid Date', new Date(Number.NaN)],
  ])('rejects %s', (_name, input) => {
    expect(parseTimeValue(input)).toBeUndefined();
  });

  it('agrees with Date.parse on every well-formed RFC 3339 instant it accepts', () => {
    for (const text of [
      '1971-01-01T00:00:00Z',
      '2000-02-29T23:59:59.999Z',
      '2038-01-19T03:14:08+05:45',
    ]) {
      expect(parseIsoTime(text)).toBe(Date.parse(text));
    }
  });

  it('reads the common form without its regular expression exactly as with it', () => {
    // Seeded walk over the fields, in and out of range, in the form most messages carry.
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const two = (n: number) => String(n).padStart(2, '0');
    for (let i = 0; i < 2000; i++) {
      const fields = `${String(next(2100)).padStart(4, '0')}-${two(next(14))}-${two(next(33))}T${two(next(26))}:${two(next(62))}:${two(next(62))}`;
      const withMs = `${fields}.${String(next(1000)).padStart(3, '0')}Z`;
      for (const text of [withMs, `${fields}Z`]) {
        const viaRegex = parseIsoTime(` ${text}`.trim().replace('T', ' '));
        expect(parseIsoTime(text), text).toBe(viaRegex);
        expect(parseTimeValue(text), text).toBe(viaRegex);
      }
    }
    expect(parseIsoTime('2024-12-30T09:15:00.000Z')).toBe(T);
    expect(parseIsoTime('2024-12-30T09:15:60Z')).toBe(T + 60_000);
    expect(parseIsoTime('2024-12-30T09:15:0xZ')).toBeUndefined();
    expect(parseIsoTime('2024-12-30T09:15:00.00xZ')).toBeUndefined();
  });
});

describe('resolveEventTime', () => {
  const ctx = { nowMs: NOW };

  it('prefers timestamp, then originalTimestamp, receivedAt, sentAt (docs/mapping.md)', () => {
    const all = {
      timestamp: '2024-12-30T09:15:00Z',
      originalTimestamp: '2024-12-30T08:00:00Z',
      receivedAt: '2024-12-30T08:00:06Z',
      sentAt: '2024-12-30T08:00:05Z',
    };
    expect(resolveEventTime(all, ctx)).toEqual({ ok: true, timeMs: T });
    const { timestamp: _t, ...noTimestamp } = all;
    expect(resolveEventTime(noTimestamp, ctx)).toEqual({
      ok: true,
      timeMs: Date.UTC(2024, 11, 30, 8),
    });
    expect(resolveEventTime({ receivedAt: all.receivedAt, sentAt: all.sentAt }, ctx)).toEqual({
      ok: true,
      timeMs: Date.UTC(2024, 11, 30, 8, 0, 6),
    });
    expect(resolveEventTime({ sentAt: all.sentAt }, ctx)).toEqual({
      ok: true,
      timeMs: Date.UTC(2024, 11, 30, 8, 0, 5),
    });
  });

  it('treats null and "" as absent and falls through', () => {
    expect(
      resolveEventTime({ timestamp: null, originalTimestamp: '', sentAt: 1735550100 }, ctx),
    ).toEqual({
      ok: true,
      timeMs: T,
    });
  });

  it('falls back to the Kafka record timestamp last', () => {
    expect(resolveEventTime({}, { nowMs: NOW, kafkaTimestampMs: T + 0.7 })).toEqual({
      ok: true,
      timeMs: T,
    });
  });

  it('rejects a present but unparseable field instead of taking a later one', () => {
    const result = resolveEventTime(
      { timestamp: 'soon', originalTimestamp: '2024-12-30T08:00:00Z' },
      ctx,
    );
    expect(result).toMatchObject({
      ok: false,
      rejection: { code: 'invalid_timestamp', stage: 'validate', field: 'timestamp' },
    });
  });

  it('rejects a message with no time at all when there is no Kafka timestamp', () => {
    expect(resolveEventTime({}, ctx)).toMatchObject({
      ok: false,
      rejection: { code: 'invalid_timestamp' },
    });
  });

  // ISO strings: a millisecond number for 1971–1973 is below 1e11 and would read as seconds.
  const iso = (ms: number): string => new Date(ms).toISOString();
  it.each([
    ['1971-01-01T00:00:00Z exactly', MIN_EVENT_TIME_MS, true],
    ['one ms before 1971', MIN_EVENT_TIME_MS - 1, false],
    ['exactly 1 h in the future', NOW + MAX_FUTURE_MS, true],
    ['1 h and 1 ms in the future', NOW + MAX_FUTURE_MS + 1, false],
  ])('range: %s', (_name, ms, accepted) => {
    const result = resolveEventTime({ timestamp: iso(ms) }, ctx);
    if (accepted) expect(result).toEqual({ ok: true, timeMs: ms });
    else
      expect(result).toMatchObject({
        ok: false,
        rejection: { code: 'time_out_of_range', field: 'timestamp' },
      });
  });

  it('bounds the future from the later of the host clock and the Kafka timestamp', () => {
    // The host clock is two days behind; the record was written when the event happened.
    const behind = NOW - 2 * 86_400_000;
    const context = { nowMs: behind, kafkaTimestampMs: NOW };
    expect(resolveEventTime({ timestamp: iso(NOW) }, context)).toEqual({ ok: true, timeMs: NOW });
    expect(resolveEventTime({ timestamp: iso(NOW + MAX_FUTURE_MS + 1) }, context)).toMatchObject({
      ok: false,
      rejection: { code: 'time_out_of_range', field: 'timestamp' },
    });
  });

  it('takes the future bound from the context when given (input.maxFutureMs)', () => {
    const day = 86_400_000;
    const context = { nowMs: NOW, maxFutureMs: day };
    expect(resolveEventTime({ timestamp: iso(NOW + day) }, context)).toEqual({
      ok: true,
      timeMs: NOW + day,
    });
    expect(resolveEventTime({ timestamp: iso(NOW + day + 1) }, context)).toMatchObject({
      ok: false,
      rejection: {
        code: 'time_out_of_range',
        message: expect.stringContaining('input.maxFutureMs'),
      },
    });
  });

  it('range-checks the Kafka timestamp too', () => {
    expect(resolveEventTime({}, { nowMs: NOW, kafkaTimestampMs: 0 })).toMatchObject({
      ok: false,
      rejection: { code: 'time_out_of_range' },
    });
  });
});
