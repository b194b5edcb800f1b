import { describe, expect, it } from 'vitest';
import { deadLetterRecordHeaders, type DeadLetter } from './letter.js';
import { DeadLetterSummary, sampleValue } from './inspect.js';
import { parseDeadLetter } from './stored-letter.js';
import { renderInspectReport, renderReplaySummary } from './render.js';

function stored(offset: number, code: string, stage: string, failedAt: number, value = '{bad') {
  const letter: DeadLetter = {
    source: {
      topic: offset % 2 ? 'segment-events' : 'segment-events-eu',
      partition: 0,
      offset: 1000 + offset,
      timestamp: 1,
      key: Buffer.from(`user-${offset}`),
      value: Buffer.from(value),
      headers: {},
    },
    rejection: { code: code as 'invalid_json', stage: stage as 'decode', message: `why ${offset}` },
    attempts: 0,
    failedAt,
  };
  const headers = Object.fromEntries(
    Object.entries(deadLetterRecordHeaders(letter)).map(([k, v]) => [k, Buffer.from(v)]),
  );
  return parseDeadLetter('dlq', 1, {
    offset: String(offset),
    key: letter.source.key,
    value: letter.source.value,
    headers,
  });
}

describe('DeadLetterSummary', () => {
  it('counts by code with stages, failure span and source topics, most frequent first', () => {
    const summary = new DeadLetterSummary({ samplesPerCode: 2 });
    summary.add(stored(1, 'missing_event', 'validate', 300));
    for (const [i, at] of [
      [2, 500],
      [3, 100],
      [4, 900],
    ] as const) {
      summary.add(stored(i, 'invalid_json', 'decode', at));
    }
    summary.add(parseDeadLetter('dlq', 2, { offset: '8', key: null, value: null }));
    const [json, event] = summary.codes();
    expect(json).toMatchObject({
      code: 'invalid_json',
      count: 3,
      stages: { decode: 3 },
      sourceTopics: { 'segment-events': 1, 'segment-events-eu': 2 },
      firstFailedAt: 100,
      lastFailedAt: 900,
    });
    expect(json?.samples.map((s) => s.offset)).toEqual(['2', '3']);
    expect(json?.samples[0]).toMatchObject({
      partition: 1,
      source: { topic: 'segment-events-eu', partition: 0, offset: '1002' },
      message: 'why 2',
      key: { text: 'user-2', encoding: 'utf8' },
    });
    expect(event?.code).toBe('missing_event');
    expect(summary.matched).toBe(5);
    expect(summary.unreadableRecords()).toEqual({ count: 1, first: ['2:8'] });
  });

  it('shows text values as text, cut to the budget, and binary values as base64', () => {
    expect(sampleValue(Buffer.from('{"type":"track"}'), 8)).toEqual({
      text: '{"type":',
      encoding: 'utf8',
      bytes: 16,
      truncated: true,
    });
    expect(sampleValue(Buffer.from('héllo'), 2)?.text).toBe('h'); // no half character
    const avro = Buffer.from([0, 0, 0, 0, 7, 2, 3]);
    expect(sampleValue(avro, 100)).toMatchObject({
      encoding: 'base64',
      text: avro.toString('base64'),
    });
    expect(sampleValue(null, 10)).toBeNull();
  });
});

describe('rendering', () => {
  it('prints the summary table, the samples and where reason codes are explained', () => {
    const summary = new DeadLetterSummary();
    summary.add(stored(2, 'invalid_json', 'decode', Date.UTC(2026, 0, 31)));
    const text = renderInspectReport({
      topic: 'dlq',
      partitions: [{ partition: 1, low: '0', high: '3' }],
      total: 3,
      scanned: 3,
      matched: 1,
      unreadable: summary.unreadableRecords(),
      codes: summary.codes(),
      complete: true,
    });
    expect(text).toContain('Dead-letter topic dlq: 3 records in 1 partitions (offsets 1:0-3).');
    expect(text).toMatch(/invalid_json\s+1\s+decode\s+2026-01-31T00:00:00.000Z/);
    expect(text).toContain('dlq 1:2  from segment-events-eu 0:1002');
    expect(text).toContain('value:   {bad');
    expect(text).toContain('docs/runbook.md#reason-codes');
  });

  it('says a dry run wrote nothing', () => {
    const text = renderReplaySummary(
      {
        deadLetterTopic: 'dlq',
        dryRun: true,
        total: 10,
        scanned: 10,
        matched: 4,
        replayed: 3,
        byTarget: { 'segment-events': 3 },
        byCode: { invalid_json: 3 },
        refused: 1,
        unreadable: 0,
        limitReached: false,
        interrupted: false,
      },
      { codes: new Set(['invalid_json']) },
    );
    expect(text).toContain('Would replay 3 of 10 dead letters in dlq (code invalid_json).');
    expect(text).toContain('→ segment-events: 3');
    expect(text).toContain(
      '1 matching records were left alone: their source is a dead-letter topic.',
    );
    expect(text).toContain('Dry run: nothing was written.');
  });
});
