/**
 * Process helpers for the lab: run a command with a bounded time, find the tools the lab needs,
 * and read what the machine runs now (links and addresses from `ip -j`, namespaces and their
 * pids, /proc). Arguments are always passed as argv (never through a shell), so names and paths
 * are never re-parsed.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { LabError } from './plan.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the command after this long (default 10 s) — every wait in the lab is bounded. */
  timeoutMs?: number;
  input?: string;
  /** Resolve with a non-zero code instead of throwing. */
  allowFail?: boolean;
}

/** PATH with the sbin directories: a non-login root shell may lack them, the tools live there. */
export function sbinPath(): string {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!dirs.includes(d)) dirs.push(d);
  }
  return dirs.join(':');
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PATH: sbinPath(), LC_ALL: 'C' },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new LabError(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res: RunResult = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (timedOut) {
        if (opts.allowFail) resolve({ ...res, code: 124, stderr: `${stderr}\ntimed out after ${timeoutMs} ms` });
        else reject(new LabError(`${cmd} ${args.join(' ')}: timed out after ${timeoutMs} ms`, 1));
        return;
      }
      if (res.code !== 0 && !opts.allowFail) {
        reject(new LabError(`${cmd} ${args.join(' ')} failed (exit ${res.code}): ${stderr.trim() || stdout.trim()}`, 1));
        return;
      }
      resolve(res);
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** The tools the lab runs, with the Debian package that provides each. */
export const LAB_TOOLS: ReadonlyArray<{ cmd: string; pkg: string }> = [
  { cmd: 'ip', pkg: 'iproute2' },
  { cmd: 'unshare', pkg: 'util-linux' },
  { cmd: 'nsenter', pkg: 'util-linux' },
  { cmd: 'sshd', pkg: 'openssh-server' },
  { cmd: 'ssh-keygen', pkg: 'openssh-client' },
  { cmd: 'haproxy', pkg: 'haproxy' },
  { cmd: 'keepalived', pkg: 'keepalived' },
  { cmd: 'nginx', pkg: 'nginx' },
  { cmd: 'killall', pkg: 'psmisc' },
  { cmd: 'cp', pkg: 'coreutils' },
];

/** Absolute path of a command on PATH (sbin included), or undefined. */
export function which(cmd: string, searchPath = sbinPath()): string | undefined {
  for (const dir of searchPath.split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Absolute paths of the lab's tools; throws a LabError naming the Debian packages to install. */
export function findLabTools(searchPath = sbinPath()): Record<string, string> {
  return findTools(LAB_TOOLS, 'the local lab', searchPath);
}

/** Absolute paths of `tools`; throws a LabError saying what needs them and the Debian packages to install. */
export function findTools(
  tools: ReadonlyArray<{ cmd: string; pkg: string }>,
  purpose: string,
  searchPath = sbinPath(),
): Record<string, string> {
  const found: Record<string, string> = {};
  const missing: Array<{ cmd: string; pkg: string }> = [];
  for (const t of tools) {
    const p = which(t.cmd, searchPath);
    if (p) found[t.cmd] = p;
    else missing.push(t);
  }
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    throw new LabError(
      `${purpose} needs ${missing.map((m) => m.cmd).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} missing.\n` +
        `Install with: apt-get install -y ${pkgs.join(' ')}`,
    );
  }
  return found;
}

/** The lab runs real daemons in namespaces: Linux and root only. */
export function assertLinuxRoot(): void {
  if (process.platform !== 'linux') {
    throw new LabError(`the local lab needs Linux (network, mount, PID and UTS namespaces); this is ${process.platform}`);
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new LabError('the local lab must run as root (it creates network namespaces, a bridge and veths): run it with sudo');
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- what the machine runs now: `ip -j`, `ip netns`, /proc --------------------------------

/** One link as `ip -j -d link show` prints it (the fields the lab reads). */
export interface IpLink {
  ifname: string;
  ifalias?: string;
  operstate?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string };
}

export async function ipLinks(): Promise<IpLink[]> {
  // Parse even on a non-zero exit: ip fails on a veth whose peer namespace is being deleted
  // ("Peer netns reference is invalid") yet prints the other links.
  const r = await run('ip', ['-j', '-d', 'link', 'show'], { allowFail: true });
  try {
    return JSON.parse(r.stdout) as IpLink[];
  } catch {
    return [];
  }
}

/** Every IPv4 address of the machine's interfaces, with its prefix (`ip -j -4 addr show`). */
export async function ipv4Addresses(): Promise<Array<{ ifname: string; local: string; prefixlen: number }>> {
  const r = await run('ip', ['-j', '-4', 'addr', 'show'], { allowFail: true });
  let ifs: Array<{ ifname: string; addr_info?: Array<{ local?: string; prefixlen?: number }> }> = [];
  try {
    ifs = JSON.parse(r.stdout);
  } catch {
    return [];
  }
  return ifs.flatMap((i) =>
    (i.addr_info ?? []).flatMap((a) =>
      a.local && a.prefixlen !== undefined ? [{ ifname: i.ifname, local: a.local, prefixlen: a.prefixlen }] : [],
    ),
  );
}

export async function netnsList(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { allowFail: true });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((s): s is string => !!s);
}

export async function netnsPids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns], { allowFail: true });
  return r.stdout
    .split('\n')
    .map((s) => Number.parseInt(s, 10))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** A process whose NSpid ends in 1: the init of a child PID namespace. */
export function isPidNsInit(pid: number): boolean {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^NSpid:\s*(.*)$/m.exec(status);
    const ids = m?.[1]?.trim().split(/\s+/) ?? [];
    return ids.length >= 2 && ids[ids.length - 1] === '1';
  } catch {
    return false;
  }
}

export function procComm(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Running (not a zombie): a zombie holds nothing but its pid until its parent reaps it. */
export function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits (bounded) until the pids have exited. */
export async function waitGone(pids: number[], waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (pids.some(running) && Date.now() < deadline) await sleep(20);
}

/** True when the address answers on port 22 with an SSH banner within timeoutMs. */
export function sshBanner(address: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: address, port: 22 });
    let buf = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.includes('SSH-2.0')) done(true);
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}
