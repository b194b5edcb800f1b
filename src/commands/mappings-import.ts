/**
 * `segment-mixpanel mappings import FILE`: a destination's subscriptions as Segment's Public API
 * returns them (`GET /destinations/{id}/subscriptions`: `{"data":{"subscriptions":[…]}}`; a bare
 * array or `{"subscriptions":[…]}` also works) → the equivalent `mapping.subscriptions` YAML on
 * stdout, and on stderr a list of everything that was not carried over as it was.
 *
 * Per item: `name`, `actionSlug` → `action`, `trigger`, `settings` → `fields` with
 * `useDefaults: false` (an export holds the whole mapping), `enabled`. Not carried over:
 * Segment's delivery settings (`enable_batching`, `batch_size`: `batching.*` applies), fields the
 * action does not have, Reverse ETL subscriptions (a non-empty `modelId`) and unknown actions.
 * A subscription that would not load here (a trigger Segment would misread, an `@liquid`
 * mapping, …) is written with `enabled: false` and its problem listed, so the file loads and
 * says what to fix. An enabled alias subscription also sets `idMergeMode: original`.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { ConfigError } from '../config/load.js';
import { subscriptionProblems, type SubscriptionConfig } from '../config/subscriptions.js';
import { ACTION_SPECS, ACTIONS, type ActionSlug } from '../segment/mixpanel-actions.js';

export interface ImportResult {
  readonly mapping: {
    idMergeMode?: 'original';
    subscriptions: SubscriptionConfig[];
  };
  /** One line per thing not carried over as it was, in input order. */
  readonly notes: string[];
}

type Item = Record<string, unknown>;

export function importSubscriptions(exported: unknown): ImportResult {
  const items = subscriptionItems(exported);
  const notes: string[] = [];
  const subscriptions: SubscriptionConfig[] = [];
  const names = new Set<string>();
  items.forEach((item, index) => {
    const label =
      typeof item['name'] === 'string' && item['name'] !== '' ? item['name'] : `#${index + 1}`;
    const note = (text: string): void => void notes.push(`subscription "${label}": ${text}`);
    const slug = item['actionSlug'];
    if (typeof slug !== 'string' || !(ACTIONS as readonly string[]).includes(slug)) {
      note(`not imported: action ${JSON.stringify(slug)} is not one of ${ACTIONS.join(', ')}`);
      return;
    }
    if (typeof item['modelId'] === 'string' && item['modelId'] !== '') {
      note('not imported: a Reverse ETL subscription (modelId set) has no stream equivalent');
      return;
    }
    const action = slug as ActionSlug;
    const fields: Record<string, unknown> = {};
    const settings = isObject(item['settings']) ? item['settings'] : {};
    for (const [field, value] of Object.entries(settings)) {
      const spec = ACTION_SPECS[action].fields[field];
      if (spec === undefined) note(`field "${field}" dropped: ${action} has no such field`);
      else if (spec.delivery) note(`field "${field}" dropped: delivery is set by batching.* here`);
      else fields[field] = value;
    }
    let name = label;
    for (let n = 2; names.has(name); n++) name = `${label} (${n})`;
    if (name !== label) note(`renamed "${name}": names must be unique`);
    names.add(name);
    const subscription: SubscriptionConfig = {
      name,
      action,
      ...(typeof item['trigger'] === 'string' && item['trigger'] !== ''
        ? { trigger: item['trigger'] }
        : {}),
      fields,
      useDefaults: false,
      enabled: item['enabled'] !== false,
    };
    const problems = subscriptionProblems(subscription);
    if (problems.length > 0 && subscription.enabled) {
      subscription.enabled = false;
      for (const p of problems)
        note(`written disabled: ${p.message.replace(/^subscription "[^"]*": /, '')}`);
    }
    subscriptions.push(subscription);
  });
  const mapping: ImportResult['mapping'] = { subscriptions };
  if (subscriptions.some((s) => s.enabled && s.action === 'alias')) {
    mapping.idMergeMode = 'original';
    notes.push(
      'mapping.idMergeMode set to original: the alias action only works on projects with Original ID Merge',
    );
  }
  return { mapping, notes };
}

function subscriptionItems(exported: unknown): Item[] {
  const data = isObject(exported) && isObject(exported['data']) ? exported['data'] : exported;
  const list = Array.isArray(data) ? data : isObject(data) ? data['subscriptions'] : undefined;
  if (!Array.isArray(list)) {
    throw new ConfigError([
      'the file holds no subscriptions: expected {"data":{"subscriptions":[...]}} as Segment\'s Public API returns it',
    ]);
  }
  return list.filter(isObject);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function mappingsImportCommand(
  file: string,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
): void {
  let exported: unknown;
  try {
    exported = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`${file}: ${(err as Error).message}`]);
  }
  const { mapping, notes } = importSubscriptions(exported);
  io.out.write(
    `# mapping.subscriptions imported from ${file} by segment-mixpanel mappings import\n`,
  );
  io.out.write(stringify({ mapping }));
  for (const note of notes) io.err.write(`${note}\n`);
  io.err.write(
    `${mapping.subscriptions.length} subscription(s) written, ${notes.length} note(s)\n`,
  );
}
