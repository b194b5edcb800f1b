/**
 * page and screen → one `/import` event (Page Calls / Screen Calls presets, mapping reference
 * §6) named by `mapping.pageNaming` (page-name.ts), with `event_original_name` = the page name,
 * plus the People updates the settings ask for, under the generated name.
 *
 * With a Classic naming (`consolidated`, `named`, `categorized`) the root `category` and `name`
 * are also copied into the properties when the message does not already carry them, as Classic
 * did (C11–C14): under "Loaded a Page" they are the only way to tell pages apart. The default
 * `viewed-name` keeps Segment (Actions)' properties untouched.
 */
import type { PageMessage, ScreenMessage } from '../segment/message.js';
import type { ImportEvent, MixpanelRecord } from '../mixpanel/records.js';
import { contextView } from './context.js';
import { eventProfileUpdates } from './event-profile-updates.js';
import { eventProperties } from './event-properties.js';
import { insertIds } from './insert-id.js';
import type { Mapped } from './mapped.js';
import { pageEventName } from './page-name.js';
import type { MappingSettings } from './settings.js';

export function mapPage(message: PageMessage | ScreenMessage, settings: MappingSettings): Mapped {
  const { pageNaming, sourceName } = settings.mapping;
  const context = contextView(message.context);
  const name = pageEventName(message.type, pageNaming, message.name, message.category);
  const properties = eventProperties(message, {
    insertId: insertIds(message).primary(),
    originalName: message.name,
    sourceName,
    context,
  });
  if (pageNaming !== 'viewed-name') {
    if (message.category !== undefined && !Object.hasOwn(properties, 'category')) {
      properties['category'] = message.category;
    }
    if (message.name !== undefined && !Object.hasOwn(properties, 'name'))
      properties['name'] = message.name;
  }
  const records: MixpanelRecord[] = [
    {
      endpoint: '/import',
      record: { event: name, properties: properties as ImportEvent['properties'] },
    },
  ];
  const updates = eventProfileUpdates(message, name, context, settings);
  return { records: updates.length === 0 ? records : records.concat(updates) };
}

/** Screens map exactly like pages ("Screen" instead of "Page" in generated names). */
export const mapScreen: (message: ScreenMessage, settings: MappingSettings) => Mapped = mapPage;
