import { describe, expect, it } from 'vitest';
import { classify, parseRetryAfter, type Classification } from './classify.js';
import type { HttpResult } from './http-client.js';
import type { Endpoint } from '../mixpanel/endpoints.js';
import { rejectReasonForField } from './reject-reason.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

function response(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    kind: 'response',
    status,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

// Real bodies: R01–R03 of test/fixtures/reference/segment-actions-vectors.json.
const R01_PARTIAL = {
  code: 400,
  error: 'some data points in the request failed validation',
  status: 'Bad Request',
  num_records_imported: 1,
  failed_records: [
    {
      index: 1,
      insert_id: 'r01-0002',
      field: 'properties.time',
      message: "'properties.time' is invalid: must be specified as seconds since epoch",
    },
  ],
};
const R02_UNAUTHORIZED = { code: 401, error: 'Invalid credentials', status: 'Unauthorized' };
const R03_RATE_LIMITED = {
  code: 429,
  error: 'Project exceeded rate limits. Please retry the request with exponential backoff.',
  status: 'Too Many Requests',
};

interface Row {
  readonly name: string;
  readonly endpoint?: Endpoint;
  readonly result: HttpResult;
  readonly batchSize?: number;
  readonly expected: Classification;
}

const rows: Row[] = [
  {
    name: '/import 200 counting every record sent',
    batchSize: 2,
    result: response(200, { code: 200, num_records_imported: 2, status: 'OK' }),
    expected: { kind: 'delivered' },
  },
  {
    name: '/import 200 counting fewer records than sent: protocol error',
    batchSize: 3,
    result: response(200, { code: 200, num_records_imported: 2, status: 'OK' }),
    expected: {
      kind: 'protocol_error',
      status: 200,
      message: 'HTTP 200 accounts for 2 of 3 records sent',
      body: '{"code":200,"num_records_imported":2,"status":"OK"}',
    },
  },
  {
    name: '/import 200 without num_records_imported: protocol error',
    batchSize: 3,
    result: response(200, { status: 'OK' }),
    expected: {
      kind: 'protocol_error',
      status: 200,
      message: 'HTTP 200 without num_records_imported',
      body: '{"status":"OK"}',
    },
  },
  {
    name: '/import 204 with an empty body: protocol error',
    result: response(204, ''),
    expected: {
      kind: 'protocol_error',
      status: 204,
      message: 'HTTP 204 without num_records_imported',
      body: '',
    },
  },
  {
    name: "/import 200 with a proxy's HTML page: protocol error, the body's first bytes kept",
    result: response(200, `<html><body>Welcome${'!'.repeat(300)}</body></html>`),
    expected: {
      kind: 'protocol_error',
      status: 200,
      message: 'HTTP 200 without num_records_imported',
      body: `<html><body>Welcome${'!'.repeat(300)}`.slice(0, 200),
    },
  },
  {
    name: '400 with failed_records keyed insert_id (R01)',
    batchSize: 2,
    result: response(400, R01_PARTIAL),
    expected: {
      kind: 'partial',
      failures: [
        {
          index: 1,
          field: 'properties.time',
          message: "'properties.time' is invalid: must be specified as seconds since epoch",
          reason: 'invalid_time',
        },
      ],
    },
  },
  {
    name: '400 with failed_records keyed $insert_id',
    batchSize: 5,
    result: response(400, {
      ...R01_PARTIAL,
      num_records_imported: 3,
      failed_records: [
        {
          index: 0,
          $insert_id: 'a b',
          field: '$insert_id',
          message:
            "'$insert_id' is invalid: must only contain alphanumeric or hyphen '-' characters",
        },
        {
          index: 3,
          $insert_id: 'x',
          field: 'properties.distinct_id',
          message: 'placeholder',
        },
      ],
    }),
    expected: {
      kind: 'partial',
      failures: [
        {
          index: 0,
          field: '$insert_id',
          message:
            "'$insert_id' is invalid: must only contain alphanumeric or hyphen '-' characters",
          reason: 'invalid_insert_id',
        },
        {
          index: 3,
          field: 'properties.distinct_id',
          message: 'placeholder',
          reason: 'invalid_distinct_id',
        },
      ],
    },
  },
  {
    name: '400 partial whose counts do not add up to the batch: protocol error',
    batchSize: 3,
    result: response(400, R01_PARTIAL),
    expected: {
      kind: 'protocol_error',
      status: 400,
      message: 'HTTP 400 accounts for 2 of 3 records sent (1 imported, 1 failed)',
      body: JSON.stringify(R01_PARTIAL).slice(0, 200),
    },
  },
  {
    name: '400 with failed_records as plain strings (identity events on Simplified)',
    result: response(400, {
      code: 400,
      error: 'some data points in the request failed validation',
      status: 'Bad Request',
      num_records_imported: 0,
      failed_records: [
        'identity events are not allowed when project is using simplified identity management',
      ],
    }),
    expected: {
      kind: 'rejected',
      bisect: false,
      reason: 'identity_not_allowed',
      message:
        'identity events are not allowed when project is using simplified identity management',
    },
  },
  {
    name: '400 with a failed_records index outside the batch',
    batchSize: 2,
    result: response(400, { ...R01_PARTIAL, failed_records: [{ index: 5, message: 'x' }] }),
    expected: {
      kind: 'rejected',
      bisect: false,
      reason: 'other',
      message: 'failed_records entry without a usable index',
    },
  },
  {
    name: '400 without failed_records: poison, bisect',
    result: response(400, { code: 400, error: 'unable to parse line 3', status: 'Bad Request' }),
    expected: {
      kind: 'rejected',
      bisect: true,
      reason: 'other',
      message: 'unable to parse line 3',
    },
  },
  {
    name: '400 with an empty failed_records: poison, bisect',
    result: response(400, { code: 400, error: 'bad', failed_records: [] }),
    expected: { kind: 'rejected', bisect: true, reason: 'other', message: 'bad' },
  },
  {
    name: '400 with a non-JSON body',
    result: response(400, '<html><body>Bad Request</body></html>'),
    expected: {
      kind: 'rejected',
      bisect: true,
      reason: 'other',
      message: 'HTTP 400 (HTML body)',
    },
  },
  {
    name: '401 (R02): fatal',
    result: response(401, R02_UNAUTHORIZED),
    expected: { kind: 'fatal', status: 401, message: 'Invalid credentials' },
  },
  {
    name: '403: fatal',
    result: response(403, { error: 'forbidden', status: 'error' }),
    expected: { kind: 'fatal', status: 403, message: 'forbidden' },
  },
  {
    name: '407 from a proxy: fatal, never bisected',
    result: response(407, '<html>Proxy Authentication Required</html>', {
      'proxy-authenticate': 'Basic realm="corp"',
    }),
    expected: { kind: 'fatal', status: 407, message: 'HTTP 407 (HTML body)' },
  },
  {
    name: '404 (wrong apiHost path): fatal',
    result: response(404, 'Not Found'),
    expected: { kind: 'fatal', status: 404, message: 'Not Found' },
  },
  {
    name: '413: split',
    result: response(413, {
      code: 413,
      error: 'request exceeds max limit of 2097152 bytes',
      status: 'Request Entity Too Large',
    }),
    expected: { kind: 'too_large', message: 'request exceeds max limit of 2097152 bytes' },
  },
  {
    name: '413 as an HTML page from a front end',
    result: response(413, '<html><title>413 Request Entity Too Large</title></html>'),
    expected: { kind: 'too_large', message: 'HTTP 413 (HTML body)' },
  },
  {
    name: '429 without Retry-After (R03)',
    result: response(429, R03_RATE_LIMITED),
    expected: { kind: 'retryable', reason: 'rate_limited', message: R03_RATE_LIMITED.error },
  },
  {
    name: '429 with Retry-After in seconds',
    result: response(429, R03_RATE_LIMITED, { 'retry-after': '7' }),
    expected: {
      kind: 'retryable',
      reason: 'rate_limited',
      message: R03_RATE_LIMITED.error,
      retryAfterMs: 7000,
    },
  },
  {
    name: '429 with Retry-After as an HTTP date',
    result: response(429, R03_RATE_LIMITED, {
      'retry-after': new Date(NOW + 90_000).toUTCString(),
    }),
    expected: {
      kind: 'retryable',
      reason: 'rate_limited',
      message: R03_RATE_LIMITED.error,
      retryAfterMs: 90_000,
    },
  },
  {
    name: '502 with an HTML body',
    result: response(502, '<html><h1>502 Bad Gateway</h1></html>'),
    expected: { kind: 'retryable', reason: 'server_error', message: 'HTTP 502 (HTML body)' },
  },
  {
    name: '503 with Retry-After',
    result: response(503, '', { 'retry-after': '2' }),
    expected: {
      kind: 'retryable',
      reason: 'server_error',
      message: 'HTTP 503',
      retryAfterMs: 2000,
    },
  },
  {
    name: '500',
    result: response(500, { code: 500, error: 'Internal Server Error' }),
    expected: { kind: 'retryable', reason: 'server_error', message: 'Internal Server Error' },
  },
  {
    name: '504 with plain text',
    result: response(504, 'upstream timed out'),
    expected: { kind: 'retryable', reason: 'server_error', message: 'upstream timed out' },
  },
  {
    name: '408',
    result: response(408, ''),
    expected: { kind: 'retryable', reason: 'timeout', message: 'HTTP 408' },
  },
  {
    name: 'timeout',
    result: { kind: 'network', cause: 'timeout', message: 'no answer within 30000 ms' },
    expected: { kind: 'retryable', reason: 'timeout', message: 'no answer within 30000 ms' },
  },
  {
    name: 'connection reset',
    result: { kind: 'network', cause: 'reset', message: 'UND_ERR_SOCKET: other side closed' },
    expected: {
      kind: 'retryable',
      reason: 'network',
      message: 'UND_ERR_SOCKET: other side closed',
    },
  },
  {
    name: 'connection refused',
    result: { kind: 'network', cause: 'refused', message: 'ECONNREFUSED' },
    expected: { kind: 'retryable', reason: 'network', message: 'ECONNREFUSED' },
  },
  {
    name: 'proxy refused the credentials (407): fatal, not retried',
    result: { kind: 'network', cause: 'proxy_auth', message: '407 Proxy Authentication Required' },
    expected: { kind: 'fatal', status: 407, message: '407 Proxy Authentication Required' },
  },
  {
    name: 'untrusted server certificate: fatal, not retried',
    result: { kind: 'network', cause: 'certificate', message: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    expected: {
      kind: 'fatal',
      status: 0,
      message: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    },
  },
  {
    name: 'proxy answered another status to CONNECT: retried',
    result: { kind: 'network', cause: 'other', message: 'the proxy answered 502 to CONNECT' },
    expected: {
      kind: 'retryable',
      reason: 'network',
      message: 'the proxy answered 502 to CONNECT',
    },
  },
  {
    name: '/engage 200 {"status":1,"error":null}',
    endpoint: '/engage',
    result: response(200, { status: 1, error: null }),
    expected: { kind: 'delivered' },
  },
  {
    name: '/groups 200 {"status":1}',
    endpoint: '/groups',
    result: response(200, { status: 1, error: null }),
    expected: { kind: 'delivered' },
  },
  {
    name: '/groups 200 text 1 (not the verbose=1 answer asked for): protocol error',
    endpoint: '/groups',
    result: response(200, '1'),
    expected: {
      kind: 'protocol_error',
      status: 200,
      message: 'HTTP 200 without the verbose status object',
      body: '1',
    },
  },
  {
    name: '/engage 204: protocol error',
    endpoint: '/engage',
    result: response(204, ''),
    expected: {
      kind: 'protocol_error',
      status: 204,
      message: 'HTTP 204 without the verbose status object',
      body: '',
    },
  },
  {
    name: '/engage 200 with status 0: rejected, bisect',
    endpoint: '/engage',
    result: response(200, { status: 0, error: '$distinct_id, missing or empty' }),
    expected: {
      kind: 'rejected',
      bisect: true,
      reason: 'invalid_update',
      message: '$distinct_id, missing or empty',
    },
  },
  {
    name: '/engage 200 {"status":0} without an error text',
    endpoint: '/engage',
    result: response(200, { status: 0 }),
    expected: {
      kind: 'rejected',
      bisect: true,
      reason: 'invalid_update',
      message: 'Mixpanel answered status 0 (invalid update)',
    },
  },
  {
    name: '/engage 200 with a non-JSON body (a proxy page): protocol error, not trusted',
    endpoint: '/engage',
    result: response(200, '<html>hello</html>'),
    expected: {
      kind: 'protocol_error',
      status: 200,
      message: 'HTTP 200 without the verbose status object',
      body: '<html>hello</html>',
    },
  },
  {
    name: '/engage 400',
    endpoint: '/engage',
    result: response(400, { error: 'bad', status: 0 }),
    expected: { kind: 'rejected', bisect: true, reason: 'invalid_update', message: 'bad' },
  },
];

describe('classify', () => {
  it.each(rows)('$name', ({ endpoint, result, batchSize, expected }) => {
    expect(
      classify(endpoint ?? '/import', result, { batchSize: batchSize ?? 10, now: NOW }),
    ).toEqual(expected);
  });

  it('never throws on arbitrary bodies', () => {
    for (const body of ['', 'null', '[]', '{"failed_records":null}', '{', '\u0000', '"x"', '12']) {
      for (const status of [200, 400, 413, 429, 500]) {
        for (const endpoint of ['/import', '/engage'] as const) {
          expect(() =>
            classify(endpoint, response(status, body), { batchSize: 1, now: NOW }),
          ).not.toThrow();
        }
      }
    }
  });

  it('caps long messages', () => {
    const result = classify('/import', response(500, 'x'.repeat(5000)), {
      batchSize: 1,
      now: NOW,
    });
    expect(result.kind === 'retryable' && result.message.length).toBeLessThanOrEqual(300);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    [undefined, undefined],
    ['0', 0],
    ['12', 12_000],
    ['1.5', 1500],
    [' 3 ', 3000],
    ['soon', undefined],
    ['-5', undefined],
    [new Date(NOW - 10_000).toUTCString(), 0],
    [new Date(NOW + 5000).toUTCString(), 5000],
  ])('%s → %s', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});

describe('rejectReasonForField', () => {
  it.each([
    ['properties.time', 'invalid_time'],
    ['properties.distinct_id', 'invalid_distinct_id'],
    ['$insert_id', 'invalid_insert_id'],
    ['properties.$insert_id', 'invalid_insert_id'],
    ['properties.utm_source', 'invalid_property'],
    ['event', 'invalid_property'],
    ['something', 'other'],
    [undefined, 'other'],
  ] as const)('%s → %s', (field, reason) => {
    expect(rejectReasonForField(field)).toBe(reason);
  });
});
