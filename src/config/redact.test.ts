import { describe, expect, it } from 'vitest';
import { redactUrlCredentials } from './redact.js';

describe('redactUrlCredentials', () => {
  it.each([
    ['https://user:pass@registry:8081', 'https://****@registry:8081'],
    ['http://token@proxy.example:3128/', 'http://****@proxy.example:3128/'],
    ['see http://a:b@x and https://c%40d:e@y/z', 'see http://****@x and https://****@y/z'],
    ['https://registry:8081/subjects/a@b', 'https://registry:8081/subjects/a@b'],
    ['https://registry:8081?user=a@b', 'https://registry:8081?user=a@b'],
    ['alice@example.com', 'alice@example.com'],
    ['no url here', 'no url here'],
  ])('%s', (input, expected) => {
    expect(redactUrlCredentials(input)).toBe(expected);
  });
});
