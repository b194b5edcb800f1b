import { describe, expect, it } from 'vitest';
import { uuidBytes, uuidV5 } from './uuid.js';

const DNS = uuidBytes('6ba7b810-9dad-11d1-80b4-00c04fd430c8');
const URL_NS = uuidBytes('6ba7b811-9dad-11d1-80b4-00c04fd430c8');

describe('uuidV5', () => {
  it('matches the RFC 9562 appendix A.4 example', () => {
    expect(uuidV5(DNS, 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('agrees with an independent implementation (CPython uuid.uuid5)', () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, 'https://www.python.org'))"
    expect(uuidV5(URL_NS, 'https://www.python.org')).toBe('30709ed8-a35e-547c-8ef0-c6bf5e229681');
  });

  it('sets version 5 and the RFC variant, and hashes names as UTF-8', () => {
    const id = uuidV5(DNS, 'ボタン 🚀');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV5(DNS, 'ボタン 🚀')).toBe(id);
    expect(uuidV5(DNS, 'ボタン 🚁')).not.toBe(id);
  });

  it('refuses a malformed namespace', () => {
    expect(() => uuidBytes('not-a-uuid')).toThrow(TypeError);
  });
});
