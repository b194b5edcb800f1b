/**
 * The security options of a kafkajs client (`ssl`, `sasl`) from the `kafka` config section.
 * Certificate files are read and checked here, once per client, so a wrong path or passphrase is a
 * configuration error naming the setting (exit status 2) before any connection is tried; the
 * settings that weaken security are logged as warnings.
 */
import type { KafkaConfig as KafkaJsConfig } from 'kafkajs';
import { ConfigError } from '../config/load.js';
import type { KafkaConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { kafkaSasl, type KafkaSaslDeps } from './sasl.js';
import { kafkaTls } from './tls.js';

export type KafkaSecurityOptions = Pick<KafkaJsConfig, 'ssl' | 'sasl'>;

export function kafkaSecurity(
  config: KafkaConfig,
  deps: KafkaSaslDeps & { readonly logger: Logger },
): KafkaSecurityOptions {
  const tls = kafkaTls(config);
  const sasl = kafkaSasl(config, deps);
  const problems = [...(tls.ok ? [] : tls.problems), ...(sasl.ok ? [] : sasl.problems)];
  if (!tls.ok || !sasl.ok) throw new ConfigError(problems);
  for (const warning of [...tls.value.warnings, ...sasl.value.warnings]) {
    deps.logger.warn(warning);
  }
  return {
    ...(tls.value.ssl !== undefined ? { ssl: tls.value.ssl } : {}),
    ...(sasl.value.sasl !== undefined ? { sasl: sasl.value.sasl } : {}),
  };
}
