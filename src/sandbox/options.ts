/**
 * What `startSandbox` takes: the settings of settings.ts (validated, defaults applied by the
 * schema) plus the ports it runs on, which are not settings: clock, random source and logger.
 */
import { systemClock, type Clock } from '../clock.js';
import { silentLogger, type Logger } from '../log.js';
import { seededRandom } from '../random.js';
import {
  sandboxSettingsSchema,
  type SandboxSettings,
  type SandboxSettingsInput,
} from './settings.js';

interface SandboxPorts {
  /** Time rules and latency run on it; a ManualClock makes them deterministic. */
  readonly clock: Clock;
  /** Uniform in [0, 1); decides rate-based faults. Default: seeded by the `seed` setting. */
  readonly random: () => number;
  readonly logger: Logger;
}

export type SandboxOptions = SandboxSettings & SandboxPorts;

/** Any subset of the settings and ports; undefined values take the default. */
export type SandboxOptionsInput = SandboxSettingsInput & {
  readonly [K in keyof SandboxPorts]?: SandboxPorts[K] | undefined;
};

/** Throws a ZodError naming the bad setting. */
export function resolveSandboxOptions(input: SandboxOptionsInput = {}): SandboxOptions {
  const { clock, random, logger, ...settings } = input;
  const resolved = sandboxSettingsSchema.parse(settings);
  return {
    ...resolved,
    clock: clock ?? systemClock,
    random: random ?? seededRandom(resolved.seed),
    logger: logger ?? silentLogger(),
  };
}
