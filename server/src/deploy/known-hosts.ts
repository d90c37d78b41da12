/**
 * known_hosts checking as OpenSSH does it: plain and hashed (`|1|salt|hmac`) host patterns,
 * `[host]:port` for ports other than 22, `HostKeyAlias`, negated patterns, `@revoked` markers.
 * A key is known, unknown (never seen for this host) or changed (a key of the same type is on
 * record and differs): changed is always refused, unknown needs an explicit acceptance.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KnownHostLine {
  marker?: 'revoked' | 'cert-authority';
  hosts: string; // the raw host field
  keyType: string;
  key: string; // base64 blob
  line: number;
}

export type HostKeyVerdict =
  | { status: 'known' }
  | { status: 'unknown'; fingerprint: string; keyType: string; otherTypes: string[] }
  | { status: 'changed'; fingerprint: string; keyType: string; expected: string[]; lines: number[] }
  | { status: 'revoked'; fingerprint: string; keyType: string };

export function parseKnownHosts(text: string): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const f = line.split(/\s+/);
    let marker: KnownHostLine['marker'];
    if (f[0] === '@revoked' || f[0] === '@cert-authority') {
      marker = f[0].slice(1) as KnownHostLine['marker'];
      f.shift();
    }
    if (f.length < 3) return;
    out.push({ marker, hosts: f[0]!, keyType: f[1]!, key: f[2]!, line: i + 1 });
  });
  return out;
}

/**
 * The names ssh(1) gives a host in known_hosts (ssh_config(5) HostKeyAlias; sshconnect.c).
 * `name` is looked up and new keys are recorded under it: the HostKeyAlias when set, as written
 * whatever the port; else the host connected to (HostName when the config has one, never the
 * alias typed), as `[host]:port` off port 22. In that last case ssh also accepts a port-less
 * entry holding the very key ("found matching key w/out port"): `portless`. ssh lower-cases
 * both names, which matters for hashed entries.
 */
export interface HostKeyNames {
  name: string;
  portless?: string;
}

export function hostKeyNames(host: string, port: number, hostKeyAlias?: string): HostKeyNames {
  if (hostKeyAlias) return { name: hostKeyAlias.toLowerCase() };
  const h = host.toLowerCase();
  return port === 22 ? { name: h } : { name: `[${h}]:${port}`, portless: h };
}

function globMatch(pattern: string, text: string): boolean {
  // Most patterns are plain names: no RegExp to build for each of a big file's lines.
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === text.toLowerCase();
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  return re.test(text);
}

/** Does the hosts field of a line match `name` (already in `[host]:port` form when needed)? */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let positive = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) positive = true;
  }
  return positive;
}

/** The key type inside an SSH wire-format public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:…` as ssh-keygen -l and ssh print it (unpadded base64). */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Key lines (no marker) recorded for `name`. */
function plainLinesFor(lines: KnownHostLine[], name: string): KnownHostLine[] {
  return lines.filter((l) => !l.marker && hostFieldMatches(l.hosts, name));
}

export function checkHostKey(lines: KnownHostLine[], names: HostKeyNames, blob: Buffer): HostKeyVerdict {
  const b64 = blob.toString('base64');
  const type = keyTypeOf(blob);
  const fp = fingerprint(blob);
  if (lines.some((l) => l.marker === 'revoked' && l.key === b64)) return { status: 'revoked', fingerprint: fp, keyType: type };
  const plain = plainLinesFor(lines, names.name);
  if (plain.some((l) => l.keyType === type && l.key === b64)) return { status: 'known' };
  const sameType = plain.filter((l) => l.keyType === type);
  if (sameType.length > 0) {
    return {
      status: 'changed',
      fingerprint: fp,
      keyType: type,
      expected: sameType.map((l) => fingerprint(Buffer.from(l.key, 'base64'))),
      lines: sameType.map((l) => l.line),
    };
  }
  // Nothing under [host]:port: a port-less entry vouches only for the very key (a different one
  // there is not "changed" for ssh either: the host is new).
  if (names.portless && plainLinesFor(lines, names.portless).some((l) => l.keyType === type && l.key === b64)) return { status: 'known' };
  return { status: 'unknown', fingerprint: fp, keyType: type, otherTypes: [...new Set(plain.map((l) => l.keyType))] };
}

/** Key types on record for a host, so the client can prefer them in the key exchange. */
export function knownKeyTypes(lines: KnownHostLine[], names: HostKeyNames): string[] {
  const recorded = [...plainLinesFor(lines, names.name), ...(names.portless ? plainLinesFor(lines, names.portless) : [])];
  return [...new Set(recorded.map((l) => l.keyType))];
}

/**
 * The lines of every file, in order. Only a missing file counts as empty: anything else (a file
 * that cannot be read, a bug) is thrown, because "no keys on record" makes every host look new.
 * It did: push(...lines) overflowed the stack on big files and the catch swallowed it.
 */
export function loadKnownHosts(paths: string[]): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  for (const p of paths) {
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new Error(`cannot read known_hosts file ${p}: ${(e as Error).message}`);
    }
    for (const line of parseKnownHosts(text)) out.push(line);
  }
  return out;
}

/** The line `--accept-new` appends; hashed like `HashKnownHosts yes` when asked. */
export function knownHostsLine(names: HostKeyNames, blob: Buffer, hashed = false): string {
  const { name } = names;
  let field = name;
  if (hashed) {
    const salt = randomBytes(20);
    field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${field} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
}

export function appendKnownHost(path: string, names: HostKeyNames, blob: Buffer, hashed = false): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let prefix = '';
  if (existsSync(path)) {
    const cur = readFileSync(path, 'utf8');
    if (cur.length > 0 && !cur.endsWith('\n')) prefix = '\n';
  }
  appendFileSync(path, prefix + knownHostsLine(names, blob, hashed) + '\n', { mode: 0o600 });
}
