import { describe, expect, it } from 'vitest';
import {
  classifyRegistryAnswer,
  type RegistryAnswer,
  type RegistryVerdict,
} from './registry-answer.js';

const response = (status: number, body: unknown): RegistryAnswer => ({
  kind: 'response',
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const NGINX_404 =
  '<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center></body></html>';

const rows: [string, RegistryAnswer, RegistryVerdict][] = [
  [
    'a schema',
    response(200, { schema: '{"type":"string"}' }),
    { kind: 'found', body: { schema: '{"type":"string"}' } },
  ],
  [
    'a schema with its type and references',
    response(200, { schema: 'x', schemaType: 'AVRO', references: [] }),
    { kind: 'found', body: { schema: 'x', schemaType: 'AVRO', references: [] } },
  ],
  [
    "the registry's 40403 (schema not found)",
    response(404, { error_code: 40403, message: 'Schema 7 not found' }),
    { kind: 'not_found', detail: 'HTTP 404 error_code 40403: Schema 7 not found' },
  ],
  [
    "an ingress's HTML 404",
    response(404, NGINX_404),
    { kind: 'retry', detail: 'HTTP 404 (HTML body)' },
  ],
  [
    'a JSON 404 without 40403 (another service)',
    response(404, { message: 'no route' }),
    { kind: 'retry', detail: 'HTTP 404: no route' },
  ],
  [
    "the registry's 40401 (subject not found) is not a schema verdict",
    response(404, { error_code: 40401, message: 'Subject not found' }),
    { kind: 'retry', detail: 'HTTP 404 error_code 40401: Subject not found' },
  ],
  [
    'a 500',
    response(500, { error_code: 50001, message: 'Error in the backend datastore' }),
    { kind: 'retry', detail: 'HTTP 500 error_code 50001: Error in the backend datastore' },
  ],
  ['a 502 with an empty body', response(502, ''), { kind: 'retry', detail: 'HTTP 502' }],
  [
    'a 429 as plain text',
    response(429, 'slow down'),
    { kind: 'retry', detail: 'HTTP 429: slow down' },
  ],
  [
    "a proxy's page answered 200",
    response(200, '<html>Sign in</html>'),
    { kind: 'retry', detail: 'HTTP 200 that is not a registry answer: <html>Sign in</html>' },
  ],
  [
    'a 200 JSON without a schema',
    response(200, { ok: true }),
    { kind: 'retry', detail: 'HTTP 200 that is not a registry answer: {"ok":true}' },
  ],
  ['a 302 to a login page', response(302, ''), { kind: 'retry', detail: 'HTTP 302' }],
  [
    '401',
    response(401, { error_code: 40101, message: 'Unauthorized' }),
    { kind: 'refused', status: 401, detail: 'HTTP 401 error_code 40101: Unauthorized' },
  ],
  [
    '403 as HTML',
    response(403, '<html>Forbidden</html>'),
    { kind: 'refused', status: 403, detail: 'HTTP 403 (HTML body)' },
  ],
  [
    'no answer',
    { kind: 'network', message: 'ECONNREFUSED' },
    { kind: 'retry', detail: 'no answer: ECONNREFUSED' },
  ],
];

describe('classifyRegistryAnswer', () => {
  it.each(rows)('%s', (_name, answer, verdict) => {
    expect(classifyRegistryAnswer(answer)).toEqual(verdict);
  });

  it('never throws, whatever the body', () => {
    for (const body of ['', '{', '[]', 'null', '{"error_code":"40403"}', '\u0000']) {
      for (const status of [200, 401, 404, 500]) {
        expect(() => classifyRegistryAnswer(response(status, body))).not.toThrow();
      }
    }
    expect(classifyRegistryAnswer(response(404, '{"error_code":"40403"}')).kind).toBe('retry');
  });
});
