/** CPU time and memory of a process, read from /proc (Linux). */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

export interface ProcSample {
  /** User + system CPU seconds since the process started. */
  readonly cpuSeconds: number;
  /** Current resident set size, bytes. */
  readonly rssBytes: number;
  /** Peak resident set size (VmHWM), bytes. */
  readonly peakRssBytes: number;
}

export function sampleProcess(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return {
    cpuSeconds: (utime + stime) / CLOCK_TICKS,
    rssBytes: kb('VmRSS'),
    peakRssBytes: kb('VmHWM'),
  };
}

/** Samples RSS every intervalMs until stopped; returns the peak seen and the VmHWM. */
export function watchMemory(
  pid: number,
  intervalMs = 100,
): { stop(): { peakRssBytes: number; samples: number } } {
  let peak = 0;
  let samples = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, sampleProcess(pid).rssBytes);
      samples++;
    } catch {
      // process gone
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      let hwm = 0;
      try {
        hwm = sampleProcess(pid).peakRssBytes;
      } catch {
        // process gone
      }
      return { peakRssBytes: Math.max(peak, hwm), samples };
    },
  };
}
