/**
 * Subscription triggers: the FQL subset of Segment's Actions destinations, parsed and evaluated by
 * Segment's own library (@segment/destination-subscriptions), so a trigger matches exactly the
 * messages it matches at Segment.
 *
 *   const trigger = compileTrigger('type = "track" and event = "Order Completed"');
 *   if (trigger.ok) trigger.matches(message.raw);       // boolean
 *   else trigger.error;                                   // why the text was refused
 *
 * The library never throws on bad input: it returns an error node with an unhelpful message, and it
 * silently misreads many plausible triggers (`event = 'X'` compares with the quotes included,
 * `a and b or c` drops the `and`, `!(…)` drops the negation, `>=1` becomes `> NaN`, …). A trigger
 * that misreads never matches, or matches too much, with no sign of it. So compilation is strict:
 * the parsed trigger is written back out with the library's own generator, and its tokens must be
 * those of the text as written (numbers compared by value). Anything else is refused with the
 * reading the library would have made, which makes the fix obvious.
 *
 * Both packages are CommonJS, loaded with `require` the first time a trigger is compiled: most
 * deployments configure no subscription, and a processor (and each of its transform workers) then
 * never holds them in memory. (Named ESM imports of them type-check and pass under vitest, then
 * fail under plain node; test/integration/built-processor.test.ts loads the built code.)
 */
import type DestinationSubscriptions from '@segment/destination-subscriptions';
import type { Condition, Subscription } from '@segment/destination-subscriptions';
import type FqlTs from '@segment/fql-ts';
import { onFirstUse } from '../first-use.js';

/** Segment's FQL parser, generator and evaluator. */
const segmentFql = onFirstUse<typeof DestinationSubscriptions>(
  '@segment/destination-subscriptions',
);
/** Segment's FQL lexer. */
const fqlLexer = onFirstUse<typeof FqlTs>('@segment/fql-ts');

export type CompiledTrigger =
  | { readonly ok: true; readonly text: string; matches(message: object): boolean }
  | { readonly ok: false; readonly text: string; readonly error: string };

const SUPPORTED =
  'left-hand sides: type, event, name, userId, properties.*, traits.*, context.*; strings in double quotes; at most one level of parentheses; no mixing of and/or without parentheses';

interface Token {
  readonly type: string;
  readonly value: string;
}

export function compileTrigger(text: string): CompiledTrigger {
  const fail = (error: string): CompiledTrigger => ({ ok: false, text, error });
  if (text.trim() === '') return fail('empty trigger');
  const written = tokens(text);
  if (typeof written === 'string') return fail(`cannot read the trigger: ${written}`);
  const fql = segmentFql();
  const ast = fql.parseFql(text);
  if ('error' in ast) return fail(`not a trigger Segment understands (${SUPPORTED})`);
  if (leaves(ast) === 0) return fail('the trigger has no condition');
  let canonical: string;
  try {
    canonical = fql.generateFql(ast);
  } catch {
    return fail(`not a trigger Segment understands (${SUPPORTED})`);
  }
  const read = tokens(canonical);
  if (typeof read === 'string' || !sameTokens(written, read)) {
    return fail(`Segment would read it as \`${canonical}\`, which is not what was written`);
  }
  const parsed: Subscription = ast;
  return {
    ok: true,
    text,
    matches: (message) => fql.validate(parsed, message),
  };
}

function tokens(text: string): Token[] | string {
  const lexed = fqlLexer().lex(text);
  if (lexed.error) return lexed.error.message;
  return lexed.tokens.map((t) => ({ type: t.type, value: t.value }));
}

function sameTokens(a: readonly Token[], b: readonly Token[]): boolean {
  return (
    a.length === b.length &&
    a.every((t, i) => {
      const u = b[i] as Token;
      if (t.type !== u.type) return false;
      return t.type === 'number' ? Number(t.value) === Number(u.value) : t.value === u.value;
    })
  );
}

function leaves(condition: Condition): number {
  return condition.type === 'group'
    ? condition.children.reduce((n, child) => n + leaves(child), 0)
    : 1;
}
