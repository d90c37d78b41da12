/**
 * Diagram -> standalone SVG (the "Export SVG" button; PNG is this SVG rasterised on a canvas in
 * the webview). Drawn from the graph and positions rather than by serialising the DOM: no
 * foreignObject, no external fonts or stylesheets, so the file renders the same anywhere, offline.
 */
import type { Overlay, Position } from '../protocol/webview.js';
import { NODE_WIDTH, nodeHeight, type DiagramGraph, type DiagramNode } from './graph.js';

const COLORS: Record<DiagramNode['kind'], { fill: string; stroke: string }> = {
  clients: { fill: '#f3f4f6', stroke: '#6b7280' },
  vip: { fill: '#ede9fe', stroke: '#7c3aed' },
  lb: { fill: '#dbeafe', stroke: '#2563eb' },
  site: { fill: '#dcfce7', stroke: '#16a34a' },
  service: { fill: '#ccfbf1', stroke: '#0d9488' },
  upstream: { fill: '#fef3c7', stroke: '#d97706' },
};

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function graphToSvg(graph: DiagramGraph, positions: Record<string, Position>, overlay?: Overlay | null): string {
  const pad = 24;
  const boxes = new Map(graph.nodes.map((n) => [n.id, { n, p: positions[n.id] ?? { x: 0, y: 0 }, h: nodeHeight(n) }]));
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const { p, h } of boxes.values()) {
    minX = Math.min(minX, p.x); minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x + NODE_WIDTH); maxY = Math.max(maxY, p.y + h);
  }
  if (!boxes.size) minX = minY = maxX = maxY = 0;
  const w = Math.ceil(maxX - minX + 2 * pad);
  const h = Math.ceil(maxY - minY + 2 * pad);
  const ox = pad - minX;
  const oy = pad - minY;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  );
  for (const e of graph.edges) {
    const a = boxes.get(e.source);
    const b = boxes.get(e.target);
    if (!a || !b) continue;
    let d: string;
    let lx: number, ly: number;
    if (e.kind === 'vrrp') {
      // Same column: a bracket on the left side from one lb to the other.
      const x1 = a.p.x + ox, y1 = a.p.y + oy + a.h / 2, y2 = b.p.y + oy + b.h / 2;
      d = `M${x1} ${y1} C${x1 - 50} ${y1} ${x1 - 50} ${y2} ${x1} ${y2}`;
      lx = x1 - 40; ly = (y1 + y2) / 2;
    } else {
      const x1 = a.p.x + ox + NODE_WIDTH, y1 = a.p.y + oy + a.h / 2;
      const x2 = b.p.x + ox, y2 = b.p.y + oy + b.h / 2;
      const mx = (x1 + x2) / 2;
      d = `M${x1} ${y1} C${mx} ${y1} ${mx} ${y2} ${x2} ${y2}`;
      lx = mx; ly = (y1 + y2) / 2 - 4;
    }
    const dash = e.kind === 'vrrp' ? ' stroke-dasharray="5 4"' : '';
    const color = e.kind === 'vrrp' ? '#7c3aed' : '#9ca3af';
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"${dash}><title>${escapeXml(e.id)}</title></path>`);
    if (e.label) out.push(`<text x="${lx}" y="${ly}" text-anchor="middle" fill="#4b5563" font-size="10">${escapeXml(e.label)}</text>`);
  }
  for (const { n, p, h: nh } of boxes.values()) {
    const x = p.x + ox;
    const y = p.y + oy;
    const c = COLORS[n.kind];
    const has = (severity: string) => n.diagnostics.some((d) => d.severity === severity);
    const sev = has('error') ? '#dc2626' : has('warning') ? '#ca8a04' : c.stroke;
    const strokeWidth = sev === c.stroke ? 1.5 : 2.5;
    const title = escapeXml(`${n.kind === 'clients' ? '' : n.kind + ' '}${n.title}`);
    out.push(`<g data-id="${escapeXml(n.id)}">`);
    out.push(`<rect x="${x}" y="${y}" width="${NODE_WIDTH}" height="${nh}" rx="6" fill="${c.fill}" stroke="${sev}" ` +
      `stroke-width="${strokeWidth}"/>`);
    out.push(`<text x="${x + 10}" y="${y + 18}" font-weight="bold" font-size="13">${title}</text>`);
    n.lines.forEach((line, i) => out.push(`<text x="${x + 10}" y="${y + 36 + i * 17}" fill="#374151">${escapeXml(line)}</text>`));
    const badge = overlayBadge(n, overlay);
    if (badge) {
      const at = `x="${x + NODE_WIDTH - 8}" y="${y + 18}"`;
      out.push(`<text ${at} text-anchor="end" font-weight="bold" fill="${badge.color}">${escapeXml(badge.text)}</text>`);
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Overlay state for a node: keepalived state on lbs, worst HAProxy server state on upstreams. */
export function overlayBadge(n: DiagramNode, overlay?: Overlay | null): { text: string; color: string } | null {
  if (!overlay) return null;
  if (n.kind === 'lb') {
    const s = overlay.lbs[n.title];
    if (!s) return null;
    const vip = s.holdsVips.length ? ' ● VIP' : '';
    return { text: s.state + vip, color: s.state === 'MASTER' ? '#16a34a' : s.state === 'BACKUP' ? '#2563eb' : '#dc2626' };
  }
  if (n.kind === 'upstream') {
    const states = Object.values(overlay.servers).map((m) => m[n.title]).filter(Boolean);
    if (!states.length) return null;
    const down = states.filter((s) => s !== 'UP').length;
    if (down === 0) return { text: 'UP', color: '#16a34a' };
    return { text: down === states.length ? 'DOWN' : `DOWN ${down}/${states.length}`, color: '#dc2626' };
  }
  return null;
}
