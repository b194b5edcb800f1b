/**
 * Property-based tests of the whole chain (bytes → outcomes), with an oracle for Mixpanel's
 * rules written independently of limits.ts, so that a bug there cannot hide itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOW, transformConfig } from '../../test/support/transform-config.js';
import type { ConfigInput } from '../config/schema.js';
import { PROFILE_OPERATIONS, type MixpanelRecord } from '../mixpanel/records.js';
import { recordSizeBound } from './record-size.js';
import { createRecordTransformer } from './record-transformer.js';
import { createTransformer, type TransformOutcome } from './transform.js';
import { validateMessage } from '../decode/validate.js';

type Mapping = NonNullable<ConfigInput['mapping']>;
const ctx = { nowMs: NOW };
const bytes = (text: string) => Buffer.from(text, 'utf8');

// --- An oracle of Mixpanel's ingestion rules (Mixpanel's ingestion rules), independent of limits.ts.
const PLACEHOLDERS = new Set(
  '00000000-0000-0000-0000-000000000000 anon anonymous nil none null n/a na undefined unknown <nil> 0 -1 true false [] {}'.split(
    ' ',
  ),
);
const INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;

function containerProblem(value: unknown, level: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (level > 3) return `a container nested at level ${level}`;
  const children = Array.isArray(value) ? value : Object.values(value);
  if (children.length >= 255) return 'a container with 255+ entries';
  for (const child of children) {
    const problem = containerProblem(child, level + 1);
    if (problem) return problem;
  }
  return undefined;
}

function hasProtoKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return true;
  return Object.values(value).some(hasProtoKey);
}

/** Why Mixpanel would refuse this record, or undefined. */
function mixpanelRefuses(output: MixpanelRecord): string | undefined {
  const text = JSON.stringify(output.record);
  if (Buffer.byteLength(text) > 1024 * 1024) return 'over 1 MiB';
  if (JSON.stringify(JSON.parse(text)) !== text) return 'not plain JSON';
  if (hasProtoKey(output.record)) return '__proto__ key';
  if (output.endpoint === '/import') {
    const { event, properties: p } = output.record;
    if (typeof event !== 'string' || event === '') return 'event name';
    if (!Number.isInteger(p.time) || p.time < Date.UTC(1971, 0, 1) || p.time > NOW + 3_600_000)
      return `time ${p.time}`;
    if (typeof p.$insert_id !== 'string' || !INSERT_ID.test(p.$insert_id))
      return `$insert_id ${p.$insert_id}`;
    if (typeof p.distinct_id !== 'string' || PLACEHOLDERS.has(p.distinct_id.toLowerCase()))
      return 'distinct_id';
    if (Object.keys(p).length >= 255) return '255+ properties';
    for (const value of Object.values(p)) {
      const problem = containerProblem(value, 1);
      if (problem) return problem;
    }
    return undefined;
  }
  const record = output.record as Record<string, unknown>;
  if (typeof record['$token'] !== 'string') return '$token';
  const operations = Object.keys(record).filter((k) =>
    (PROFILE_OPERATIONS as readonly string[]).includes(k),
  );
  if (operations.length !== 1) return `${operations.length} operations`;
  if (output.endpoint === '/engage') {
    const id = record['$distinct_id'];
    if (typeof id !== 'string' || PLACEHOLDERS.has(id.toLowerCase())) return '$distinct_id';
  } else if (typeof record['$group_key'] !== 'string' || typeof record['$group_id'] !== 'string') {
    return 'group key/id';
  }
  return undefined;
}

// --- Generators.
const safeId = fc
  .oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1 }))
  .filter((id) => !PLACEHOLDERS.has(String(id).toLowerCase()));
const time = fc.oneof(
  fc
    .date({ min: new Date(Date.UTC(1971, 0, 1)), max: new Date(NOW), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.integer({ min: 31_536_000, max: 1_735_689_600 }), // epoch seconds
  fc.integer({ min: 100_000_000_000, max: NOW }), // epoch ms
  fc.constant('1971-01-01T00:00:00.000Z'),
);
const key = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 12 }) },
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'time',
    'id',
    '$insert_id',
    'distinct_id',
    'ip',
    'name',
    'products',
  ),
);
const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    tie('object'),
    tie('array'),
  ),
  object: fc.array(fc.tuple(key, tie('any')), { maxLength: 6 }).map(fromEntries),
  array: fc.array(tie('any'), { maxLength: 6 }),
})).any;
/** Builds objects with defineProperty so a `__proto__` key stays an own data property, as JSON.parse makes it. */
function fromEntries(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}
const properties = fc.array(fc.tuple(key, value), { maxLength: 12 }).map(fromEntries);
const context = fc.record(
  {
    ip: fc.oneof(fc.ipV4(), fc.constant(0)),
    userAgent: fc.constantFrom(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Safari/537.36',
      'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0',
      'curl/8.5.0',
    ),
    active: fc.boolean(),
    library: fc.record({ name: fc.string(), version: fc.string() }),
    device: fc.record(
      {
        token: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1 }),
        type: fc.constantFrom('ios', 'android'),
      },
      { requiredKeys: [] },
    ),
    page: fc.record({ url: fc.webUrl(), referrer: fc.string() }, { requiredKeys: [] }),
    groupId: fc.string(),
  },
  { requiredKeys: [] },
);
const products = fc.array(fc.oneof(properties, fc.jsonValue({ maxDepth: 0 })), { maxLength: 4 });
const base = fc.record(
  {
    messageId: fc.oneof(
      fc.uuid(),
      fc.string({ maxLength: 60 }),
      fc.stringMatching(/^[A-Za-z0-9-]{1,36}$/),
    ),
    userId: safeId,
    anonymousId: safeId,
    timestamp: time,
    context,
  },
  { requiredKeys: ['timestamp', 'userId'] },
);
const message = fc.oneof(
  fc
    .tuple(
      base,
      fc.oneof(fc.string({ minLength: 1 }), fc.constant('Order Completed')),
      properties,
      products,
    )
    .map(([b, event, p, prods]) => ({
      ...b,
      type: 'track',
      event,
      properties:
        event === 'Order Completed' ? fromEntries([...Object.entries(p), ['products', prods]]) : p,
    })),
  fc
    .tuple(
      base,
      fc.constantFrom('page', 'screen'),
      fc.option(fc.string({ minLength: 1 })),
      properties,
    )
    .map(([b, type, name, p]) => ({
      ...b,
      type,
      ...(name === null ? {} : { name }),
      properties: p,
    })),
  fc.tuple(base, properties).map(([b, traits]) => ({ ...b, type: 'identify', traits })),
  fc
    .tuple(base, safeId, properties)
    .map(([b, groupId, traits]) => ({ ...b, type: 'group', groupId, traits })),
  fc.tuple(base, safeId).map(([b, previousId]) => ({ ...b, type: 'alias', previousId })),
);
const mapping: fc.Arbitrary<Mapping> = fc.record(
  {
    idMergeMode: fc.constantFrom('simplified', 'original'),
    pageNaming: fc.constantFrom('viewed-name', 'consolidated', 'named', 'categorized'),
    people: fc.boolean(),
    setAllTraits: fc.boolean(),
    peopleTraits: fc.array(
      key.filter((k) => k !== ''),
      { maxLength: 3 },
    ),
    setOnceTraits: fc.array(
      key.filter((k) => k !== ''),
      { maxLength: 3 },
    ),
    arrayTraits: fc.constantFrom('set', 'union'),
    eventIncrements: fc.array(fc.string({ minLength: 1 }), { maxLength: 2 }),
    propertyIncrements: fc.array(
      key.filter((k) => k !== ''),
      { maxLength: 3 },
    ),
    revenueAsCharge: fc.boolean(),
    productEvents: fc.boolean(),
    groupIdentifierTraits: fc.array(
      key.filter((k) => k !== ''),
      { maxLength: 2 },
    ),
    groupTraitsToSetOnce: fc.array(
      key.filter((k) => k !== ''),
      { maxLength: 2 },
    ),
    honorIntegrations: fc.boolean(),
  },
  { requiredKeys: [] },
);

function expectWellFormed(outcomes: TransformOutcome[]): void {
  expect(outcomes.length).toBeGreaterThan(0);
  for (const outcome of outcomes) {
    expect(['records', 'rejected', 'skipped']).toContain(outcome.kind);
    if (outcome.kind === 'records') expect(outcome.records.length).toBeGreaterThan(0);
  }
}

describe('for any valid message and any settings', () => {
  it('the output is deterministic, records obey Mixpanel, insert ids are distinct per message', () => {
    const kinds = { records: 0, rejected: 0, skipped: 0 };
    fc.assert(
      fc.property(message, mapping, (m, settings) => {
        const text = JSON.stringify(m);
        const outcomes = createRecordTransformer(transformConfig(settings)).transformRecord(
          bytes(text),
          ctx,
        );
        const again = createRecordTransformer(transformConfig(settings)).transformRecord(
          bytes(text),
          ctx,
        );
        expect(JSON.stringify(again)).toBe(JSON.stringify(outcomes));
        expectWellFormed(outcomes);
        const [outcome] = outcomes;
        if (outcome) kinds[outcome.kind] += 1;
        if (outcome?.kind !== 'records') return;
        for (const record of outcome.records)
          expect(mixpanelRefuses(record), JSON.stringify(record).slice(0, 300)).toBeUndefined();
        const ids = outcome.records.flatMap((r) =>
          r.endpoint === '/import' ? [r.record.properties.$insert_id] : [],
        );
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: 600 },
    );
    // The generator must mostly produce deliverable messages, or the checks above prove little.
    expect(kinds.records).toBeGreaterThan(300);
  });

  it('a valid message with default settings is never rejected unless its content breaks a Mixpanel limit', () => {
    const transformer = createRecordTransformer(transformConfig());
    fc.assert(
      fc.property(message, (m) => {
        const [outcome] = transformer.transformRecord(bytes(JSON.stringify(m)), ctx);
        if (outcome?.kind === 'rejected') expect(outcome.rejection.stage).toBe('transform');
      }),
      { numRuns: 300 },
    );
  });
});

describe('the size shortcut (record-size.ts recordSizeBound)', () => {
  // Numbers that print much longer than they can be written: the worst expansion of an input byte.
  const expansive = fc.constantFrom(1e20, 9e20, 123456789012345680000, 1.5e-7, 0.000001);
  const wide = fc.dictionary(
    fc.string({ maxLength: 3 }),
    fc.oneof(expansive, fc.array(expansive, { maxLength: 8 }), fc.constant('"\\"')),
    {
      maxKeys: 40,
    },
  );
  const deep = wide.map((leaf) => ({ a: { b: { c: { d: leaf } } } })); // stringified at level 4: quotes escaped
  const compact = (value: unknown) =>
    JSON.stringify(value)
      .replace(/100000000000000000000/g, '1e20')
      .replace(/900000000000000000000/g, '9e20')
      .replace(/123456789012345680000/g, '1.2345678901234568e20');

  it('no record outgrows the bound computed from its input, and the shortcut never changes a result', () => {
    const settings = transformConfig({
      sourceName: 'a-source-name',
      idMergeMode: 'original',
      pageNaming: 'categorized',
      eventIncrements: ['x'],
      propertyIncrements: ['n'],
    });
    const transform = createTransformer(settings);
    const configChars = settings.mixpanel.projectToken.length + 'a-source-name'.length;
    fc.assert(
      fc.property(message, fc.oneof(wide, deep), expansive, (m, extra, numericId) => {
        const withExtra = {
          ...m,
          userId: numericId,
          anonymousId: numericId,
          ...('traits' in m ? { traits: { ...extra, ...m.traits } } : { properties: { ...extra } }),
        };
        const text = compact(withExtra);
        const validated = validateMessage(JSON.parse(text), ctx);
        if (!validated.ok) return;
        const measured = transform(validated.message);
        const shortcut = transform(validated.message, { inputBytes: Buffer.byteLength(text) });
        expect(JSON.stringify(shortcut)).toBe(JSON.stringify(measured));
        if (measured.kind !== 'records') return;
        for (const record of measured.records) {
          expect(Buffer.byteLength(JSON.stringify(record.record))).toBeLessThanOrEqual(
            recordSizeBound(Buffer.byteLength(text), configChars),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('for arbitrary input nothing throws: each input yields records, a rejection or a skip', () => {
  const transformer = createRecordTransformer({
    ...transformConfig({ idMergeMode: 'original', arrayTraits: 'union' }),
    input: { maxNestingDepth: 64 },
  });
  const check = (input: Uint8Array): void => {
    const outcomes = transformer.transformRecord(input, ctx);
    expectWellFormed(outcomes);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  };

  it('any JSON value, and values with hostile keys in message positions', () => {
    const field = fc.oneof(value, fc.jsonValue());
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              type: fc.constantFrom(
                'track',
                'page',
                'screen',
                'identify',
                'group',
                'alias',
                'other',
              ),
              userId: field,
              anonymousId: field,
              event: field,
              properties: field,
              traits: field,
              context: field,
              integrations: field,
              timestamp: field,
              messageId: field,
              groupId: field,
              previousId: field,
              name: field,
            },
            { requiredKeys: ['type'] },
          ),
          fc.record({ batch: fc.array(fc.oneof(value, message)), context: field }),
        ),
        (input) => check(bytes(JSON.stringify(input) ?? 'null')),
      ),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes and corrupted messages (invalid UTF-8)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), message, fc.nat(), (noise, m, at) => {
        check(noise);
        const valid = bytes(JSON.stringify(m));
        const i = at % (valid.length + 1);
        check(Buffer.concat([valid.subarray(0, i), noise, valid.subarray(i)]));
      }),
      { numRuns: 300 },
    );
  });

  it('lone surrogates, escaped or not', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('\\ud800', '\\udfff', '\\uD83D', '\\ud83d\\ude80', '\\\\ud800'),
        message,
        (escape, m) => {
          const text = JSON.stringify(m).replace(/"timestamp"/, `"x${escape}":1,"timestamp"`);
          check(bytes(text));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('deep nesting, in properties or at the top', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom('[', '{"a":'),
        (depth, open) => {
          const close = open === '[' ? ']' : '}';
          const nested = open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth);
          check(
            bytes(
              `{"type":"track","event":"E","userId":"u","timestamp":"2024-12-30T09:15:00Z","properties":{"n":${nested}}}`,
            ),
          );
          check(bytes(nested));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('huge strings', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_200_000 }),
        fc.constantFrom('x', 'é', '"', '\u0001'),
        (length, char) => {
          const huge = char.repeat(length);
          check(
            bytes(
              JSON.stringify({
                type: 'identify',
                userId: 'u',
                timestamp: '2024-12-30T09:15:00Z',
                traits: { huge },
                context: { userAgent: huge },
              }),
            ),
          );
        },
      ),
      { numRuns: 12 },
    );
  });
});
