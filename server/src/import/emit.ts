/**
 * Writes the inferred topology as a formatted .halab file: one block per vip, lb, upstream, site
 * and service, the statements whose value differs from the schema's default (so the file reads
 * like one written by hand), and the pass-through lines accounting adds.
 */
import { defaultValue } from '../schema/defaults.js';
import { DEFAULT_TIMEOUTS, defaultSitePage, defaultSiteRoot } from '../model/resolve.js';
import { haproxyDuration } from '../render/render.js';
import { quoteString, wordOrString } from '../syntax/quote.js';
import { TIMEOUT_KINDS } from '../../../shared/model/values.js';
import type { Inferred } from './infer.js';
import type { Draft, DraftBlock } from './types.js';

/** `keyword value` unless the value is the schema's default for the block. */
function put(lines: string[], block: string, keyword: string, value: unknown, text: string): void {
  if (value === undefined) return;
  if (defaultValue(block, keyword) === value) return;
  lines.push(`${keyword} ${text}`);
}

function dur(ms: number): string {
  return haproxyDuration(ms);
}

type SecretEnv = (what: 'auth' | 'stats', value: string, vip?: string) => string;
type Add = (kind: DraftBlock['kind'], name: string, lines: string[], head?: string) => DraftBlock;

/** The draft: a block per vip, lb, upstream, site and service, then stats, defaults and the top level. */
export function draftOf(t: Inferred, secretEnv: SecretEnv): Draft {
  const blocks: DraftBlock[] = [];
  const block: Add = (kind, name, lines, head) => {
    const b: DraftBlock = { kind, name, lines, pass: [], head };
    blocks.push(b);
    return b;
  };
  vipBlocks(t, secretEnv, block);
  hostBlocks(t, block);
  siteBlocks(t, block);
  serviceBlocks(t, block);
  statsAndDefaults(t, secretEnv, block);
  const top: string[] = [];
  if (t.firewall) top.push(`firewall ${t.firewall}`);
  return { name: t.name, top, topPass: [], blocks };
}

function vipBlocks(t: Inferred, secretEnv: SecretEnv, block: Add): void {
  for (const v of t.vips) {
    const L: string[] = [];
    put(L, 'vip', 'interface', v.iface, wordOrString(v.iface));
    L.push(`router-id ${v.routerId}`);
    if (v.instance !== `VI_${v.routerId}`) L.push(`instance ${v.instance}`);
    put(L, 'vip', 'vrrp-version', String(v.version), String(v.version));
    put(L, 'vip', 'advert', v.advertMs, dur(v.advertMs));
    if (v.auth !== undefined && v.version === 2) L.push(`auth env:${secretEnv('auth', v.auth, v.address)}`);
    if (v.unicast) L.push('unicast');
    if (v.preempt === 'off') L.push('preempt off');
    else if (v.preempt !== 'on') L.push(`preempt-delay ${dur(v.preempt.delayMs)}`);
    if (!v.handoff) L.push('handoff off');
    if (v.track.kind === 'script') {
      L.push('track script');
      put(L, 'vip', 'track-interval', v.track.intervalS * 1000, dur(v.track.intervalS * 1000));
      put(L, 'vip', 'track-weight', v.track.weight, String(v.track.weight));
      put(L, 'vip', 'track-command', v.track.command, quoteString(v.track.command));
    } else if (v.track.kind === 'watcher') L.push('track watcher');
    block('vip', v.address, L, `${v.address}/${v.prefix}`);
  }
}

function hostBlocks(t: Inferred, block: Add): void {
  for (const lb of t.lbs) {
    const L = [`address ${lb.address ?? '0.0.0.0'}`, `role ${lb.role}`, `priority ${lb.priority}`];
    if (lb.family === 'debian') L.push('os debian');
    if (lb.iface) L.push(`interface ${wordOrString(lb.iface)}`);
    if (lb.sshPort) L.push(`ssh root@${lb.address}:${lb.sshPort}`);
    block('lb', lb.name, L);
  }
  for (const u of t.upstreams) {
    const L = [`address ${u.address}`];
    put(L, 'upstream', 'port', u.port, String(u.port));
    put(L, 'upstream', 'weight', u.weight, String(u.weight));
    if (u.backup) L.push('backup');
    if (!u.managed) L.push('managed no');
    if (u.family === 'debian') L.push('os debian');
    if (u.sshPort) L.push(`ssh root@${u.address}:${u.sshPort}`);
    const b = block('upstream', u.name, L);
    if (u.params) b.pass.push({ keyword: 'haproxy', line: u.params });
  }
}

function siteBlocks(t: Inferred, block: Add): void {
  for (const s of t.sites) {
    const L: string[] = [];
    for (const h of s.hosts) L.push(`host ${wordOrString(h)}`);
    L.push(`servers ${s.servers.join(' ')}`);
    put(L, 'site', 'balance', s.balance, s.balance ?? '');
    put(L, 'site', 'listen', s.listen, String(s.listen));
    if (t.vips.length > 1 || s.vip !== t.vips[0]?.address) L.push(`vip ${s.vip}`);
    if (s.tls) L.push(`tls ${wordOrString(s.tls)}`);
    put(L, 'site', 'check', s.check, s.check);
    put(L, 'site', 'check-path', s.checkPath, wordOrString(s.checkPath ?? ''));
    put(L, 'site', 'check-expect', s.checkExpect, String(s.checkExpect));
    put(L, 'site', 'check-interval', s.checkIntervalMs, dur(s.checkIntervalMs ?? 0));
    put(L, 'site', 'check-fall', s.checkFall, String(s.checkFall));
    put(L, 'site', 'check-rise', s.checkRise, String(s.checkRise));
    if (s.root !== undefined && s.root !== defaultSiteRoot(s.name)) L.push(`root ${wordOrString(s.root)}`);
    if (s.page !== undefined && s.page !== defaultSitePage(s.name)) L.push(`page ${quoteString(s.page)}`);
    if (s.isDefault) L.push('default');
    // lines no input line says alone (a shared `default-server`), before the servers
    block('site', s.name, L).pass.push(...s.frontendExtra.map((line) => ({ keyword: 'frontend', line })),
      ...s.extra.map((line) => ({ keyword: 'backend', line })));
  }
}

function serviceBlocks(t: Inferred, block: Add): void {
  for (const s of t.services) {
    const L = [`listen ${s.listen}`];
    if (t.vips.length > 1 || s.vip !== t.vips[0]?.address) L.push(`vip ${s.vip}`);
    L.push(`servers ${s.servers.join(' ')}`);
    if (s.port !== s.listen) L.push(`port ${s.port}`);
    put(L, 'service', 'balance', s.balance, s.balance ?? '');
    if (s.send !== undefined) L.push(`check-send ${quoteString(s.send)}`);
    if (s.expect !== undefined) L.push(`check-expect ${quoteString(s.expect)}`);
    put(L, 'service', 'check-interval', s.checkIntervalMs, dur(s.checkIntervalMs ?? 0));
    put(L, 'service', 'check-fall', s.checkFall, String(s.checkFall));
    put(L, 'service', 'check-rise', s.checkRise, String(s.checkRise));
    block('service', s.name, L).pass.push(...s.extra.map((line) => ({ keyword: 'haproxy', line })));
  }
}

function statsAndDefaults(t: Inferred, secretEnv: SecretEnv, block: Add): void {
  if (t.stats) {
    const st = t.stats;
    const L: string[] = [];
    put(L, 'stats', 'listen', st.listen, String(st.listen));
    put(L, 'stats', 'uri', st.uri, wordOrString(st.uri));
    put(L, 'stats', 'user', st.user, wordOrString(st.user));
    L.push(`password env:${secretEnv('stats', st.password)}`);
    put(L, 'stats', 'realm', st.realm, quoteString(st.realm));
    block('stats', '', L).pass.push(...st.extra.map((line) => ({ keyword: 'haproxy', line })));
  }
  const d = t.defaults;
  const DL: string[] = [];
  put(DL, 'defaults', 'maxconn', d.maxconn, String(d.maxconn));
  put(DL, 'defaults', 'retries', d.retries, String(d.retries));
  if (d.redispatch === false) DL.push('redispatch off');
  for (const k of TIMEOUT_KINDS) {
    if (d.timeouts[k] !== undefined && d.timeouts[k] !== DEFAULT_TIMEOUTS[k]) DL.push(`timeout ${k} ${dur(d.timeouts[k]!)}`);
  }
  block('defaults', '', DL);
}

/** The draft as .halab text: blocks in the order the language reference lists them. */
export function draftText(d: Draft): string {
  const out: string[] = [`topology ${d.name}`];
  for (const t of d.top) out.push(t);
  for (const p of d.topPass) out.push(`${p.keyword} ${quoteString(p.line)}`);
  for (const b of d.blocks) {
    const body = [...b.lines, ...b.pass.map((p) => `${p.keyword} ${quoteString(p.line)}`)];
    if (b.kind === 'defaults' && body.length === 0) continue;
    const head = b.kind === 'vip' ? `vip ${b.head}` : b.kind === 'stats' || b.kind === 'defaults' ? b.kind : `${b.kind} ${b.name}`;
    // a raw section's lines are all pass-through; it is written even when empty (`peers` may be)
    out.push('', `${head} {`, ...body.map((l) => `  ${l}`), '}');
  }
  return out.join('\n') + '\n';
}
