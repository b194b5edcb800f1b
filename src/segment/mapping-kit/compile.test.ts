/**
 * Our mapping-kit against Segment's (the @segment/actions-core devDependency): the same results,
 * key order included, on the directive probes and the Mixpanel presets over generated messages;
 * and the mistakes refused at compile time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segmentResolve } from '../../../test/support/segment-reference.js';
import { defaultFields } from '../mixpanel-actions.js';
import { PRESETS } from '../mixpanel-presets.js';
import { compileMapping } from './compile.js';

const p = (path: string) => ({ '@path': path });
const PROBES: Record<string, unknown> = {
  path: p('$.properties.sku'),
  noDollar: p('properties.a'),
  index: p('$.properties.products[1].product_id'),
  quoted: p("$.properties['a']"),
  root: p('$.'),
  falsy: p('$.properties.total.x'),
  template: {
    '@template': 'Viewed {{properties.name}} / {{missing}} / {{{ event }}} / {{properties.a}}',
  },
  ifExists: { '@if': { exists: p('$.userId'), then: p('$.userId'), else: p('$.anonymousId') } },
  ifBlank: { '@if': { blank: p('$.properties.total'), then: 'nb', else: 'b' } },
  ifFalsyElse: { '@if': { exists: p('$.userId'), then: 'x', else: false } },
  arrayPath: {
    '@arrayPath': ['$.properties.products', { id: p('$.product_id'), price: p('price') }],
  },
  arrayPlain: { '@arrayPath': ['$.properties.products'] },
  upper: { '@case': { operator: 'upper', value: p('$.event') } },
  replace: { '@replace': { value: p('$.properties.name'), pattern: '-', replacement: '_' } },
  replace2: {
    '@replace': {
      value: p('$.event'),
      pattern: 'o',
      replacement: '0',
      global: false,
      ignorecase: true,
      pattern2: ' ',
      replacement2: '_',
    },
  },
  decode: { '@json': { mode: 'decode', value: p('$.properties.json') } },
  encode: { '@json': { mode: 'encode', value: p('$.properties.a') } },
  literal: { '@literal': '{{not a template}}' },
  mergeRight: {
    '@merge': { direction: 'right', objects: [{ name: 'default', x: 1 }, p('$.traits')] },
  },
  mergeLeft: {
    '@merge': { direction: 'left', objects: [{ name: 'default', x: 1 }, p('$.traits')] },
  },
  flatten: { '@flatten': { value: p('$.properties'), separator: '.' } },
  flattenOmit: { '@flatten': { value: p('$.traits'), separator: '_', omitArrays: true } },
  transform: { '@transform': { apply: { foo: p('$.event') }, mapping: { out: p('$.foo') } } },
  excludeNull: { '@excludeWhenNull': p('$.userId') },
  excludeNullObject: { '@excludeWhenNull': p('$.traits') },
  raw: { a: p('$.event'), b: [1, p('$.type'), p('$.nope')], c: 'plain' },
  metadata: { '@path': '$.event', _metadata: { label: 'x' } },
};

const scalar = fc.constantFrom(
  null,
  '',
  'x',
  'A-B',
  0,
  1.5,
  -2,
  true,
  false,
  '{"j":1}',
  'Order Completed',
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 3 }), tie('o')),
  o: fc.dictionary(
    fc.constantFrom('a', 'b', 'name', 'product_id', 'price', 'sku', 'id', 'total'),
    tie('v'),
    { maxKeys: 4 },
  ),
})).v;
const message = fc.record({
  type: fc.constantFrom('track', 'page', 'identify', 'group'),
  event: scalar,
  name: scalar,
  userId: scalar,
  anonymousId: scalar,
  messageId: scalar,
  properties: fc.record(
    { a: value, name: scalar, total: scalar, json: scalar, sku: scalar, products: value },
    { requiredKeys: [] },
  ),
  traits: fc.dictionary(fc.constantFrom('name', 'email', 'arr', 'x'), value),
  context: fc.record(
    { ip: scalar, app: value, device: value, library: value, page: value },
    { requiredKeys: [] },
  ),
});

const mappings: [string, Record<string, unknown>][] = [
  ['probes', PROBES],
  ...PRESETS.map(
    (preset) =>
      [preset.name, { ...defaultFields(preset.action), ...preset.fields }] as [
        string,
        Record<string, unknown>,
      ],
  ),
];

describe('compileMapping against Segment’s mapping-kit', () => {
  it.each(mappings)('%s: same results on generated messages', (_, mapping) => {
    const compiled = compileMapping(mapping);
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    fc.assert(
      fc.property(message, (m) => {
        const data = JSON.parse(JSON.stringify(m)) as object;
        expect(JSON.stringify(compiled.resolve(data))).toBe(
          JSON.stringify(segmentResolve(mapping, data)),
        );
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  it('never sets a prototype from data keys', () => {
    const compiled = compileMapping({
      m: { '@merge': { direction: 'right', objects: [p('$.properties')] } },
      all: p('$.'),
    });
    if (!compiled.ok) throw new Error('compiles');
    const out = compiled.resolve(
      JSON.parse('{"properties":{"__proto__":{"polluted":1}}}') as object,
    );
    expect(Object.getPrototypeOf(out['m'])).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(compiled.resolve({ properties: {} })).not.toHaveProperty('m.constructor');
  });

  it.each([
    [{ v: { '@nope': 'x' } }, '/v', 'unknown directive @nope'],
    [{ v: { '@path': 1 } }, '/v/@path', 'should be a string or a mapping directive'],
    [{ v: { '@path': '$.a', extra: 1 } }, '/v', 'one @-prefixed key'],
    [
      { v: { '@replace': { value: p('$.a'), pattern: 'a-very-long-pattern' } } },
      '/v/@replace/pattern',
      'length 1 to 10',
    ],
    [
      { v: { '@json': { mode: 'pretty', value: p('$.a') } } },
      '/v/@json/mode',
      'one of encode, decode',
    ],
    [{ v: { '@if': { exists: false, then: 'x' } } }, '/v/@if', '"exists" key or a "blank" key'],
    [
      { v: { '@case': { operator: 'title', value: p('$.a') } } },
      '/v/@case/operator',
      'one of lower, upper',
    ],
    [{ v: { '@liquid': '{{ "now" | date: "%s" }}' } }, '/v', '@liquid is not supported'],
    [{ v: [{ '@nope': 1 }] }, '/v/0', 'unknown directive'],
  ])('refuses %j at %s', (mapping, at, message) => {
    const compiled = compileMapping(mapping);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok)
      expect(compiled.problems).toContainEqual({
        at,
        message: expect.stringContaining(message) as string,
      });
  });
});
