/**
 * The commands a deploy runs on a host, as argv (see shell-quote.ts), and parsers for their
 * output. Scripts are constant strings run with `sh -c SCRIPT halab ARGS…`: every variable
 * (a path, a service name) reaches them as a positional parameter, never spliced into the text.
 */
import { posix } from 'node:path';
import type { ServiceName } from '../render/types.js';
import type { Command } from './shell-quote.js';
import { parseOsRelease, type OsRelease } from './os-release.js';
import type { RemoteFile } from './plan.js';

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
 * The staging name next to the live file: same directory, so the rename is atomic (same
 * filesystem), and a leading dot, so `include conf.d/*.conf` / `sites-enabled/*` globs
 * (nginx, sysctl --system) never pick it up.
 */
export function stagingPath(live: string): string {
  return posix.join(posix.dirname(live), `.${posix.basename(live)}.halab-new`);
}

export type InitSystem = 'systemd' | 'sysv';

export interface HostFacts {
  os: OsRelease;
  /** Binaries found on PATH (+ /usr/sbin, /sbin). */
  binaries: Set<string>;
  init: InitSystem;
  /** Remote files by path (absent = does not exist). */
  files: Map<string, RemoteFile>;
}

const FACTS_SCRIPT = `PATH="$PATH:/usr/sbin:/sbin:/usr/bin:/bin"
echo '@@os'; cat /etc/os-release 2>/dev/null
echo '@@bin'; for b in haproxy keepalived nginx killall; do command -v "$b" >/dev/null 2>&1 && echo "$b"; done
echo '@@init'; if [ -d /run/systemd/system ]; then echo systemd; else echo sysv; fi
i=0
for p in "$@"; do
  i=$((i+1))
  if [ -f "$p" ]; then
    printf '@@file %s %s\\n' "$i" "$(stat -c '%a %U %G' -- "$p")"
    base64 -w0 -- "$p"; echo
  fi
done
echo '@@end'`;

/** One round trip: os-release, binaries, init system, and every path's content and mode. */
export function factsCommand(paths: string[]): Command {
  return script(FACTS_SCRIPT, ...paths);
}

export function parseFacts(out: string, paths: string[]): HostFacts {
  const lines = out.split('\n');
  let section = '';
  const osLines: string[] = [];
  const binaries = new Set<string>();
  let init: InitSystem = 'sysv';
  const files = new Map<string, RemoteFile>();
  let pending: { path: string; mode: number; owner: string; group: string } | undefined;
  let ended = false;
  for (const line of lines) {
    if (pending) {
      files.set(pending.path, { content: Buffer.from(line, 'base64').toString('utf8'), mode: pending.mode, owner: pending.owner, group: pending.group });
      pending = undefined;
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
  return { os: parseOsRelease(osLines.join('\n')), binaries, init, files };
}

/** mkdir -p for every directory a new file needs, plus the backup directories. */
export function prepareDirsCommand(dirs: string[]): Command {
  return ['mkdir', '-p', '--', ...dirs];
}

/** Set owner, group and mode on staged files: pairs of (owner:group, mode, path). */
export function chownChmodCommand(items: Array<{ path: string; owner: string; group: string; mode: number }>): Command {
  return script(
    `while [ $# -gt 0 ]; do chown -- "$1" "$3" && chmod -- "$2" "$3" || exit 1; shift 3; done`,
    ...items.flatMap((i) => [`${i.owner}:${i.group}`, i.mode.toString(8).padStart(4, '0'), i.path]),
  );
}

/** Copy live files to the backup root, keeping mode and owner (cp -p). */
export function backupCommand(paths: string[]): Command {
  return script(
    `for p in "$@"; do b=${BACKUP_ROOT}"$p"; mkdir -p -- "$(dirname -- "$b")" && cp -p -- "$p" "$b" || exit 1; done`,
    ...paths,
  );
}

/**
 * Put back what a swap replaced: a backed-up file is copied next to the live one and renamed
 * over it (atomic); a file that did not exist before is removed.
 */
export function restoreCommand(items: Array<{ path: string; existed: boolean }>): Command {
  return script(
    `rc=0
while [ $# -gt 0 ]; do
  p=$2
  if [ "$1" = 1 ]; then
    t="$(dirname -- "$p")/.$(basename -- "$p").halab-old"
    { cp -p -- ${BACKUP_ROOT}"$p" "$t" && mv -f -- "$t" "$p"; } || rc=1
  else
    rm -f -- "$p" || rc=1
  fi
  shift 2
done
exit $rc`,
    ...items.flatMap((i) => [i.existed ? '1' : '0', i.path]),
  );
}

export function removeCommand(paths: string[]): Command {
  return ['rm', '-f', '--', ...paths];
}

/**
 * A renderer `validate` template ("haproxy -c -f {}") as argv with `{}` replaced by the
 * staged path. The template is split on whitespace, so the path is always one argument.
 */
export function validateCommand(template: string, path: string): Command {
  const argv = template.trim().split(/\s+/).map((w) => (w === '{}' ? path : w.replaceAll('{}', path)));
  return argv;
}

/** Start a service that is not running, else reload it (graceful: haproxy -sf, SIGHUP). */
// Without systemd, "is it running" is asked of the process table: Debian's keepalived init
// script has no `status` action, and `start` on a running daemon is a silent no-op.
const SYSV_RUNNING = `pidof "$1" >/dev/null 2>&1 || pgrep -x "$1" >/dev/null 2>&1`;

export function reloadCommand(init: InitSystem, svc: ServiceName): Command {
  return init === 'systemd'
    ? script(`if systemctl is-active --quiet "$1"; then systemctl reload "$1"; else systemctl start "$1"; fi`, svc)
    : script(`if ${SYSV_RUNNING}; then service "$1" reload; else service "$1" start; fi`, svc);
}

export function statusCommand(init: InitSystem, svc: ServiceName): Command {
  return init === 'systemd' ? ['systemctl', 'is-active', '--quiet', svc] : script(SYSV_RUNNING, svc);
}

export function applyCommand(kind: 'sysctl' | 'firewall', path: string): Command {
  // sysctl -p FILE applies just that file; the firewall file is an nft ruleset or a shell
  // script (firewall-cmd calls), as the renderer wrote it.
  if (kind === 'sysctl') return ['sysctl', '-q', '-p', path];
  return path.endsWith('.nft') ? ['nft', '-f', path] : ['sh', path];
}

/** `ip -o addr show`: which of `addresses` are configured on this host. */
export function parseAddresses(out: string, addresses: string[]): string[] {
  const have = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /\binet6?\s+([0-9a-fA-F.:]+)\//.exec(line);
    if (m) have.add(m[1]!.toLowerCase());
  }
  return addresses.filter((a) => have.has(a.toLowerCase()));
}

/**
 * keepalived's SIGUSR1 data dump (/tmp/keepalived.data): instance name → state.
 * Used only to explain a VIP that no lb holds (FAULT, e.g. track_process in a container).
 */
export const KEEPALIVED_DUMP: Command = script(
  `pid=$(cat /run/keepalived.pid 2>/dev/null) || exit 3
rm -f /tmp/keepalived.data; kill -USR1 "$pid" || exit 3
i=0; while [ ! -s /tmp/keepalived.data ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
cat /tmp/keepalived.data`,
);

export function parseKeepalivedStates(dump: string): Map<string, string> {
  const out = new Map<string, string>();
  let cur: string | undefined;
  for (const line of dump.split('\n')) {
    const inst = /VRRP Instance = (\S+)/.exec(line);
    if (inst) cur = inst[1];
    const st = /^\s*State = (\S+)/.exec(line);
    if (st && cur && !out.has(cur)) out.set(cur, st[1]!);
  }
  return out;
}
