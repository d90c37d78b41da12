/**
 * One lab host as a machine (`lab { hosts machines }`): the same network namespace and veth as a
 * namespace host (host-up.ts createLink), and in it a booted systemd-nspawn machine — the cached
 * base (machine-base.ts) as the lower layer, an overlay of its own, sshd with a fresh host key and
 * the lab key. A small supervisor restarts the machine when it asks to reboot, as
 * systemd-nspawn@.service does (RestartForceExitStatus=133), so the `reboot` fault is real.
 *
 * Joining the namespace made beforehand (--network-namespace-path) instead of nspawn's own veth
 * keeps the interface named as the topology says (keepalived binds to it), keeps the address
 * across reboots, and lets `lab down` find every machine the way it finds namespace hosts.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shellJoin, shellQuote } from '../deploy/shell-quote.js';
import { createLink, findInitPid, hostsFile, linkCommands, tail } from './host-up.js';
import { MIRROR_MOUNT, type MachineBase } from './machine-base.js';
import { LabError, plannedHost, type LabPlan, type LabPlanHost } from './plan.js';
import { hostDir, type LabHost, type LabState } from './state.js';
import { alive, findTools, isPidNsInit, netnsPids, run, sbinPath, sleep, sshBanner } from './sys.js';

/** What running machines needs on this machine (building the base needs more, machine-base.ts). */
const MACHINE_TOOLS = [
  { cmd: 'systemd-nspawn', pkg: 'systemd-container' },
  { cmd: 'ip', pkg: 'iproute2' },
  { cmd: 'nsenter', pkg: 'util-linux' },
  { cmd: 'ssh-keygen', pkg: 'openssh-client' },
];

export function findMachineTools(): Record<string, string> {
  return findTools(MACHINE_TOOLS, 'a lab of machines');
}

/**
 * Restarts the machine while it exits with 133 (it rebooted); any other exit (poweroff, a kill by
 * `lab down`) ends the loop. A reboot starts from a fresh network namespace ("$1", the relink
 * script: the namespace deleted and made again as at `lab up`), as a rebooted kernel would: no
 * nftables, default sysctls, no VIP — what the machine has again is what its own boot sets up.
 * The nspawn argv comes in as "$@" after it, never interpolated.
 */
const SUPERVISOR = [
  'relink="$1"; cg="$2"; shift 2',
  // a cgroup of its own in every systemd-managed hierarchy (cgroup v2, or v1's name=systemd and
  // unified): nspawn --keep-unit runs the machine in the caller's cgroup, and machines sharing one
  // fought over it (units failing with 219/CGROUP at boot)
  'if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then hs=/sys/fs/cgroup; else hs="/sys/fs/cgroup/systemd /sys/fs/cgroup/unified"; fi',
  'for h in $hs; do [ -d "$h" ] && mkdir -p "$h/$cg" && echo $$ > "$h/$cg/cgroup.procs" || true; done',
  'while :; do',
  '  "$@"',
  '  rc=$?',
  '  [ "$rc" -eq 133 ] || exit "$rc"',
  '  echo "halab: the machine rebooted; booting it again in a fresh network namespace"',
  '  sh "$relink" || exit 1',
  'done',
].join('\n');

/** The relink script: the namespace and its link from scratch (host-up.ts linkCommands, one owner). */
function relinkScript(plan: LabPlan, h: LabPlanHost): string {
  return [
    '# halab lab: the fresh network namespace of a rebooted machine (written by `halab lab up`)',
    'set -e',
    `ip netns delete ${shellQuote(h.netns)} 2>/dev/null || true`,
    // the host side of the old veth went with the namespace; wait (bounded) until it has
    `i=0; while ip link show dev ${shellQuote(h.veth)} >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done`,
    ...linkCommands(plan, h).map((args) => shellJoin(['ip', ...args])),
    '',
  ].join('\n');
}

/** The argument every process of a machine carries (supervisor and nspawn): how `lab down` finds them. */
export const netnsPathArg = (netns: string): string => `--network-namespace-path=/run/netns/${netns}`;

/** The machine's name for nspawn: the namespace's, made a valid hostname ('_' is not one). */
const machineName = (netns: string): string => netns.replace(/_/g, '-');

/** The machine's cgroup, relative to each hierarchy's root (its supervisor makes it, `lab down` removes it). */
const machineCgroup = (netns: string): string => `halab/${netns}`;

/** The cgroup hierarchies systemd manages here: cgroup v2's root, or v1's name=systemd and unified. */
function cgroupRoots(): string[] {
  const v1 = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'];
  return fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? ['/sys/fs/cgroup'] : v1.filter((d) => fs.existsSync(d));
}

/** Removes a machine's (now empty) cgroup, deepest first: the machine's systemd made cgroups inside it. */
function removeCgroup(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeCgroup(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    /* still in use, or gone */
  }
}

/** The machines' cgroups, once their processes are gone (labDown calls it after the namespaces are emptied). */
export function removeMachineCgroups(namespaces: Set<string>): void {
  for (const root of cgroupRoots()) {
    for (const ns of namespaces) removeCgroup(path.join(root, machineCgroup(ns)));
    // the parent too, unless another lab's machines still run in it
    try {
      fs.rmdirSync(path.join(root, 'halab'));
    } catch {
      /* in use, or gone */
    }
  }
}

/** The machine's private files: its overlay's upper layer (its whole writable root), its console log, its relink script. */
export function machineDir(state: LabState, host: string): { dir: string; upper: string; console: string; relink: string } {
  const dir = hostDir(state, host);
  return { dir, upper: path.join(dir, 'root'), console: path.join(dir, 'console.log'), relink: path.join(dir, 'relink.sh') };
}

/** What the machine gets before its first boot: its name, the lab's hosts, a host key of its own, the lab key. */
async function seedUpper(plan: LabPlan, h: LabPlanHost, state: LabState, upper: string): Promise<void> {
  const at = (p: string) => path.join(upper, p);
  for (const d of ['etc/ssh', 'root/.ssh']) fs.mkdirSync(at(d), { recursive: true, mode: 0o755 });
  fs.chmodSync(at('root/.ssh'), 0o700);
  fs.writeFileSync(at('etc/hostname'), `${h.name}\n`);
  // an installed server has its machine id: without one every boot is a "first boot", whose units
  // (systemd-firstboot, sysusers, …) raced each other and left a machine degraded now and then
  fs.writeFileSync(at('etc/machine-id'), `${randomBytes(16).toString('hex')}\n`, { mode: 0o444 });
  fs.writeFileSync(at('etc/hosts'), hostsFile(plan));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${h.name}`, '-f', at('etc/ssh/ssh_host_ed25519_key')]);
  fs.copyFileSync(`${state.keyPath}.pub`, at('root/.ssh/authorized_keys'));
  fs.chmodSync(at('root/.ssh/authorized_keys'), 0o600);
}

/** The host key a machine got (for the lab's known_hosts). */
export function machineHostKey(state: LabState, host: string): string {
  return path.join(machineDir(state, host).upper, 'etc/ssh/ssh_host_ed25519_key.pub');
}

/** Starts the supervisor (and through it the machine), detached, its output in the console log. Returns its pid. */
function spawnMachine(h: LabPlanHost, base: MachineBase, files: ReturnType<typeof machineDir>, nspawn: string): number {
  const args = [
    nspawn, '--quiet',
    '-D', base.root,
    `--overlay=${base.root}:${files.upper}:/`,
    `--bind-ro=${base.mirror}:${MIRROR_MOUNT}`,
    netnsPathArg(h.netns),
    // keepalived adds the VIP, the deploy loads nftables: the machine manages its own network namespace
    '--capability=CAP_NET_ADMIN',
    // this machine's PID 1 need not be systemd: no machined registration, no scope unit of its own
    '--register=no', '--keep-unit',
    '-M', machineName(h.netns),
    '-b',
  ];
  const logFd = fs.openSync(files.console, 'a', 0o600);
  try {
    const child = spawn('sh', ['-c', SUPERVISOR, 'halab-machine', files.relink, machineCgroup(h.netns), ...args], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: {
        ...process.env,
        PATH: sbinPath(),
        // sysctl (ip_nonlocal_bind, arp_ignore) is the deploy's to set: /proc/sys/net writable in the machine
        SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network',
        // every machine boots from the one base directory; its overlay is what is written
        SYSTEMD_NSPAWN_LOCK: '0',
      },
    });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new LabError(`lab host ${h.name}: could not start systemd-nspawn`, 1);
    return child.pid;
  } finally {
    fs.closeSync(logFd);
  }
}

/** Waits (bounded) for the machine's systemd and then its sshd; returns systemd's host pid. */
async function waitBooted(h: LabPlanHost, files: ReturnType<typeof machineDir>, supervisor: number, waitMs: number): Promise<number> {
  const deadline = Date.now() + waitMs;
  const consoleTail = () => tail(files.console, 8);
  const pid = await findInitPid(h.netns, Math.min(waitMs, 15_000));
  if (pid === undefined) throw new LabError(`lab host ${h.name}: the machine did not start. ${consoleTail()}`, 1);
  while (Date.now() < deadline) {
    if (await sshBanner(h.address, Math.max(100, Math.min(1000, deadline - Date.now())))) return pid;
    if (!alive(supervisor)) break;
    await sleep(200);
  }
  throw new LabError(`lab host ${h.name}: the machine's sshd did not answer on ${h.address}:22 within ${waitMs} ms. ${consoleTail()}`, 1);
}

/** Creates one machine and waits for its sshd. */
export async function createMachine(
  plan: LabPlan,
  h: LabPlanHost,
  state: LabState,
  base: MachineBase,
  tools: Record<string, string>,
  bootWaitMs: number,
): Promise<LabHost> {
  await createLink(plan, h);
  const files = machineDir(state, h.name);
  fs.mkdirSync(files.upper, { recursive: true, mode: 0o755 });
  await seedUpper(plan, h, state, files.upper);
  fs.writeFileSync(files.relink, relinkScript(plan, h), { mode: 0o700 });
  const supervisor = spawnMachine(h, base, files, tools['systemd-nspawn']!);
  const pid = await waitBooted(h, files, supervisor, bootWaitMs);
  return {
    ...plannedHost(h),
    pid,
    machine: { supervisor },
    // the whole root is the machine's own overlay: a deploy writes nothing of this machine's
    private: ['/'],
  };
}

/** A machine's systemd now (its pid changes with every reboot), or undefined while it is down. */
export async function machineInit(netns: string): Promise<number | undefined> {
  for (const pid of await netnsPids(netns)) if (isPidNsInit(pid)) return pid;
  return undefined;
}

/**
 * Every supervisor and nspawn process of these namespaces' machines (found by their argv, so a
 * crashed lab's are found too), killed before the namespaces are emptied so nothing restarts a
 * machine `lab down` is taking away. Returns how many were killed.
 */
export async function stopMachines(namespaces: Set<string>): Promise<number> {
  const marks = [...namespaces].map(netnsPathArg);
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.some((a) => marks.includes(a))) pids.push(Number(entry));
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  // nspawn keeps a directory per machine name under /run; a killed one cannot remove it
  for (const ns of namespaces) fs.rmSync(path.join('/run/systemd/nspawn/propagate', machineName(ns)), { recursive: true, force: true });
  return pids.length;
}
