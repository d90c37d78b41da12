/** `halab render FILE -o DIR`: layout, modes and exit codes (§5). */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'halabcli'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function halab(args: string[], env: Record<string, string> = {}) {
  const clean = { ...process.env };
  delete clean.HALAB_STATS_PASSWORD;
  delete clean.HALAB_VRRP_AUTH;
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'server/src/cli/halab.ts'), ...args], {
    cwd: root,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('halab render', () => {
  it('writes DIR/<host>/<path> and exits 0', () => {
    const out = join(tmp, 'ok');
    const r = halab(['render', 'examples/lab.halab', '-o', out], { HALAB_STATS_PASSWORD: 'pw', HALAB_VRRP_AUTH: 'vrrp' });
    assert.equal(r.status, 0, r.stderr);
    for (const p of ['lb1/etc/haproxy/haproxy.cfg', 'lb2/etc/keepalived/keepalived.conf', 'web1/etc/nginx/conf.d/web01.conf',
      'web2/usr/share/nginx/web02/index.html']) {
      assert.ok(existsSync(join(out, p)), p);
    }
    assert.match(readFileSync(join(out, 'lb1/etc/haproxy/haproxy.cfg'), 'utf8'), /stats auth admin:pw$/m);
    // Files with secrets stay private on the machine that renders them.
    assert.equal(statSync(join(out, 'lb1/etc/haproxy/haproxy.cfg')).mode & 0o777, 0o600);
    assert.equal(statSync(join(out, 'web1/usr/share/nginx/web01/index.html')).mode & 0o777, 0o644);
  });

  it('exits 2 naming the variable when a secret is unset (the environment is not ready: as deploy and failover-test)', () => {
    const r = halab(['render', 'examples/lab.halab', '-o', join(tmp, 'nosecret')], { HALAB_VRRP_AUTH: 'vrrp' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /set HALAB_STATS_PASSWORD/);
    assert.equal(existsSync(join(tmp, 'nosecret')), false, 'nothing written');
  });

  it('exits 1 with gcc-style diagnostics for a file with errors', () => {
    const bad = join(tmp, 'bad.halab');
    writeFileSync(bad, 'topology t\nvip 198.18.0.100/24 { }\n');
    const r = halab(['render', bad, '-o', join(tmp, 'bad')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.halab:2:1: error missing-required: /);
  });

  it('exits 2 on usage and I/O problems', () => {
    assert.equal(halab(['render', 'examples/lab.halab']).status, 2, 'no -o');
    assert.equal(halab(['render', join(tmp, 'missing.halab'), '-o', join(tmp, 'x')]).status, 2);
    const file = join(tmp, 'a-file');
    writeFileSync(file, '');
    assert.equal(halab(['render', 'examples/lab.halab', '-o', file], { HALAB_STATS_PASSWORD: 'pw', HALAB_VRRP_AUTH: 'v' }).status, 2);
  });
});
