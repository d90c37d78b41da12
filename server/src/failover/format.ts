/** The failover report as text: a summary table, per-site counts, and the verdict with its reasons. */
import type { FailoverEvent, FailoverReport } from './types.js';

const ms = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${Math.round(x)} ms`);
const at = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `t+${(x / 1000).toFixed(3)} s`);

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd()).join('\n');
}

/** How exact the outage is: ± from the gaps around its edges, for the probe's interval. */
function resolution(r: FailoverReport): string {
  const how = `probe every ${r.probeIntervalMs} ms, timestamps at send`;
  return r.resolutionMs === null ? `— (${how})` : `±${r.resolutionMs} ms (${how})`;
}

/** The split brain's evidence in one cell (the verdict's reason says it in words). */
function splitBrainCell(r: FailoverReport): string {
  const b = r.splitBrain;
  if (!b) return 'none seen';
  const states = Object.entries(b.states).map(([lb, st]) => `${lb} ${st ?? 'unread'}`).join(', ');
  return [
    `${b.holders.join(' and ')} held ${b.vip} from ${at(b.atMs)}, together for up to ${ms(b.lastedMs)}`,
    b.arpMacs ? `ARP answered from ${b.arpMacs.length} MAC(s)${b.arpMacs.length ? ` (${b.arpMacs.join(', ')})` : ''}` : 'ARP not asked',
    ...(states ? [`keepalived: ${states}`] : []),
  ].join('; ');
}

/** A rebooted target: when it answered again, and what systemd had started. */
export function cameBack(c: NonNullable<FailoverReport['cameBack']>): string {
  if (c.afterMs === null) return 'NO: it did not answer again within the wait';
  const services = Object.entries(c.services).map(([s, state]) => `${s} ${state}`).join(', ');
  return `${ms(c.afterMs)} after the fault, booted; started by systemd: ${services}`;
}

export function formatReport(r: FailoverReport): string {
  const lines: string[] = [];
  lines.push(`Failover test: ${r.topology}, fault ${r.fault} on ${r.target} (primary ${r.primary}, backup ${r.backup})`);
  lines.push(
    `probe every ${r.probeIntervalMs} ms (timeout ${r.requestTimeoutMs} ms), ` +
      `duration ≤ ${r.durationMs} ms, max-outage ${r.maxOutageMs} ms`,
  );
  lines.push(`preflight: ${r.preflight.ok ? 'ok' : 'FAILED'} — ${r.preflight.messages.join('; ')}`);
  lines.push('');
  const rows: string[][] = [['', 'value']];
  rows.push(['fault sent', `${at(r.faultAtMs)}${r.faultAckMs !== null ? ` (host confirmed in ${ms(r.faultAckMs)})` : ''}`]);
  rows.push([
    r.expectVipMove ? 'VIP moved after' : 'VIP moved',
    r.expectVipMove
      ? `${ms(r.vipMovedMs)}${r.vipMoved ? ` (to ${r.holderAfterFault.join(', ')})` : ' (did not move)'}`
      : r.vipMoved
        ? 'YES (it should not have)'
        : 'no (as expected)',
  ]);
  rows.push(['split brain', splitBrainCell(r)]);
  rows.push(['first failed request', at(r.firstFailedMs)]);
  rows.push(['last failed request', at(r.lastFailedMs)]);
  rows.push(['outage', `${ms(r.outageMs)}${r.outageEnded ? '' : ' (still failing at the restore)'}`]);
  rows.push(['resolution', resolution(r)]);
  rows.push(['failed / total', `${r.failedRequests} / ${r.totalRequests}`]);
  if (r.cutRequests > 0) rows.push(['cut by the fault', `${r.cutRequests} (under way on ${r.target} when it was killed)`]);
  if (r.upstream) {
    rows.push([
      `HAProxy marked ${r.upstream.name} DOWN`,
      r.upstream.markedDownMs === null ? 'not seen' : `${ms(r.upstream.markedDownMs)} after the fault (on ${r.upstream.lb})`,
    ]);
    rows.push([
      `HAProxy marked ${r.upstream.name} UP`,
      r.upstream.markedUpMs === null ? 'not seen' : `${ms(r.upstream.markedUpMs)} after the restore`,
    ]);
  }
  rows.push(['restore sent', at(r.failback.restoreAtMs)]);
  if (r.cameBack) rows.push([`${r.target} came back`, cameBack(r.cameBack)]);
  rows.push(['failback: VIP back after', r.failback.expected ? ms(r.failback.vipMovedMs) : 'not expected']);
  rows.push(['failback: outage', `${ms(r.failback.outageMs)} (${r.failback.failedRequests} / ${r.failback.totalRequests} failed)`]);
  rows.push(['restored', r.restored.ok ? 'yes' : `NO: ${r.restored.problems.join('; ')}`]);
  lines.push(table(rows));
  lines.push('');
  const siteRows: string[][] = [['site', 'failed/total', 'cut', 'outage', 'failback failed/total', 'failback outage', 'p50', 'max']];
  for (const s of Object.values(r.sites)) {
    siteRows.push([
      s.site,
      `${s.faultFailed}/${s.faultTotal}`,
      String(s.faultCut),
      ms(s.outageMs),
      `${s.failbackFailed}/${s.failbackTotal}`,
      ms(s.failbackOutageMs),
      ms(s.p50Ms),
      ms(s.maxMs),
    ]);
  }
  lines.push(table(siteRows));
  lines.push('');
  for (const n of r.notes) lines.push(`note: ${n}`);
  const why = r.reasons.length ? ` — ${r.reasons.join('; ')}` : ` — outage ${ms(r.outageMs)} ≤ ${ms(r.maxOutageMs)}`;
  lines.push(`verdict: ${r.verdict.toUpperCase()}${why}`);
  return lines.join('\n') + '\n';
}

/** One progress line per phase event (samples, VIP and server changes are for charts, not lines). */
export function formatEvent(e: FailoverEvent): string | undefined {
  const t = (x: number) => `t+${(x / 1000).toFixed(3)}s`;
  switch (e.type) {
    case 'phase':
      if (e.status === 'start' && (e.phase === 'fault' || e.phase === 'restore')) return undefined; // the mark says it, with the exact time
      return `${t(e.t)} ${e.phase}${e.status === 'start' ? '' : ` ${e.status}`}: ${e.message}`;
    case 'vip':
      return (
        `${t(e.change.t)} vip ${e.change.vip} ` +
        `${e.change.has === null ? 'unknown (no answer from' : e.change.has ? 'on' : 'off'} ` +
        `${e.change.lb}${e.change.has === null ? ')' : ''}`
      );
    case 'server':
      return `${t(e.change.t)} haproxy@${e.change.lb} ${e.change.backend}/${e.change.server} ${e.change.status}`;
    case 'mark':
      return `${t(e.mark.t)} ${e.mark.label}`;
    default:
      return undefined;
  }
}
