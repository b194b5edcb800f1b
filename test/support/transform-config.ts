/** Config for transform tests: the schema's defaults, the vectors' project token, overrides. */
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import type { SegmentMessage } from '../../src/segment/message.js';
import { validateMessage } from '../../src/decode/validate.js';
import { compileSettings, type MappingSettings } from '../../src/transform/settings.js';

export const TOKEN = 'mp-token-7f3c21';
/** The vectors' harness clock, 2025-01-01T00:00:00Z. */
export const NOW = Date.UTC(2025, 0, 1);

export function transformConfig(mapping: NonNullable<ConfigInput['mapping']> = {}) {
  return configSchema.parse({ mixpanel: { projectToken: TOKEN }, mapping });
}

export function mappingSettings(
  mapping: NonNullable<ConfigInput['mapping']> = {},
): MappingSettings {
  return compileSettings(transformConfig(mapping));
}

/** A SegmentMessage from a payload that must be valid (throws in the test otherwise). */
export function validMessage(payload: Record<string, unknown>): SegmentMessage {
  const result = validateMessage(
    { timestamp: '2024-12-30T09:15:00.000Z', ...payload },
    { nowMs: NOW },
  );
  if (!result.ok) throw new Error(`test message is invalid: ${result.rejection.message}`);
  return result.message;
}
