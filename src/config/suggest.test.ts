import { describe, expect, it } from 'vitest';
import { closest, editDistance } from './suggest.js';

describe('closest', () => {
  it('suggests the nearest name within a few edits, a case-only difference first', () => {
    expect(closest('maxRecord', ['maxRecords', 'maxBytes'])).toBe('maxRecords');
    expect(closest('projectid', ['projectId', 'projectToken'])).toBe('projectId');
    expect(closest('BROKERS', ['brokers', 'brokers2'])).toBe('brokers');
  });

  it('suggests nothing for a name that is not a likely typo', () => {
    expect(closest('colour', ['maxRecords', 'lingerMs'])).toBeUndefined();
    expect(closest('ab', ['xy'])).toBeUndefined();
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kafak', 'kafka')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
