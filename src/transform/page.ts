/**
 * page and screen → `/import` events (Page Calls / Screen Calls presets) plus the People updates
 * the settings ask for, under each event's name.
 *
 * Names: by default one event named by `mapping.pageNaming` (page-name.ts), with
 * `event_original_name` = the page name. With `mapping.pageEvents` (Classic's independent
 * toggles) one event per listed option that applies, in the order consolidated/all, categorized,
 * named: "Loaded a Page" always, "Viewed {category} [{name}] Page" when the call has a category,
 * "Viewed {name} Page" when it has a name; `consolidated` and `all` are the same event, sent once.
 * A call none applies to is skipped (`page_not_tracked`). The first event keeps the message's
 * insert id; the others get ids derived from it (role `page:<option>`).
 *
 * With a Classic naming (any but `viewed-name`, or `pageEvents`) the root `category` and `name` are
 * also copied into the properties when the message does not already carry them, as Classic did:
 * under "Loaded a Page" they are the only way to tell pages apart. The default `viewed-name` keeps
 * Segment (Actions)' properties untouched.
 */
import type { MappingConfig } from '../config/schema.js';
import type { PageMessage, ScreenMessage } from '../segment/message.js';
import type { ImportEvent, MixpanelRecord } from '../mixpanel/records.js';
import { contextView } from './context.js';
import { addContextTraits } from './context-traits.js';
import { eventProfileUpdates } from './event-profile-updates.js';
import { eventProperties } from './event-properties.js';
import { insertIds } from './insert-id.js';
import { skip, type Mapped } from './mapped.js';
import { pageEventName } from './page-name.js';
import type { MappingSettings } from './settings.js';

type PageOption = NonNullable<MappingConfig['pageEvents']>[number];

export function mapPage(message: PageMessage | ScreenMessage, settings: MappingSettings): Mapped {
  const { pageNaming, pageEvents, sourceName, mpLib, reservedProperties, contextTraits } =
    settings.mapping;
  const names: { name: string; option?: PageOption }[] =
    pageEvents === undefined
      ? [{ name: pageEventName(message.type, pageNaming, message.name, message.category) }]
      : classicNames(message, pageEvents);
  if (names.length === 0) return skip('page_not_tracked');
  const context = contextView(message.context);
  const ids = insertIds(message);
  const properties = eventProperties(message, {
    insertId: ids.primary(),
    originalName: message.name,
    sourceName,
    context,
    mpLib,
    renameReserved: reservedProperties === 'rename',
  });
  if (pageNaming !== 'viewed-name' || pageEvents !== undefined) {
    if (message.category !== undefined && !Object.hasOwn(properties, 'category')) {
      properties['category'] = message.category;
    }
    if (message.name !== undefined && !Object.hasOwn(properties, 'name'))
      properties['name'] = message.name;
  }
  addContextTraits(properties, message.context, contextTraits);
  const records: MixpanelRecord[] = [];
  const updates: MixpanelRecord[] = [];
  names.forEach(({ name, option }, i) => {
    const own =
      i === 0 ? properties : { ...properties, $insert_id: ids.derived(`page:${option ?? ''}`) };
    records.push({
      endpoint: '/import',
      record: { event: name, properties: own as ImportEvent['properties'] },
    });
    updates.push(...eventProfileUpdates(message, name, context, settings));
  });
  return { records: updates.length === 0 ? records : records.concat(updates) };
}

function classicNames(
  message: PageMessage | ScreenMessage,
  options: readonly PageOption[],
): { name: string; option: PageOption }[] {
  const noun = message.type === 'page' ? 'Page' : 'Screen';
  const names: { name: string; option: PageOption }[] = [];
  const all = options.find((o) => o === 'consolidated' || o === 'all');
  if (all !== undefined) names.push({ name: `Loaded a ${noun}`, option: all });
  if (options.includes('categorized') && message.category !== undefined) {
    const name = message.name === undefined ? '' : ` ${message.name}`;
    names.push({ name: `Viewed ${message.category}${name} ${noun}`, option: 'categorized' });
  }
  if (options.includes('named') && message.name !== undefined) {
    names.push({ name: `Viewed ${message.name} ${noun}`, option: 'named' });
  }
  return names;
}

/** Screens map exactly like pages ("Screen" instead of "Page" in generated names). */
export const mapScreen: (message: ScreenMessage, settings: MappingSettings) => Mapped = mapPage;
