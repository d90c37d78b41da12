/** Text for the CLI and the editor's output channel: progress lines, the plan, a summary table. */
import type { DeployEvent, DeployResult } from './deploy.js';

export function formatEvent(e: DeployEvent): string | undefined {
  if (e.status === 'start' && e.step !== 'bootstrap' && e.step !== 'rollback') return undefined;
  const who = (e.host ?? 'cluster').padEnd(10);
  const mark = { start: '…', ok: 'ok', fail: 'FAIL', skip: 'skip', info: '' }[e.status];
  const ms = e.ms !== undefined ? ` (${e.ms} ms)` : '';
  return `${who} ${e.step.padEnd(9)} ${mark}${ms}${e.message ? `${mark ? ' ' : ''}${e.message}` : ''}`.trimEnd();
}

/** Every file's status, and the masked unified diff of each new or changed one. */
export function formatPlan(r: DeployResult, withDiffs = true): string {
  const out: string[] = [];
  for (const h of r.hosts) {
    if (!h.plan) continue;
    out.push(`${h.host} (${h.lbRole ?? h.role})`);
    // what changes the machine most comes first: the packages it gets and the services it starts at boot
    if (h.installs) {
      out.push(`  install  ${h.installs.packages.join(' ')}`);
      if (h.installs.enable.length) out.push(`  enable   ${h.installs.enable.join(' ')} (started at boot)`);
    }
    if (h.bootstrap.length) out.push(`  bootstrap: ${h.bootstrap.join(' && ')}`);
    for (const f of h.plan.files) out.push(`  ${f.status.padEnd(8)} ${f.path}${f.reason ? ` (${f.reason})` : ''}`);
    if (h.plan.reload.length) out.push(`  would reload: ${h.plan.reload.join(', ')}`);
    if (withDiffs) for (const f of h.plan.files) if (f.diff) out.push(f.diff.trimEnd());
  }
  return out.join('\n') + '\n';
}

export function formatSummary(r: DeployResult): string {
  const rows = [['host', 'role', 'result', 'files', 'reloaded', 'time']];
  for (const h of r.hosts) {
    const counts = h.plan ? h.plan.files.filter((f) => f.status !== 'same').length : 0;
    // a lost host may hold new files: the operator must look at it, so the table says so
    const lost = h.lost ? ', connection lost' : '';
    const result = h.status === 'failed'
      ? `FAILED at ${h.failedStep}${lost}${h.restored === false ? ' (not restored)' : ''}`
      : h.status + lost;
    const changed = h.plan ? `${counts}/${h.plan.files.length} changed` : '-';
    rows.push([h.host, h.lbRole ?? h.role, result, changed, h.reloaded.join(',') || '-', h.ms ? `${h.ms} ms` : '-']);
  }
  const widths = rows[0]!.map((_, i) => rows.reduce((w, row) => Math.max(w, row[i]!.length), 0));
  const lines = rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  if (r.cluster) {
    for (const [vip, holders] of Object.entries(r.cluster.vipHolders)) lines.push(`vip ${vip}: ${holders.join(', ') || 'nobody'}`);
    for (const s of r.cluster.sites) {
      // a TCP service has no Host header to name (verify/cluster.ts words its failures the same way)
      const what = s.host ? `site ${s.site}: ${s.ok ? 'ok' : 'FAIL'} ${s.url} Host: ${s.host}` : `service ${s.site}: ${s.ok ? 'ok' : 'FAIL'} ${s.url}`;
      lines.push(`${what}${s.message ? ` — ${s.message}` : ''}`);
    }
  }
  if (r.failure) lines.push(`FAILED: ${r.failure.host ? `${r.failure.host}, ` : ''}step ${r.failure.step}: ${r.failure.message}`);
  lines.push(`${r.planOnly ? 'plan' : 'deploy'} ${r.ok ? 'ok' : 'failed'} in ${(r.ms / 1000).toFixed(2)} s`);
  return lines.join('\n') + '\n';
}
