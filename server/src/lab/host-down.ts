/**
 * Tearing lab hosts down: their processes, namespaces, links and /etc/netns dirs. Each step takes
 * the names to remove (lab.ts finds them from the state, the model and the name prefixes, so a
 * crashed lab is cleaned too) and removes only what exists; every wait is bounded.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { linkAlias } from './host-up.js';
import { vethNames } from './plan.js';
import type { LabState } from './state.js';
import { ipLinks, isPidNsInit, netnsList, netnsPids, run, sleep, waitGone } from './sys.js';

type Log = (line: string) => void;

function kill(pid: number, killed?: number[]): void {
  try {
    process.kill(pid, 'SIGKILL');
    killed?.push(pid);
  } catch {
    /* already gone */
  }
}

/** SIGKILL, asynchronous: waits (bounded) until the namespace is empty, killing again as needed. */
async function emptyNamespace(ns: string, log: Log): Promise<void> {
  const deadline = Date.now() + 3000;
  let pids = await netnsPids(ns);
  while (pids.length > 0 && Date.now() < deadline) {
    for (const pid of pids) kill(pid);
    await sleep(25);
    pids = await netnsPids(ns);
  }
  if (pids.length > 0) log(`warning: processes ${pids.join(' ')} in ${ns} did not exit`);
}

/**
 * Kills every process in the namespaces and deletes those that exist. Returns the namespaces
 * deleted and how many processes were killed.
 */
export async function removeNamespaces(namespaces: Set<string>, log: Log): Promise<{ netns: string[]; killed: number }> {
  const present = new Set(await netnsList());
  // Kill every host's init first: when pid 1 of a PID namespace dies, the kernel kills the rest,
  // and its parent (unshare) reaps it and exits. Then whatever else sits in the namespaces.
  const killed: number[] = [];
  const nsPids = new Map<string, number[]>();
  for (const ns of namespaces) if (present.has(ns)) nsPids.set(ns, await netnsPids(ns));
  const seen = [...nsPids.values()].flat();
  for (const pids of nsPids.values()) for (const pid of pids.filter(isPidNsInit)) kill(pid, killed);
  await waitGone(killed, 2000);
  for (const ns of nsPids.keys()) for (const pid of await netnsPids(ns)) kill(pid, killed);
  const deleted: string[] = [];
  for (const ns of namespaces) {
    if (!present.has(ns)) continue;
    await emptyNamespace(ns, log);
    await waitGone([...killed, ...seen], 3000);
    const r = await run('ip', ['netns', 'delete', ns], { allowFail: true });
    if (r.code === 0) deleted.push(ns);
    else log(`warning: ip netns delete ${ns}: ${r.stderr.trim()}`);
  }
  return { netns: deleted, killed: new Set(killed).size };
}

/**
 * Deletes the lab's links that are left: veths die with their namespace, so these are ends never
 * moved (a crash mid-up) and the bridge. Returns the links deleted.
 */
export async function removeLinks(topology: string, hostNames: Set<string>, state: LabState | undefined): Promise<string[]> {
  const linkNames = new Set<string>();
  for (const n of hostNames) {
    const v = vethNames(topology, n);
    linkNames.add(v.veth);
    linkNames.add(v.peer);
  }
  for (const h of state?.hosts ?? []) if (h.veth) linkNames.add(h.veth);
  const links = await ipLinks();
  const aliasPrefix = `${linkAlias(topology)}:`;
  for (const l of links) {
    if (l.ifalias && l.ifalias.startsWith(aliasPrefix)) linkNames.add(l.ifname);
    // Only a bridge that carries this lab's alias is removed: never someone else's bridge.
    if (l.ifalias === linkAlias(topology) && l.linkinfo?.info_kind === 'bridge') linkNames.add(l.ifname);
  }
  const deleted: string[] = [];
  for (const name of linkNames) {
    if (!links.some((l) => l.ifname === name)) continue;
    const r = await run('ip', ['link', 'delete', 'dev', name], { allowFail: true });
    if (r.code === 0) deleted.push(name);
  }
  return deleted;
}

/** Removes /etc/netns/<ns> of each namespace; returns the dirs removed. */
export function removeEtcDirs(namespaces: Set<string>): string[] {
  const removed: string[] = [];
  for (const ns of namespaces) {
    const d = path.join('/etc/netns', ns);
    if (fs.existsSync(d)) {
      fs.rmSync(d, { recursive: true, force: true });
      removed.push(d);
    }
  }
  // /etc/netns itself stays: another lab may be creating its dir in it right now.
  return removed;
}
