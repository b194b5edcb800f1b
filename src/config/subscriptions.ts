/**
 * The schema of `mapping.subscriptions` and its checks. A subscription is refused at load, with
 * its name, when its trigger would not be read as written, when a field mapping has a mistake
 * (compileMapping), when it names a field its action does not have, or when a required field has
 * no mapping. The same compilation runs again where the subscriptions are used (each transform
 * worker builds its own from this plain, clonable config).
 */
import { z } from 'zod';
import { compileMapping } from '../segment/mapping-kit/compile.js';
import { ACTION_SPECS, ACTIONS, effectiveFields } from '../segment/mixpanel-actions.js';
import { compileTrigger } from '../segment/trigger.js';

export const subscription = z
  .object({
    name: z.string().min(1, 'must not be empty').meta({
      description: 'Unique name (errors, `mappings test` output and derived insert ids use it).',
    }),
    action: z.enum(ACTIONS).meta({ description: 'The Mixpanel (Actions) action to run.' }),
    trigger: z.string().optional().meta({
      description: "FQL condition, as in Segment; omitted: the action's default trigger.",
    }),
    fields: z.record(z.string(), z.unknown()).default({}).meta({
      description: 'Field mappings (Segment field name → value or mapping directive).',
    }),
    useDefaults: z.boolean().default(true).meta({
      description:
        "true: `fields` override the action's default mappings; false: `fields` is the whole mapping, as in a Segment export.",
    }),
    enabled: z.boolean().default(true).meta({ description: 'A disabled subscription never runs.' }),
  })
  .strict()
  .superRefine((s, ctx) => {
    // A disabled subscription never runs; it is kept as written (e.g. imported, still to fix).
    if (!s.enabled) return;
    for (const problem of subscriptionProblems(s)) {
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    }
  });

export type SubscriptionConfig = z.infer<typeof subscription>;

interface Problem {
  readonly path: (string | number)[];
  readonly message: string;
}

export function subscriptionProblems(s: SubscriptionConfig): Problem[] {
  const problems: Problem[] = [];
  const named = (message: string): string => `subscription "${s.name}": ${message}`;
  const spec = ACTION_SPECS[s.action];
  const trigger = s.trigger ?? spec.defaultTrigger;
  if (trigger === undefined) {
    problems.push({ path: ['trigger'], message: named(`the ${s.action} action needs a trigger`) });
  } else {
    const compiled = compileTrigger(trigger);
    if (!compiled.ok) problems.push({ path: ['trigger'], message: named(compiled.error) });
  }
  for (const field of Object.keys(s.fields)) {
    if (!Object.hasOwn(spec.fields, field)) {
      problems.push({
        path: ['fields', field],
        message: named(
          `${s.action} has no field "${field}" (fields: ${Object.keys(spec.fields).join(', ')})`,
        ),
      });
    }
  }
  const fields = effectiveFields(s);
  for (const [name, field] of Object.entries(spec.fields)) {
    if (field.required && fields[name] === undefined) {
      problems.push({
        path: ['fields', name],
        message: named(`the required field "${name}" has no mapping`),
      });
    }
  }
  const compiled = compileMapping(fields);
  if (!compiled.ok) {
    for (const p of compiled.problems) {
      const [field] = p.at.slice(1).split('/');
      problems.push({ path: ['fields', field ?? ''], message: named(`${p.at} ${p.message}`) });
    }
  }
  return problems;
}

/**
 * Settings that shape the built-in mapping: with subscriptions they would silently do nothing, so
 * a non-default value is an error (the subscriptions' fields express the same things).
 */
export const CLASSIC_SETTINGS = [
  'pageNaming',
  'people',
  'setAllTraits',
  'peopleTraits',
  'setOnceTraits',
  'arrayTraits',
  'eventIncrements',
  'propertyIncrements',
  'revenueAsCharge',
  'productEvents',
  'groupIdentifierTraits',
  'groupTraitsToSetOnce',
  'pageEvents',
  'contextTraits',
  'mpLib',
  'reservedProperties',
] as const;

interface MappingShape {
  readonly subscriptions?: readonly SubscriptionConfig[] | undefined;
  readonly idMergeMode: string;
  readonly [key: string]: unknown;
}

/** Checks across subscriptions and the rest of `mapping`. */
export function checkSubscriptions(
  mapping: MappingShape,
  defaults: Readonly<Record<string, unknown>>,
  ctx: z.RefinementCtx,
): void {
  const list = mapping.subscriptions;
  if (list === undefined) return;
  for (const key of CLASSIC_SETTINGS) {
    if (JSON.stringify(mapping[key]) !== JSON.stringify(defaults[key])) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `does not apply with mapping.subscriptions (map the fields of a subscription instead); remove it`,
      });
    }
  }
  const seen = new Set<string>();
  list.forEach((s, i) => {
    if (seen.has(s.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['subscriptions', i, 'name'],
        message: 'is used by two subscriptions; names must be unique',
      });
    }
    seen.add(s.name);
    if (s.enabled && s.action === 'alias' && mapping.idMergeMode !== 'original') {
      ctx.addIssue({
        code: 'custom',
        path: ['subscriptions', i, 'action'],
        message: `subscription "${s.name}": $create_alias is only accepted by projects on Original ID Merge; set mapping.idMergeMode: original (or disable the subscription)`,
      });
    }
  });
}
