/**
 * Pass-through: one HAProxy or keepalived directive line, written in the .halab file and copied
 * as-is into one section of a rendered file. The one table of where each pass-through statement
 * goes, which directives its section takes (from the daemons' own documentation:
 * directives.gen.ts, for completion and hover), which ones halab writes itself (a statement of the
 * language says them), and the rule that keeps a line in its place:
 * - one line: no newline or other control character (a tab is fine), no trailing `\`;
 * - it starts with a plain directive name (letters, digits, `._-`; no quote, escape, `${VAR}`,
 *   HAProxy's `.if`/`.diag` or keepalived's `@host`/`$VAR=` prefixes, which could change what the
 *   following lines mean);
 * - that name does not open a section (HAProxy: `backend`, `listen`, …; keepalived: `vrrp_instance`,
 *   `include`, …);
 * - keepalived: its braces balance and never close more than they opened, so a one-line sub-block
 *   (`track_interface { eth1 weight -20 }`) is fine but the enclosing block cannot be closed.
 * A misspelt directive passes these rules: `haproxy -c` / `keepalived -t` on the target say so.
 */
import { HAPROXY_DIRECTIVES, HAPROXY_DOC_VERSION, KEEPALIVED_DIRECTIVES, KEEPALIVED_DOC_VERSION } from './directives.gen.js';
import { TIMEOUT_KINDS } from '../../../shared/model/values.js';
import type { Parsed } from './value-types.js';

export type PassSection = 'haproxy-global' | 'haproxy-defaults' | 'haproxy-frontend' | 'haproxy-backend' | 'haproxy-listen'
  | 'haproxy-section' | 'haproxy-server' | 'keepalived-global' | 'keepalived-instance' | 'keepalived-section';

export interface PassSectionSpec {
  daemon: 'haproxy' | 'keepalived';
  /** The section as the daemon's manual names it. */
  section: string;
  /** The directives the section takes (HAProxy: multi-word ones as `option httplog`). */
  directives: readonly string[];
  /** Directives halab writes itself in this section → the statement that says it. */
  owned: Readonly<Record<string, string>>;
  version: string;
  /** A line for the messages and the docs. */
  example: string;
}

export const PASS_SECTIONS: Record<PassSection, PassSectionSpec> = {
  'haproxy-global': {
    example: '"nbthread 4"',
    daemon: 'haproxy', section: 'global', directives: HAPROXY_DIRECTIVES.global, version: HAPROXY_DOC_VERSION,
    owned: {
      chroot: 'halab writes `chroot /var/lib/haproxy`', pidfile: 'halab writes `pidfile /run/haproxy.pid`',
      user: 'halab writes `user haproxy`', group: 'halab writes `group haproxy`', daemon: 'halab writes `daemon`',
    },
  },
  'haproxy-defaults': {
    example: '"option http-keep-alive"',
    daemon: 'haproxy', section: 'defaults', directives: HAPROXY_DIRECTIVES.defaults, version: HAPROXY_DOC_VERSION,
    owned: {
      maxconn: '`maxconn` in the defaults block', retries: '`retries` in the defaults block',
      'option redispatch': '`redispatch on|off` in the defaults block', mode: 'halab writes `mode http`',
      // in defaults it would reach the TCP services' listens too, where HAProxy warns about it
      'option forwardfor': 'halab writes `option forwardfor except 127.0.0.0/8` in each HTTP frontend',
      ...Object.fromEntries(TIMEOUT_KINDS.map((k) => [`timeout ${k}`, `\`timeout ${k}\` in the defaults block`])),
    },
  },
  'haproxy-frontend': {
    example: '"http-request deny if { path_beg /admin }"',
    daemon: 'haproxy', section: 'frontend', directives: HAPROXY_DIRECTIVES.frontend, version: HAPROXY_DOC_VERSION,
    owned: {
      bind: '`listen`, `vip` and `tls` in the site block',
      default_backend: '`default` in the site block',
      mode: 'halab writes `mode http`',
    },
  },
  'haproxy-backend': {
    example: '"stick-table type ip size 1m expire 30m"',
    daemon: 'haproxy', section: 'backend', directives: HAPROXY_DIRECTIVES.backend, version: HAPROXY_DOC_VERSION,
    owned: { balance: '`balance` in the site block', server: '`servers` in the site block and the upstream blocks' },
  },
  'haproxy-listen': {
    example: '"timeout client 1h"',
    daemon: 'haproxy', section: 'listen', directives: HAPROXY_DIRECTIVES.listen, version: HAPROXY_DOC_VERSION,
    owned: {
      bind: '`listen` and `vip` in the service block', balance: '`balance` in the service block', mode: 'halab writes `mode tcp`',
      server: '`servers` in the service block and the upstream blocks',
      // not `option tcp-check` or `tcp-check send/expect`: a check sequence of your own (a `connect` step,
      // several exchanges) is written as pass-through lines in a service without check-send/check-expect
      'option tcplog': 'halab writes `option tcplog` in a service\'s listen',
    },
  },
  'haproxy-section': {
    example: '"user alice password $6$…"',
    daemon: 'haproxy', section: 'KIND NAME (haproxy-section)', version: HAPROXY_DOC_VERSION, owned: {},
    // completion offers the proxies' directives (a userlist's or peers' are few and not in the generated table)
    directives: [...new Set([...HAPROXY_DIRECTIVES.frontend, ...HAPROXY_DIRECTIVES.backend, ...HAPROXY_DIRECTIVES.listen])],
  },
  'haproxy-server': {
    example: '"cookie web1"',
    daemon: 'haproxy', section: 'server line (its parameters)', directives: HAPROXY_DIRECTIVES.server, version: HAPROXY_DOC_VERSION,
    owned: {
      check: '`check-*` in the site or service block', inter: '`check-interval`', fastinter: '`check-interval`',
      downinter: '`check-interval`', fall: '`check-fall`', rise: '`check-rise`', weight: '`weight` in the upstream block',
      backup: '`backup` in the upstream block',
    },
  },
  'keepalived-global': {
    example: '"vrrp_garp_master_refresh 60"',
    daemon: 'keepalived', section: 'global_defs', directives: KEEPALIVED_DIRECTIVES.global_defs, version: KEEPALIVED_DOC_VERSION,
    owned: { router_id: 'halab writes the lb\'s name', enable_script_security: 'halab writes `enable_script_security`' },
  },
  'keepalived-instance': {
    example: '"notify_master /etc/keepalived/master.sh"',
    daemon: 'keepalived', section: 'vrrp_instance', directives: KEEPALIVED_DIRECTIVES.vrrp_instance, version: KEEPALIVED_DOC_VERSION,
    owned: {
      state: '`role` in the lb blocks', interface: '`interface` in the vip or lb block', virtual_router_id: '`router-id`',
      priority: '`priority` in the lb blocks', advert_int: '`advert`', version: '`vrrp-version`', nopreempt: '`preempt off`',
      preempt_delay: '`preempt-delay`', unicast_src_ip: '`unicast`', unicast_peer: '`unicast`', authentication: '`auth`',
      virtual_ipaddress: 'the vip\'s address', track_script: '`track script`', track_process: '`track process`',
    },
  },
  'keepalived-section': {
    example: '"group { VI_1 VI_2 }"',
    daemon: 'keepalived', section: 'KIND NAME { } (keepalived-section)', directives: [], version: KEEPALIVED_DOC_VERSION, owned: {},
  },
};

/** Words that open a section: a pass-through line never starts one (and the import's reader splits files by them). */
export const SECTION_OPENERS: Record<'haproxy' | 'keepalived', ReadonlySet<string>> = {
  // HAProxy 2.6's section keywords (cfgparse.c's section list, and the manual's §2–§12).
  haproxy: new Set([
    'global', 'defaults', 'frontend', 'backend', 'listen', 'userlist', 'peers', 'mailers', 'resolvers', 'program',
    'http-errors', 'ring', 'cache', 'fcgi-app', 'log-forward', 'crt-store',
  ]),
  // keepalived's top-level blocks, and `include`, which reads a whole file in place.
  keepalived: new Set([
    'global_defs', 'vrrp_instance', 'vrrp_sync_group', 'vrrp_script', 'vrrp_track_file', 'track_file', 'vrrp_track_process',
    'track_process', 'virtual_server', 'virtual_server_group', 'static_ipaddress', 'static_routes', 'static_rules',
    'linkbeat_interfaces', 'net_namespace', 'net_namespace_ipvs', 'bfd_instance', 'garp_group', 'include', 'instance',
  ]),
};

const FIRST_WORD = /^[A-Za-z][A-Za-z0-9._-]*(?=\s|$)/;
/** Bytes: keepalived reads lines of at most 1,022 (test/unit/render/bounds.test.ts), with the indent. */
const LINE_MAX_BYTES = 1000;
/** HAProxy splits a line into at most 64 words (MAX_LINE_ARGS). */
const HAPROXY_MAX_WORDS = 64;

/** The directive a line starts with: its first word, or the longest of the section's multi-word names that starts it. */
export function directiveOf(line: string, section: PassSection): { name: string; start: number; end: number } | undefined {
  const lead = line.length - line.trimStart().length;
  const m = FIRST_WORD.exec(line.slice(lead));
  if (!m) return undefined;
  const words = line.slice(lead).split(/\s+/);
  for (let n = Math.min(4, words.length); n > 1; n--) {
    const name = words.slice(0, n).join(' ');
    if (PASS_SECTIONS[section].directives.includes(name)) {
      return { name, start: lead, end: lead + line.slice(lead).indexOf(words[n - 1]!) + words[n - 1]!.length };
    }
  }
  return { name: m[0], start: lead, end: lead + m[0].length };
}

/** Judges one pass-through line for its section (the rules in the top comment). */
export function parsePassLine(s: string, section: PassSection): Parsed<string> {
  const spec = PASS_SECTIONS[section];
  const where = `${spec.daemon}'s \`${spec.section}\``;
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(s)) return bad(`one ${spec.daemon} directive on one line, without control characters`);
  if (new TextEncoder().encode(s).length > LINE_MAX_BYTES) return bad(`a directive line of at most ${LINE_MAX_BYTES} bytes`);
  const line = s.trim();
  if (spec.daemon === 'haproxy' && line.split(/\s+/).length > HAPROXY_MAX_WORDS) {
    return bad(`a line of at most ${HAPROXY_MAX_WORDS} words (HAProxy reads no more)`);
  }
  if (line.length === 0) return bad(`a ${spec.daemon} directive for ${where}`);
  if (line.endsWith('\\')) return bad('a line without a trailing `\\` (it would continue onto the next line)');
  const first = FIRST_WORD.exec(line)?.[0];
  if (!first) return bad(`a line starting with a directive name (letters, digits, \`._-\`), e.g. ${spec.example}`);
  // inside a vrrp_instance, `track_file { … }` and `track_process { … }` name what it tracks: no section opens
  const instanceTrack = section === 'keepalived-instance' && (first === 'track_file' || first === 'track_process');
  if (SECTION_OPENERS[spec.daemon].has(first) && !instanceTrack) {
    return bad(`a directive inside ${where}, not \`${first}\`, which would start a ${first === 'include' ? 'file' : 'section'} of its own`);
  }
  const d = directiveOf(line, section);
  const owner = d && (spec.owned[d.name] ?? spec.owned[first]);
  if (owner) return bad(`a directive halab does not write itself: for \`${d!.name}\`, use ${owner}`);
  if (spec.daemon === 'keepalived') {
    let depth = 0;
    for (const ch of line) {
      if (ch === '{') depth++;
      else if (ch === '}' && --depth < 0) return bad('a line whose `}` close only what it opened (it cannot close the enclosing block)');
    }
    if (depth !== 0) return bad('a line whose `{` are closed on the same line');
  }
  return { ok: true, value: line };
}

function bad(message: string): Parsed<never> {
  return { ok: false, message };
}
