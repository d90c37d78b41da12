/**
 * `exportAnsible`: the inventory's groups and rolling order, each host's files as the renderer
 * made them (paths, modes, owners, validators, kernel state, reloads), the secrets as variables
 * and never as values, several topologies in one export, and the YAML as PyYAML reads it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../server/src/engine.js';
import type { Topology } from '../../../shared/model/types.js';
import { render } from '../../../server/src/render/render.js';
import { placeholderSecrets } from '../../../server/src/secrets.js';
import { secretForms } from '../../../server/src/deploy/secrets.js';
import { exportAnsible, ExportError, type AnsibleExport } from '../../../server/src/export/ansible.js';
import { resolveTargets } from '../../../server/src/deploy/targets.js';
import { parseSshConfig } from '../../../server/src/deploy/ssh-config.js';
import { exportFixed, parseYaml, pythonMissing } from '../../helpers/ansible-export.js';
import { BASE } from '../../helpers/markers.js';

const ROOT = join(__dirname, '..', '..', '..');
const LAB = readFileSync(join(ROOT, 'examples/lab.halab'), 'utf8');
const noPython = pythonMissing();

const model = (text: string, file = 'x.halab'): Topology => analyze(text, file).model;
const fileOf = (e: AnsibleExport, path: string) => {
  const f = e.files.find((x) => x.path === path);
  assert.ok(f, `${path} in ${e.files.map((x) => x.path).join(' ')}`);
  return f.content;
};
const yaml = (e: AnsibleExport, path: string) => parseYaml([fileOf(e, path)])[0] as Record<string, any>;

type FileEntry = Record<string, unknown> & { dest: string };

describe('export ansible: one topology', { skip: noPython }, () => {
  const lab = model(LAB, 'examples/lab.halab');
  const e = exportFixed([{ file: 'examples/lab.halab', model: lab }]);

  it('inventory: a group per topology with its lb and upstream groups, fleet groups, hosts in rolling order', () => {
    const inv = yaml(e, 'inventory.yml');
    const halab = inv.all.children.halab.children;
    assert.deepEqual(Object.keys(halab), ['halab_lab', 'halab_upstreams', 'halab_lbs', 'halab_lbs_wave_1', 'halab_lbs_wave_2']);
    // the waves: the backup first, then the primary
    assert.deepEqual(Object.keys(halab.halab_lbs_wave_1.hosts), ['lb2.lab']);
    assert.deepEqual(Object.keys(halab.halab_lbs_wave_2.hosts), ['lb1.lab']);
    const topo = halab.halab_lab.children;
    assert.deepEqual(Object.keys(topo.halab_lab_upstreams.hosts), ['web1.lab', 'web2.lab']);
    assert.deepEqual(Object.keys(topo.halab_lab_lbs.hosts), ['lb2.lab', 'lb1.lab'], 'the backup before the primary');
    assert.deepEqual(halab.halab_lbs.children, { halab_lab_lbs: {} });
    assert.deepEqual(halab.halab_upstreams.children, { halab_lab_upstreams: {} });
    assert.deepEqual(topo.halab_lab_lbs.hosts['lb1.lab'], {
      ansible_host: '198.18.0.11', ansible_port: 22, ansible_user: 'root', halab_lb_role: 'primary',
    });
  });

  it('host vars: every rendered file, with its place, owner, mode, validator, kernel state and reloads', () => {
    const rendered = render(lab, { source: 'examples/lab.halab', secrets: placeholderSecrets }).files;
    for (const host of ['lb1', 'lb2', 'web1', 'web2']) {
      const vars = yaml(e, `host_vars/${host}.lab.yml`);
      assert.equal(vars.halab_os_family, 'Debian');
      const entries = vars.halab_files as FileEntry[];
      const mine = rendered.filter((f) => f.host === host);
      assert.deepEqual(entries.map((x) => x.dest), mine.map((f) => f.path));
      for (const [i, f] of mine.entries()) {
        const x = entries[i]!;
        assert.equal(x.mode, `0${f.mode.toString(8)}`);
        assert.deepEqual([x.owner, x.group, x.reload, x.template], [f.owner, f.group, f.reload, f.secret]);
        const body = x.template ? fileOf(e, `templates/${x.src}`) : fileOf(e, `files/${x.src}`);
        if (!x.template) assert.equal(body, f.content, `${host}:${f.path} copied as rendered`);
      }
    }
    const lb = (yaml(e, 'host_vars/lb1.lab.yml').halab_files as FileEntry[]);
    const at = (p: string) => lb.find((x) => x.dest === p)!;
    // the deploy's validators, loud: Ansible shows a validator's output once
    assert.equal(at('/etc/haproxy/haproxy.cfg').validate, 'haproxy -c -f %s');
    assert.equal(at('/etc/keepalived/keepalived.conf').validate, 'keepalived -t -f %s');
    assert.equal(at('/usr/local/sbin/halab-watch').validate, 'perl -c %s');
    assert.equal(at('/etc/init.d/halab-watch').validate, 'sh -n %s');
    const sysctl = at('/etc/sysctl.d/90-halab-nonlocal-bind.conf');
    assert.deepEqual(sysctl.apply, ['sysctl', '-q', '-p', '/etc/sysctl.d/90-halab-nonlocal-bind.conf']);
    assert.ok((sysctl.capture as string[]).includes('net.ipv4.ip_nonlocal_bind'));
    const handoff = at('/etc/halab/handoff.nft');
    assert.deepEqual([handoff.validate, handoff.apply], ['nft -c -f %s', ['nft', '-f', '/etc/halab/handoff.nft']]);
    assert.deepEqual((handoff.undo_new as string[]).slice(-3), ['ip', 'halab_handoff', '']);
    const vhost = (yaml(e, 'host_vars/web1.lab.yml').halab_files as FileEntry[])[0]!;
    assert.deepEqual([vhost.dest, vhost.check, vhost.validate], ['/etc/nginx/conf.d/web01.conf', ['nginx', '-t'], undefined]);
  });

  it('secrets: variables from the environment, templates where the renderer puts a value', () => {
    assert.deepEqual(yaml(e, 'group_vars/all/halab_secrets.yml'), {
      halab_secret_halab_stats_password: "{{ lookup('ansible.builtin.env', 'HALAB_STATS_PASSWORD') }}",
      halab_secret_halab_vrrp_auth: "{{ lookup('ansible.builtin.env', 'HALAB_VRRP_AUTH') }}",
    });
    const haproxy = fileOf(e, 'templates/lab/lb1/etc/haproxy/haproxy.cfg.j2');
    assert.match(haproxy, /stats auth admin:\{% endraw %\}\{\{ halab_secret_halab_stats_password \| halab_haproxy_word \}\}\{% raw %\}\n/);
    assert.match(fileOf(e, 'templates/lab/lb2/etc/keepalived/keepalived.conf.j2'),
      /auth_pass \{% endraw %\}\{\{ halab_secret_halab_vrrp_auth \| halab_keepalived_auth_pass \}\}\{% raw %\}/);
    assert.deepEqual(yaml(e, 'group_vars/halab_lab.yml').halab_secrets.map((s: { name: string }) => s.name),
      ['halab_secret_halab_stats_password', 'halab_secret_halab_vrrp_auth']);
  });

  it('the cluster check: VIPs, and each site with its URL, Host header and page', () => {
    assert.deepEqual(yaml(e, 'group_vars/halab_lab.yml').halab_vips, ['198.18.0.100']);
    assert.deepEqual(yaml(e, 'group_vars/halab_lab.yml').halab_sites[1],
      { name: 'web02', url: 'http://198.18.0.100:80/', host: 'web02.lab.test', page: 'WEB 02 - TEST PAGE' });
  });

  it('every YAML file reads back; the playbook imports its task files', () => {
    const ymls = e.files.filter((f) => f.path.endsWith('.yml'));
    const docs = parseYaml(ymls.map((f) => f.content));
    assert.ok(docs.every((d) => d !== null && typeof d === 'object'));
    const site = docs[ymls.findIndex((f) => f.path === 'site.yml')] as Array<{ hosts: string; serial?: number }>;
    assert.deepEqual(site.map((p) => [p.hosts, p.serial]), [
      ['halab', undefined], ['halab_upstreams', undefined], ['halab_lbs_wave_1', undefined], ['halab_lbs_wave_2', undefined],
      ['halab_lbs', undefined],
    ]);
  });
});

describe('export ansible: a fleet goes in waves', { skip: noPython }, () => {
  it('wave K holds the K-th lb of every topology; a topology with more lbs adds a wave of its own', () => {
    const three = LAB.replace('lb lb2 { address 198.18.0.12; role backup; os debian }',
      'lb lb2 { address 198.18.0.12; role backup; os debian }\nlb lb3 { address 198.18.0.13; role backup; priority 200; os debian }');
    assert.notEqual(three, LAB, 'examples/lab.halab changed shape');
    const other = LAB.replace(/^topology lab$/m, 'topology two').replaceAll('198.18.0.', '198.18.1.');
    const e = exportFixed([
      { file: 'a.halab', model: model(three, 'a.halab') },
      { file: 'b.halab', model: model(other, 'b.halab') },
    ]);
    const halab = yaml(e, 'inventory.yml').all.children.halab.children;
    // lb3 (priority 200) goes before lb2 (249): backups by rising priority, the primary last
    assert.deepEqual(Object.keys(halab.halab_lbs_wave_1.hosts), ['lb3.lab', 'lb2.two']);
    assert.deepEqual(Object.keys(halab.halab_lbs_wave_2.hosts), ['lb2.lab', 'lb1.two']);
    assert.deepEqual(Object.keys(halab.halab_lbs_wave_3.hosts), ['lb1.lab']);
    const site = parseYaml([fileOf(e, 'site.yml')])[0] as Array<{ hosts: string }>;
    assert.deepEqual(site.map((p) => p.hosts).filter((h) => h.includes('wave')), ['halab_lbs_wave_1', 'halab_lbs_wave_2', 'halab_lbs_wave_3']);
  });
});

describe('export ansible: no secret value in any file', { skip: noPython }, () => {
  // literal secrets are in the model itself; env ones are set here too, and must not be read
  const text = LAB.replace('auth env:HALAB_VRRP_AUTH', 'auth "Lit-Vrrp7"').replace('password env:HALAB_STATS_PASSWORD', 'password "lit stats \\"pw\\" 9"');
  const values = ['Lit-Vrrp7', 'lit stats "pw" 9', 'envVrrp42', 'env-stats-pw-42'];

  it('literal secrets become vault variables; no form of any value appears', () => {
    const saved = { ...process.env };
    Object.assign(process.env, { HALAB_VRRP_AUTH: 'envVrrp42', HALAB_STATS_PASSWORD: 'env-stats-pw-42' });
    let e: AnsibleExport;
    try {
      e = exportFixed([{ file: 'lit.halab', model: model(text) }, { file: 'lab.halab', model: model(LAB.replace('topology lab', 'topology lab2').replaceAll('198.18.0.', '198.18.1.')) }]);
    } finally {
      process.env = saved;
    }
    assert.deepEqual(Object.keys(yaml(e, 'group_vars/all/halab_secrets.yml')), [
      'halab_secret_lab_stats_password', 'halab_secret_lab_vi_51_auth', 'halab_secret_halab_stats_password', 'halab_secret_halab_vrrp_auth',
    ]);
    assert.equal(yaml(e, 'group_vars/all/halab_secrets.yml').halab_secret_lab_vi_51_auth, "{{ vault_halab_secret_lab_vi_51_auth | default('') }}");
    for (const v of values) {
      for (const form of secretForms(v).filter((f) => f.length >= 4)) {
        const hit = e.files.find((f) => f.content.includes(form));
        assert.equal(hit, undefined, `${JSON.stringify(form)} (a form of a secret) in ${hit?.path}`);
      }
    }
  });
});

describe('export ansible: several topologies, options and refusals', { skip: noPython }, () => {
  const two = [
    { file: 'a.halab', model: model(BASE.replace('topology t', 'topology a')) },
    { file: 'b.halab', model: model(BASE.replace('topology t', 'topology b').replaceAll('198.18.0.', '198.18.1.').replace('lb lb2 {', 'lb lb3 { address 198.18.1.13; role backup; priority 10 }\nlb lb2 {')) },
  ];

  it('a group per topology; the lb play takes each topology backups first (lowest priority first), then its primary', () => {
    const e = exportFixed(two);
    const halab = yaml(e, 'inventory.yml').all.children.halab.children;
    assert.deepEqual(Object.keys(halab.halab_lbs.children), ['halab_a_lbs', 'halab_b_lbs']);
    assert.deepEqual(Object.keys(halab.halab_b.children.halab_b_lbs.hosts), ['lb3.b', 'lb2.b', 'lb1.b']);
    assert.ok(e.files.some((f) => f.path === 'host_vars/lb1.a.yml') && e.files.some((f) => f.path === 'host_vars/lb1.b.yml'));
  });

  it('--vault: every secret from a vault_ variable', () => {
    const e = exportFixed([{ file: 'lab.halab', model: model(LAB) }], { vault: true });
    assert.deepEqual(yaml(e, 'group_vars/all/halab_secrets.yml').halab_secret_halab_vrrp_auth, "{{ vault_halab_secret_halab_vrrp_auth | default('') }}");
    assert.match(fileOf(e, 'README.md'), /vault_halab_secret_halab_vrrp_auth: "…"/);
  });

  it('the file\'s key and ssh, and the ssh config\'s jump hosts and host key alias, reach the inventory', () => {
    const m = model(BASE.replace('lb lb1 { address 198.18.0.11;', 'lb lb1 { address 198.18.0.11; key /home/ops/keys/lb; ssh ops@lb1.example:2222;'));
    const sshConfig = parseSshConfig('Host 198.18.0.21\n  HostName web1.internal\n  ProxyJump jump@bastion:2200\n  HostKeyAlias web1-key\n');
    const e = exportAnsible([{ file: 't.halab', model: m }], { targets: (x) => resolveTargets(x, { lab: null, sshConfig, env: {}, home: '/home/ops' }) });
    const hosts = (g: string) => yaml(e, 'inventory.yml').all.children.halab.children.halab_t.children[g].hosts;
    assert.deepEqual(hosts('halab_t_lbs')['lb1.t'], {
      ansible_host: 'lb1.example', ansible_port: 2222, ansible_user: 'ops', ansible_ssh_private_key_file: '/home/ops/keys/lb',
      halab_lb_role: 'primary',
    });
    assert.deepEqual(hosts('halab_t_upstreams')['web1.t'], {
      ansible_host: 'web1.internal', ansible_port: 22, ansible_user: 'root',
      ansible_ssh_common_args: "-o 'HostKeyAlias=web1-key' -o 'ProxyJump=jump@bastion:2200'",
    });
  });

  it('refuses topologies whose Ansible groups would be one, and two secrets that would be one variable', () => {
    const a = model(BASE.replace('topology t', 'topology a-b'));
    const b = model(BASE.replace('topology t', 'topology a_b').replaceAll('198.18.0.', '198.18.1.'));
    assert.throws(() => exportFixed([{ file: 'a', model: a }, { file: 'b', model: b }]), (e) => e instanceof ExportError && /halab_a_b/.test(e.message));
    assert.throws(() => exportFixed([{ file: 'l', model: model(BASE.replace('topology t', 'topology lbs')) }]), /halab's own group halab_lbs/);
    const upper = model(BASE.replace('router-id 51', 'router-id 51; auth env:VRRP_A'));
    const lower = model(BASE.replace('topology t', 'topology u').replace('router-id 51', 'router-id 52; auth env:vrrp_a').replaceAll('198.18.0.', '198.18.1.'));
    assert.throws(() => exportFixed([{ file: 'a', model: upper }, { file: 'b', model: lower }]), /env:VRRP_A and env:vrrp_a would both be the Ansible variable halab_secret_vrrp_a/);
  });

  it('refuses a file whose own text looks like a secret marker, rather than template it', () => {
    const m = model(LAB.replace('firewall none', 'firewall none\nhaproxy "description @HX0A@"'));
    assert.throws(() => exportFixed([{ file: 'lab.halab', model: m }]), /looks like the export's secret markers/);
  });
});
