/** `segment-mixpanel cohorts serve`: the shared start, then the webhook receiver. */
import type { Metrics } from '../metrics/registry.js';
import type { CohortSync } from './cohort-sync.js';
import { prepare, type CohortServiceConfig, type CohortServiceOptions } from './cohort-service.js';
import { CohortStartupError } from './errors.js';
import { WebhookHandler } from './webhook/webhook-handler.js';
import { startWebhookServer, type WebhookServer } from './webhook/webhook-server.js';

export interface CohortReceiver {
  /** Where Mixpanel posts: `http://host:port/path`. */
  readonly url: string;
  readonly opsUrl: string | undefined;
  readonly metrics: Metrics;
  readonly sync: CohortSync;
  stop(): Promise<void>;
}

/** `cohorts serve`: resolves once the receiver listens. */
export async function startCohortReceiver(
  config: Readonly<CohortServiceConfig>,
  options: CohortServiceOptions = {},
): Promise<CohortReceiver> {
  const prepared = await prepare(config, { ...options, ops: true }, 'webhook');
  const { sync, metrics, logger, clock, log, ops } = prepared;
  const webhook = config.cohorts.webhook;
  let server: WebhookServer;
  try {
    server = await startWebhookServer({
      host: webhook.host,
      port: webhook.port,
      path: webhook.path,
      credentials:
        webhook.username !== undefined && webhook.password !== undefined
          ? { username: webhook.username, password: webhook.password }
          : undefined,
      maxBodyBytes: webhook.maxBodyBytes,
      handler: new WebhookHandler({ sync, metrics, logger }),
      logger,
    });
  } catch (err) {
    await log.close();
    await ops?.close();
    throw new CohortStartupError(
      `cannot listen on ${webhook.host}:${webhook.port} (cohorts.webhook.host, cohorts.webhook.port): ${(err as Error).message}`,
    );
  }
  // Incomplete full syncs are abandoned once they outlive the TTL.
  let expiry = clock.setTimer(
    function sweep() {
      void sync.expire(webhook.sessionTtlMs).finally(() => {
        expiry = clock.setTimer(sweep, Math.min(webhook.sessionTtlMs, 60 * 60 * 1000));
      });
    },
    Math.min(webhook.sessionTtlMs, 60 * 60 * 1000),
  );
  const url = `${server.url}${webhook.path}`;
  logger.info({ url, topic: config.cohorts.topic, metrics: ops?.url }, 'cohort receiver started');
  let stopping: Promise<void> | undefined;
  return {
    url,
    opsUrl: ops?.url,
    metrics,
    sync,
    stop() {
      stopping ??= (async () => {
        expiry.cancel();
        await server.close();
        await sync.idle();
        await log.close().catch((err: unknown) => logger.warn({ err }, 'error closing producer'));
        logger.info('cohort receiver stopped');
        await ops?.close();
      })();
      return stopping;
    },
  };
}
