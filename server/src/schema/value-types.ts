/**
 * Value types of §2: each parses a raw argument into a typed value or explains what is wrong.
 * The resolver (to build the model) and the `invalid-value` check (to report) share these, so a
 * value is judged one way only.
 */
import ipaddr from 'ipaddr.js';
import { NAME_RE } from './schema.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (message: string): Parsed<never> => ({ ok: false, message });

/** RFC 1123 label; `*.` allowed as the first label of a Host name. */
const LABEL_RE = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
/** Absolute paths without characters that end a directive in any rendered format. */
const PATH_RE = /^\/[A-Za-z0-9._\/@%+=,:-]*$/;
/**
 * Interface names: what the kernel accepts (IFNAMSIZ 16; dev_valid_name refuses `/`, `:`,
 * whitespace, `.` and `..`); we stay strict. `eth0:1` is an address label, not a link keepalived
 * can use (`ip link add eth0:1` fails; found by the structured fuzz test).
 */
const IFACE_RE = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,15}$/;

/** A Linux interface name by the rule above (the lab's bridge, halab-watch's init script). */
export function isInterfaceName(s: string): boolean {
  return IFACE_RE.test(s);
}
const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseName(s: string): Parsed<string> {
  return NAME_RE.test(s) ? ok(s) : bad('a name starts with a letter and has at most 63 letters, digits, `_` or `-`');
}

export function parseIp(s: string): Parsed<{ address: string; family: 4 | 6 }> {
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) {
    if (s.split('.').some((p) => p.length > 1 && p.startsWith('0'))) return bad('an IPv4 address without leading zeros');
    return ok({ address: s, family: 4 });
  }
  if (s.includes(':') && ipaddr.IPv6.isValid(s) && !s.includes('%')) return ok({ address: ipaddr.IPv6.parse(s).toString(), family: 6 });
  return bad('an IPv4 or IPv6 address, e.g. 198.18.0.11');
}

export function parseCidr(s: string, prefixRequired: boolean): Parsed<{ address: string; prefix: number; family: 4 | 6 }> {
  const slash = s.indexOf('/');
  if (slash < 0) {
    if (prefixRequired) return bad('an address with its prefix, e.g. 198.18.0.100/24 (add `/24`)');
    const ip = parseIp(s);
    if (!ip.ok) return ip;
    return ok({ ...ip.value, prefix: ip.value.family === 4 ? 32 : 128 });
  }
  const ip = parseIp(s.slice(0, slash));
  if (!ip.ok) return bad('an address with its prefix, e.g. 198.18.0.100/24');
  const p = s.slice(slash + 1);
  const max = ip.value.family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(p) || Number(p) > max) return bad(`a prefix length from 0 to ${max} after the \`/\``);
  return ok({ ...ip.value, prefix: Number(p) });
}

export function parseDnsName(s: string, allowWildcard: boolean): Parsed<string> {
  if (s.length > 253) return bad('a DNS name of at most 253 characters');
  const labels = s.split('.');
  if (allowWildcard && labels[0] === '*' && labels.length > 1) labels.shift();
  if (labels.length === 0 || !labels.every((l) => LABEL_RE.test(l))) {
    return bad(allowWildcard ? 'a DNS name such as www.example.com or *.example.com' : 'a DNS name such as www.example.com');
  }
  return ok(s.toLowerCase());
}

export function parseHost(s: string): Parsed<string> {
  const ip = parseIp(s);
  if (ip.ok) return ok(ip.value.address);
  if (/^[\d.]+$/.test(s)) return bad('a valid IPv4 address or a DNS name');
  const d = parseDnsName(s, false);
  return d.ok ? d : bad('an IP address or a DNS name');
}

export function parseInt_(s: string, min: number, max: number): Parsed<number> {
  if (!/^-?\d{1,10}$/.test(s)) return bad(`an integer from ${min} to ${max}`);
  const n = Number(s);
  return n >= min && n <= max ? ok(n) : bad(`an integer from ${min} to ${max}`);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
export function parseDuration(s: string): Parsed<number> {
  if (/^\d+$/.test(s)) return bad('a duration with a unit: add a unit, e.g. `2s` or `500ms`');
  const m = /^(\d{1,9})(ms|s|m|h)$/.exec(s);
  if (!m) return bad('a duration such as 500ms, 2s, 1m or 1h');
  return ok(Number(m[1]) * UNIT_MS[m[2]!]!);
}

export type SecretValue = { kind: 'env' | 'secret'; name: string } | { kind: 'literal'; value: string };
export function parseSecret(s: string, isString: boolean): Parsed<SecretValue> {
  if (!isString) {
    const m = /^(env|secret):(.*)$/.exec(s);
    if (m) {
      if (!ENV_RE.test(m[2]!)) {
        return bad(`\`${m[1]}:\` followed by a name of letters, digits and \`_\`, e.g. ${m[1]}:HALAB_STATS_PASSWORD`);
      }
      return ok({ kind: m[1] as 'env' | 'secret', name: m[2]! });
    }
  }
  if (s.length === 0) return bad('a non-empty secret, or env:NAME');
  if (/[\x00-\x1f\x7f]/.test(s)) return bad('a secret without control characters (newline, tab…)');
  return ok({ kind: 'literal', value: s });
}

export function parseSsh(s: string): Parsed<{ user: string; host: string; port: number }> {
  let rest = s;
  let user = 'root';
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!/^[a-z_][a-z0-9_.-]{0,31}$/i.test(user)) return bad('a user name before `@`, e.g. root@198.18.0.11:22');
  }
  let port = 22;
  // `host:port`, or `[v6]:port`, or a bare IPv6 address.
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  let host = rest;
  if (v6) {
    host = v6[1]!;
    if (v6[2]) port = Number(v6[2]);
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const [h, p] = rest.split(':');
    host = h!;
    if (!/^\d{1,5}$/.test(p!)) return bad('`user@host:port` with a port from 1 to 65535');
    port = Number(p);
  }
  if (port < 1 || port > 65535) return bad('`user@host:port` with a port from 1 to 65535');
  const h = parseHost(host);
  if (!h.ok) return bad('`user@host:port`, `user@host` or `host`, with an IP address or DNS name');
  return ok({ user, host: h.value, port });
}

/**
 * Paths are written on the hosts: a page at `<root>/index.html` must fit PATH_MAX (4096 bytes with
 * its NUL), each part NAME_MAX (255), and nginx's `root` line its 4095-byte token buffer
 * (render/limits.ts). 4000 leaves room for `/index.html` and the directive. A 5,000-character
 * root used to pass `check` and fail the render with ENAMETOOLONG.
 */
export const PATH_MAX_CHARS = 4000;
export const PATH_PART_MAX_CHARS = 255;

export function parsePath(s: string): Parsed<string> {
  if (!PATH_RE.test(s) || s.includes('..')) {
    return bad('an absolute path such as /etc/haproxy/certs/site.pem (letters, digits, `._/-@%+=,:`; no spaces or `..`)');
  }
  // `/srv/./x` names /srv/x: refused so that one directory has one spelling (pages, duplicate roots).
  if (s.split('/').includes('.')) return bad('a path without `.` segments: write /srv/x, not /srv/./x');
  if (s.length > PATH_MAX_CHARS) return bad(`a path of at most ${PATH_MAX_CHARS} characters`);
  if (s.split('/').some((part) => part.length > PATH_PART_MAX_CHARS)) {
    return bad(`a path whose \`/\`-separated parts have at most ${PATH_PART_MAX_CHARS} characters (the file system's limit)`);
  }
  return ok(s);
}

/** Two spellings of one directory (`/srv//x/` and `/srv/x`) give one key; the renderer writes this form. */
export function normalPath(s: string): string {
  // most paths are already in this form: no regex, no new string (it runs per site per keystroke)
  if (!s.includes('//') && !(s.length > 1 && s.endsWith('/'))) return s;
  return s.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

/** HTTP servers refuse longer request lines (nginx: 8 KB of headers by default), so a health check could never pass. */
export const URL_PATH_MAX_CHARS = 2048;

/** URL paths for checks and the stats URI. */
export function parseUrlPath(s: string, allowQuery = false): Parsed<string> {
  if (s.length > URL_PATH_MAX_CHARS) return bad(`a URL path of at most ${URL_PATH_MAX_CHARS} characters`);
  // `?` is allowed where HAProxy takes a URI prefix (the classic stats URI is `/haproxy?stats`).
  const re = allowQuery ? /^\/[A-Za-z0-9._~\/!$&()*+,=:@%?-]*$/ : /^\/[A-Za-z0-9._~\/!$&()*+,=:@%-]*$/;
  return re.test(s) ? ok(s) : bad('a URL path starting with `/`, without spaces, quotes or `;`');
}

export function parseIface(s: string): Parsed<string> {
  return IFACE_RE.test(s) ? ok(s) : bad('an interface name such as eth0 (at most 15 characters)');
}

/**
 * Free text (page content, realm): one line, no control characters. Templates escape the rest.
 * `minLength` 1 where the target needs a value (`stats realm ""` fails `haproxy -c`).
 */
export function parseText(s: string, minLength = 0): Parsed<string> {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(s)) return bad('text on one line, without control characters');
  if (s.length > 1000) return bad('text of at most 1000 characters');
  if (s.length < minLength) return bad('non-empty text');
  return ok(s);
}

/**
 * What a TCP check sends: lines of text (a newline separates them; each is sent ending in CRLF),
 * no other control characters. The renderer escapes every byte HAProxy could read specially.
 */
export function parseTcpPayload(s: string): Parsed<string> {
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(s)) return bad('text lines (`\\n` between them), without other control characters');
  if (s.length === 0) return bad('something to send, e.g. "PING"');
  if (s.length > 1000) return bad('at most 1000 characters to send');
  return ok(s);
}

/** The stats user: becomes `user:password` in HAProxy's `stats auth`, so no `:` or spaces. */
/**
 * A section or instance name in a rendered file: one word HAProxy and keepalived both take as is
 * (HAProxy's proxy names allow letters, digits, `-`, `_`, `.` and `:`).
 */
export function parseSectionName(s: string): Parsed<string> {
  return /^[A-Za-z0-9_.:-]{1,64}$/.test(s) ? ok(s) : bad('a name of letters, digits, `_`, `.`, `:` or `-` (at most 64)');
}

export function parseUser(s: string): Parsed<string> {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(s) ? ok(s) : bad('a user name of letters, digits, `_`, `.` or `-`');
}
