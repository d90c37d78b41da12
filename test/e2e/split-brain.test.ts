/**
 * Split brain on the local lab (issue 18): the `block-vrrp` fault drops VRRP arriving at the
 * backup, which stops hearing the primary and becomes MASTER too. The failover test must fail
 * saying so — both lbs named, ARP for the VIP answered from both lbs' MACs (read here from their
 * interfaces, not from halab) — and leave the lab as it found it. With the same block held by
 * hand, the live status (what the editor's status bar shows) and the deploy's cluster check must
 * say split brain too, and stop saying it once VRRP passes again.
 *
 * Its own lab: examples/lab.halab on 198.18.12.0/24, bridge halabsb0. Needs root.
 * Network: only the lab's VIP and hosts (ARP on the lab's bridge), which the lab creates.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labExec, type LabState } from '../../server/src/lab/index.js';
import { envSecrets } from '../../server/src/secrets.js';
import { runFailoverTest, type FailoverEvent, type VipChange } from '../../server/src/failover/index.js';
import { faultPlan } from '../../server/src/failover/faults.js';
import { readLiveStatus } from '../../server/src/verify/live-status.js';
import { verifyCluster } from '../../server/src/verify/cluster.js';
import { renderCommand, type Command } from '../../server/src/deploy/shell-quote.js';
import { useLabFixture, vipHolders } from '../helpers/lab-fixture.js';
import { labVariant } from '../helpers/lab-variant.js';

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
const TOPOLOGY = 'splitbrain';
const BRIDGE = 'halabsb0';
const NET = '198.18.12';
const VIP = `${NET}.100`;
const secrets = envSecrets({ HALAB_VRRP_AUTH: 'sbVrrp42', HALAB_STATS_PASSWORD: 'sb-Stats-pw8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const holders = (state: LabState) => vipHolders(state, VIP);

/** Polls (bounded) until the VIP is on exactly `want`; fails saying where it is. */
async function waitHolders(state: LabState, want: string[], ms: number): Promise<void> {
  let h: string[] = [];
  for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) {
    h = await holders(state);
    if (h.join() === want.join()) return;
  }
  assert.fail(`the VIP should be on ${want.join(' and ')}, is on ${h.join(' and ') || 'nobody'}`);
}

const mac = async (state: LabState, lb: string) => (await labExec(state, lb, ['cat', '/sys/class/net/eth0/address'])).stdout.trim();

/** The longest time the VIP poll's timeline shows lb1 and lb2 holding the VIP together (the test's own count). */
function longestTogether(changes: VipChange[], end: number): number {
  const has = new Map<string, boolean>();
  let since: number | undefined;
  let longest = 0;
  for (const c of [...changes].filter((x) => x.vip === VIP).sort((a, b) => a.t - b.t)) {
    has.set(c.lb, c.has === true);
    const both = has.get('lb1') === true && has.get('lb2') === true;
    if (both && since === undefined) since = c.t;
    if (!both && since !== undefined) [longest, since] = [Math.max(longest, c.t - since), undefined];
  }
  return since === undefined ? longest : Math.max(longest, end - since);
}

const inLab = (state: LabState, lb: string, cmd: Command) => labExec(state, lb, ['sh', '-c', renderCommand(cmd)]);

describe('split brain in the local lab', { skip: !isRoot && 'needs root (network namespaces)', timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'halab-split-brain-'));
  const FILE = join(dir, `${TOPOLOGY}.halab`);
  writeFileSync(FILE, labVariant({ topology: TOPOLOGY, net: NET, bridge: BRIDGE }));
  const lab = useLabFixture(FILE, secrets, { netns: new RegExp(`halab-${TOPOLOGY}-`), link: new RegExp(BRIDGE) });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('block-vrrp: both lbs hold the VIP, the verdict fails saying split brain, and the lab is restored', async () => {
    const events: FailoverEvent[] = [];
    const r = await runFailoverTest(lab.model, { secrets, fault: 'block-vrrp', durationMs: 15_000 }, (e) => events.push(e));
    assert.equal(r.preflight.ok, true, r.preflight.messages.join('; '));
    assert.equal(r.target, 'lb2', 'the fault is applied to the backup');
    assert.notEqual(r.faultAtMs, null);
    // what the VIP poll saw, counted here: both lbs held it, for longer than two 1 s adverts
    const together = longestTogether(r.timeline.vip, r.elapsedMs);
    assert.ok(together > 2000, `lb1 and lb2 held the VIP together for ${together} ms`);
    // the verdict fails, and its reason says split brain and names both lbs
    assert.equal(r.verdict, 'fail');
    const reason = r.reasons.find((x) => /split brain/.test(x));
    assert.ok(reason, r.reasons.join('; '));
    assert.match(reason, /\blb1\b/);
    assert.match(reason, /\blb2\b/);
    assert.ok(reason.includes(VIP), reason);
    // ARP for the VIP was answered from two MACs, and they are the two lbs' interfaces
    const macs = [await mac(lab.state, 'lb1'), await mac(lab.state, 'lb2')].sort();
    assert.notEqual(macs[0], macs[1]);
    assert.deepEqual([...(r.splitBrain?.arpMacs ?? [])].sort(), macs, JSON.stringify(r.splitBrain));
    assert.deepEqual(r.splitBrain?.holders, ['lb1', 'lb2']);
    assert.deepEqual(r.splitBrain?.states, { lb1: 'MASTER', lb2: 'MASTER' });
    // the CLI's progress lines said it while it lasted
    assert.ok(events.some((e) => e.type === 'phase' && e.phase === 'fault' && /split brain/.test(e.message)));
    // the restore: lb2 hears lb1 again and lets go; the fault's table is gone
    assert.notEqual(r.failback.vipMovedMs, null, r.reasons.join('; '));
    assert.equal(r.restored.ok, true, r.restored.problems.join('; '));
    await waitHolders(lab.state, ['lb1'], 5000);
    assert.doesNotMatch((await labExec(lab.state, 'lb2', ['nft', 'list', 'tables'])).stdout, /halab_fault/);
  });

  it('live status and the cluster check say split brain while VRRP is blocked, and not after', async () => {
    const plan = faultPlan('block-vrrp', 'sysv', { iface: 'eth0', holdMs: 0 });
    const lbs = new Map(['lb1', 'lb2'].map((lb) => [lb, { exec: (cmd: Command) => inLab(lab.state, lb, cmd) }]));
    await waitHolders(lab.state, ['lb1'], 5000);
    try {
      assert.equal((await inLab(lab.state, 'lb2', plan.apply)).code, 0);
      // the backup's master-down timer: 3 × 1 s adverts and its skew
      await waitHolders(lab.state, ['lb1', 'lb2'], 10_000);
      const live = await readLiveStatus(lab.model);
      assert.deepEqual(live.errors, []);
      assert.equal(live.splitBrain.length, 1, JSON.stringify(live.splitBrain));
      assert.deepEqual(live.splitBrain[0]!.holders, ['lb1', 'lb2']);
      assert.match(live.splitBrain[0]!.message, new RegExp(`^split brain: lb1 and lb2 both hold the VIP ${VIP.replaceAll('.', '\\.')} `));
      const cluster = await verifyCluster(lab.model, lbs, { vip: true, sites: false, timeoutMs: 500, emit: () => undefined });
      assert.equal(cluster.ok, false);
      assert.match(cluster.message ?? '', /^split brain: lb1 and lb2 both hold the VIP/);
    } finally {
      await inLab(lab.state, 'lb2', plan.restore);
    }
    await waitHolders(lab.state, ['lb1'], 5000);
    assert.deepEqual((await readLiveStatus(lab.model)).splitBrain, []);
    const cluster = await verifyCluster(lab.model, lbs, { vip: true, sites: false, timeoutMs: 2000, emit: () => undefined });
    assert.equal(cluster.ok, true, cluster.message ?? '');
  });
});
