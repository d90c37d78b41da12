/**
 * From a Topology to the lab it becomes: names of namespaces, veths and bridge, the lab subnet
 * and the control machine's address — and every reason the lab must refuse the topology.
 * Pure (no processes, no files), so it can be checked before anything is created.
 */
import { isInterfaceName } from '../schema/value-types.js';
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { lbInterface, type Topology } from '../../../shared/model/types.js';
import { NAME_RE } from '../schema/schema.js';
import type { LabHost } from './state.js';

/** The only range a lab may use: RFC 2544 benchmarking space, never routed on the internet. */
export const LAB_RANGE = '198.18.0.0/15';

export class LabError extends Error {
  /** 2: a usage/environment problem (refused topology, not root, missing packages). */
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'LabError';
    this.exitCode = exitCode;
  }
}

export interface LabPlanHost {
  name: string;
  role: 'lb' | 'upstream';
  address: string;
  netns: string;
  /** The interface name inside the namespace, as the topology says (keepalived binds to it). */
  interface: string;
  /** Host-side veth end, on the bridge. ≤ 15 chars (IFNAMSIZ). */
  veth: string;
  /** Temporary name of the namespace-side end before it is moved and renamed. */
  vethPeer: string;
  /** The namespace-side end's MAC address (hostMac). */
  mac: string;
}

export interface LabPlan {
  topology: string;
  bridge: string;
  /** Network address of the lab subnet, e.g. "198.18.0.0". */
  network: string;
  prefix: number;
  controlAddress: string;
  hosts: LabPlanHost[];
  warnings: string[];
}

/** What the lab state records of a planned host before it runs (its pid and mounts come when it does). */
export function plannedHost(h: LabPlanHost): LabHost {
  return { name: h.name, role: h.role, address: h.address, netns: h.netns, interface: h.interface, veth: h.veth };
}

/** Prefix of every lab namespace of a topology: `halab-<topology>-`. */
export function netnsPrefix(topology: string): string {
  return `halab-${topology}-`;
}

export function netnsName(topology: string, host: string): string {
  return `${netnsPrefix(topology)}${host}`;
}

/**
 * Interface names are limited to 15 bytes (IFNAMSIZ 16 with the NUL), so veths are named by a
 * short hash of topology and host: "hl" + 8 hex digits (host side), "hp" + the same (peer).
 */
export function vethNames(topology: string, host: string): { veth: string; peer: string } {
  const h = createHash('sha256').update(`${topology}/${host}`).digest('hex').slice(0, 8);
  return { veth: `hl${h}`, peer: `hp${h}` };
}

/**
 * The MAC address of the host's own interface, fixed by topology and host (locally administered,
 * unicast): a machine that reboots into a fresh namespace keeps its MAC, as a server keeps its
 * NIC's, so its neighbours' ARP caches stay right.
 */
export function hostMac(topology: string, host: string): string {
  const b = createHash('sha256').update(`mac:${topology}/${host}`).digest().subarray(0, 5);
  return ['02', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

/** Plans the lab, or throws a LabError listing every problem (nothing has been created yet). */
const labRange = ipaddr.IPv4.parseCIDR(LAB_RANGE);
const inLabRange = (addr: string): boolean => ipaddr.IPv4.isValidFourPartDecimal(addr) && ipaddr.IPv4.parse(addr).match(labRange);

/** The lab's one subnet: the first vip's, which every other vip must lie in. */
interface LabSubnet {
  network: string;
  prefix: number;
  range: [ipaddr.IPv4, number];
}

/** What planning collects: refusals (the lab is not made) and warnings (it is, with a caveat). */
interface Findings {
  problems: string[];
  warnings: string[];
}

export function planLab(model: Topology): LabPlan {
  const found: Findings = { problems: [], warnings: [] };
  const bridge = checkNames(model, found.problems);
  const subnet = labSubnet(model, found.problems);
  const used = new Set<string>(model.vips.map((v) => v.address));
  const hosts = [...lbHosts(model, subnet, used, found), ...upstreamHosts(model, subnet, used, found)];
  const controlAddress = subnet ? controlAddressIn(subnet, used, found.problems) : '';
  if (found.problems.length > 0) {
    throw new LabError(`lab refused for topology ${model.name}:\n  - ${found.problems.join('\n  - ')}`);
  }
  const { network = '', prefix = 0 } = subnet ?? {};
  return { topology: model.name, bridge, network, prefix, controlAddress, hosts, warnings: found.warnings };
}

/** The topology's name and the bridge's; returns the bridge. */
function checkNames(model: Topology, problems: string[]): string {
  if (!NAME_RE.test(model.name)) {
    problems.push(`topology name "${model.name}" is not a valid name`);
  }
  const bridge = model.lab?.bridge ?? 'halab0';
  if (!isInterfaceName(bridge)) {
    problems.push(`lab bridge "${bridge}" is not a valid interface name (1–15 letters, digits, '_', '-', '.')`);
  }
  return bridge;
}

function labSubnet(model: Topology, problems: string[]): LabSubnet | undefined {
  if (model.vips.length === 0) problems.push('the topology has no vip: the lab takes its subnet from the first vip');
  let subnet: LabSubnet | undefined;
  for (const [i, vip] of model.vips.entries()) {
    if (vip.family !== 4 || !inLabRange(vip.address)) {
      problems.push(`vip ${vip.cidr} is outside ${LAB_RANGE}: a lab uses only addresses in ${LAB_RANGE}`);
      continue;
    }
    // A prefix shorter than /15 would route addresses outside the lab range to the bridge.
    if (vip.prefix < 15 || vip.prefix > 29) {
      problems.push(
        `vip ${vip.cidr}: the lab needs a prefix between /15 and /29 (the subnet must lie inside ${LAB_RANGE} and hold the hosts)`,
      );
      continue;
    }
    if (i === 0) {
      const network = ipaddr.IPv4.networkAddressFromCIDR(vip.cidr).toString();
      subnet = { network, prefix: vip.prefix, range: [ipaddr.IPv4.parse(network), vip.prefix] };
    } else if (subnet && !ipaddr.IPv4.parse(vip.address).match(subnet.range)) {
      const cidr = `${subnet.network}/${subnet.prefix}`;
      problems.push(`vip ${vip.cidr} is outside the lab subnet ${cidr} (the first vip's): a lab is one bridge, one subnet`);
    }
  }
  return subnet;
}

/** Why `address` cannot be a lab host's, or undefined when it can. */
function addressProblem(what: string, address: string, subnet: LabSubnet | undefined): string | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(address)) {
    return `${what}: address ${address} is not an IPv4 address; a lab host needs one in ${LAB_RANGE}`;
  }
  if (!inLabRange(address)) return `${what}: address ${address} is outside ${LAB_RANGE}; a lab uses only addresses in ${LAB_RANGE}`;
  if (!subnet) return undefined;
  const cidr = `${subnet.network}/${subnet.prefix}`;
  if (!ipaddr.IPv4.parse(address).match(subnet.range)) {
    return `${what}: address ${address} is outside the lab subnet ${cidr} (the first vip's)`;
  }
  if (address === subnet.network || address === ipaddr.IPv4.broadcastAddressFromCIDR(cidr).toString()) {
    return `${what}: address ${address} is the network or broadcast address of ${cidr}`;
  }
  return undefined;
}

/** One host's plan, or its refusal in `problems`. */
function hostPlan(
  model: Topology, h: { name: string; role: 'lb' | 'upstream'; address: string; iface: string },
  subnet: LabSubnet | undefined, used: Set<string>, problems: string[],
): LabPlanHost[] {
  const what = `${h.role} ${h.name}`;
  const bad = addressProblem(what, h.address, subnet);
  if (bad) {
    problems.push(bad);
    return [];
  }
  if (!isInterfaceName(h.iface)) {
    problems.push(`${what}: interface "${h.iface}" is not a valid interface name (1–15 characters)`);
    return [];
  }
  used.add(h.address);
  const { veth, peer } = vethNames(model.name, h.name);
  const netns = netnsName(model.name, h.name);
  return [{ name: h.name, role: h.role, address: h.address, netns, interface: h.iface, veth, vethPeer: peer, mac: hostMac(model.name, h.name) }];
}

function lbHosts(model: Topology, subnet: LabSubnet | undefined, used: Set<string>, found: Findings): LabPlanHost[] {
  const firstIf = model.vips[0]?.interface ?? 'eth0';
  const hosts: LabPlanHost[] = [];
  for (const lb of model.lbs) {
    const ifaces = [...new Set(model.vips.map((v) => lbInterface(lb, v)))];
    if (ifaces.length > 1) {
      found.problems.push(`lb ${lb.name}: its vips use different interfaces (${ifaces.join(', ')}); a lab host has one interface`);
      continue;
    }
    const iface = ifaces[0] ?? lb.interface ?? firstIf;
    hosts.push(...hostPlan(model, { name: lb.name, role: 'lb', address: lb.address, iface }, subnet, used, found.problems));
    for (const vip of model.vips) {
      if (vip.track === 'process') {
        // keepalived's track_process needs the kernel's process-event connector, which a child
        // PID namespace does not get ("Failed to set/clear process event listen - errno 111").
        const w =
          `vip ${vip.cidr} uses track process, which cannot work in the lab (each host has its own PID namespace; ` +
          'keepalived cannot use the process-event connector there): use track watcher (the default with a lab block)';
        if (!found.warnings.includes(w)) found.warnings.push(w);
      }
    }
  }
  return hosts;
}

function upstreamHosts(model: Topology, subnet: LabSubnet | undefined, used: Set<string>, found: Findings): LabPlanHost[] {
  const firstIf = model.vips[0]?.interface ?? 'eth0';
  const hosts: LabPlanHost[] = [];
  for (const up of model.upstreams) {
    if (!up.managed) {
      found.warnings.push(`upstream ${up.name} is not managed: the lab does not create it, so ${up.address} will not answer`);
      continue;
    }
    const h = { name: up.name, role: 'upstream' as const, address: up.address, iface: firstIf };
    hosts.push(...hostPlan(model, h, subnet, used, found.problems));
  }
  return hosts;
}

/** The control machine takes the first free address of the subnet (usually .1). */
function controlAddressIn(subnet: LabSubnet, used: Set<string>, problems: string[]): string {
  const base = ipaddr.IPv4.parse(subnet.network).toByteArray().reduce((a, b) => a * 256 + b, 0);
  const size = 2 ** (32 - subnet.prefix);
  for (let i = 1; i < size - 1; i++) {
    const n = base + i;
    const a = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    if (!used.has(a)) return a;
  }
  problems.push(`the lab subnet ${subnet.network}/${subnet.prefix} has no free address for the control machine`);
  return '';
}
