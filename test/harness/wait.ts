/**
 * Waiting on conditions, never on time: polls `probe` until it returns a value that `done` accepts.
 * The timeout only fails the test; it never paces it.
 */
export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Shown when the wait times out, with the last value seen. */
  readonly what?: string;
}

export async function waitFor<T>(
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = performance.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (done(last)) return last;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (performance.now() > deadline) {
      const seen = lastError
        ? `last error: ${String(lastError)}`
        : `last value: ${JSON.stringify(last, bigintReplacer)}`;
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what ?? 'condition'} (${seen})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function bigintReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}
