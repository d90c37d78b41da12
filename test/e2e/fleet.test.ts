/**
 * Several topologies at once (issue 19): two lab topologies, examples/lab.halab on
 * 198.18.22.0/24 (bridge halabfa0) and on 198.18.23.0/24 (bridge halabfb0), deployed in parallel
 * by one `halab deploy a.halab b.halab`, then failover-tested by one `halab failover-test a b`:
 * one result per topology, both deployed, both passing. Needs root.
 *
 * Network: only the two labs' hosts and VIPs, which the labs create.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp } from '../../server/src/lab/index.js';
import type { DeployResult } from '../../server/src/deploy/index.js';
import type { FailoverReport } from '../../server/src/failover/index.js';
import { fixtureModel } from '../helpers/lab-fixture.js';
import { labVariant } from '../helpers/lab-variant.js';

const isRoot = process.getuid?.() === 0;
const ROOT = join(__dirname, '../..');
const ENV = { HALAB_VRRP_AUTH: 'flVrrp12', HALAB_STATS_PASSWORD: 'fl-Stats-pw9' };
const dir = mkdtempSync(join(tmpdir(), 'halab-fleet-'));
const LABS = [
  { topology: 'fleeta', net: '198.18.22', bridge: 'halabfa0' },
  { topology: 'fleetb', net: '198.18.23', bridge: 'halabfb0' },
].map((l) => {
  const file = join(dir, `${l.topology}.halab`);
  writeFileSync(file, labVariant(l));
  return { ...l, file, model: fixtureModel(file) };
});

/** `halab ARGS` from the sources (bounded: 5 min). */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/cli/halab.ts'), ...args], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...ENV },
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('two topologies at once', { skip: !isRoot && 'needs root (network namespaces)', timeout: 900_000 }, () => {
  before(async () => {
    for (const l of LABS) await labDown(l.model).catch(() => undefined);
    for (const l of LABS) await labUp(l.model);
  });

  after(async () => {
    for (const l of LABS) await labDown(l.model);
    rmSync(dir, { recursive: true, force: true });
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    for (const l of LABS) {
      assert.doesNotMatch(netns, new RegExp(`halab-${l.topology}-`));
      assert.doesNotMatch(links, new RegExp(l.bridge));
    }
  });

  it('`halab deploy a b` deploys both in parallel, each with its own rolling order and result', async () => {
    const r = await cli(['deploy', ...LABS.map((l) => l.file), '--yes', '--parallel', '2']);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    assert.match(r.stdout, /^fleeta +deployed$/m);
    assert.match(r.stdout, /^fleetb +deployed$/m);
    // in parallel: each deploy takes seconds, and their tagged progress lines interleave
    const tagged = r.stderr.split('\n').filter((l) => /^\[fleet[ab]\] /.test(l)).map((l) => l.slice(1, 7));
    const firstB = tagged.indexOf('fleetb');
    assert.ok(firstB > 0 && tagged.lastIndexOf('fleeta') > firstB, `the deploys ran at the same time: ${tagged.join(' ')}`);
    // its own rolling order: upstreams, then the backup, then the primary (each topology's summary table)
    for (const l of LABS) {
      const table = r.stdout.slice(r.stdout.indexOf(`== ${l.topology} (`)).split('\n').slice(3, 7).map((x) => x.split(/\s+/)[0]);
      assert.deepEqual(table, ['web1', 'web2', 'lb2', 'lb1'], l.topology);
    }

    // JSON: one result per topology (a second deploy: nothing to change, the cluster verified again)
    const j = await cli(['deploy', ...LABS.map((l) => l.file), '--yes', '--format', 'json']);
    assert.equal(j.code, 0, j.stderr.slice(-2000));
    const results = JSON.parse(j.stdout) as Array<{ topology: string; file: string; result: DeployResult }>;
    assert.deepEqual(results.map((x) => [x.topology, x.file]), LABS.map((l) => [l.topology, l.file]));
    for (const x of results) {
      assert.equal(x.result.ok, true, JSON.stringify(x.result.failure));
      assert.deepEqual(x.result.hosts.map((h) => h.status), ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
      assert.deepEqual(x.result.cluster?.vipHolders, { [`${LABS.find((l) => l.topology === x.topology)!.net}.100`]: ['lb1'] });
    }
  });

  it('`halab failover-test a b` tests both, one after the other, and both pass', async () => {
    const r = await cli(['failover-test', ...LABS.map((l) => l.file), '--format', 'json', '--quiet']);
    const reports = JSON.parse(r.stdout || '[]') as Array<{ topology: string; report: FailoverReport }>;
    assert.deepEqual(reports.map((x) => [x.topology, x.report.verdict, x.report.reasons]), [['fleeta', 'pass', []], ['fleetb', 'pass', []]]);
    assert.equal(r.code, 0);
    for (const x of reports) assert.equal(x.report.vipMoved, true, x.topology);
  });
});
