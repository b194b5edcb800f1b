/** Combining abort signals without leaking listeners on long-lived ones. */
import { setMaxListeners } from 'node:events';

/**
 * One signal aborted when any input aborts. (AbortSignal.any would keep a dependent of the
 * publisher-lifetime signal per call on Node 20; this one detaches when the batch is done.)
 */
export function linkSignals(
  lifetime: AbortSignal,
  caller: AbortSignal | undefined,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  // Every attempt and every part of a split batch follows this signal at once.
  setMaxListeners(0, controller.signal);
  const abort = (): void => controller.abort();
  lifetime.addEventListener('abort', abort, { once: true });
  caller?.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      lifetime.removeEventListener('abort', abort);
      caller?.removeEventListener('abort', abort);
    },
  };
}
