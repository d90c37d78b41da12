/**
 * Split brain: the rule (two or more holders of one VIP), the time two holders may last before it
 * is called one, and the plain sentence every front end shows — written out here by hand.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitBrainMessage, splitBrainMinMs, splitBrains } from '../../../server/src/verify/split-brain.js';
import { verifyCluster } from '../../../server/src/verify/cluster.js';
import { renderCommand } from '../../../server/src/deploy/shell-quote.js';
import { analyze } from '../../../server/src/engine.js';

const CAUSE = 'VRRP adverts between the lbs are not getting through (a firewall dropping protocol 112?)';

describe('split brain', () => {
  it('is a VIP held by two or more lbs; one holder or none is something else', () => {
    assert.deepEqual(splitBrains({ '198.18.0.100': ['lb2', 'lb1'], '198.18.0.101': ['lb1'], '198.18.0.102': [] }), [
      { vip: '198.18.0.100', holders: ['lb1', 'lb2'] },
    ]);
    assert.deepEqual(splitBrains({}), []);
  });

  it('says who holds the VIP, what keepalived and ARP said, and the likely cause', () => {
    assert.equal(
      splitBrainMessage({ vip: '198.18.0.100', holders: ['lb2', 'lb1'] }),
      `split brain: lb1 and lb2 both hold the VIP 198.18.0.100 — ${CAUSE}`,
    );
    assert.equal(
      splitBrainMessage({
        vip: '198.18.0.100', holders: ['lb1', 'lb2'], states: { lb1: 'MASTER', lb2: 'MASTER' },
        arpMacs: ['02:00:00:00:00:01', '02:00:00:00:00:02'],
      }, 'past'),
      `split brain: lb1 and lb2 both held the VIP 198.18.0.100 (both MASTER in keepalived; both answered ARP for it, from 2 MACs) — ${CAUSE}`,
    );
    assert.equal(
      splitBrainMessage({ vip: '10.0.0.1', holders: ['c', 'a', 'b'], states: { a: 'MASTER', b: 'BACKUP', c: null }, arpMacs: ['02:00:00:00:00:01'] }),
      `split brain: a, b and c all hold the VIP 10.0.0.1 (keepalived: a MASTER, b BACKUP, c unread; ARP for it was answered from 1 MAC) — ${CAUSE}`,
    );
  });

  it('two holders are a split brain once they last longer than two adverts (at least 1 s) and the poll\'s lag', () => {
    assert.equal(splitBrainMinMs(1000), 2500);
    assert.equal(splitBrainMinMs(3000), 6500);
    assert.equal(splitBrainMinMs(40), 1500);
  });
});

describe('the deploy\'s cluster check', () => {
  const model = analyze(`topology t
vip 198.18.9.100/24 { router-id 9 }
lb lb1 { address 198.18.9.11; role primary }
lb lb2 { address 198.18.9.12; role backup }
upstream u { address 198.18.9.21 }
site s { host s.test; servers u }
`).model;
  const both = `2: eth0    inet 198.18.9.11/24 scope global eth0\n2: eth0    inet 198.18.9.100/24 scope global secondary eth0\n`;
  const exec = (out: string) => ({
    async exec(cmd: Parameters<typeof renderCommand>[0]) {
      const text = renderCommand(cmd);
      if (text.startsWith('ip -o addr')) return { code: 0, stdout: out, stderr: '' };
      // keepalived's dump, asked to explain a VIP nobody holds: both are MASTER here
      return { code: 0, stdout: ' VRRP Instance = VI_9\n   State = MASTER\n', stderr: '' };
    },
  });

  it('fails with the split brain sentence when both lbs hold the VIP after the deploy', async () => {
    const lbs = new Map([['lb1', exec(both)], ['lb2', exec(both.replace('198.18.9.11/', '198.18.9.12/'))]]);
    const c = await verifyCluster(model, lbs, { vip: true, sites: false, timeoutMs: 300, emit: () => undefined });
    assert.equal(c.ok, false);
    assert.equal(c.failedStep, 'vip');
    assert.deepEqual(c.vipHolders['198.18.9.100']!.sort(), ['lb1', 'lb2']);
    assert.equal(c.message, `split brain: lb1 and lb2 both hold the VIP 198.18.9.100 — ${CAUSE}`);
  });
});
