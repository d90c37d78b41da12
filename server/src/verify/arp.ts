/**
 * Who answers ARP for an address, seen from this machine: the clients' view of a VIP. Every lb
 * holding the VIP on its interface answers (only the holder does: the flow handoff's `arp_ignore 1`,
 * templates/sysctl.conf.njk), so two MACs answering is a split brain as the clients meet it.
 *
 * Runs here, not on a host: `ip -j route get` finds the link the address is on, and `arping`
 * (Debian's iputils-arping) asks it, bounded in count and time. An address behind a router, an
 * IPv6 address or a missing arping is not asked; the answer says why. Sends ARP requests only.
 */
import { execFile } from 'node:child_process';

export type ArpAnswer = { iface: string; macs: string[] } | { skipped: string };

/** Runs a local command (argv; never a shell); never rejects on a non-zero exit. ENOENT is `code: 127`. */
export type LocalRun = (argv: readonly string[], timeoutMs: number) => Promise<{ code: number; stdout: string; stderr: string }>;

export interface ArpOptions {
  /** ARP replies to wait for (each request is broadcast, so every holder answers each one). */
  count?: number;
  /** The most arping waits, in whole seconds. */
  waitS?: number;
  run?: LocalRun;
}

const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin:/usr/bin:/bin`;

const localRun: LocalRun = ([file, ...args], timeoutMs) =>
  new Promise((resolve) => {
    execFile(file!, args, { timeout: timeoutMs, env: { ...process.env, PATH, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : err.code === 'ENOENT' ? 127 : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && !stdout ? err.message : '') });
    });
  });

export function routeArgv(address: string): string[] {
  return ['ip', '-j', 'route', 'get', address];
}

/** `ip -j route get`: the link the address is reached on, and the router in between, if any. */
export function parseRoute(json: string): { dev?: string; gateway?: string } {
  try {
    const r = (JSON.parse(json) as Array<{ dev?: string; gateway?: string; type?: string }>)[0];
    return r?.type === 'local' ? { dev: 'lo' } : { dev: r?.dev, gateway: r?.gateway };
  } catch {
    return {};
  }
}

/**
 * `-b`: broadcast every request (after a first reply arping would unicast to that MAC alone and
 * never hear a second holder again). With `-w`, `-c` is the replies to wait for: two holders give
 * them in about a second, one holder waits the whole `-w`.
 */
export function arpingArgv(iface: string, address: string, count: number, waitS: number): string[] {
  return ['arping', '-b', '-c', String(count), '-w', String(waitS), '-I', iface, address];
}

/** The distinct MACs in arping's "Unicast reply from 198.18.0.100 [AA:BB:…]" lines, lower case, sorted. */
export function parseArping(out: string): string[] {
  const macs = new Set<string>();
  for (const m of out.matchAll(/reply from \S+ \[([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})\]/g)) macs.add(m[1]!.toLowerCase());
  return [...macs].sort();
}

export async function arpAnswers(address: string, o: ArpOptions = {}): Promise<ArpAnswer> {
  if (address.includes(':')) return { skipped: 'ARP is IPv4\'s (IPv6 neighbour discovery is not asked)' };
  const run = o.run ?? localRun;
  const [count, waitS] = [o.count ?? 3, o.waitS ?? 2];
  const route = await run(routeArgv(address), 3000);
  const { dev, gateway } = route.code === 0 ? parseRoute(route.stdout) : {};
  if (!dev) return { skipped: `no route to ${address} from this machine` };
  if (dev === 'lo') return { skipped: `${address} is an address of this machine` };
  if (gateway) return { skipped: `${address} is reached through the router ${gateway}: ARP is answered on its own link only` };
  const r = await run(arpingArgv(dev, address, count, waitS), (waitS + 2) * 1000);
  if (r.code === 127) return { skipped: 'arping is not installed (Debian: iputils-arping)' };
  const macs = parseArping(r.stdout);
  // arping exits 1 when fewer replies came than it waited for: the replies it printed still count
  if (macs.length === 0 && !/^ARPING /m.test(r.stdout)) return { skipped: `arping failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}` };
  return { iface: dev, macs };
}
