/**
 * The failover report panel: a summary table and a timeline chart (pure SVG, no script), drawn
 * from the JSON report of `halab failover-test --json`.
 */

export interface FailoverJson {
  verdict: 'pass' | 'fail';
  outageMs: number;
  vipMovedMs: number | null;
  failedRequests: number;
  totalRequests: number;
  maxOutageMs?: number;
  fault?: string;
  failback?: { outageMs: number; vipMovedMs: number | null };
  sites?: Record<string, { failed: number; total: number }> | { site: string; failed: number; total: number }[];
  /** Probe samples: ms since the fault, site, ok. */
  samples?: { t: number; site: string; ok: boolean }[];
  /** VIP holder changes: ms since the fault, lb. */
  vipChanges?: { t: number; holder: string | null }[];
  [k: string]: unknown;
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function siteRows(r: FailoverJson): string {
  const list = Array.isArray(r.sites) ? r.sites : Object.entries(r.sites ?? {}).map(([site, v]) => ({ site, ...v }));
  return list.map((s) => `<tr><td>${esc(s.site)}</td><td>${s.failed}</td><td>${s.total}</td></tr>`).join('');
}

function chart(r: FailoverJson): string {
  const samples = r.samples ?? [];
  if (samples.length === 0) return '<p>No timeline samples in this report.</p>';
  const sites = [...new Set(samples.map((s) => s.site))];
  const t0 = Math.min(...samples.map((s) => s.t));
  const t1 = Math.max(...samples.map((s) => s.t));
  const W = 900;
  const rowH = 22;
  const H = 40 + rowH * sites.length + 30;
  const x = (t: number) => 120 + ((t - t0) / Math.max(1, t1 - t0)) * (W - 140);
  const dots = samples.map((s) => `<rect x="${x(s.t).toFixed(1)}" y="${30 + sites.indexOf(s.site) * rowH}" width="2" height="${rowH - 6}" fill="${s.ok ? '#3fb950' : '#f85149'}"/>`).join('');
  const labels = sites.map((s, i) => `<text x="4" y="${44 + i * rowH}" fill="currentColor" font-size="12">${esc(s)}</text>`).join('');
  const fault = t0 <= 0 && t1 >= 0 ? `<line x1="${x(0)}" x2="${x(0)}" y1="20" y2="${H - 20}" stroke="#d29922" stroke-dasharray="4 2"/><text x="${x(0) + 4}" y="16" fill="#d29922" font-size="12">fault</text>` : '';
  const moves = (r.vipChanges ?? []).map((c) => `<line x1="${x(c.t)}" x2="${x(c.t)}" y1="20" y2="${H - 20}" stroke="#58a6ff"/><text x="${x(c.t) + 4}" y="${H - 6}" fill="#58a6ff" font-size="12">VIP → ${esc(c.holder ?? 'none')}</text>`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="probe timeline">${labels}${dots}${fault}${moves}</svg>`;
}

export function reportHtml(r: FailoverJson, cspSource: string): string {
  const v = r.verdict === 'pass';
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'unsafe-inline'; img-src ${cspSource} data:;">
<style>body{font-family:var(--vscode-font-family);color:var(--vscode-foreground);padding:12px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid var(--vscode-panel-border);padding:4px 10px;text-align:left}.v{font-size:20px;font-weight:600;color:${v ? '#3fb950' : '#f85149'}}</style>
</head><body>
<div class="v">${v ? 'PASS' : 'FAIL'}</div>
<table>
<tr><th>fault</th><td>${esc(r.fault ?? '')}</td></tr>
<tr><th>outage</th><td>${esc(r.outageMs)} ms${r.maxOutageMs !== undefined ? ` (max ${esc(r.maxOutageMs)} ms)` : ''}</td></tr>
<tr><th>VIP moved after</th><td>${r.vipMovedMs === null ? 'did not move' : `${esc(r.vipMovedMs)} ms`}</td></tr>
<tr><th>failed / total requests</th><td>${esc(r.failedRequests)} / ${esc(r.totalRequests)}</td></tr>
<tr><th>failback outage</th><td>${r.failback ? `${esc(r.failback.outageMs)} ms (VIP back after ${r.failback.vipMovedMs === null ? '—' : esc(r.failback.vipMovedMs) + ' ms'})` : '—'}</td></tr>
</table>
<h3>Per site</h3><table><tr><th>site</th><th>failed</th><th>total</th></tr>${siteRows(r)}</table>
<h3>Timeline</h3>${chart(r)}
</body></html>`;
}
