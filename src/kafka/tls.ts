/**
 * `kafka.ssl` and `kafka.tls` → the `ssl` option of kafkajs, which hands it to `tls.connect` for
 * every broker connection. `kafka.ssl: true` alone trusts the system CAs; `kafka.tls.ca` replaces
 * them (as a Java truststore does); `kafka.tls.cert` + `key` present a client certificate (mTLS).
 * kafkajs sends each broker's host name as SNI and checks it unless `servername` is set.
 */
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig } from '../config/schema.js';
import { kafkaTlsEnabled } from '../config/schema.js';
import { loadTlsFiles, type Loaded } from '../config/tls-files.js';

export interface KafkaTls {
  /** undefined: plaintext. */
  readonly ssl: true | ConnectionOptions | undefined;
  readonly warnings: readonly string[];
}

export function kafkaTls(config: Pick<KafkaConfig, 'ssl' | 'tls'>): Loaded<KafkaTls> {
  if (!kafkaTlsEnabled(config)) return { ok: true, value: { ssl: undefined, warnings: [] } };
  if (config.tls === undefined) return { ok: true, value: { ssl: true, warnings: [] } };
  const loaded = loadTlsFiles('kafka.tls', config.tls);
  if (!loaded.ok) return loaded;
  const warnings =
    config.tls.rejectUnauthorized === false
      ? [
          'kafka.tls.rejectUnauthorized is false: broker certificates are not verified, so anyone on the network path can pose as a broker',
        ]
      : [];
  return { ok: true, value: { ssl: loaded.value, warnings } };
}
