/**
 * The failover report panel: verdict, the numbers, per-site counts and a timeline chart (pure SVG,
 * no script): one row of probe results per site, one row per lb showing when it held the VIP,
 * and the test's marks (fault, restore, …) as vertical lines.
 */
import { formatCameBack, type FailoverReport } from '../../server/src/index.js';

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v)} ms`);

/** Rough width of an 11 px label: enough to keep two labels apart, no font metrics needed. */
const labelWidth = (text: string) => text.length * 6.5 + 6;

/**
 * A lane (0 = nearest the chart) for each mark's label, so labels of marks close in time — the
 * fault and its restore in a short run, "VIP moved" right after the fault — never overlap.
 */
export function labelLanes(xs: Array<{ x: number; label: string }>): number[] {
  const laneEnds: number[] = [];
  const order = xs.map((m, i) => ({ ...m, i })).sort((a, b) => a.x - b.x);
  const lanes = new Array<number>(xs.length).fill(0);
  for (const m of order) {
    let lane = laneEnds.findIndex((end) => end <= m.x);
    if (lane < 0) lane = laneEnds.length;
    laneEnds[lane] = m.x + labelWidth(m.label);
    lanes[m.i] = lane;
  }
  return lanes;
}

export function timelineSvg(r: FailoverReport): string {
  const { samples, vip, marks } = r.timeline;
  if (samples.length === 0) return '<p>No probe samples were recorded.</p>';
  const sites = [...new Set(samples.map((s) => s.site))];
  const lbs = [...new Set(vip.map((v) => v.lb))];
  const times = [...samples.map((s) => s.t), ...marks.map((m) => m.t)];
  const t0 = times.reduce((a, b) => Math.min(a, b));
  const t1 = times.reduce((a, b) => Math.max(a, b));
  const W = 960;
  const L = 110;
  const rowH = 20;
  const laneH = 14;
  const x = (t: number) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - 10);
  const lanes = labelLanes(marks.map((m) => ({ x: x(m.t) + 3, label: m.label })));
  const top = 14 + (lanes.reduce((a, b) => Math.max(a, b), 0) + 1) * laneH;
  const rows = sites.length + lbs.length;
  const H = top + rows * rowH + 34;
  const out: string[] = [];
  sites.forEach((site, i) => {
    out.push(`<text x="4" y="${top + i * rowH + 13}" class="lbl">${esc(site)}</text>`);
    for (const s of samples) {
      if (s.site !== site) continue;
      const title = esc(`${Math.round(s.t)} ms: ${s.ok ? s.status ?? 'ok' : s.error ?? s.status ?? 'failed'}`);
      out.push(
        `<rect x="${x(s.t).toFixed(1)}" y="${top + i * rowH + 2}" width="2" height="${rowH - 6}" class="${s.ok ? 'ok' : s.cut ? 'cut' : 'bad'}">` +
          `<title>${title}</title></rect>`,
      );
    }
  });
  lbs.forEach((lb, j) => {
    const y = top + (sites.length + j) * rowH;
    out.push(`<text x="4" y="${y + 13}" class="lbl">VIP on ${esc(lb)}</text>`);
    const changes = vip.filter((v) => v.lb === lb).sort((a, b) => a.t - b.t);
    changes.forEach((c, k) => {
      if (!c.has) return;
      const end = changes[k + 1]?.t ?? t1;
      const width = Math.max(1, x(end) - x(c.t)).toFixed(1);
      out.push(`<rect x="${x(c.t).toFixed(1)}" y="${y + 4}" width="${width}" height="${rowH - 10}" class="vip"/>`);
    });
  });
  marks.forEach((m, i) => {
    const labelY = top - 10 - lanes[i]! * laneH;
    out.push(
      `<line x1="${x(m.t).toFixed(1)}" x2="${x(m.t).toFixed(1)}" y1="${labelY + 4}" y2="${top + rows * rowH}" class="mark"/>` +
        `<text x="${(x(m.t) + 3).toFixed(1)}" y="${labelY}" class="mlbl">${esc(m.label)}</text>`,
    );
  });
  const secs = Math.max(1, Math.round((t1 - t0) / 1000));
  for (let s = 0; s <= secs; s += Math.max(1, Math.round(secs / 10))) {
    const t = t0 + s * 1000;
    out.push(`<text x="${x(t).toFixed(1)}" y="${H - 8}" class="tick">${s}s</text>`);
  }
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="failover timeline">${out.join('')}</svg>`;
}

/** The split brain's evidence (the reasons above say it in words); empty when none was seen. */
function splitBrainRow(r: FailoverReport): string {
  const b = r.splitBrain;
  if (!b) return '';
  const arp = b.arpMacs ? `answered from ${b.arpMacs.length} MAC(s) ${b.arpMacs.join(', ')}` : 'not asked';
  const states = Object.entries(b.states).map(([lb, st]) => `${lb} ${st ?? 'unread'}`).join(', ');
  const text = `${b.holders.join(' and ')} held ${b.vip} together for up to ${ms(b.lastedMs)}; ARP ${arp}` +
    (states ? `; keepalived: ${states}` : '');
  return `<tr class="brain"><th>split brain</th><td>${esc(text)}</td></tr>`;
}

export function reportHtml(r: FailoverReport, cspSource: string): string {
  const pass = r.verdict === 'pass';
  const siteRows = Object.values(r.sites)
    .map((s) => `<tr><td>${esc(s.site)}</td><td>${s.faultFailed} / ${s.faultTotal}</td><td>${s.faultCut}</td>` +
      `<td>${s.failed} / ${s.total}</td><td>${ms(s.outageMs)}</td></tr>`)
    .join('');
  const up = r.upstream
    ? `<tr><th>HAProxy marked ${esc(r.upstream.name)} DOWN</th>` +
      `<td>${ms(r.upstream.markedDownMs)} after the fault (UP again ${ms(r.upstream.markedUpMs)} after the restore)</td></tr>`
    : '';
  const vipMoved = r.expectVipMove
    ? (r.vipMoved ? `${ms(r.vipMovedMs)} after the fault, to ${esc(r.holderAfterFault.join(', '))}` : 'did not move')
    : `stayed on ${esc(r.holderAfterFault.join(', ') || '—')} (expected for ${esc(r.fault)})`;
  const fb = r.failback;
  const failback = fb.expected
    ? `VIP back on ${esc(r.primary)} ${ms(fb.vipMovedMs)} after the restore; ` +
      `outage ${ms(fb.outageMs)} (${fb.failedRequests} / ${fb.totalRequests} failed)`
    : 'not expected';
  const csp = `default-src 'none'; style-src ${cspSource} 'unsafe-inline'; img-src ${cspSource} data:;`;
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style>
body{font-family:var(--vscode-font-family);color:var(--vscode-foreground);padding:12px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid var(--vscode-panel-border,#8884);padding:4px 10px;text-align:left}
.verdict{font-size:20px;font-weight:600;color:${pass ? '#3fb950' : '#f85149'}}
tr.brain td,tr.brain th{color:#f85149}
svg .ok{fill:#3fb950}svg .bad{fill:#f85149}svg .cut{fill:#d29922}svg .vip{fill:#58a6ff}svg .mark{stroke:#d29922;stroke-dasharray:4 2}
svg .lbl,svg .tick{fill:currentColor;font-size:11px}svg .mlbl{fill:#d29922;font-size:11px}
</style></head><body>
<div class="verdict">${pass ? 'PASS' : 'FAIL'} — ${esc(r.fault)} on ${esc(r.target)}</div>
${r.reasons.length ? `<ul>${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
<table>
<tr><th>outage</th><td>${ms(r.outageMs)} (max ${ms(r.maxOutageMs)})</td></tr>
<tr><th>VIP moved</th><td>${vipMoved}</td></tr>
${splitBrainRow(r)}
<tr><th>first / last failed request</th><td>${ms(r.firstFailedMs)} / ${ms(r.lastFailedMs)} after the fault</td></tr>
<tr><th>failed / total requests</th><td>${r.failedRequests} / ${r.totalRequests}</td></tr>
${r.cutRequests ? `<tr><th>cut by the fault</th><td>${r.cutRequests} under way on ${esc(r.target)} when it was killed (no proxy can replay them)</td></tr>` : ''}
${up}
${r.cameBack ? `<tr><th>${esc(r.target)} came back</th><td>${esc(formatCameBack(r.cameBack))}</td></tr>` : ''}
<tr><th>failback</th><td>${failback}</td></tr>
<tr><th>lab restored</th><td>${r.restored.ok ? 'yes' : esc(r.restored.problems.join('; '))}</td></tr>
</table>
<h3>Per site</h3><table><tr><th>site</th><th>failed in the fault phase</th><th>cut by the fault</th><th>failed in the run</th><th>outage</th></tr>${siteRows}</table>
<h3>Timeline</h3>${timelineSvg(r)}
${r.notes.length ? `<h3>Notes</h3><ul>${r.notes.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
</body></html>`;
}
