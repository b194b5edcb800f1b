/**
 * One connection attempt with the configured TLS and SASL settings before the Kafka clients start.
 * A wrong CA, a missing client certificate or a refused login fails the same way every time, but
 * kafkajs retries connection errors with its backoff (about half a minute with the clients'
 * policy) before it reports them. Here a security failure is thrown at once, as kafkajs raised
 * it, for the startup report to name the setting (security-diagnosis.ts); any other failure (a
 * broker not up yet, a black hole) is left to the clients' own retries.
 */
import { Kafka, logLevel } from 'kafkajs';
import { systemClock } from '../clock.js';
import type { KafkaConfig } from '../config/schema.js';
import { silentLogger } from '../log.js';
import { describeSecurityFailure } from './security-diagnosis.js';
import { kafkaSecurity } from './security.js';

export async function preflightSecurity(config: KafkaConfig): Promise<void> {
  if (config.ssl !== true && config.tls === undefined && config.sasl === undefined) return;
  const admin = new Kafka({
    clientId: `${config.clientId}-preflight`,
    brokers: [...config.brokers],
    // Warnings about the settings were logged when the clients were built.
    ...kafkaSecurity(config, { logger: silentLogger(), clock: systemClock }),
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
  } catch (err) {
    if (describeSecurityFailure(err, config) !== undefined) throw err;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
