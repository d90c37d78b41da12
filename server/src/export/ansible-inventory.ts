/**
 * The inventory of an Ansible export: a group per topology (`halab_<topology>`) with its lb and
 * upstream groups, the fleet-wide `halab_lbs` and `halab_upstreams` the plays run on, and each
 * host's SSH settings as host vars — what `halab deploy` itself would use from this machine
 * (deploy/access.ts hostTargets: the .halab file's ssh and key, ~/.ssh/config, and the lab's own
 * key and known_hosts while a lab of the topology is up). Hosts are listed in rolling order
 * (upstreams, backups by rising priority, the primary), which is the order `serial: 1` takes them in.
 */
import { basename } from 'node:path';
import type { Topology } from '../../../shared/model/types.js';
import { rollingOrder, type HostTarget } from '../deploy/targets.js';
import { shellJoin } from '../deploy/shell-quote.js';
import { ExportError } from './ansible-secrets.js';
import type { YamlMap } from './yaml.js';

/** The groups every export has, besides one per topology. */
export const FLEET_GROUPS = { all: 'halab', lbs: 'halab_lbs', upstreams: 'halab_upstreams' } as const;

/** Ansible group names take letters, digits and `_` only. */
export function topologyGroup(topology: string): string {
  return `halab_${topology.replace(/-/g, '_')}`;
}

/** A host's inventory name: `.` never occurs in a halab name, so `lb1.lab` names one host of one topology. */
export function inventoryHost(topology: string, host: string): string {
  return `${host}.${topology}`;
}

/** Refuses topologies whose groups would be one group (`a-b` and `a_b`), or a fleet group. */
export function checkGroupNames(models: readonly Topology[]): void {
  const seen = new Map<string, string>(Object.values(FLEET_GROUPS).map((g) => [g, `halab's own group ${g}`]));
  for (const m of models) {
    for (const g of [topologyGroup(m.name), `${topologyGroup(m.name)}_lbs`, `${topologyGroup(m.name)}_upstreams`]) {
      const other = seen.get(g);
      if (other && other !== m.name) throw new ExportError(`topology ${m.name} would have the Ansible group ${g}, as ${other} has; rename it`);
      seen.set(g, m.name);
    }
  }
}

/** The keys ssh(1) tries by itself: targets.ts lists them when nothing names a key. */
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const isDefaultIdentity = (f: string) => /\/\.ssh\/[^/]+$/.test(f) && DEFAULT_IDENTITIES.includes(basename(f));

/** The SSH settings of one host, as Ansible's ssh connection takes them. */
export function connectionVars(t: HostTarget): YamlMap {
  const key = t.identityFiles.find((f) => !isDefaultIdentity(f));
  const options: string[] = [];
  if (t.via === 'lab') {
    // the lab's own host keys: checked strictly against its known_hosts, never added
    options.push('-o', `UserKnownHostsFile=${t.knownHostsFiles[0]}`, '-o', 'StrictHostKeyChecking=yes');
  }
  if (t.hostKeyAlias) options.push('-o', `HostKeyAlias=${t.hostKeyAlias}`);
  if (t.jumps.length) options.push('-o', `ProxyJump=${t.jumps.map((j) => `${j.user}@${j.host}:${j.port}`).join(',')}`);
  return {
    ansible_host: t.host,
    ansible_port: t.port,
    ansible_user: t.user,
    ansible_ssh_private_key_file: key,
    ansible_ssh_common_args: options.length ? shellJoin(options) : undefined,
  };
}

/**
 * The group of the lbs changed in wave `k` (1-based): the k-th lb of every topology in its rolling
 * order. The waves run one after another, the lbs of one wave together, so every topology changes
 * one lb at a time, backups first and its primary last, while a fleet's topologies go side by side.
 */
export const lbWaveGroup = (k: number): string => `${FLEET_GROUPS.lbs}_wave_${k}`;

/** How many waves the fleet's lbs take: the most lbs any topology has. */
export function lbWaves(fleet: ReadonlyArray<{ model: Topology }>): number {
  return Math.max(0, ...fleet.map(({ model }) => model.lbs.length));
}

function topologyChildren(model: Topology, targets: HostTarget[]): YamlMap {
  const g = topologyGroup(model.name);
  const hosts = (role: HostTarget['role']) =>
    Object.fromEntries(
      targets
        .filter((t) => t.role === role)
        .map((t) => [inventoryHost(model.name, t.name), { ...connectionVars(t), halab_lb_role: t.lbRole } as YamlMap]),
    );
  return { [`${g}_upstreams`]: { hosts: hosts('upstream') }, [`${g}_lbs`]: { hosts: hosts('lb') } };
}

/** inventory.yml's value; `targets` are each topology's hosts (hostTargets). */
export function inventory(fleet: Array<{ model: Topology; targets: HostTarget[] }>): YamlMap {
  const groups = fleet.map(({ model, targets }) => ({
    name: topologyGroup(model.name),
    children: topologyChildren(model, rollingOrder(targets, model)),
  }));
  const byRole = (suffix: string) => Object.fromEntries(groups.map((g) => [`${g.name}${suffix}`, {}]));
  const waves = Object.fromEntries(
    Array.from({ length: lbWaves(fleet) }, (_, i) => [
      lbWaveGroup(i + 1),
      {
        hosts: Object.fromEntries(
          fleet.flatMap(({ model, targets }) => {
            const lb = rollingOrder(targets, model).filter((t) => t.role === 'lb')[i];
            return lb ? [[inventoryHost(model.name, lb.name), {}]] : [];
          }),
        ),
      },
    ]),
  );
  return {
    all: {
      children: {
        [FLEET_GROUPS.all]: {
          children: {
            ...Object.fromEntries(groups.map((g) => [g.name, { children: g.children }])),
            [FLEET_GROUPS.upstreams]: { children: byRole('_upstreams') },
            [FLEET_GROUPS.lbs]: { children: byRole('_lbs') },
            ...waves,
          },
        },
      },
    },
  };
}
