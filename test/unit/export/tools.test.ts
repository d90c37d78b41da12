/**
 * The export as Ansible's own tools read it, on disk: `ansible-playbook --syntax-check`, the
 * inventory's groups and host order as `ansible-inventory` sees them, and `ansible-lint` (Debian's
 * 6.13, offline) with no finding on the strictest profile. Each is skipped, saying why, where its
 * tool is not installed (scripts/setup.sh installs both).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../../server/src/engine.js';
import { writeExport } from '../../../server/src/export/write-export.js';
import { exportFixed } from '../../helpers/ansible-export.js';

const ROOT = join(__dirname, '..', '..', '..');
const PLAYBOOK = '/usr/bin/ansible-playbook';
const LINT = '/usr/bin/ansible-lint';
const tmp = mkdtempSync(join(tmpdir(), 'halab-export-tools-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const dir = join(tmp, 'fleet');
const members = ['examples/lab.halab', 'examples/services.halab'].map((f) => ({ file: f, model: analyze(readFileSync(join(ROOT, f), 'utf8'), f).model }));
writeExport(dir, exportFixed(members).files);

// nothing here talks to a host: no connection is made by a syntax check, an inventory listing or the linter
const run = (cmd: string, args: string[], timeout = 120_000) =>
  spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout, env: { ...process.env, ANSIBLE_NOCOLOR: '1', NO_COLOR: '1' } });

describe('the export, read by Ansible', { skip: !existsSync(PLAYBOOK) && `${PLAYBOOK} is not installed (apt-get install ansible)` }, () => {
  it('ansible-playbook --syntax-check site.yml', () => {
    const r = run(PLAYBOOK, ['--syntax-check', 'site.yml']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stderr, /WARNING/, 'no warning (the filter plugin loads, every host pattern matches)');
  });

  it('ansible-inventory: the fleet groups hold each topology, lbs backup first', () => {
    const r = run('/usr/bin/ansible-inventory', ['--graph', 'halab_lbs']);
    assert.equal(r.status, 0, r.stderr);
    const names = r.stdout.split('\n').map((l) => l.replace(/^[\s|]*(--)?/, '')).filter(Boolean);
    assert.deepEqual(names, ['@halab_lbs:', '@halab_lab_lbs:', 'lb2.lab', 'lb1.lab', '@halab_services_lbs:', 'lb2.services', 'lb1.services']);
  });
});

describe('ansible-lint', { skip: !existsSync(LINT) && `${LINT} is not installed (apt-get install ansible-lint)`, timeout: 300_000 }, () => {
  it('finds nothing, on the production profile', () => {
    // --offline: no collection installs, no version check
    const r = run(LINT, ['--offline', '--profile', 'production', '--nocolor'], 280_000);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /Passed with production profile: 0 failure\(s\), 0 warning\(s\)/);
  });
});
