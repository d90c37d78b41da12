/**
 * The playbook of an Ansible export: fixed text, the same for every fleet but for the number of
 * lb waves, written the way an Ansible user would write it (ansible-lint clean). Everything that
 * differs between topologies is data in the inventory, host_vars and group_vars (ansible.ts), so
 * the playbook reads as the procedure `halab deploy` follows (docs/deploy.md), one task per step.
 */
import { lbWaveGroup } from './ansible-inventory.js';

/**
 * site.yml: the secrets, the upstreams, one play per wave of load balancers (ansible-inventory.ts
 * lbWaveGroup), then the cluster check. A wave's lbs run together; `any_errors_fatal` stops the
 * run at the first failure, so a wave that fails is the last: no primary changes after its backup failed.
 */
export function siteYml(waves: number): string {
  const lbPlays = Array.from({ length: waves }, (_, i) => `- name: Deploy the load balancers, wave ${i + 1} of ${waves} (the lb of each topology at that place in its rolling order)
  hosts: ${lbWaveGroup(i + 1)}
  gather_subset:
    - min
  any_errors_fatal: true
  tasks:
    - name: Deploy the host's files
      ansible.builtin.import_tasks: tasks/deploy-host.yml

`).join('');
  return `---
# The deploy of \`halab deploy\`, on Ansible: managed upstreams first, then the load balancers in
# waves — wave K holds the K-th lb of every topology, so each topology changes one lb at a time,
# its backups first and its primary last, while the topologies go side by side — then the check
# that every VIP is on its primary alone and every site answers through it. The first failure
# stops the run; the host it happened on is put back as it was. Written by \`halab export
# ansible\`: change the .halab files and export again rather than editing this.
- name: Check the secrets are set
  hosts: halab
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - name: Check each secret of the host's topology has a value
      ansible.builtin.assert:
        that: lookup('ansible.builtin.vars', item.name) | length > 0
        fail_msg: "{{ item.name }} is empty: {{ item.hint }}"
        quiet: true
      loop: "{{ halab_secrets }}"
      loop_control:
        label: "{{ item.name }}"

- name: Deploy the managed upstreams
  hosts: halab_upstreams
  gather_subset:
    - min
  any_errors_fatal: true
  tasks:
    - name: Deploy the host's files
      ansible.builtin.import_tasks: tasks/deploy-host.yml

${lbPlays}- name: Check each VIP is on its primary alone and every site answers through it
  hosts: halab_lbs
  gather_facts: false
  vars:
    # the VIPs this lb has on a network interface; an address on lo does not count: with the
    # flow handoff every lb holds each VIP there too
    halab_vips_held: >-
      {{ halab_addresses.stdout_lines | default([]) | reject('match', '\\d+:\\s+lo\\s')
      | map('regex_findall', '\\sinet6?\\s+([0-9a-fA-F.:]+)/') | flatten | map('lower') | list }}
    halab_vips_misplaced: >-
      {{ (halab_vips | difference(halab_vips_held)) if halab_lb_role == 'primary'
      else (halab_vips | intersect(halab_vips_held)) }}
  tasks:
    - name: Check the cluster
      ansible.builtin.import_tasks: tasks/check-cluster.yml
`;
}

/**
 * tasks/deploy-host.yml: one host's part, as HostDeployment does it (deploy/host-deployment.ts),
 * with its rollback in the rescue.
 */
export const DEPLOY_HOST_YML = `---
# One host's part of the deploy: each file validated on the host before it replaces the live one
# (the live one kept as a backup next to it), whole configurations validated before any reload,
# the kernel state applied, and only the services whose files changed reloaded (or started), in
# order. When a step fails, the rescue puts back what this run replaced and stops the run.
- name: Deploy the files, or put the host back as it was
  block:
    - name: Check the host runs the OS family its files are for
      ansible.builtin.assert:
        that: ansible_facts.os_family == halab_os_family
        fail_msg: >-
          {{ inventory_hostname }} runs {{ ansible_facts.distribution }} ({{ ansible_facts.os_family }}), but the
          .halab file says os {{ halab_os }}: its files are for the {{ halab_os_family }} family
        quiet: true

    - name: Look at the live files
      ansible.builtin.stat:
        path: "{{ item.dest }}"
        get_checksum: false
      loop: "{{ halab_files }}"
      loop_control:
        label: "{{ item.dest }}"
      register: halab_live

    # as mkdir -p: no mode, so a directory that exists (a new file's) keeps the one it has
    - name: Create the directories of new files
      ansible.builtin.file:  # noqa: risky-file-permissions
        path: "{{ item }}"
        state: directory
      loop: "{{ halab_live.results | rejectattr('stat.exists') | map(attribute='item.dest') | map('dirname') | unique }}"

    - name: Install the files, each validated on the host before it replaces the live one
      ansible.builtin.copy:
        src: "{{ item.src }}"
        dest: "{{ item.dest }}"
        owner: "{{ item.owner }}"
        group: "{{ item.group }}"
        mode: "{{ item.mode }}"
        validate: "{{ item.validate | default(omit) }}"
        backup: true
      loop: "{{ halab_files | rejectattr('template') }}"
      loop_control:
        label: "{{ item.dest }}"
      register: halab_copied

    # no_log: a validator's output could quote a secret; the rescue shows it with secrets masked
    - name: Install the files that hold secrets, each validated the same way
      ansible.builtin.template:
        src: "{{ item.src }}"
        dest: "{{ item.dest }}"
        owner: "{{ item.owner }}"
        group: "{{ item.group }}"
        mode: "{{ item.mode }}"
        validate: "{{ item.validate | default(omit) }}"
        backup: true
        trim_blocks: false
      loop: "{{ halab_files | selectattr('template') }}"
      loop_control:
        label: "{{ item.dest }}"
      register: halab_templated
      no_log: true
      diff: false

    - name: Note which files changed
      ansible.builtin.set_fact:
        halab_changed: "{{ (halab_copied.results + halab_templated.results) | selectattr('changed') | map(attribute='item') | list }}"

    - name: Validate the whole configurations the changed files belong to, before any reload
      ansible.builtin.command:
        argv: "{{ item }}"
      loop: "{{ halab_changed | selectattr('check', 'defined') | map(attribute='check') | unique }}"
      changed_when: false

    - name: Read the kernel values the changed sysctl files set, for a rollback
      ansible.builtin.command:
        argv: "{{ item.capture }}"
      loop: "{{ halab_changed | selectattr('capture', 'defined') }}"
      loop_control:
        label: "{{ item.dest }}"
      register: halab_captured
      changed_when: false

    - name: Apply the changed sysctl files and firewall rulesets
      ansible.builtin.command:
        argv: "{{ item.apply }}"
      loop: "{{ halab_changed | selectattr('apply', 'defined') }}"
      loop_control:
        label: "{{ item.dest }}"
      changed_when: true

    - name: Enable the changed units at boot
      ansible.builtin.systemd:
        name: "{{ item.unit }}"
        enabled: true
        daemon_reload: true
      loop: "{{ halab_changed | selectattr('unit', 'defined') }}"
      loop_control:
        label: "{{ item.unit }}"
      when: ansible_facts.service_mgr == 'systemd'
      register: halab_enabled

    - name: Let systemd see the changed init scripts
      ansible.builtin.systemd:
        daemon_reload: true
      when: >-
        ansible_facts.service_mgr == 'systemd' and
        halab_changed | map(attribute='reload') | flatten | select('in', halab_restarted_services) | list | length > 0

    - name: Note which services to reload, in order
      ansible.builtin.set_fact:
        halab_reload: "{{ halab_service_order | select('in', halab_changed | map(attribute='reload') | flatten) | list }}"

    - name: Reload the services whose files changed (a stopped one is started)
      ansible.builtin.service:
        name: "{{ item }}"
        state: "{{ 'restarted' if item in halab_restarted_services else 'reloaded' }}"
        enabled: "{{ true if item in halab_restarted_services and ansible_facts.service_mgr == 'systemd' else omit }}"
        pattern: "{{ omit if ansible_facts.service_mgr == 'systemd' else halab_service_patterns[item] | default(omit) }}"
      loop: "{{ halab_reload }}"

    - name: Check the reloaded services run
      ansible.builtin.command:
        argv: "{{ halab_running_check[item] }}"
      loop: "{{ halab_reload }}"
      register: halab_running
      until: halab_running is skipped or halab_running.rc == 0
      retries: 10
      delay: 1
      changed_when: false

  rescue:
    - name: Keep the failure's own words, secrets masked
      ansible.builtin.set_fact:
        halab_failure: >-
          {{ ansible_failed_task.name }}: {{ ansible_failed_result | halab_failure(query('ansible.builtin.vars', *halab_secret_names)) }}
        halab_results: "{{ (halab_copied.results | default([])) + (halab_templated.results | default([])) }}"
        halab_new: "{{ halab_live.results | default([]) | rejectattr('stat.exists') | map(attribute='item.dest') | list }}"

    - name: Put back the files this run replaced
      ansible.builtin.copy:
        src: "{{ item.backup_file }}"
        dest: "{{ item.item.dest }}"
        remote_src: true
        mode: preserve
      loop: "{{ halab_results | selectattr('backup_file', 'defined') }}"
      loop_control:
        label: "{{ item.item.dest }}"

    - name: Remove the files this run created
      ansible.builtin.file:
        path: "{{ item.item.dest }}"
        state: absent
      loop: "{{ halab_results | selectattr('changed') | selectattr('item.dest', 'in', halab_new) }}"
      loop_control:
        label: "{{ item.item.dest }}"

    - name: Write back the kernel values the sysctl files changed
      ansible.builtin.command:
        argv: "{{ ['sysctl', '-q', '-w'] + item.stdout | regex_findall('(?m)^@@kv (.*)$') }}"
      loop: "{{ halab_captured.results | default([]) | selectattr('stdout', 'defined') }}"
      loop_control:
        label: "{{ item.item.dest }}"
      changed_when: true

    - name: Load the restored rulesets and firewall scripts again
      ansible.builtin.command:
        argv: "{{ item.item.apply }}"
      loop: >-
        {{ halab_results | selectattr('backup_file', 'defined') | selectattr('item.apply_kind', 'defined')
        | rejectattr('item.apply_kind', 'eq', 'sysctl') }}
      loop_control:
        label: "{{ item.item.dest }}"
      changed_when: true

    - name: Take out the tables of rulesets this run loaded for the first time
      ansible.builtin.command:
        argv: "{{ item.item.undo_new }}"
      loop: "{{ halab_results | selectattr('item.dest', 'in', halab_new) | selectattr('item.undo_new', 'defined') }}"
      loop_control:
        label: "{{ item.item.dest }}"
      changed_when: true

    - name: Disable again the units this run enabled
      ansible.builtin.systemd:
        name: "{{ item.item.unit }}"
        enabled: false
      loop: "{{ halab_enabled.results | default([]) | selectattr('changed') }}"
      loop_control:
        label: "{{ item.item.unit }}"

    - name: Reload the services again, on the restored files
      ansible.builtin.service:
        name: "{{ item }}"
        state: "{{ 'restarted' if item in halab_restarted_services else 'reloaded' }}"
        pattern: "{{ omit if ansible_facts.service_mgr == 'systemd' else halab_service_patterns[item] | default(omit) }}"
      loop: "{{ halab_reload | default([]) }}"
      failed_when: false

    - name: Stop the run, this host restored
      ansible.builtin.fail:
        msg: "{{ halab_failure }}"
`;

/** tasks/check-cluster.yml: the deploy's cluster check (verify/cluster.ts), after the lbs. */
export const CHECK_CLUSTER_YML = `---
# The check \`halab deploy\` makes after the load balancers: every VIP of a topology is held by its
# primary alone (keepalived may need a few adverts after a first start), and every site and TCP
# service answers through its VIP, from the controller (or from halab_check_from).
- name: Wait until each VIP is on the primary alone
  ansible.builtin.command:
    argv: "{{ halab_addresses_command }}"
  register: halab_addresses
  until: halab_vips_misplaced | length == 0
  retries: 30
  delay: 1
  changed_when: false
  failed_when: false
  check_mode: false

- name: Check where the VIPs are
  ansible.builtin.assert:
    that: halab_vips_misplaced | length == 0
    fail_msg: >-
      {{ inventory_hostname }} ({{ halab_lb_role }}) holds {{ halab_vips_held | join(', ') or 'no VIP' }}:
      {{ ('it must hold ' ~ halab_vips | join(', ')) if halab_lb_role == 'primary' else 'only the primary may hold a VIP' }}
    quiet: true

- name: Ask every site through its VIP
  ansible.builtin.uri:
    url: "{{ item.url }}"
    headers:
      Host: "{{ item.host }}"
    return_content: true
    validate_certs: false
    timeout: 3
  loop: "{{ halab_sites }}"
  loop_control:
    label: "{{ item.name }}"
  register: halab_answers
  until: halab_answers.status == 200 and (item.page | default('')) in (halab_answers.content | default(''))
  retries: 15
  delay: 1
  failed_when: false
  check_mode: false
  delegate_to: "{{ halab_check_from }}"
  when: halab_lb_role == 'primary'

- name: Check every site answered with its page
  ansible.builtin.assert:
    that: item.status == 200 and (item.item.page | default('')) in (item.content | default(''))
    fail_msg: >-
      site {{ item.item.name }} ({{ item.item.url }}, Host: {{ item.item.host }}):
      {{ ('HTTP ' ~ item.status ~ ' ' ~ (item.msg | default(''))) if item.status != 200 else 'the page does not contain "' ~ item.item.page ~ '"' }}
    quiet: true
  loop: "{{ halab_answers.results | default([]) | rejectattr('skipped', 'defined') }}"
  loop_control:
    label: "{{ item.item.name }}"

- name: Check every TCP service accepts connections through its VIP
  ansible.builtin.wait_for:
    host: "{{ item.address }}"
    port: "{{ item.port }}"
    timeout: 15
  loop: "{{ halab_services }}"
  loop_control:
    label: "{{ item.name }}"
  delegate_to: "{{ halab_check_from }}"
  when: halab_lb_role == 'primary'
`;

/** ansible.cfg: read when ansible-playbook runs in the export's directory. */
export const ANSIBLE_CFG = `# Written by halab export ansible: read when ansible-playbook runs in this directory.
[defaults]
inventory = inventory.yml
# the hosts' Python is found as Ansible finds it, without a warning per host
interpreter_python = auto_silent

[ssh_connection]
# one SSH round trip per module instead of three (needs no requiretty for sudo)
pipelining = True
`;
