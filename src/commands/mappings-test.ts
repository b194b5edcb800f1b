/**
 * `segment-mixpanel mappings test -c config.yaml < messages.ndjson`: for each message, which of the
 * config's subscriptions matched and what each produced, then what the processor would do with
 * the message (like Segment's mapping tester, for the whole list at once). One JSON line per
 * message (per element of a batch payload), keys always in this order:
 *
 *   {"line":N,"subscriptions":[S…],"outcome":O}
 *   S = {"name":"…","action":"…","records":[{"endpoint":"/import","record":{…}},…]}
 *     | {"name":"…","action":"…","skipped":"<skip reason>"}
 *     | {"name":"…","action":"…","error":"<why the mapping failed>"}
 *   O = {"records":<count>} | {"skipped":"<skip reason>"} | {"error":{"code":"…","message":"…"}}
 *
 * Only matching subscriptions are listed, in config order. A message that fails before mapping
 * (bad JSON, no identity, …) has no subscriptions and its error as outcome. Deterministic like
 * `transform`: the clock is read once for the "at most 1 h in the future" check (`--now`).
 */
import { once } from 'node:events';
import type { Clock } from '../clock.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { createMessageDecoder } from '../decode/message-decoder.js';
import { compileSettings } from '../transform/settings.js';
import {
  compileSubscriptions,
  runSubscriptions,
  type SubscriptionRun,
} from '../transform/subscriptions/subscriptions.js';
import { createTransformer, type TransformOutcome } from '../transform/transform.js';
import { ndjsonLines } from './ndjson-lines.js';

export interface MappingsTestOptions {
  readonly config?: string | undefined;
  readonly nowMs?: number | undefined;
}

export interface MappingsTestIo {
  readonly input: AsyncIterable<Uint8Array | string>;
  readonly output: NodeJS.WritableStream;
  readonly clock: Pick<Clock, 'now'>;
}

export async function mappingsTestCommand(
  options: MappingsTestOptions,
  io: MappingsTestIo,
): Promise<number> {
  const config = loadConfig({ file: options.config });
  if (config.mapping.subscriptions === undefined) {
    throw new ConfigError([
      'mapping.subscriptions is not set: mappings test shows what subscriptions do (see docs/mapping.md "Subscriptions")',
    ]);
  }
  const decoder = createMessageDecoder(config);
  const settings = compileSettings(config);
  const subscriptions = compileSubscriptions(config.mapping.subscriptions);
  const transform = createTransformer(config);
  const context = { nowMs: options.nowMs ?? io.clock.now() };
  let messages = 0;
  for await (const { line, bytes } of ndjsonLines(io.input)) {
    for (const decoded of decoder.decodeBytes(bytes, context)) {
      messages += 1;
      const text =
        decoded.kind === 'message'
          ? renderLine(
              line,
              runSubscriptions(decoded.message, subscriptions, settings),
              transform(decoded.message),
            )
          : renderLine(line, [], decoded);
      if (!io.output.write(text)) await once(io.output, 'drain');
    }
  }
  return messages;
}

export function renderLine(
  line: number,
  runs: readonly SubscriptionRun[],
  outcome: TransformOutcome,
): string {
  const subscriptions = runs.map(({ name, action, outcome: o }) =>
    o.kind === 'records'
      ? {
          name,
          action,
          records: o.records.map((r) => ({ endpoint: r.endpoint, record: r.record })),
        }
      : o.kind === 'skipped'
        ? { name, action, skipped: o.reason }
        : { name, action, error: o.message },
  );
  const result =
    outcome.kind === 'records'
      ? { records: outcome.records.length }
      : outcome.kind === 'skipped'
        ? { skipped: outcome.reason }
        : { error: { code: outcome.rejection.code, message: outcome.rejection.message } };
  return `${JSON.stringify({ line, subscriptions, outcome: result })}\n`;
}
