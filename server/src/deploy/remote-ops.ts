/**
 * The commands a deploy runs on a host, as argv (see shell-quote.ts), and parsers for their
 * output. Scripts are constant strings run with `sh -c SCRIPT halab ARGS…`: every variable
 * (a path, a service name) reaches them as a positional parameter, never spliced into the text.
 */
import { posix } from 'node:path';
import type { ApplyKind, ServiceName } from '../render/types.js';
import type { Command } from './shell-quote.js';
import { parseOsRelease, type OsRelease } from './os-release.js';
import type { RemoteFile } from './plan.js';
import { KNOWN_TOOLS } from './bootstrap.js';

/** `sh -c` with a constant script; args become $1, $2, … */
export function script(text: string, ...args: string[]): Command {
  return ['sh', '-c', text, 'halab', ...args];
}

/** Where live files are backed up before a swap (one generation, kept for manual rollback). */
export const BACKUP_ROOT = '/var/lib/halab/backup';

export function backupPath(live: string): string {
  return posix.join(BACKUP_ROOT, live);
}

/**
 * Staging. A new file is written into a directory created for this run in the live file's own
 * directory, then renamed over the live file:
 * - same directory, so the rename is atomic (same filesystem) and replaces whatever is at the
 *   live path (a file or a symlink) without following it;
 * - the staging directory is made with `mkdir -m 0700` under a random name: mkdir fails on
 *   anything already there (a planted symlink included), and only root can create entries in it;
 * - the file in it is opened O_CREAT|O_EXCL and gets its owner and mode through the open handle
 *   (fchown/fchmod), so no step resolves a path another user could have prepared;
 * - a leading dot, so `include conf.d/*.conf` / `sites-enabled/*` globs (nginx, sysctl
 *   --system) never pick it up.
 * The live directory may be writable by others (a web root); the random name keeps them from
 * preparing anything at the staging path in advance.
 */
export function stagingDir(liveDir: string, token: string): string {
  return posix.join(liveDir, `.halab-${token}`);
}

export function stagingPath(live: string, token: string): string {
  return posix.join(stagingDir(posix.dirname(live), token), posix.basename(live));
}

/**
 * Creates the live directories (mkdir -p) and one staging directory in each (mkdir -m 0700,
 * exclusive), and prints the numeric ids of the owners and groups the staged files get (set
 * on the open handle, which takes numbers). Output: `@@uid NAME ID` / `@@gid NAME ID` lines.
 */
export function prepareStagingCommand(dirs: string[], token: string, owners: string[], groups: string[]): Command {
  return script(
    `tok=$1; n=$2; shift 2
while [ "$n" -gt 0 ]; do mkdir -p -- "$1" && mkdir -m 0700 -- "$1/.halab-$tok" || exit 1; n=$((n-1)); shift; done
for a in "$@"; do
  case $a in
    u:*) v=$(id -u -- "\${a#u:}") || exit 1; printf '@@uid %s %s\\n' "\${a#u:}" "$v" ;;
    g:*) v=$(getent group -- "\${a#g:}" | cut -d: -f3); [ -n "$v" ] || { echo "no group \${a#g:}" >&2; exit 1; }
         printf '@@gid %s %s\\n' "\${a#g:}" "$v" ;;
  esac
done`,
    token,
    String(dirs.length),
    ...dirs,
    ...owners.map((o) => `u:${o}`),
    ...groups.map((g) => `g:${g}`),
  );
}

export function parseIds(out: string): { uid: Map<string, number>; gid: Map<string, number> } {
  const uid = new Map<string, number>();
  const gid = new Map<string, number>();
  for (const m of out.matchAll(/^@@(uid|gid) (\S+) (\d+)$/gm)) (m[1] === 'uid' ? uid : gid).set(m[2]!, Number(m[3]));
  return { uid, gid };
}

/** Removes staging directories; `rm` does not follow a symlink given as an argument. */
export function removeStagingCommand(dirs: string[]): Command {
  return ['rm', '-rf', '--', ...dirs];
}

export type InitSystem = 'systemd' | 'sysv';

export interface HostFacts {
  os: OsRelease;
  /** Binaries found on PATH (+ /usr/sbin, /sbin). */
  binaries: Set<string>;
  init: InitSystem;
  /** Remote files by path (absent = does not exist or is not a regular file). */
  files: Map<string, RemoteFile>;
  /** Paths that are symbolic links: never read through; a deploy replaces the link itself. */
  links: Set<string>;
}

const FACTS_SCRIPT = `PATH="$PATH:/usr/sbin:/sbin:/usr/bin:/bin"
echo '@@os'; cat /etc/os-release 2>/dev/null
echo '@@bin'; for b in $1; do command -v "$b" >/dev/null 2>&1 && echo "$b"; done; shift
echo '@@init'; if [ -d /run/systemd/system ]; then echo systemd; else echo sysv; fi
i=0
for p in "$@"; do
  i=$((i+1))
  if [ -L "$p" ]; then
    printf '@@link %s\\n' "$i"
  elif [ -f "$p" ]; then
    printf '@@file %s %s\\n' "$i" "$(stat -c '%a %U %G' -- "$p")"
    base64 -w0 -- "$p"; echo
  fi
done
echo '@@end'`;

/**
 * One round trip: os-release, which binaries a deploy may need are on PATH (KNOWN_TOOLS), the
 * init system, and every path's content and mode (a symlink is reported as such, never read
 * through).
 */
export function factsCommand(paths: string[]): Command {
  return script(FACTS_SCRIPT, KNOWN_TOOLS.join(' '), ...paths);
}

export function parseFacts(out: string, paths: string[]): HostFacts {
  const lines = out.split('\n');
  let section = '';
  const osLines: string[] = [];
  const binaries = new Set<string>();
  let init: InitSystem = 'sysv';
  const files = new Map<string, RemoteFile>();
  const links = new Set<string>();
  let pending: { path: string; mode: number; owner: string; group: string } | undefined;
  let ended = false;
  for (const line of lines) {
    if (pending) {
      files.set(pending.path, {
        content: Buffer.from(line, 'base64').toString('utf8'),
        mode: pending.mode,
        owner: pending.owner,
        group: pending.group,
      });
      pending = undefined;
      continue;
    }
    const l = /^@@link (\d+)$/.exec(line);
    if (l) {
      const path = paths[Number(l[1]) - 1];
      if (path !== undefined) links.add(path);
      continue;
    }
    const f = /^@@file (\d+) ([0-7]+) (\S+) (\S+)$/.exec(line);
    if (f) {
      const path = paths[Number(f[1]) - 1];
      if (path !== undefined) pending = { path, mode: parseInt(f[2]!, 8), owner: f[3]!, group: f[4]! };
      continue;
    }
    if (line.startsWith('@@')) {
      section = line.slice(2);
      if (section === 'end') ended = true;
      continue;
    }
    if (section === 'os') osLines.push(line);
    else if (section === 'bin' && line.trim()) binaries.add(line.trim());
    else if (section === 'init' && line.trim() === 'systemd') init = 'systemd';
  }
  if (!ended) throw new Error('incomplete answer from the host (facts script did not finish)');
  return { os: parseOsRelease(osLines.join('\n')), binaries, init, files, links };
}

/**
 * Copy live files to the backup root (root-only), keeping mode and owner (cp -p). A symlink is
 * copied as a link (-P): its target is never read, and a rollback puts the link back.
 */
export function backupCommand(paths: string[]): Command {
  return script(
    `mkdir -p -m 0700 -- ${BACKUP_ROOT} || exit 1
for p in "$@"; do b=${BACKUP_ROOT}"$p"; mkdir -p -- "$(dirname -- "$b")" && cp -p -P -- "$p" "$b" || exit 1; done`,
    ...paths,
  );
}

/**
 * Put back what a swap replaced: a backed-up file is copied into a fresh root-only directory
 * (mktemp -d, random name) next to the live one and renamed over it (atomic, follows no link);
 * a file that did not exist before is removed.
 */
export function restoreCommand(items: Array<{ path: string; existed: boolean }>): Command {
  return script(
    `rc=0
while [ $# -gt 0 ]; do
  p=$2; t=
  if [ "$1" = 1 ]; then
    t=$(mktemp -d -- "$(dirname -- "$p")/.halab-XXXXXXXXXXXX") &&
      { cp -p -P -- ${BACKUP_ROOT}"$p" "$t/f" && mv -f -T -- "$t/f" "$p"; } || rc=1
    [ -z "$t" ] || rm -rf -- "$t"
  else
    rm -f -- "$p" || rc=1
  fi
  shift 2
done
exit $rc`,
    ...items.flatMap((i) => [i.existed ? '1' : '0', i.path]),
  );
}

/**
 * The kernel state a file's `apply` changes, read just before applying it, so a rollback can
 * put the host back as it was (restoring the file alone would leave, e.g., a new nft table with
 * policy drop loaded). What is read is derived from the file being applied:
 * - sysctl: the current value of every key the file sets;
 * - nft: every table the file declares (absent, or its `nft list table` listing);
 * - a firewalld script: the default zone's permanent configuration file.
 */
export type RuntimeSnapshot =
  | { kind: 'sysctl'; path: string; values: Array<[string, string]> }
  | { kind: 'nft'; path: string; tables: Array<{ family: string; name: string; listing?: string }> }
  | { kind: 'firewalld'; path: string; zone: string; xml?: string }
  | { kind: 'unit'; path: string; unit: string; enabled: boolean };

/** A unit is enabled only where systemd runs: elsewhere the file is inert, and the apply does nothing. */
const UNDER_SYSTEMD = '[ -d /run/systemd/system ]';

/** `key = value` lines of a sysctl.d file (comments and blanks skipped). */
export function sysctlKeys(content: string): string[] {
  return [...content.matchAll(/^\s*([A-Za-z0-9_.\/-]+)\s*=/gm)].map((m) => m[1]!);
}

/** `table FAMILY NAME {` declarations of an nft ruleset. */
export function nftTables(content: string): Array<{ family: string; name: string }> {
  const seen = new Map<string, { family: string; name: string }>();
  for (const m of content.matchAll(/^\s*table\s+(\S+)\s+(\S+)\s*\{/gm)) seen.set(`${m[1]} ${m[2]}`, { family: m[1]!, name: m[2]! });
  return [...seen.values()];
}

const FIREWALLD_ZONES = '/etc/firewalld/zones';

export function captureRuntimeCommand(kind: ApplyKind, content: string, path = ''): Command {
  if (kind === 'unit') {
    return script(`e=no; if ${UNDER_SYSTEMD} && systemctl -q is-enabled "\${1##*/}" 2>/dev/null; then e=yes; fi; printf '@@enabled %s\\n' "$e"`, path);
  }
  if (kind === 'sysctl')
    return script(`for k in "$@"; do v=$(sysctl -n "$k") || exit 1; printf '@@kv %s=%s\\n' "$k" "$v"; done`, ...sysctlKeys(content));
  if (kind === 'nft') {
    return script(
      `while [ $# -gt 0 ]; do
  printf '@@table %s %s\\n' "$1" "$2"
  if nft list table "$1" "$2" >/dev/null 2>&1; then nft list table "$1" "$2" || exit 1; fi
  shift 2
done`,
      ...nftTables(content).flatMap((t) => [t.family, t.name]),
    );
  }
  return script(
    `z=$(firewall-cmd --get-default-zone) || exit 1
printf '@@zone %s\\n' "$z"
if [ -f "${FIREWALLD_ZONES}/$z.xml" ]; then cat -- "${FIREWALLD_ZONES}/$z.xml"; fi`,
  );
}

export function parseRuntime(kind: ApplyKind, path: string, out: string): RuntimeSnapshot {
  if (kind === 'unit') return { kind: 'unit', path, unit: path.slice(path.lastIndexOf('/') + 1), enabled: /^@@enabled yes$/m.test(out) };
  if (kind === 'sysctl') {
    const values = [...out.matchAll(/^@@kv ([^=\n]+)=(.*)$/gm)].map((m): [string, string] => [m[1]!, m[2]!]);
    return { kind: 'sysctl', path, values };
  }
  if (kind === 'nft') {
    const tables: Array<{ family: string; name: string; listing?: string }> = [];
    for (const part of out.split(/^(?=@@table )/m)) {
      const m = /^@@table (\S+) (\S+)\n([\s\S]*)$/.exec(part);
      if (m) tables.push({ family: m[1]!, name: m[2]!, ...(m[3]!.trim() ? { listing: m[3]! } : {}) });
    }
    return { kind: 'nft', path, tables };
  }
  const m = /^@@zone (\S+)\n([\s\S]*)$/.exec(out);
  if (!m) throw new Error(`unexpected answer reading the firewalld zone: ${out.slice(0, 200)}`);
  return { kind: 'firewalld', path, zone: m[1]!, ...(m[2]! ? { xml: m[2]! } : {}) };
}

/** Puts the kernel state of a snapshot back (one nft transaction per table: no window without it). */
export function restoreRuntimeCommand(s: RuntimeSnapshot): Command {
  if (s.kind === 'unit') {
    return script(`${UNDER_SYSTEMD} || exit 0; if [ "$2" = no ]; then systemctl disable --quiet "$1" 2>/dev/null; fi; systemctl daemon-reload`, s.unit, s.enabled ? 'yes' : 'no');
  }
  if (s.kind === 'sysctl') return ['sysctl', '-q', '-w', ...s.values.map(([k, v]) => `${k}=${v}`)];
  if (s.kind === 'nft') {
    return script(
      `rc=0
while [ $# -gt 0 ]; do
  { printf 'table %s %s\\ndelete table %s %s\\n' "$1" "$2" "$1" "$2"; printf '%s\\n' "$3"; } | nft -f - || rc=1
  shift 3
done
exit $rc`,
      ...s.tables.flatMap((t) => [t.family, t.name, t.listing ?? '']),
    );
  }
  return script(
    `f="${FIREWALLD_ZONES}/$1.xml"
if [ "$2" = 1 ]; then printf '%s' "$3" > "$f" || exit 1; else rm -f -- "$f"; fi
firewall-cmd --reload`,
    s.zone,
    s.xml === undefined ? '0' : '1',
    s.xml ?? '',
  );
}

/**
 * A renderer `validate` template ("haproxy -c -f {}") as argv with `{}` replaced by the
 * staged path. The template is split on whitespace, so the path is always one argument.
 */
export function validateCommand(template: string, path: string): Command {
  const argv = template
    .trim()
    .split(/\s+/)
    .map((w) => (w === '{}' ? path : w.replaceAll('{}', path)));
  return argv;
}

/** Start a service that is not running, else reload it (graceful: haproxy -sf, SIGHUP). */
// Without systemd, "is it running" is asked of the process table: Debian's keepalived init
// script has no `status` action, and `start` on a running daemon is a silent no-op.
const SYSV_RUNNING = `pidof "$1" >/dev/null 2>&1 || pgrep -x "$1" >/dev/null 2>&1`;

/** Services restarted rather than reloaded (and enabled under systemd): halab's watcher (watcherRestartCommand). */
export const RESTARTED_SERVICES: readonly ServiceName[] = ['halab-watch'];

export function reloadCommand(init: InitSystem, svc: ServiceName): Command {
  if (RESTARTED_SERVICES.includes(svc)) return watcherRestartCommand(init);
  return init === 'systemd'
    ? script(`if systemctl is-active --quiet "$1"; then systemctl reload "$1"; else systemctl start "$1"; fi`, svc)
    : script(`if ${SYSV_RUNNING}; then service "$1" reload; else service "$1" start; fi`, svc);
}

/**
 * halab's watcher is restarted rather than reloaded (it keeps no state but the files it writes,
 * which a restart leaves in place). Under systemd its unit comes from the sysv generator, so the
 * daemon must re-read /etc/init.d first; `enable` starts it at boot. Without systemd nothing is
 * enabled: update-rc.d would write /etc/rc?.d, which a lab host shares with the machine.
 */
function watcherRestartCommand(init: InitSystem): Command {
  return init === 'systemd'
    ? script('systemctl daemon-reload && { systemctl enable "$1" >/dev/null 2>&1 || true; } && systemctl restart "$1"', 'halab-watch')
    : script('service "$1" restart', 'halab-watch');
}

/**
 * The last lines systemd's journal holds for a unit, for a failure report: the daemon's own words
 * on why it did not start or reload (haproxy's "cannot bind socket", nginx's "bind() failed").
 * Only where systemd runs; without it the daemons log to files of their own.
 */
export const JOURNAL_LINES = 12;
export function journalCommand(svc: ServiceName): Command {
  return ['journalctl', '--no-pager', '--quiet', '-o', 'short-iso', '-n', String(JOURNAL_LINES), '-u', `${svc}.service`];
}

export function statusCommand(init: InitSystem, svc: ServiceName): Command {
  return init === 'systemd' ? ['systemctl', 'is-active', '--quiet', svc] : script(SYSV_RUNNING, svc);
}

export function applyCommand(kind: ApplyKind, path: string): Command {
  // sysctl -p FILE applies just that file; an nft ruleset replaces its own tables; the firewalld
  // file is a shell script of firewall-cmd calls.
  if (kind === 'sysctl') return ['sysctl', '-q', '-p', path];
  if (kind === 'unit') return script(`${UNDER_SYSTEMD} || exit 0; systemctl daemon-reload && systemctl enable --quiet "\${1##*/}"`, path);
  return kind === 'nft' ? ['nft', '-f', path] : ['sh', path];
}
