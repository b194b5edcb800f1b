/**
 * The whole chain for one Kafka record value (or one NDJSON line): decode → validate →
 * transform, one outcome per contained message, in order. Used by the pipeline and by the
 * `transform` command; never throws for any input bytes.
 *
 *   const rt = createRecordTransformer(config);        // config: mixpanel, mapping, input?
 *   rt.transformRecord(bytes, { nowMs, kafkaTimestampMs }); // TransformOutcome[], length ≥ 1
 *   rt.transformPayload(payload, context);                // one already-decoded payload (Avro),
 *                                                         // depth-checked like JSON
 *
 * A decode failure is a single rejected outcome (stage `decode`). A batch payload with an empty
 * `batch` array yields one `empty_batch` skip, so every record has at least one outcome to
 * settle. A message whose `integrations` disable Mixpanel is skipped before validation (with
 * `mapping.honorIntegrations`): Segment would never have delivered it, so it is no dead letter
 * even when it is malformed.
 */
import type { InputConfig } from '../config/schema.js';
import { isPlainObject } from '../decode/batch-payload.js';
import { decodeJson } from '../decode/json.js';
import { inspectTree } from '../decode/json-tree.js';
import { isSegmentType } from '../segment/message.js';
import { validateMessage } from '../decode/validate.js';
import { mixpanelDisabled } from './integrations.js';
import {
  createTransformer,
  type TransformConfig,
  type TransformContext,
  type TransformOutcome,
} from './transform.js';

export interface RecordTransformerConfig extends TransformConfig {
  /** Only `maxNestingDepth` is read; defaults to the schema default (64). */
  readonly input?: Pick<InputConfig, 'maxNestingDepth'>;
}

export interface RecordTransformer {
  /** One Kafka record value → one outcome per contained message (at least one). */
  transformRecord(bytes: Uint8Array, context: TransformContext): TransformOutcome[];
  /** One decoded payload (e.g. from Avro) → its outcome. */
  transformPayload(payload: unknown, context: TransformContext): TransformOutcome;
}

export const DEFAULT_MAX_NESTING_DEPTH = 64;

export function createRecordTransformer(config: RecordTransformerConfig): RecordTransformer {
  const transform = createTransformer(config);
  const honorIntegrations = config.mapping.honorIntegrations;
  const decodeOptions = {
    maxNestingDepth: config.input?.maxNestingDepth ?? DEFAULT_MAX_NESTING_DEPTH,
  };

  const transformPayload = (
    payload: unknown,
    context: TransformContext,
    inputBytes?: number,
  ): TransformOutcome => {
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
    return transform(validated.message, inputBytes === undefined ? undefined : { inputBytes });
  };

  return {
    transformPayload(payload, context) {
      // Payloads decoded elsewhere (Avro) have not been depth-checked; everything after this
      // point may recurse into them.
      const problem = inspectTree(payload, decodeOptions.maxNestingDepth, false);
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
      return transformPayload(payload, context);
    },
    transformRecord(bytes, context) {
      const decoded = decodeJson(bytes, decodeOptions);
      if (!decoded.ok) return [{ kind: 'rejected', rejection: decoded.rejection }];
      if (decoded.payloads.length === 0) return [{ kind: 'skipped', reason: 'empty_batch' }];
      return decoded.payloads.map((payload) =>
        transformPayload(payload, context, bytes.byteLength),
      );
    },
  };
}
