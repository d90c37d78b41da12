/** Judges one argument against its schema type, using the value parsers of value-types.ts. */
import type { Arg } from '../syntax/ast.js';
import type { ArgSpec } from './schema.js';
import * as V from './value-types.js';
import { parsePassLine } from './pass-through.js';

export function parseArg(arg: Arg, spec: ArgSpec): V.Parsed<unknown> {
  const s = arg.value;
  const isString = arg.kind === 'string';
  // Only free text, commands and secrets may be quoted; elsewhere a string is still judged by its
  // content (`"80"` is as good as `80`) so users are not punished for quoting.
  switch (spec.type) {
    case 'name':
    case 'upstream-ref':
      return V.parseName(s);
    case 'ip':
      return V.parseIp(s);
    case 'cidr':
      return V.parseCidr(s, true);
    case 'vip-ref':
      return V.parseCidr(s, false);
    case 'host':
      return V.parseHost(s);
    case 'dnsname':
      return V.parseDnsName(s, true);
    case 'port':
      return V.parseInt_(s, 1, 65535);
    case 'int':
      return V.parseInt_(s, spec.min ?? -2147483648, spec.max ?? 2147483647);
    case 'duration':
      return V.parseDuration(s);
    case 'secret':
      return V.parseSecret(s, isString);
    case 'enum':
      return spec.values!.includes(s) ? { ok: true, value: s } : { ok: false, message: `one of ${spec.values!.join(', ')}` };
    case 'ssh':
      return V.parseSsh(s);
    case 'path':
      return V.parsePath(s);
    // a health check's URI and the stats URI may both carry a query (`/health?local=true`, `/haproxy?stats`)
    case 'url-path':
    case 'stats-uri':
      return V.parseUrlPath(s, true);
    case 'text':
      return V.parseText(s, spec.min);
    case 'command': {
      const t = V.parseText(s);
      if (!t.ok) return t;
      // keepalived's `script "…"` has no escape for `"`; and the command must be an absolute path
      // because enable_script_security refuses relative ones.
      if (/["\\]/.test(s)) return { ok: false, message: 'a command without `"` or `\\`' };
      // An unbalanced `'` makes keepalived drop the check silently: the VIP would never move.
      if ((s.match(/'/g) ?? []).length % 2 === 1) return { ok: false, message: "a command with balanced `'` quotes" };
      if (!s.startsWith('/')) return { ok: false, message: 'a command starting with an absolute path, e.g. "/usr/bin/killall -0 haproxy"' };
      return t;
    }
    case 'iface':
      return V.parseIface(s);
    case 'user':
      return V.parseUser(s);
    case 'pass-line':
      return parsePassLine(s, spec.section!);
    case 'tcp-payload':
      return V.parseTcpPayload(s);
    case 'section-name':
      return V.parseSectionName(s);
  }
}

/** Human description of a type for messages: "expected a port (1–65535)". */
export function describeType(spec: ArgSpec): string {
  switch (spec.type) {
    case 'int':
      return `an integer (${spec.min}–${spec.max})`;
    case 'port':
      return 'a port (1–65535)';
    case 'enum':
      return `one of ${spec.values!.join(', ')}`;
    default:
      return spec.label.toLowerCase();
  }
}
