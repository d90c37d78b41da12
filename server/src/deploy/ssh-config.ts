/**
 * A small ~/.ssh/config reader: the options halab honours (HostName, User, Port, IdentityFile,
 * ProxyJump, UserKnownHostsFile, HostKeyAlias) for `Host` blocks. Like OpenSSH, the first value
 * obtained for an option wins, patterns may use `*` and `?`, and `!pattern` negates. `Match`
 * blocks are skipped (their conditions need a shell), `Include` is followed one level, with
 * globs, as ssh(1) resolves it (`includeFiles`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export interface SshConfigEntry {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
  userKnownHostsFile?: string;
  /** The name the host key is looked up and recorded under instead of the host's (known-hosts.ts hostKeyNames). */
  hostKeyAlias?: string;
}

interface Block {
  patterns: string[] | null; // null: Match block (ignored)
  options: Array<[string, string]>;
}

function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2]!);
  return out;
}

export function parseSshConfig(text: string, include?: (pattern: string) => string[]): Block[] {
  const blocks: Block[] = [{ patterns: ['*'], options: [] }];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    // "Key value", "Key=value" and "Key = value" are all valid.
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const args = tokenize(m[2]!);
    if (key === 'host') blocks.push({ patterns: args, options: [] });
    else if (key === 'match') blocks.push({ patterns: null, options: [] });
    else if (key === 'include' && include) {
      // One by one: push(...list) puts every element on the stack and overflows on a big file.
      for (const a of args) for (const t of include(a)) for (const b of parseSshConfig(t)) blocks.push(b);
    } else blocks[blocks.length - 1]!.options.push([key, args.join(' ')]);
  }
  return blocks;
}

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  return re.test(text);
}

export function hostMatches(patterns: string[], host: string): boolean {
  let positive = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), host)) return false;
    } else if (globMatch(p, host)) positive = true;
  }
  return positive;
}

/** Expand `~`, `%h`, `%p`, `%r`, `%%` as ssh(1) does in IdentityFile. */
function expandTokens(v: string, ctx: { host: string; user?: string; port?: number; home: string }): string {
  let s = v.replace(/^~(?=\/|$)/, ctx.home);
  s = s.replace(/%([%hprd])/g, (_, t: string) =>
    t === '%' ? '%' : t === 'h' ? ctx.host : t === 'p' ? String(ctx.port ?? 22) : t === 'r' ? ctx.user ?? '' : ctx.home);
  return s;
}

export function lookupSshConfig(blocks: Block[], host: string, home = homedir()): SshConfigEntry {
  const first = new Map<string, string>();
  const identityFiles: string[] = [];
  for (const b of blocks) {
    if (!b.patterns || !hostMatches(b.patterns, host)) continue;
    for (const [k, v] of b.options) {
      if (k === 'identityfile') identityFiles.push(v); // IdentityFile accumulates
      else if (!first.has(k)) first.set(k, v);
    }
  }
  const portStr = first.get('port');
  const port = portStr && /^\d+$/.test(portStr) ? Number(portStr) : undefined;
  const hostName = first.get('hostname');
  const user = first.get('user');
  const ctx = { host: hostName ? hostName.replace(/%h/g, host) : host, user, port, home };
  const jump = first.get('proxyjump');
  const khf = first.get('userknownhostsfile');
  const hostKeyAlias = first.get('hostkeyalias');
  return {
    hostName: hostName ? hostName.replace(/%h/g, host) : undefined,
    user,
    port,
    identityFiles: identityFiles.map((f) => expandTokens(f, ctx)),
    proxyJump: jump && jump.toLowerCase() !== 'none' ? jump : undefined,
    userKnownHostsFile: khf ? expandTokens(khf.split(/\s+/)[0]!, ctx) : undefined,
    hostKeyAlias: hostKeyAlias || undefined,
  };
}

/**
 * The files an `Include` pattern names, as ssh(1) reads them: `~/` is the home directory, a
 * relative pattern is under ~/.ssh, and glob(7) wildcards (`*`, `?`, `[…]`; a leading `.` only
 * matched literally) expand in each path component, sorted. `Include config.d/*` is the common
 * way teams split their config.
 */
export function includeFiles(pattern: string, home = homedir()): string[] {
  const p = pattern.startsWith('~/') ? join(home, pattern.slice(2)) : isAbsolute(pattern) ? pattern : join(home, '.ssh', pattern);
  let paths = ['/'];
  for (const part of p.split('/').filter(Boolean)) {
    if (!/[*?[]/.test(part)) {
      paths = paths.map((d) => join(d, part));
      continue;
    }
    const re = fileGlob(part);
    paths = paths.flatMap((d) => {
      try {
        return readdirSync(d).filter((n) => re.test(n)).sort().map((n) => join(d, n));
      } catch {
        return [];
      }
    });
  }
  return paths;
}

/** One path component of glob(7) as a RegExp (case-sensitive; no match for a leading dot). */
function fileGlob(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[' && part.indexOf(']', i + 2) > 0) {
      const end = part.indexOf(']', i + 2);
      const body = part.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
      re += `[${body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(part.startsWith('.') ? `^${re}$` : `^(?!\\.)${re}$`);
}

/** Read ~/.ssh/config (or `path`); a missing file is an empty config. */
export function loadSshConfig(path = join(homedir(), '.ssh', 'config'), home = homedir()): Block[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return parseSshConfig(text, (pattern) =>
    includeFiles(pattern, home).flatMap((f) => {
      try {
        return [readFileSync(f, 'utf8')];
      } catch {
        return []; // like ssh(1): a pattern that names nothing is no error
      }
    }),
  );
}

export type SshConfig = Block[];

/** Parse a ProxyJump hop list "user@host:port,host2" into hops (first hop first). */
export function parseProxyJump(spec: string): Array<{ user?: string; host: string; port?: number }> {
  return spec.split(',').map((hop) => {
    let s = hop.trim().replace(/^ssh:\/\//, '');
    let user: string | undefined;
    const at = s.lastIndexOf('@');
    if (at >= 0) {
      user = s.slice(0, at);
      s = s.slice(at + 1);
    }
    let port: number | undefined;
    const bracket = /^\[(.+)\](?::(\d+))?$/.exec(s);
    if (bracket) {
      s = bracket[1]!;
      port = bracket[2] ? Number(bracket[2]) : undefined;
    } else {
      const m = /^([^:]+):(\d+)$/.exec(s);
      if (m) {
        s = m[1]!;
        port = Number(m[2]);
      }
    }
    return { user, host: s, port };
  });
}
