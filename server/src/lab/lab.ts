/**
 * The local lab: every lb and managed upstream of a topology becomes a network namespace with
 * its own mount, PID and UTS namespaces, joined by a Linux bridge, each running its own sshd.
 * `labUp` creates it, `labDown` removes it (also after a crash), `labStatus` reports it;
 * `labExec`, `labIsolateHost` and `labRestoreHost` are hooks for e2e tests. This file is the
 * orchestration: one host's creation is host-up.ts, the teardown steps host-down.ts, and what
 * the machine runs now (`ip -j`, namespaces, /proc) is read through sys.ts.
 * Engine code: never imports `vscode`.
 */
import { SERVICES } from '../render/types.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ipaddr from 'ipaddr.js';
import type { Topology } from '../../../shared/model/types.js';
import { NAME_RE } from '../schema/schema.js';
import { removeEtcDirs, removeLinks, removeNamespaces } from './host-down.js';
import { createHost, linkAlias, PRIVATE_DIRS } from './host-up.js';
import { ensureMachineBase } from './machine-base.js';
import { createMachine, findMachineTools, machineHostKey, machineInit, removeMachineCgroups, stopMachines } from './machine-up.js';
import { LabError, netnsName, netnsPrefix, planLab, plannedHost, vethNames, type LabPlan } from './plan.js';
import { deployWrites } from './seal.js';
import { labRootDir, labStateDir, readLabState, writeLabState, type LabHost, type LabState } from './state.js';
import {
  alive,
  assertLinuxRoot,
  findLabTools,
  ipLinks,
  ipv4Addresses,
  isPidNsInit,
  netnsList,
  netnsPids,
  procComm,
  run,
  sshBanner,
  type RunResult,
} from './sys.js';

export interface LabUpOptions {
  /** Progress lines (warnings included). */
  log?: (line: string) => void;
  /** Bound on waiting for each host's sshd to answer (default 5000 ms; a machine's boot: 60000 ms). */
  sshWaitMs?: number;
}

export interface LabDownResult {
  topology: string;
  netns: string[];
  links: string[];
  killed: number;
  etcDirs: string[];
  stateRemoved: boolean;
}

export interface LabHostStatus {
  name: string;
  role: 'lb' | 'upstream';
  address: string;
  netns: string;
  netnsExists: boolean;
  pid?: number;
  /** The host's init (sshd, pid 1 of its PID namespace) is alive. */
  running: boolean;
  /** sshd answers with an SSH banner on address:22. */
  sshd: 'up' | 'down';
  /** Daemons running in the host, by process name (haproxy, keepalived, nginx, sshd). */
  services: string[];
  /** The host-side veth is up (false while isolated). */
  linkUp?: boolean;
}

export interface LabStatus {
  topology: string;
  exists: boolean;
  status?: 'starting' | 'up';
  bridge?: string;
  controlAddress?: string;
  prefix?: number;
  dir?: string;
  keyPath?: string;
  knownHostsPath?: string;
  createdAt?: string;
  hosts: LabHostStatus[];
  /** Namespaces of this topology that the state does not list (leftovers of a crash). */
  leftovers: string[];
}

/** Overlap of two IPv4 CIDRs: one contains the other's network address. */
function cidrsOverlap(a: string, b: string): boolean {
  const [aa, ab] = ipaddr.IPv4.parseCIDR(a);
  const [ba, bb] = ipaddr.IPv4.parseCIDR(b);
  return aa.match(ba, Math.min(ab, bb));
}

/** Refuses to start when the bridge, a veth or the lab subnet is already taken on the machine. */
async function assertFree(plan: LabPlan): Promise<void> {
  const links = await ipLinks();
  const bridgeLink = links.find((l) => l.ifname === plan.bridge);
  if (bridgeLink) {
    throw new LabError(
      `bridge ${plan.bridge} already exists and is not lab ${plan.topology}'s` +
        (bridgeLink.ifalias?.startsWith('halab:') ? ` (it belongs to lab ${bridgeLink.ifalias.slice(6)})` : '') +
        ': choose another `lab { bridge }` or bring that lab down',
    );
  }
  for (const h of plan.hosts) {
    if (links.some((l) => l.ifname === h.veth || l.ifname === h.vethPeer)) {
      throw new LabError(`interface ${h.veth} already exists: run \`halab lab down\` for topology ${plan.topology}`);
    }
  }
  const ours = `${plan.network}/${plan.prefix}`;
  for (const a of await ipv4Addresses()) {
    if (a.local.startsWith('127.')) continue;
    if (cidrsOverlap(`${a.local}/${a.prefixlen}`, ours)) {
      throw new LabError(
        `the lab subnet ${ours} overlaps ${a.local}/${a.prefixlen} on interface ${a.ifname}: ` +
          'another lab (or network) uses it; bring that one down or give this topology another subnet',
      );
    }
  }
}

/** The state dir must be one the hosts do not replace, and one overlayfs options can name. */
function assertStateDir(dir: string): void {
  for (const d of PRIVATE_DIRS) {
    // The hosts' private dirs live in the state dir: it must not be one of the dirs they replace.
    if (dir === d.target || dir.startsWith(`${d.target}/`)) {
      throw new LabError(`the lab state dir ${dir} lies under ${d.target}, which each lab host replaces: set HALAB_LAB_DIR elsewhere`);
    }
  }
  // overlayfs takes its layer paths in a comma/colon-separated option string
  if (/[,:\\\n]/.test(dir))
    throw new LabError(`the lab state dir ${dir} holds a character overlayfs options cannot carry (, : \\): set HALAB_LAB_DIR elsewhere`);
}

/** Per host, the paths a deploy writes (what seal.ts overlays). */
function writtenPaths(model: Topology): Map<string, string[]> {
  try {
    return deployWrites(model);
  } catch (e) {
    throw new LabError(`cannot tell which paths a deploy writes (render failed: ${(e as Error).message}); run halab check`);
  }
}

/** The state of a lab being created, recorded before anything exists, so `lab down` after a crash knows what to look for. */
function startingState(plan: LabPlan, dir: string): LabState {
  return {
    topology: plan.topology,
    bridge: plan.bridge,
    controlAddress: plan.controlAddress,
    prefix: plan.prefix,
    dir,
    keyPath: path.join(dir, 'id_ed25519'),
    knownHostsPath: path.join(dir, 'known_hosts'),
    hosts: plan.hosts.map(plannedHost),
    createdAt: new Date().toISOString(),
    status: 'starting',
  };
}

async function createBridge(plan: LabPlan): Promise<void> {
  await run('ip', ['link', 'add', 'name', plan.bridge, 'type', 'bridge']);
  await run('ip', ['link', 'set', 'dev', plan.bridge, 'alias', linkAlias(plan.topology)]);
  await run('ip', ['addr', 'add', `${plan.controlAddress}/${plan.prefix}`, 'dev', plan.bridge]);
  await run('ip', ['link', 'set', 'dev', plan.bridge, 'up']);
}

/** known_hosts of the lab: every host's fresh key under its address. */
function writeKnownHosts(plan: LabPlan, state: LabState, machines: boolean): void {
  const knownHosts = plan.hosts.map((h) => {
    const file = machines ? machineHostKey(state, h.name) : path.join('/etc/netns', h.netns, 'ssh', 'ssh_host_ed25519_key.pub');
    const pub = fs.readFileSync(file, 'utf8');
    const [type, key] = pub.trim().split(/\s+/);
    return `${h.address} ${type} ${key}`;
  });
  fs.writeFileSync(state.knownHostsPath, knownHosts.join('\n') + '\n', { mode: 0o644 });
}

/**
 * Creates the lab for a topology. An existing lab of the same topology is brought down first,
 * so `lab up` always yields a fresh lab (new keys, empty hosts). On failure, what was created is
 * removed again and the error is thrown.
 */
export async function labUp(model: Topology, opts: LabUpOptions = {}): Promise<LabState> {
  const log = opts.log ?? (() => undefined);
  assertLinuxRoot();
  const plan = planLab(model);
  const machines = model.lab.hosts === 'machines';
  const tools = machines ? findMachineTools() : findLabTools();
  for (const w of plan.warnings) log(`warning: ${w}`);

  const existing = readLabState(plan.topology);
  const leftovers = (await netnsList()).filter((n) => n.startsWith(netnsPrefix(plan.topology)));
  if (existing || leftovers.length > 0) {
    log(`lab ${plan.topology} exists: bringing it down first`);
    await labDown(model);
  }
  await assertFree(plan);
  // before anything is created: building the base is the long step the first time, and may fail
  const base = machines ? await ensureMachineBase(log) : undefined;

  const started = Date.now();
  const dir = path.resolve(labStateDir(plan.topology));
  assertStateDir(dir);
  const written = writtenPaths(model);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const state = startingState(plan, dir);
  writeLabState(state);

  try {
    for (const f of [state.keyPath, `${state.keyPath}.pub`]) fs.rmSync(f, { force: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `halab-lab-${plan.topology}`, '-f', state.keyPath]);
    await createBridge(plan);
    log(`bridge ${plan.bridge}: control address ${plan.controlAddress}/${plan.prefix}`);

    const hosts = await Promise.all(
      plan.hosts.map((h) =>
        base
          ? createMachine(plan, h, state, base, tools, opts.sshWaitMs ?? 60_000)
          : createHost(plan, h, state, tools, opts.sshWaitMs ?? 5000, written.get(h.name) ?? []),
      ),
    );
    for (const h of hosts) log(`host ${h.name} (${h.role}) ${h.address} ${base ? 'machine' : 'in'} ${h.netns}: sshd up`);
    writeKnownHosts(plan, state, machines);

    state.hosts = hosts;
    state.status = 'up';
    writeLabState(state);
    log(`lab ${plan.topology} up in ${((Date.now() - started) / 1000).toFixed(1)} s; state in ${dir}`);
    return state;
  } catch (err) {
    log(`lab up failed, removing what was created: ${(err as Error).message}`);
    await labDown(model).catch(() => undefined);
    throw err;
  }
}

/** Names of other labs' namespaces (by their state), so a prefix scan never takes theirs. */
function otherLabsNetns(topology: string): Set<string> {
  const others = new Set<string>();
  let names: string[] = [];
  try {
    names = fs.readdirSync(labRootDir());
  } catch {
    return others;
  }
  for (const n of names) {
    if (n === topology) continue;
    const s = readLabState(n);
    for (const h of s?.hosts ?? []) others.add(h.netns);
  }
  return others;
}

/**
 * Removes a lab: every process in its namespaces (sshd, haproxy, keepalived, nginx, and anything
 * started through ssh or labExec), the namespaces, veths, bridge, /etc/netns/<ns> dirs and the
 * state. Works from the state file, from the model (when given), and by name prefix
 * `halab-<topology>-` and link alias `halab:<topology>`, so it also cleans after a crash.
 */
export async function labDown(target: Topology | string, opts: { log?: (line: string) => void } = {}): Promise<LabDownResult> {
  const log = opts.log ?? (() => undefined);
  assertLinuxRoot();
  const topology = typeof target === 'string' ? target : target.name;
  const model = typeof target === 'string' ? undefined : target;
  const state = readLabState(topology);
  const result: LabDownResult = { topology, netns: [], links: [], killed: 0, etcDirs: [], stateRemoved: false };

  const hostNames = new Set<string>();
  for (const h of state?.hosts ?? []) hostNames.add(h.name);
  for (const h of [...(model?.lbs ?? []), ...(model?.upstreams ?? [])]) hostNames.add(h.name);

  const others = otherLabsNetns(topology);
  const prefix = netnsPrefix(topology);
  const isOurs = (ns: string): boolean => ns.startsWith(prefix) && !others.has(ns) && NAME_RE.test(ns.slice(prefix.length));

  const namespaces = new Set<string>();
  for (const n of hostNames) namespaces.add(netnsName(topology, n));
  for (const h of state?.hosts ?? []) namespaces.add(h.netns);
  for (const ns of await netnsList()) if (isOurs(ns)) namespaces.add(ns);
  let etcEntries: string[] = [];
  try {
    etcEntries = fs.readdirSync('/etc/netns');
  } catch {
    /* none */
  }
  for (const e of etcEntries) if (isOurs(e)) namespaces.add(e);

  // a machine's supervisor would boot it again: it goes first
  const machines = await stopMachines(namespaces);
  const removed = await removeNamespaces(namespaces, log);
  removeMachineCgroups(namespaces);
  result.netns = removed.netns;
  result.killed = removed.killed + machines;
  result.links = await removeLinks(topology, hostNames, state);
  result.etcDirs = removeEtcDirs(namespaces);

  const dir = labStateDir(topology);
  if (fs.existsSync(dir)) {
    fs.rmSync(dir, { recursive: true, force: true });
    result.stateRemoved = true;
  }
  log(
    `lab ${topology} down: ${result.netns.length} namespace(s), ${result.links.length} link(s), ` + `${result.killed} process(es) killed`,
  );
  return result;
}

/** What runs in the lab now; works without state too (reports leftovers). */
export async function labStatus(target: Topology | string): Promise<LabStatus> {
  const topology = typeof target === 'string' ? target : target.name;
  const state = readLabState(topology);
  const present = await netnsList();
  const others = otherLabsNetns(topology);
  const prefix = netnsPrefix(topology);
  const known = new Set(state?.hosts.map((h) => h.netns) ?? []);
  const leftovers = present.filter((ns) => ns.startsWith(prefix) && !others.has(ns) && !known.has(ns));
  if (!state) return { topology, exists: leftovers.length > 0, hosts: [], leftovers };
  const status: LabStatus = {
    topology,
    exists: true,
    status: state.status,
    bridge: state.bridge,
    controlAddress: state.controlAddress,
    prefix: state.prefix,
    dir: state.dir,
    keyPath: state.keyPath,
    knownHostsPath: state.knownHostsPath,
    createdAt: state.createdAt,
    hosts: [],
    leftovers,
  };
  const links = await ipLinks();
  status.hosts = await Promise.all(
    state.hosts.map(async (h): Promise<LabHostStatus> => {
      const netnsExists = present.includes(h.netns);
      const pids = netnsExists ? await netnsPids(h.netns) : [];
      const services = [...new Set(pids.map(procComm).filter((c): c is string => !!c))]
        .filter((c) => c === 'sshd' || (SERVICES as readonly string[]).includes(c))
        .sort();
      const init = h.machine ? await machineInit(h.netns) : h.pid;
      const running = init !== undefined && pids.includes(init);
      const link = links.find((l) => l.ifname === h.veth);
      return {
        name: h.name,
        role: h.role,
        address: h.address,
        netns: h.netns,
        netnsExists,
        pid: init,
        running,
        sshd: running && (await sshBanner(h.address, 1000)) ? 'up' : 'down',
        services,
        linkUp: link ? (link.flags ?? []).includes('UP') : undefined,
      };
    }),
  );
  return status;
}

function hostOf(state: LabState, name: string): LabHost {
  const h = state.hosts.find((x) => x.name === name);
  if (!h) throw new LabError(`lab ${state.topology} has no host ${name} (hosts: ${state.hosts.map((x) => x.name).join(', ')})`);
  return h;
}

export interface LabExecOptions {
  timeoutMs?: number;
  input?: string;
}

/**
 * Runs a command inside a lab host (all its namespaces, via nsenter) without SSH, for test
 * assertions. A string runs through `sh -c` inside the host; an array is passed as argv.
 * Never throws on a non-zero exit: check `code`.
 */
export async function labExec(state: LabState, name: string, cmd: string | string[], opts: LabExecOptions = {}): Promise<RunResult> {
  const h = hostOf(state, name);
  // a machine's systemd changes with every reboot
  const pid = h.machine ? await machineInit(h.netns) : h.pid;
  if (pid === undefined || !alive(pid) || !isPidNsInit(pid)) {
    throw new LabError(`lab host ${name} is not running (no init process); run \`halab lab up\` again`, 1);
  }
  const argv = typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd;
  return run('nsenter', ['-t', String(pid), '-a', '--', ...argv], {
    allowFail: true,
    timeoutMs: opts.timeoutMs ?? 30_000,
    input: opts.input,
  });
}

/**
 * Makes a host unreachable from the bridge. 'down' (default) sets the host-side veth down: the
 * host sees its link lose carrier (keepalived goes FAULT). 'detach' takes the veth off the
 * bridge: the host's link stays up but its packets go nowhere (a silent cable cut; TCP peers time out).
 */
export async function labIsolateHost(state: LabState, name: string, mode: 'down' | 'detach' = 'down'): Promise<void> {
  const h = hostOf(state, name);
  const veth = h.veth ?? vethNames(state.topology, name).veth;
  if (mode === 'down') await run('ip', ['link', 'set', 'dev', veth, 'down']);
  else await run('ip', ['link', 'set', 'dev', veth, 'nomaster']);
}

/** Undoes labIsolateHost (either mode). */
export async function labRestoreHost(state: LabState, name: string): Promise<void> {
  const h = hostOf(state, name);
  const veth = h.veth ?? vethNames(state.topology, name).veth;
  await run('ip', ['link', 'set', 'dev', veth, 'master', state.bridge, 'up']);
}

/** ssh(1) arguments that reach a lab host with the lab key and known_hosts (strict checking). */
export function labSshArgs(state: LabState, name: string): string[] {
  const h = hostOf(state, name);
  return [
    '-i',
    state.keyPath,
    '-o',
    `UserKnownHostsFile=${state.knownHostsPath}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ConnectTimeout=5',
    `root@${h.address}`,
  ];
}
