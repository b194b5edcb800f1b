/**
 * The mapping configuration (config `mapping.*`) compiled once for the per-message path: lists
 * become sets, case-insensitive names are lower-cased, the project token is at hand.
 */
import type { MappingConfig, MixpanelConfig } from '../config/schema.js';

export interface TransformConfig {
  readonly mapping: MappingConfig;
  readonly mixpanel: Pick<MixpanelConfig, 'projectToken'>;
}

export interface MappingSettings {
  readonly mapping: MappingConfig;
  /** `$token` of `/engage` and `/groups` updates, `token` of identity events. */
  readonly token: string;
  /** `eventIncrements`, lower-cased (Classic matches event names case-insensitively, C07). */
  readonly incrementEvents: ReadonlySet<string>;
  readonly peopleTraits: ReadonlySet<string>;
  readonly setOnceTraits: ReadonlySet<string>;
  readonly groupTraitsToSetOnce: ReadonlySet<string>;
  /** Whether any event can produce a profile update (people on and a People feature set). */
  readonly eventProfileUpdates: boolean;
}

export function compileSettings(config: TransformConfig): MappingSettings {
  const { mapping } = config;
  return {
    mapping,
    token: config.mixpanel.projectToken,
    incrementEvents: new Set(mapping.eventIncrements.map((e) => e.toLowerCase())),
    peopleTraits: new Set(mapping.peopleTraits),
    setOnceTraits: new Set(mapping.setOnceTraits),
    groupTraitsToSetOnce: new Set(mapping.groupTraitsToSetOnce),
    eventProfileUpdates:
      mapping.people &&
      (mapping.eventIncrements.length > 0 ||
        mapping.propertyIncrements.length > 0 ||
        mapping.revenueAsCharge),
  };
}
