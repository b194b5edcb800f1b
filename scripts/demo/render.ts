/** The demo's live lines and final summary, from ledger snapshots and the sandbox's stats. */
import type { SandboxStats } from '../../src/sandbox/index.js';
import type { LedgerSnapshot } from './ledger.js';

const n = (value: number): string => value.toLocaleString('en-US');

function byKey(map: ReadonlyMap<string, number>): string {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => `${key} ${n(count)}`)
    .join(', ');
}

/** `produced 1,234 = delivered 1,150 + dead-lettered 12 + skipped 38 + unsettled 34  ✓` */
export function equation(s: LedgerSnapshot): string {
  const terms = [
    `delivered ${n(s.delivered)}`,
    `dead-lettered ${n(s.deadLettered)}`,
    `skipped ${n(s.skipped)}`,
    `unsettled ${n(s.unsettled)}`,
    ...(s.checking > 0 ? [`checking ${n(s.checking)}`] : []),
    ...(s.missing > 0 ? [`MISSING ${n(s.missing)}`] : []),
  ];
  return `produced ${n(s.produced)} = ${terms.join(' + ')}  ${s.missing === 0 ? '✓' : '✗'}`;
}

/** What the sandbox holds: unique events (and collapsed copies), profile and group updates. */
export function mixpanelLine(stats: SandboxStats): string {
  const events = stats.records['/import'];
  return (
    `Mixpanel (sandbox) holds ${n(events.unique)} events (${n(events.duplicates)} duplicate copies collapsed), ` +
    `${n(stats.records['/engage'].accepted)} profile updates, ${n(stats.records['/groups'].accepted)} group updates`
  );
}

export function deadLetterLine(s: LedgerSnapshot): string {
  return s.deadLettered === 0 ? 'no dead letters' : `dead letters: ${byKey(s.deadLetteredByCode)}`;
}

export function summary(s: LedgerSnapshot, stats: SandboxStats, restarts: number): string[] {
  const row = (label: string, value: number, detail = ''): string =>
    `  ${label.padEnd(14)} ${n(value).padStart(9)}   ${detail}`.trimEnd();
  return [
    row('produced', s.produced, 'messages in the raw topic'),
    row('delivered', s.delivered, mixpanelLine(stats)),
    row('dead-lettered', s.deadLettered, s.deadLettered > 0 ? byKey(s.deadLetteredByCode) : ''),
    row(
      'skipped',
      s.skipped,
      s.skipped > 0 ? `${byKey(s.skippedByReason)} (by the mapping settings)` : '',
    ),
    row(
      'unsettled',
      s.unsettled,
      s.unsettled > 0 ? 'not committed: a restarted processor reads them again' : '',
    ),
    ...(s.checking > 0
      ? [row('checking', s.checking, 'committed, not yet checked by the demo')]
      : []),
    ...(s.missing > 0
      ? [
          row(
            'MISSING',
            s.missing,
            `committed but nowhere to be found, e.g. ${s.missingSamples.join(' ')}`,
          ),
        ]
      : []),
    `  check          ${equation(s)}`,
    `  restarts       ${restarts} (processor crashes recovered from)`,
  ];
}
