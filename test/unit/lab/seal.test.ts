/**
 * Which directories a lab host must keep private, derived from what render produces (issue 13,
 * item 15), and the overlays that do it. The lab itself, sealed for real: test/e2e/lab-sealed.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { placeholderSecrets } from '../../../server/src/secrets.js';
import { BACKUP_ROOT } from '../../../server/src/deploy/remote-ops.js';
import { labSealProblem } from '../../../server/src/deploy/preflight.js';
import { deployWrites, mountOrder, overlayTargets, unsealed } from '../../../server/src/lab/seal.js';

const LAB = readFileSync(new URL('../../../examples/lab.halab', import.meta.url), 'utf8');
const model = (text: string) => {
  const a = analyze(text, 'lab.halab');
  assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics));
  return a.model;
};
/** A machine like this one: Debian's /etc dirs, no /etc/halab, and no halab state yet. */
const MACHINE = new Set(['/etc', '/etc/haproxy', '/etc/init.d', '/etc/keepalived', '/etc/nginx', '/etc/nginx/conf.d', '/etc/sysctl.d',
  '/usr', '/usr/local', '/usr/local/sbin', '/usr/share', '/usr/share/nginx', '/var', '/var/lib']);
const BINDS = ['/var/log', '/var/lib/haproxy', '/var/lib/nginx', '/usr/share/nginx', '/var/www', '/etc/ssh', '/etc/hosts', '/etc/hostname'];

describe('lab sealing', () => {
  it('every directory of every rendered file, and the backup root, is among the paths a deploy writes', () => {
    const m = model(LAB.replace('firewall none', 'firewall nftables'));
    const w = deployWrites(m);
    const { files } = render(m, { source: 'lab.halab', secrets: placeholderSecrets });
    for (const f of files) assert.ok(w.get(f.host)!.includes(f.path.slice(0, f.path.lastIndexOf('/'))), `${f.host}: ${f.path}`);
    for (const dirs of w.values()) assert.ok(dirs.includes(BACKUP_ROOT));
    assert.ok(w.get('lb1')!.includes('/etc/halab'), 'the firewall file of the issue');
  });

  it('overlays the deepest directory the machine has: /etc for /etc/halab, /usr/local/sbin for halab-watch, ' +
    '/var/lib for the backup root', () => {
    const m = model(LAB.replace('firewall none', 'firewall nftables'));
    const w = deployWrites(m);
    const exists = (p: string) => MACHINE.has(p);
    assert.deepEqual(overlayTargets(w.get('lb1')!, BINDS, exists), ['/etc', '/usr/local/sbin', '/var/lib']);
    // web roots under a bound data dir need no overlay; the vhost dir exists, so only it is overlaid
    assert.deepEqual(overlayTargets(deployWrites(model(LAB)).get('web1')!, BINDS, exists), ['/etc/nginx/conf.d', '/var/lib']);
    assert.deepEqual(overlayTargets(['/srv/www/a'], BINDS, (p) => p === '/srv'), ['/srv']);
    assert.throws(() => overlayTargets(['/nowhere/x'], BINDS, () => false), /cannot make private/);
  });

  it('mounts shallow targets first, so a bind lands on top of the overlay that covers its parent', () => {
    const order = mountOrder([
      { kind: 'bind', target: '/etc/ssh', source: '/s' },
      { kind: 'bind', target: '/var/lib/haproxy', source: '/h' },
      { kind: 'overlay', target: '/var/lib', source: '/o1' },
      { kind: 'overlay', target: '/etc', source: '/o2' },
    ]).map((x) => x.target);
    assert.ok(order.indexOf('/etc') < order.indexOf('/etc/ssh'));
    assert.ok(order.indexOf('/var/lib') < order.indexOf('/var/lib/haproxy'));
  });

  it('a deploy to a lab host refuses paths the lab did not make private (a lab made for an older file)', () => {
    const m = model(LAB.replace('firewall none', 'firewall nftables'));
    const { files } = render(m, { source: 'lab.halab', secrets: placeholderSecrets });
    const lb1 = files.filter((f) => f.host === 'lb1');
    const old = [...BINDS, '/etc/haproxy', '/etc/keepalived', '/etc/sysctl.d', '/var/lib'];
    assert.deepEqual(unsealed(['/etc/halab', '/etc/haproxy'], old), ['/etc/halab']);
    assert.match(labSealProblem('lb1', lb1, old)!,
      /lab host lb1: a deploy would write \/usr\/local\/sbin, \/etc\/init\.d, \/etc\/halab, \/etc\/systemd\/system on this machine itself.*halab lab up/);
    assert.equal(labSealProblem('lb1', lb1, [...old, '/etc', '/usr/local/sbin']), undefined);
    assert.match(labSealProblem('lb1', lb1, undefined)!, /lab up/, 'state from before sealing: recreate');
  });
});
