/**
 * README.md of an Ansible export: how to run it, where its secrets come from, what it does and
 * how it differs from `halab deploy`. Written for whoever finds the directory in a repository.
 */
import type { Topology } from '../../../shared/model/types.js';
import { sourceName } from '../render/render.js';
import { topologyGroup, FLEET_GROUPS } from './ansible-inventory.js';
import type { SecretSource, SecretVar } from './ansible-secrets.js';

/**
 * A .halab file's name without its folders, as the export's headers and README name it: only a
 * plain, short name (render.ts sourceName), since it goes into YAML comments and Markdown.
 */
export function fileName(file: string): string {
  return sourceName(file) ?? 'a .halab file';
}

function secretsSection(secrets: SecretVar[], o: SecretSource): string {
  if (!secrets.length) return 'The topologies use no secret.\n';
  const env = secrets.filter((s) => s.definition.includes("'ansible.builtin.env'"));
  const vault = secrets.filter((s) => !env.includes(s));
  const lines = ['Where each secret comes from is `group_vars/all/halab_secrets.yml`; the playbook checks each is set before it changes anything.', ''];
  if (env.length) {
    lines.push('From the environment of `ansible-playbook`:', '');
    for (const s of env) lines.push(`- \`${/lookup\('ansible\.builtin\.env', '([^']+)'\)/.exec(s.definition)![1]}\` (${s.name})`);
    lines.push('');
  }
  if (vault.length) {
    lines.push(
      'From an ansible-vault file, e.g. `ansible-vault create group_vars/all/vault.yml` with:',
      '',
      '```yaml',
      ...vault.map((s) => `vault_${s.name}: "…"`),
      '```',
      '',
      'and run with `--ask-vault-pass` or `--vault-password-file FILE` (AWX: a vault credential).',
      'A re-export never touches vault.yml.',
      '',
    );
  }
  if (!o.vault && env.length) lines.push('`halab export ansible --vault` takes every secret from vault variables instead.', '');
  return lines.join('\n');
}

export function exportReadme(fleet: Array<{ file: string; model: Topology }>, secrets: SecretVar[], o: SecretSource): string {
  const groups = fleet.map((t) => `- \`${topologyGroup(t.model.name)}\`: ${t.model.name} (${fileName(t.file)}), ` +
    `with \`${topologyGroup(t.model.name)}_lbs\` and \`${topologyGroup(t.model.name)}_upstreams\``);
  return `# Ansible export of ${fleet.map((t) => t.model.name).join(', ')}

Written by \`halab export ansible\`. The .halab files are the source of truth: change them, check
them (\`halab check\`), and export again into this directory; files you add here (a vault file)
are kept, files the export wrote are replaced.

## Run it

\`\`\`sh
cd ${'<this directory>'}
ansible-playbook site.yml --check --diff    # what would change (secret-holding files show no diff)
ansible-playbook site.yml                   # deploy
ansible-playbook site.yml --limit ${topologyGroup(fleet[0]!.model.name)}   # one topology
\`\`\`

\`ansible.cfg\` here names the inventory; from elsewhere, \`ansible-playbook -i DIR/inventory.yml DIR/site.yml\`.

## Secrets

${secretsSection(secrets, o)}
## What the playbook does

1. Checks every secret has a value.
2. Managed upstreams (\`${FLEET_GROUPS.upstreams}\`), in parallel; then the load balancers
   (\`${FLEET_GROUPS.lbs}\`) with \`serial: 1\`: each topology's backups (lowest priority first),
   then its primary. The first failure stops the whole run (\`any_errors_fatal\`): after a failure
   on a backup, the primary is not touched.
3. On each host: every file validated on the host before it replaces the live one (\`haproxy -c\`,
   \`keepalived -t\`, \`nft -c\`, \`perl -c\`, \`sh -n\`), the live one kept as a backup next to it;
   \`nginx -t\` once the files are in place, before any reload; sysctl files and nftables rulesets
   applied; units enabled at boot where systemd runs; then only the services whose files changed
   reloaded, in order (nginx, haproxy, halab-watch, keepalived; a stopped one is started). When a
   step fails, the host is put back: files from their backups, new files removed, sysctl values
   and rulesets as before, services reloaded; the failure is shown with secrets masked.
4. Checks that each VIP is on its primary alone and every site answers through it (from the
   controller; set \`halab_check_from\` to a host that reaches the VIPs).

A second run with nothing changed reports \`changed=0\`.

## Groups

- \`${FLEET_GROUPS.all}\`: every host; \`${FLEET_GROUPS.lbs}\`, \`${FLEET_GROUPS.upstreams}\`: the plays' hosts
${groups.join('\n')}

Hosts are named \`HOST.TOPOLOGY\`; their SSH settings are in \`inventory.yml\`, their files in
\`host_vars/\`, \`files/\` and \`templates/\`.

## Not done here (use \`halab deploy\`)

- Installing packages (\`halab deploy --bootstrap\`): the hosts must have haproxy, keepalived,
  nginx, the firewall's tools, and Python 3 for Ansible's modules.
- Restoring a firewalld zone on rollback, and a ruleset's tables that existed before the export's
  ruleset first loaded (the rollback removes the tables the file declares).
`;
}
