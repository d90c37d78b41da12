/**
 * `halab export ansible`: one or many topologies as an Ansible project that does what
 * `halab deploy` does — for teams that deploy from CI or AWX and keep their fleet on Ansible.
 * Models in, a list of files out (write-export.ts writes them); nothing is read but what the
 * hosts' SSH settings come from (hostTargets: ~/.ssh/config, a lab's state), unless the caller
 * passes `targets`. The layout:
 *
 *   ansible.cfg, inventory.yml, site.yml, README.md
 *   tasks/deploy-host.yml, tasks/check-cluster.yml     the fixed procedure (ansible-playbook.ts)
 *   group_vars/all/halab.yml                            services, checks, the secrets to check
 *   group_vars/all/halab_secrets.yml                    where each secret comes from (env or vault)
 *   group_vars/halab_<topology>.yml                     its secrets, VIPs, sites and TCP services
 *   host_vars/<host>.<topology>.yml                     the host's files and what each needs
 *   files/<topology>/<host>/<path>                      rendered files without secrets
 *   templates/<topology>/<host>/<path>.j2               files with secrets, as templates
 *   filter_plugins/halab.py                             the secrets' quoting (ansible-filters.ts)
 *
 * Every file is derived from the engine — render, the deploy's commands and order, hostTargets —
 * and no secret value is in any of them (ansible-secrets.ts).
 */
import { osFamily, type Site, type Topology } from '../../../shared/model/types.js';
import type { HostTarget } from '../deploy/targets.js';
import { hostTargets } from '../deploy/access.js';
import { RESTARTED_SERVICES, statusCommand } from '../deploy/remote-ops.js';
import { SERVICES, type ServiceName } from '../render/types.js';
import { siteRequest } from '../verify/cluster.js';
import { ADDRESSES } from '../verify/host-state.js';
import { FILTER_PLUGIN } from './ansible-filters.js';
import { exportedSource, fileEntry } from './ansible-files.js';
import { checkGroupNames, inventory, inventoryHost, lbWaves, topologyGroup } from './ansible-inventory.js';
import { ANSIBLE_CFG, CHECK_CLUSTER_YML, DEPLOY_HOST_YML, siteYml } from './ansible-playbook.js';
import { exportReadme, fileName } from './ansible-readme.js';
import {
  ExportError, mergeSecretVars, renderForAnsible, secretVars, type AnsibleFile, type SecretSource, type SecretVar,
} from './ansible-secrets.js';
import { yamlDocument, type YamlMap } from './yaml.js';

export { ExportError };

export interface ExportMember {
  /** The .halab file (its base name goes into file headers and the README). */
  file: string;
  model: Topology;
}

export interface AnsibleExportOptions extends SecretSource {
  /** How each topology's hosts are reached; default hostTargets(model) (the CLI's defaults, the lab's key while it is up). */
  targets?: (model: Topology) => HostTarget[];
}

/** The export: its files, and the secrets the playbook will ask for (name, and what to set). */
export interface AnsibleExport {
  files: ExportedFile[];
  secrets: SecretVar[];
}

export interface ExportedFile {
  /** Relative to the export's directory, `/`-separated. */
  path: string;
  content: string;
}


/**
 * How the playbook asks, without systemd, whether a service whose init script has no `status`
 * runs: Debian's keepalived script has none (the deploy asks `pidof`, remote-ops.ts SYSV_RUNNING).
 */
const SERVICE_PATTERNS: Partial<Record<ServiceName, string>> = { keepalived: '/usr/sbin/keepalived' };

/** Ansible's os_family fact for each family of `os`. */
const ANSIBLE_OS_FAMILY = { debian: 'Debian', rhel: 'RedHat' } as const;

const GENERATED = (files: string[]) => [
  `Written by halab export ansible from ${files.join(', ')}.`,
  'Do not edit: change the .halab file and export again.',
];

export function exportAnsible(members: readonly ExportMember[], opts: AnsibleExportOptions = {}): AnsibleExport {
  if (!members.length) throw new ExportError('no topology to export');
  checkGroupNames(members.map((m) => m.model));
  const targetsOf = opts.targets ?? ((m: Topology) => hostTargets(m));
  const fleet = members.map((m) => {
    const vars = secretVars(m.model, opts);
    return { ...m, vars, targets: targetsOf(m.model), files: renderForAnsible(m.model, m.file, vars) };
  });
  const secrets = mergeSecretVars(fleet.map((t) => t.vars));
  const header = GENERATED(members.map((m) => fileName(m.file)));
  const files = [
    { path: 'ansible.cfg', content: ANSIBLE_CFG },
    { path: 'inventory.yml', content: yamlDocument(inventory(fleet), header) },
    { path: 'site.yml', content: siteYml(lbWaves(fleet)) },
    { path: 'tasks/deploy-host.yml', content: DEPLOY_HOST_YML },
    { path: 'tasks/check-cluster.yml', content: CHECK_CLUSTER_YML },
    { path: 'filter_plugins/halab.py', content: FILTER_PLUGIN },
    { path: 'group_vars/all/halab.yml', content: yamlDocument(commonVars(secrets), header) },
    { path: 'group_vars/all/halab_secrets.yml', content: yamlDocument(secretDefinitions(secrets), [...header, ...SECRETS_NOTE]) },
    ...fleet.flatMap((t) => topologyFiles(t, header)),
    { path: 'README.md', content: exportReadme(fleet, secrets, opts) },
  ];
  return { files, secrets };
}

const SECRETS_NOTE = [
  '',
  'Each secret the topologies use. The values are read when the playbook runs: from the',
  'environment variable the .halab file names (env:NAME), or from a vault_ variable that you keep',
  'in an ansible-vault file (`halab export ansible --vault`, or a secret that has no variable).',
];

/** group_vars/all/halab.yml: what every host's tasks read, derived from the engine's own lists. */
function commonVars(secrets: SecretVar[]): YamlMap {
  return {
    halab_service_order: [...SERVICES],
    halab_restarted_services: [...RESTARTED_SERVICES],
    halab_service_patterns: { ...SERVICE_PATTERNS } as YamlMap,
    halab_running_check: Object.fromEntries(SERVICES.map((s) => [s, [...(statusCommand('sysv', s) as readonly string[])]])),
    halab_addresses_command: [...(ADDRESSES as readonly string[])],
    halab_check_from: 'localhost',
    halab_secret_names: secrets.map((s) => s.name),
  };
}

function secretDefinitions(secrets: SecretVar[]): YamlMap {
  return Object.fromEntries(secrets.map((s) => [s.name, s.definition]));
}

type Member = ExportMember & { targets: HostTarget[]; files: AnsibleFile[]; vars: SecretVar[] };

/** A topology's group vars, each host's vars, and its files and templates. */
function topologyFiles(t: Member, header: string[]): ExportedFile[] {
  const model = t.model;
  const out: ExportedFile[] = [
    { path: `group_vars/${topologyGroup(model.name)}.yml`, content: yamlDocument(topologyVars(model, t.vars), header) },
  ];
  for (const target of t.targets) {
    const files = t.files.filter((f) => f.host === target.name);
    const vars: YamlMap = {
      halab_topology: model.name,
      halab_host: target.name,
      halab_os: target.os,
      halab_os_family: ANSIBLE_OS_FAMILY[osFamily(target.os)],
      halab_files: files.map((f) => fileEntry(model.name, f)),
    };
    out.push({ path: `host_vars/${inventoryHost(model.name, target.name)}.yml`, content: yamlDocument(vars, header) });
  }
  for (const f of t.files) {
    const { dir, src } = exportedSource(model.name, f);
    out.push({ path: `${dir}/${src}`, content: f.template ?? f.content });
  }
  return out;
}

/**
 * A topology's group vars: the secrets its hosts check before anything changes, and what the
 * cluster check asks of it — its VIPs, its sites (URL, Host header, page) and TCP services.
 */
function topologyVars(model: Topology, secrets: SecretVar[]): YamlMap {
  const managed = new Set(model.upstreams.filter((u) => u.managed).map((u) => u.name));
  return {
    halab_secrets: secrets.map((s) => ({ name: s.name, hint: s.hint })),
    halab_vips: model.vips.map((v) => v.address.toLowerCase()),
    halab_sites: model.sites.map((s) => siteCheck(s, managed)),
    halab_services: model.services.map((s) => ({ name: s.name, address: s.vip, port: s.listen })),
  };
}

/** As the deploy's cluster check asks a site (verify/cluster.ts siteRequest). */
function siteCheck(site: Site, managed: Set<string>): YamlMap {
  const r = siteRequest(site, managed);
  return { name: site.name, url: r.url, host: r.host, page: r.expectPage };
}
