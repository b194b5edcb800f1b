export async function waitFor(probe, done, options = {}) {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const intervalMs = options.intervalMs ?? 100;
    const deadline = performance.now() + timeoutMs;
    let last;
    let lastError;
    for (;;) {
        try {
            last = await probe();
            if (done(last))
                return last;
            lastError = undefined;
        }
        catch (err) {
            lastError = err;
        }
        if (performance.now() > deadline) {
            const seen = lastError
                ? `last error: ${String(lastError)}`
                : `last value: ${JSON.stringify(last, bigintReplacer)}`;
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'condition'} (${seen})`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}
function bigintReplacer(_key, value) {
    if (typeof value === 'bigint')
        return value.toString();
    if (value instanceof Map)
        return Object.fromEntries(value);
    return value;
}
//# sourceMappingURL=wait.js.map