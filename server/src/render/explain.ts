/**
 * "What does this statement render to?" — for hover on vip, lb, site, stats and upstream
 * statements. Renders with placeholder secrets (never a real password in a hover) and cuts the
 * lines that belong to the statement out of the rendered files.
 */
import type { Topology } from '../../../shared/model/types.js';
import { placeholderSecrets } from '../secrets.js';
import { PATHS, backendName, instanceName } from './names.js';
import { render } from './render.js';
import type { RenderedFile } from './types.js';

export type ExplainKind = 'vip' | 'lb' | 'site' | 'service' | 'stats' | 'upstream';

export interface Explanation {
  host: string;
  path: string;
  lines: string[];
}

/** Lines of a top-level section (haproxy) from its header to the next unindented line. */
function haproxySection(text: string, header: string): string[] {
  const lines = text.split('\n');
  const i = lines.indexOf(header);
  if (i < 0) return [];
  let j = i + 1;
  while (j < lines.length && lines[j]!.startsWith(' ')) j++;
  return lines.slice(i, j);
}

/** A brace block (keepalived) starting at the line `start`. */
function braceBlock(text: string, start: string): string[] {
  const lines = text.split('\n');
  const i = lines.indexOf(start);
  if (i < 0) return [];
  let depth = 0;
  for (let j = i; j < lines.length; j++) {
    // Quoted strings hold no unescaped braces that matter here: keepalived values are escaped.
    depth += (lines[j]!.match(/{/g) ?? []).length - (lines[j]!.match(/}/g) ?? []).length;
    if (depth <= 0) return lines.slice(i, j + 1);
  }
  return lines.slice(i);
}

function grep(text: string, re: RegExp): string[] {
  return text.split('\n').filter((l) => re.test(l));
}

function withoutHeader(text: string): string[] {
  return text.split('\n').filter((l, i) => !(i < 2 && (l.startsWith('# Generated') || l.startsWith('# Do not edit'))) && l !== '');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The config lines a statement renders to, per host and file. Empty when the model cannot be
 * rendered (e.g. a value the renderer refuses) or the target is unknown.
 */
export function explain(model: Topology, target: { kind: ExplainKind; name: string }): Explanation[] {
  let files: RenderedFile[];
  try {
    files = render(model, { source: model.source, secrets: placeholderSecrets, preview: true }).files;
  } catch {
    return [];
  }
  const out: Explanation[] = [];
  const add = (f: RenderedFile, lines: string[]) => {
    if (lines.length) out.push({ host: f.host, path: f.path, lines });
  };
  const lbFiles = (path: string) => files.filter((f) => f.path === path && model.lbs.some((l) => l.name === f.host));

  switch (target.kind) {
    case 'vip': {
      const vip = model.vips.find((v) => v.cidr === target.name || v.address === target.name);
      if (!vip) break;
      for (const f of lbFiles(PATHS.keepalived)) {
        const inst = braceBlock(f.content, `vrrp_instance ${instanceName(vip)} {`);
        const track = [
          ...braceBlock(f.content, `vrrp_script check_haproxy_${vip.routerId} {`),
          ...braceBlock(f.content, `vrrp_track_process track_haproxy_${vip.routerId} {`),
        ];
        add(f, [...track, ...inst]);
      }
      for (const f of lbFiles(PATHS.haproxy)) add(f, grep(f.content, new RegExp(`^\\s*bind \\[?${escapeRe(vip.address)}\\]?:`)));
      break;
    }
    case 'lb': {
      const lb = model.lbs.find((l) => l.name === target.name);
      if (!lb) break;
      for (const f of files.filter((x) => x.host === lb.name)) {
        if (f.path === PATHS.keepalived) add(f, grep(f.content, /^\s*(state|priority|interface|unicast_src_ip|router_id) /));
        else if (f.path === PATHS.haproxy) add(f, haproxySection(f.content, 'global').filter((l) => /^\s*(log|stats socket) /.test(l)));
        else if (f.path === PATHS.sysctl) add(f, withoutHeader(f.content).filter((l) => !l.startsWith('#')));
      }
      break;
    }
    case 'site': {
      const site = model.sites.find((s) => s.name === target.name);
      if (!site) break;
      const [f] = lbFiles(PATHS.haproxy);
      if (f) {
        const acl = new RegExp(`\\bhostw?_${escapeRe(site.name)}\\b|use_backend ${escapeRe(backendName(site))} `);
        add(f, [...grep(f.content, acl), ...haproxySection(f.content, `backend ${backendName(site)}`)]);
      }
      const vhost = files.find((x) => x.path === PATHS.nginxSite(site.name));
      if (vhost) add(vhost, withoutHeader(vhost.content));
      break;
    }
    case 'service': {
      const [f] = lbFiles(PATHS.haproxy);
      if (f && model.services.some((s) => s.name === target.name)) add(f, haproxySection(f.content, `listen ${target.name}`));
      break;
    }
    case 'stats': {
      for (const f of lbFiles(PATHS.haproxy)) add(f, haproxySection(f.content, 'listen halab.stats'));
      break;
    }
    case 'upstream': {
      const u = model.upstreams.find((x) => x.name === target.name);
      if (!u) break;
      const [f] = lbFiles(PATHS.haproxy);
      if (f) {
        // Each backend that lists the upstream, with its server line.
        const lines = model.sites
          .filter((s) => s.servers.includes(u.name))
          .flatMap((s) => {
            const servers = haproxySection(f.content, `backend ${backendName(s)}`).filter((l) => l.startsWith(`    server ${u.name} `));
            return [`backend ${backendName(s)}`, ...servers];
          });
        add(f, lines);
      }
      for (const v of files.filter((x) => x.host === u.name && x.path.startsWith('/etc/nginx/'))) add(v, withoutHeader(v.content));
      break;
    }
  }
  return out;
}

const PASS_GROUP = /^\s*# pass-through: (\d+) line\(s\) of (.+)$/;

/**
 * The pass-through lines of a rendered file that a validator's message names ('quoted' words, as
 * `haproxy -c` and `keepalived -t` quote an unknown keyword), with the statements they came from
 * (the group comment the templates write before them says how many lines follow, and whose).
 * Empty when the message names none: the fault is then not in a pass-through line.
 */
export function passThroughBlame(content: string, message: string): string[] {
  const named = new Set([...message.matchAll(/'([^'\s]+)'/g)].map((m) => m[1]!));
  if (named.size === 0) return [];
  const out: string[] = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const g = PASS_GROUP.exec(lines[i]!);
    if (!g) continue;
    for (const line of lines.slice(i + 1, i + 1 + Number(g[1]))) {
      if (line.trim().split(/\s+/).some((w) => named.has(w))) out.push(`\`${line.trim()}\` (pass-through, from ${g[2]})`);
    }
  }
  return out;
}
