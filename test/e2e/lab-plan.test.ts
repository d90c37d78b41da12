/**
 * The lab's plan and its refusals (pure: no root, no processes). What `lab up` would create
 * from examples/lab.halab, and every reason it refuses a topology before creating anything.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../server/src/engine.js';
import { findLabTools, LabError, planLab } from '../../server/src/lab/index.js';

const EXAMPLE = readFileSync(join(__dirname, '../../examples/lab.halab'), 'utf8');

function model(text: string) {
  const a = analyze(text, 'test.halab');
  return a.model;
}

function refusal(text: string): string {
  try {
    planLab(model(text));
  } catch (e) {
    assert.ok(e instanceof LabError, `expected a LabError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    return e.message;
  }
  assert.fail('planLab accepted a topology it must refuse');
}

describe('lab plan', () => {
  it('makes one namespace per lb and managed upstream of examples/lab.halab', () => {
    const plan = planLab(model(EXAMPLE));
    assert.equal(plan.bridge, 'halab0');
    assert.equal(plan.network, '198.18.0.0');
    assert.equal(plan.prefix, 24);
    assert.equal(plan.controlAddress, '198.18.0.1');
    assert.deepEqual(
      plan.hosts.map((h) => [h.name, h.role, h.address, h.netns, h.interface]),
      [
        ['lb1', 'lb', '198.18.0.11', 'halab-lab-lb1', 'eth0'],
        ['lb2', 'lb', '198.18.0.12', 'halab-lab-lb2', 'eth0'],
        ['web1', 'upstream', '198.18.0.21', 'halab-lab-web1', 'eth0'],
        ['web2', 'upstream', '198.18.0.22', 'halab-lab-web2', 'eth0'],
      ],
    );
    assert.deepEqual(plan.warnings, []);
  });

  it('names veths within IFNAMSIZ, distinct per host and per topology', () => {
    const a = planLab(model(EXAMPLE));
    const b = planLab(model(EXAMPLE.replace('topology lab', 'topology a-much-longer-topology-name-for-the-lab')));
    const names = [...a.hosts, ...b.hosts].flatMap((h) => [h.veth, h.vethPeer]);
    for (const n of names) assert.ok(n.length <= 15, `${n} is longer than 15 bytes`);
    assert.equal(new Set(names).size, names.length);
  });

  it('gives the control machine the first free address', () => {
    const plan = planLab(model(EXAMPLE.replace('198.18.0.11', '198.18.0.1').replace('198.18.0.21', '198.18.0.2')));
    assert.equal(plan.controlAddress, '198.18.0.3');
  });

  it('uses the lb interface override inside the namespace', () => {
    const plan = planLab(model(EXAMPLE.replace('lb lb1 { address 198.18.0.11;', 'lb lb1 { address 198.18.0.11; interface ens3;')));
    assert.equal(plan.hosts.find((h) => h.name === 'lb1')?.interface, 'ens3');
    assert.equal(plan.hosts.find((h) => h.name === 'lb2')?.interface, 'eth0');
  });

  it('warns that track process cannot work in the lab', () => {
    const text = EXAMPLE.replace('router-id 51', 'router-id 51\n  track process');
    assert.notEqual(text, EXAMPLE);
    const plan = planLab(model(text));
    assert.equal(plan.warnings.length, 1);
    assert.match(plan.warnings[0]!, /track process/);
    assert.match(plan.warnings[0]!, /use track watcher/);
  });

  it('refuses an lb address outside 198.18.0.0/15, naming it', () => {
    const msg = refusal(EXAMPLE.replace('198.18.0.11', '203.0.113.11'));
    assert.match(msg, /lb lb1/);
    assert.match(msg, /203\.0\.113\.11/);
    assert.match(msg, /198\.18\.0\.0\/15/);
  });

  it('refuses the seed lab (192.168.56.0/24) and lists every offending address', () => {
    const seed = readFileSync(join(__dirname, '../../examples/seed-lab.halab'), 'utf8');
    const msg = refusal(seed);
    for (const a of ['192.168.56.100/24', '192.168.56.101', '192.168.56.102', '192.168.56.103', '192.168.56.104']) {
      assert.ok(msg.includes(a), `message does not name ${a}:\n${msg}`);
    }
  });

  it('refuses a managed upstream given by DNS name, and one outside the lab subnet', () => {
    assert.match(refusal(EXAMPLE.replace('198.18.0.21', 'web1.example.com')),
      /upstream web1: address web1\.example\.com is not an IPv4 address/);
    assert.match(refusal(EXAMPLE.replace('198.18.0.22', '198.19.0.22')), /upstream web2: .*outside the lab subnet 198\.18\.0\.0\/24/);
  });

  it('only warns about an unmanaged upstream (the lab does not create it)', () => {
    const plan = planLab(model(
      EXAMPLE.replace('upstream web2 { address 198.18.0.22;', 'upstream web2 { address 198.18.0.22; managed no;'),
    ));
    assert.deepEqual(plan.hosts.map((h) => h.name), ['lb1', 'lb2', 'web1']);
    assert.match(plan.warnings.join('\n'), /upstream web2 is not managed/);
  });

  it('refuses a vip prefix that would route beyond 198.18.0.0/15', () => {
    const msg = refusal(EXAMPLE.replace('198.18.0.100/24', '198.18.0.100/8'));
    assert.match(msg, /prefix between \/15 and \/29/);
  });

  it('refuses a bridge name longer than an interface name may be (even in an unchecked model)', () => {
    const m = model(EXAMPLE);
    m.lab = { ...m.lab, bridge: 'halab-bridge-too-long' };
    assert.throws(() => planLab(m), (e: unknown) => e instanceof LabError && /lab bridge "halab-bridge-too-long"/.test(e.message));
  });

  it('names the Debian packages when the lab tools are missing', () => {
    assert.throws(() => findLabTools('/nonexistent-halab-dir'), (e: unknown) => {
      assert.ok(e instanceof LabError);
      assert.match(e.message, /apt-get install -y iproute2 util-linux openssh-server openssh-client haproxy keepalived nginx psmisc/);
      return true;
    });
  });
});
