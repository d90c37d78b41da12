/** `halab failover-test` usage errors exit 2 before any host is contacted. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../server/src/cli/halab.ts', import.meta.url));
const FILE = fileURLToPath(new URL('../../fixtures/failover/fo-lab.halab', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, 'failover-test', ...args],
    { encoding: 'utf8', timeout: 30_000, env: { ...process.env, HALAB_LAB_DIR: '/nonexistent-halab-lab' } });

describe('halab failover-test usage', () => {
  it('an unknown fault kind: exit 2, naming the valid ones', () => {
    const r = run(FILE, '--fault', 'unplug-everything');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--fault must be one of kill-haproxy, stop-haproxy, stop-keepalived, link-down, reboot, block-vrrp, kill-upstream/);
  });

  it('a duration without a unit: exit 2', () => {
    const r = run(FILE, '--max-outage', '500');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--max-outage: .*unit/);
  });

  it('a missing file: exit 2', () => {
    const r = run('/nonexistent/x.halab');
    assert.equal(r.status, 2, r.stderr);
  });
});
