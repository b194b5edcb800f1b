/**
 * track → one `/import` event named by `event` (Track Calls preset, docs/mapping.md), plus,
 * for exactly "Order Completed" (case-sensitive, like Segment's preset trigger), one "Product
 * Purchased" event per product unless `mapping.productEvents` is false (purchase.ts), plus the
 * People updates the settings ask for (event-profile-updates.ts). Record order: the event, its
 * product events, then profile updates.
 */
import type { TrackMessage } from '../segment/message.js';
import type { ImportEvent, MixpanelRecord } from '../mixpanel/records.js';
import { contextView } from './context.js';
import { addContextTraits } from './context-traits.js';
import { eventProfileUpdates } from './event-profile-updates.js';
import { eventProperties } from './event-properties.js';
import { insertIds } from './insert-id.js';
import type { Mapped } from './mapped.js';
import { ORDER_COMPLETED, productEvents } from './purchase.js';
import type { MappingSettings } from './settings.js';

export function mapTrack(message: TrackMessage, settings: MappingSettings): Mapped {
  const context = contextView(message.context);
  const ids = insertIds(message);
  const { sourceName, mpLib, reservedProperties, contextTraits } = settings.mapping;
  const properties = eventProperties(message, {
    insertId: ids.primary(),
    originalName: message.event,
    sourceName,
    context,
    mpLib,
    renameReserved: reservedProperties === 'rename',
  });
  addContextTraits(properties, message.context, contextTraits);
  const event: ImportEvent = {
    event: message.event,
    properties: properties as ImportEvent['properties'],
  };
  const records: MixpanelRecord[] = [{ endpoint: '/import', record: event }];
  if (message.event === ORDER_COMPLETED && settings.mapping.productEvents) {
    records.push(...productEvents(event, message.properties['products'], ids));
  }
  const updates = eventProfileUpdates(message, message.event, context, settings);
  return { records: updates.length === 0 ? records : records.concat(updates) };
}
