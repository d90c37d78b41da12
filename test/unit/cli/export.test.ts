/** `halab export ansible DIR FILE|DIR...`: what it writes and says, and its exit codes. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'halabexport'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function halab(args: string[]) {
  // no secret in the environment: an export resolves none; HOME without ssh config or lab state
  const env = { PATH: process.env.PATH!, HOME: tmp, HALAB_LAB_DIR: join(tmp, 'no-lab') };
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'server/src/cli/halab.ts'), ...args], {
    cwd: root, env, encoding: 'utf8', timeout: 60_000,
  });
}

describe('halab export ansible', () => {
  it('writes the export of a directory of topologies without any secret set, and says what to set', () => {
    const src = join(tmp, 'fleet');
    mkdirSync(src);
    for (const f of ['lab.halab', 'services.halab']) writeFileSync(join(src, f), readFileSync(join(root, 'examples', f)));
    const out = join(tmp, 'out');
    const r = halab(['export', 'ansible', out, src]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wrote \d+ files for 2 topologies to /);
    assert.match(r.stdout, /secret halab_secret_halab_vrrp_auth: set HALAB_VRRP_AUTH in the environment/);
    assert.match(r.stdout, /run: ansible-playbook -i .*\/inventory\.yml .*\/site\.yml/);
    for (const p of ['site.yml', 'inventory.yml', 'host_vars/lb1.services.yml', 'templates/lab/lb1/etc/haproxy/haproxy.cfg.j2']) {
      assert.ok(existsSync(join(out, p)), p);
    }
    const json = halab(['export', 'ansible', '--format', 'json', '--vault', out, src]);
    assert.equal(json.status, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { files: string[]; secrets: Array<{ name: string; hint: string }> };
    assert.ok(parsed.files.includes('tasks/deploy-host.yml'));
    assert.match(parsed.secrets[0]!.hint, /^define vault_halab_secret_/);
  });

  it('exit 1 for a file with errors, exit 2 for a directory that is not an export; nothing written', () => {
    const bad = join(tmp, 'bad.halab');
    writeFileSync(bad, 'topology t\nvip 198.18.0.100/24 { }\n');
    const r = halab(['export', 'ansible', join(tmp, 'never'), bad]);
    assert.equal(r.status, 1);
    assert.equal(existsSync(join(tmp, 'never')), false);
    const foreign = join(tmp, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'playbook.yml'), 'mine\n');
    const f = halab(['export', 'ansible', foreign, join(root, 'examples/lab.halab')]);
    assert.equal(f.status, 2);
    assert.match(f.stderr, /halab export ansible: cannot write to .*: .* is not empty and holds no halab export/);
    assert.equal(halab(['export', 'ansible', join(tmp, 'x')]).status, 2, 'no file: a usage error');
  });
});
