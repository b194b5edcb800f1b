/**
 * The decode → transform chain for one Kafka record value (or one NDJSON line): one outcome per
 * contained message, in order. Used by the transform stage (on its workers) and by the
 * `transform` command; never throws for any input bytes.
 *
 *   const rt = createRecordTransformer(config);             // config: mixpanel, mapping, input?
 *   rt.transformRecord(bytes, { nowMs, kafkaTimestampMs }); // TransformOutcome[], length ≥ 1
 *   rt.transformPayload(payload, context);                  // one already-decoded payload (Avro)
 */
import {
  createMessageDecoder,
  type Decoded,
  type MessageDecoderConfig,
} from '../decode/message-decoder.js';
import {
  createTransformer,
  type TransformConfig,
  type TransformContext,
  type TransformOutcome,
} from './transform.js';

export type RecordTransformerConfig = TransformConfig & MessageDecoderConfig;

export interface RecordTransformer {
  /** One Kafka record value → one outcome per contained message (at least one). */
  transformRecord(bytes: Uint8Array, context: TransformContext): TransformOutcome[];
  /** One decoded payload (e.g. from Avro) → its outcome. */
  transformPayload(payload: unknown, context: TransformContext): TransformOutcome;
}

export function createRecordTransformer(config: RecordTransformerConfig): RecordTransformer {
  const decoder = createMessageDecoder(config);
  const transform = createTransformer(config);
  const outcome = (decoded: Decoded): TransformOutcome =>
    decoded.kind === 'message'
      ? transform(
          decoded.message,
          decoded.inputBytes === undefined ? undefined : { inputBytes: decoded.inputBytes },
        )
      : decoded;
  return {
    transformRecord: (bytes, context) => decoder.decodeBytes(bytes, context).map(outcome),
    transformPayload: (payload, context) => outcome(decoder.decodePayload(payload, context)),
  };
}
