/**
 * Decodes the content of one Kafka record: JSON bytes (one Segment message, or a Segment batch
 * payload of several) or a payload already decoded elsewhere (Avro), into validated Segment
 * messages, each with its outcome. Pure and synchronous, so it runs on the transform workers next
 * to the transform; never throws for any input.
 *
 * A decode failure is a single rejected outcome (stage `decode`). A batch payload with an empty
 * `batch` array yields one `empty_batch` skip, so every record has at least one outcome to settle.
 * A message whose `integrations` disable Mixpanel is skipped before validation (when
 * `mapping.honorIntegrations` is on): Segment would never have delivered it, so it is no dead
 * letter even when it is malformed.
 */
import type { InputConfig, MappingConfig } from '../config/schema.js';
import { isSegmentType, type SegmentMessage, type SegmentType } from '../segment/message.js';
import type { Rejection, SkipReason } from '../vocabulary.js';
import { isPlainObject } from './batch-payload.js';
import { mixpanelDisabled } from '../segment/integrations.js';
import { decodeJson } from './json.js';
import { inspectTree } from './json-tree.js';
import { MAX_FUTURE_MS, type TimeContext } from './time.js';
import { validateMessage } from './validate.js';

/** One message's decode outcome. `segmentType` is set whenever the type is known (metric labels). */
export type Decoded =
  | {
      readonly kind: 'message';
      readonly message: SegmentMessage;
      /** Size of the JSON it was parsed from (the whole record for a batch payload), when known. */
      readonly inputBytes: number | undefined;
    }
  | { readonly kind: 'rejected'; readonly segmentType?: SegmentType; readonly rejection: Rejection }
  | { readonly kind: 'skipped'; readonly segmentType?: SegmentType; readonly reason: SkipReason };

export interface MessageDecoderConfig {
  /** `maxNestingDepth` and `maxFutureMs`; each defaults to the schema default. */
  readonly input?: Partial<Pick<InputConfig, 'maxNestingDepth' | 'maxFutureMs'>>;
  readonly mapping: Pick<MappingConfig, 'honorIntegrations'>;
}

export interface MessageDecoder {
  /** JSON bytes → one outcome per contained message (at least one). */
  decodeBytes(bytes: Uint8Array, context: TimeContext): Decoded[];
  /** One payload decoded elsewhere (Avro) → its outcome, depth-checked like JSON. */
  decodePayload(payload: unknown, context: TimeContext): Decoded;
}

export const DEFAULT_MAX_NESTING_DEPTH = 64;

export function createMessageDecoder(config: MessageDecoderConfig): MessageDecoder {
  const honorIntegrations = config.mapping.honorIntegrations;
  const maxNestingDepth = config.input?.maxNestingDepth ?? DEFAULT_MAX_NESTING_DEPTH;
  const maxFutureMs = config.input?.maxFutureMs ?? MAX_FUTURE_MS;
  const timeContext = (context: TimeContext): TimeContext => ({
    nowMs: context.nowMs,
    maxFutureMs,
    ...(context.kafkaTimestampMs !== undefined
      ? { kafkaTimestampMs: context.kafkaTimestampMs }
      : {}),
  });

  const validate = (payload: unknown, context: TimeContext, inputBytes?: number): Decoded => {
    if (honorIntegrations && isPlainObject(payload) && isPlainObject(payload['integrations'])) {
      if (mixpanelDisabled(payload['integrations'])) {
        const type = payload['type'];
        return isSegmentType(type)
          ? { kind: 'skipped', segmentType: type, reason: 'integrations_disabled' }
          : { kind: 'skipped', reason: 'integrations_disabled' };
      }
    }
    const validated = validateMessage(payload, context);
    if (!validated.ok) {
      return validated.segmentType === undefined
        ? { kind: 'rejected', rejection: validated.rejection }
        : { kind: 'rejected', segmentType: validated.segmentType, rejection: validated.rejection };
    }
    return { kind: 'message', message: validated.message, inputBytes };
  };

  return {
    decodeBytes(bytes, context) {
      const decoded = decodeJson(bytes, { maxNestingDepth });
      if (!decoded.ok) return [{ kind: 'rejected', rejection: decoded.rejection }];
      if (decoded.payloads.length === 0) return [{ kind: 'skipped', reason: 'empty_batch' }];
      const times = timeContext(context);
      return decoded.payloads.map((payload) => validate(payload, times, bytes.byteLength));
    },
    decodePayload(payload, context) {
      // Payloads decoded elsewhere (Avro) have not been depth-checked; everything after this
      // point may recurse into them.
      const problem = inspectTree(payload, maxNestingDepth, false);
      if (problem?.kind === 'too_deep') {
        return {
          kind: 'rejected',
          rejection: {
            code: 'invalid_json',
            stage: 'decode',
            message: `nested deeper than ${problem.maxDepth} levels (input.maxNestingDepth)`,
          },
        };
      }
      return validate(payload, timeContext(context));
    },
  };
}
