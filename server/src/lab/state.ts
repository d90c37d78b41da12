/**
 * The local lab's recorded state: what `lab up` created, so that `lab down`, `lab status`,
 * `deploy` and `failover-test` can find the hosts, the lab key and the hosts' keys without flags.
 * Engine code: no `vscode` import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LabHost {
  /** The lb or upstream name from the .halab file. */
  name: string;
  role: 'lb' | 'upstream';
  /** The host's lab address (no prefix), e.g. "198.18.0.11". */
  address: string;
  /** Network namespace name, e.g. "halab-lab-lb1". */
  netns: string;
  /** Interface name inside the namespace (e.g. "eth0"). */
  interface?: string;
  /** Host-side end of the veth pair (on the bridge). */
  veth?: string;
  /**
   * Host-side pid of the host's init (pid 1 of its PID namespace, sshd): `nsenter -t pid -a`
   * enters all of the host's namespaces; killing it kills every process of the host.
   */
  pid?: number;
  /**
   * Where the host has private mounts (binds and overlays, lab.ts/seal.ts): everything a deploy
   * writes must lie under one of them. Absent in state written before this existed.
   */
  private?: string[];
  /**
   * A booted systemd-nspawn machine (`lab { hosts machines }`), not a namespace host: the pid of
   * the supervisor that restarts it on reboot. `pid` is its systemd at `lab up`; after a reboot
   * the current one is found in the namespace (machine-up.ts machineInit).
   */
  machine?: { supervisor: number };
}

export interface LabState {
  topology: string;
  bridge: string;
  /** The control machine's address on the bridge (no prefix). */
  controlAddress: string;
  /** Prefix length of the lab subnet (from the vip). */
  prefix: number;
  /** The state directory (labStateDir(topology)). */
  dir: string;
  /** The lab client private key (ed25519); the public key is keyPath + ".pub". */
  keyPath: string;
  /** known_hosts with every host's key, by address. */
  knownHostsPath: string;
  hosts: LabHost[];
  createdAt: string;
  /** 'starting' while `lab up` runs (a crash leaves it so), 'up' when every host answered. */
  status?: 'starting' | 'up';
}

/** Root of all labs' state: $HALAB_LAB_DIR, else /var/lib/halab/lab. */
export function labRootDir(): string {
  return process.env.HALAB_LAB_DIR || '/var/lib/halab/lab';
}

/** One lab's state directory: $HALAB_LAB_DIR/<topology>, else /var/lib/halab/lab/<topology>. */
export function labStateDir(topology: string): string {
  return path.join(labRootDir(), topology);
}

export function labStatePath(topology: string): string {
  return path.join(labStateDir(topology), 'state.json');
}

/** The recorded state of a lab, or undefined when there is none (or it is unreadable). */
export function readLabState(topology: string): LabState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(labStatePath(topology), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as LabState;
    if (typeof state?.topology !== 'string' || !Array.isArray(state.hosts)) return undefined;
    return state;
  } catch {
    return undefined;
  }
}

/** Writes the state atomically (rename), so a crash never leaves half a file. */
export function writeLabState(state: LabState): void {
  fs.mkdirSync(state.dir, { recursive: true, mode: 0o700 });
  const file = labStatePath(state.topology);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** A host's private files in the lab's state dir: a namespace host's mounts, a machine's overlay and console log. */
export function hostDir(state: Pick<LabState, 'dir'>, host: string): string {
  return path.join(state.dir, 'hosts', host);
}

/** The lab host of that name (lb or upstream), if the lab has one. */
export function labHost(state: LabState, name: string): LabHost | undefined {
  return state.hosts.find((h) => h.name === name);
}
