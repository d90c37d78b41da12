/** Several topologies at once (issue 19): the checks across files, bounded parallelism, and the CLI's fleet forms. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../../server/src/engine.js';
import { fleetProblems, mapLimit } from '../../../server/src/fleet/fleet.js';

const ROOT = join(__dirname, '../../..');
const topo = (name: string, vip: string, rid: number) => `topology ${name}
vip ${vip} { router-id ${rid} }
lb a { address ${vip.replace(/\.\d+\/\d+$/, '.11')}; role primary }
lb b { address ${vip.replace(/\.\d+\/\d+$/, '.12')}; role backup }
upstream u { address ${vip.replace(/\.\d+\/\d+$/, '.21')} }
site s { host s.test; servers u }
`;
const member = (file: string, text: string) => ({ file, model: analyze(text, file).model });

describe('fleetProblems', () => {
  it('accepts distinct names, vips and router ids; one router id is fine on different subnets', () => {
    assert.deepEqual(fleetProblems([member('a.halab', topo('a', '198.18.20.100/24', 51)), member('b.halab', topo('b', '198.18.21.100/24', 51))]), []);
  });

  it('names a topology name, a vip and a router id on one subnet used twice', () => {
    const p = fleetProblems([member('a.halab', topo('a', '198.18.20.100/24', 51)), member('b.halab', topo('a', '198.18.20.100/24', 51))]);
    assert.deepEqual(p, [
      'b.halab: topology a is also the topology of a.halab; give each file its own name',
      'b.halab: vip 198.18.20.100 is also a vip of a.halab',
      'b.halab: vip 198.18.20.100/24 uses router-id 51, as 198.18.20.100/24 of a.halab on the same subnet does; give one of them another router-id',
    ]);
    const q = fleetProblems([member('a.halab', topo('a', '198.18.20.100/24', 51)), member('c.halab', topo('c', '198.18.20.101/24', 51))]);
    assert.equal(q.length, 1);
    assert.match(q[0]!, /router-id 51/);
  });
});

describe('mapLimit', () => {
  it('runs at most `limit` at once and keeps the order of the results', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, x * 5));
      running--;
      return x * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30]);
    assert.equal(most, 2);
  });

  it('a throw ends the call only after the others have finished', async () => {
    const done: number[] = [];
    await assert.rejects(
      mapLimit([1, 2, 3], 3, async (x) => {
        await new Promise((r) => setTimeout(r, x * 10));
        if (x === 1) throw new Error('one');
        done.push(x);
      }),
      /one/,
    );
    assert.deepEqual(done, [2, 3]);
  });
});

function cli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/cli/halab.ts'), ...args], {
    encoding: 'utf8', cwd: ROOT, timeout: 60_000, env: { ...process.env, P: 'pw' },
  });
}

describe('fleet forms of the CLI', () => {
  it('render of two files writes one folder per topology; a directory stands for its files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halab-fleet-'));
    try {
      writeFileSync(join(dir, 'a.halab'), topo('alpha', '198.18.20.100/24', 51));
      writeFileSync(join(dir, 'b.halab'), topo('beta', '198.18.21.100/24', 52));
      const r = cli(['render', join(dir, 'a.halab'), join(dir, 'b.halab'), '-o', join(dir, 'out')]);
      assert.equal(r.status, 0, r.stderr);
      for (const t of ['alpha', 'beta']) assert.ok(existsSync(join(dir, 'out', t, 'a/etc/haproxy/haproxy.cfg')), t);
      assert.match(r.stderr, /of 2 topologies/);
      const d = cli(['render', dir, '-o', join(dir, 'out2')]);
      assert.equal(d.status, 0, d.stderr);
      assert.ok(existsSync(join(dir, 'out2', 'beta', 'u/etc/nginx/conf.d/s.conf')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deploy, render and failover-test refuse two files of one topology before anything runs (exit 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halab-fleet-'));
    try {
      writeFileSync(join(dir, 'a.halab'), topo('same', '198.18.20.100/24', 51));
      writeFileSync(join(dir, 'b.halab'), topo('same', '198.18.21.100/24', 52));
      for (const cmd of [['deploy', '--plan'], ['render', '-o', join(dir, 'out')], ['failover-test']]) {
        const r = cli([...cmd, join(dir, 'a.halab'), join(dir, 'b.halab')]);
        assert.equal(r.status, 1, `${cmd[0]}: ${r.stderr}`);
        assert.match(r.stderr, /topology same is also the topology of/);
      }
      assert.equal(existsSync(join(dir, 'out')), false);
      const p = cli(['deploy', '--parallel', '0', join(dir, 'a.halab')]);
      assert.equal(p.status, 2);
      assert.match(p.stderr, /--parallel takes a whole number of at least 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
