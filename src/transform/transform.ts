/**
 * The transform: a validated SegmentMessage → its Mixpanel records, an intentional skip, or a
 * rejection. Pure and deterministic (same message and config → same records, byte for byte):
 * no clock, no randomness, no I/O. Never throws for any message validateMessage produced.
 *
 *   const transform = createTransformer({ mapping, mixpanel });
 *   const outcome = transform(message);                 // TransformOutcome
 *   const outcome = transform(message, { inputBytes }); // same result, faster for JSON input
 *
 * Steps: honour `integrations` (docs/mapping.md) → the mapper of the message's type (track.ts, page.ts,
 * identify.ts, group.ts, alias.ts) → Mixpanel's per-record limits (limits.ts). A message is
 * all-or-nothing: if one of its records breaks a limit, the whole message is rejected, so a
 * dead letter replays as a unit.
 *
 * The event time was resolved by validateMessage (decode/time.ts), so the transform needs no
 * time context; TransformContext is the context of the decode → validate → transform chain
 * (record-transformer.ts).
 */
import type { SegmentMessage, SegmentType } from '../segment/message.js';
import type { TimeContext } from '../decode/time.js';
import type { MixpanelRecord } from '../mixpanel/records.js';
import type { Rejection, SkipReason } from '../vocabulary.js';
import { mapAlias } from './alias.js';
import { mapGroup } from './group.js';
import { mapIdentify } from './identify.js';
import { mixpanelDisabled } from '../segment/integrations.js';
import { checkRecord } from './limits.js';
import { MAX_RECORD_BYTES, recordSizeBound } from './record-size.js';
import type { Mapped } from './mapped.js';
import { mapPage, mapScreen } from './page.js';
import { compileSettings, type MappingSettings, type TransformConfig } from './settings.js';
import {
  combineRuns,
  compileSubscriptions,
  runSubscriptions,
} from './subscriptions/subscriptions.js';
import { mapTrack } from './track.js';

export type { TransformConfig } from './settings.js';

/** Kafka record timestamp (fallback time) and wall-clock now (future check only). */
export type TransformContext = TimeContext;

/**
 * The result for one Segment message. `segmentType` is set whenever the message's type is known
 * (every outcome except decode failures and `unknown_type`), for the metrics
 * `records_transformed_total{segment_type,target}` and `transform_failures_total{segment_type,code}`.
 */
export type TransformOutcome = Outcome<MixpanelRecord>;

/** An outcome whose records are `R`: Mixpanel records here, serialized ones after the stage. */
export type Outcome<R> =
  | { readonly kind: 'records'; readonly segmentType: SegmentType; readonly records: R[] }
  | { readonly kind: 'rejected'; readonly segmentType?: SegmentType; readonly rejection: Rejection }
  | { readonly kind: 'skipped'; readonly segmentType?: SegmentType; readonly reason: SkipReason };

export interface TransformOptions {
  /**
   * Size in bytes of the JSON the message was parsed from (the whole Kafka record for a batch
   * payload), when known. Lets the transform skip measuring the records of ordinary-sized
   * messages (record-size.ts recordSizeBound); it never changes the result.
   */
  readonly inputBytes?: number;
}

export type Transformer = (message: SegmentMessage, options?: TransformOptions) => TransformOutcome;

type Mapper = (message: never, settings: MappingSettings) => Mapped;
const MAPPERS: {
  readonly [T in SegmentType]: (
    message: Extract<SegmentMessage, { type: T }>,
    settings: MappingSettings,
  ) => Mapped;
} = {
  track: mapTrack,
  page: mapPage,
  screen: mapScreen,
  identify: mapIdentify,
  group: mapGroup,
  alias: mapAlias,
};

export function createTransformer(config: TransformConfig): Transformer {
  const settings = compileSettings(config);
  const { subscriptions: list } = config.mapping;
  const subscriptions = list === undefined ? undefined : compileSubscriptions(list);
  const configChars = settings.token.length + (settings.mapping.sourceName?.length ?? 0);
  return (message, options) => {
    const segmentType = message.type;
    if (settings.mapping.honorIntegrations && mixpanelDisabled(message.integrations)) {
      return { kind: 'skipped', segmentType, reason: 'integrations_disabled' };
    }
    const mapped =
      subscriptions === undefined
        ? (MAPPERS[segmentType] as Mapper)(message as never, settings)
        : combineRuns(runSubscriptions(message, subscriptions, settings));
    if ('skip' in mapped) return { kind: 'skipped', segmentType, reason: mapped.skip };
    if ('rejection' in mapped)
      return { kind: 'rejected', segmentType, rejection: mapped.rejection };
    const small =
      options?.inputBytes !== undefined &&
      recordSizeBound(options.inputBytes, configChars) <= MAX_RECORD_BYTES;
    for (const record of mapped.records) {
      const rejection = checkRecord(record, small);
      if (rejection !== undefined) return { kind: 'rejected', segmentType, rejection };
    }
    return { kind: 'records', segmentType, records: mapped.records };
  };
}
