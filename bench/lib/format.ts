/** Table and number formatting for the benchmark report. */
export const fmt = {
  int: (n: number): string => Math.round(n).toLocaleString('en'),
  mb: (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`,
  s: (seconds: number): string => `${seconds.toFixed(1)} s`,
  ms: (ms: number | null): string => (ms === null ? '—' : `${Math.round(ms)} ms`),
  ratio: (r: number): string => `${r.toFixed(2)}×`,
};

export interface Row {
  readonly measure: string;
  readonly value: string;
  readonly target: string;
  readonly verdict: 'met' | 'missed' | 'info';
}

export function table(rows: readonly Row[]): string {
  const headers = ['measure', 'value', 'target', ''];
  const cells = rows.map((r) => [
    r.measure,
    r.value,
    r.target,
    r.verdict === 'info' ? '' : r.verdict === 'met' ? '✓' : '✗ missed',
  ]);
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((c) => (c[i] as string).length)),
  );
  const line = (c: readonly string[]): string =>
    c
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n');
}
