/** The failover test's sessions reach a rebooted host again (failover/remote.ts reconnecting), and only a lost one. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reconnecting, RECONNECT_EVERY_MS, type FailoverRemote } from '../../../server/src/failover/remote.js';

function fake(name: string, state: { lost: boolean; calls: string[] }): FailoverRemote {
  return {
    exec: async () => {
      state.calls.push(name);
      return { code: 0, stdout: name, stderr: '' };
    },
    close: () => state.calls.push(`close ${name}`),
    lost: () => state.lost,
  };
}

describe('reconnecting', () => {
  it('keeps its session while it is not lost; once lost, opens a new one and closes the old', async () => {
    const first = { lost: false, calls: [] as string[] };
    const second = { lost: false, calls: [] as string[] };
    let opened = 0;
    const r = reconnecting(fake('one', first), async () => {
      opened++;
      return fake('two', second);
    });
    assert.equal((await r.exec(['true'])).stdout, 'one');
    assert.equal((await r.exec(['true'])).stdout, 'one');
    assert.equal(opened, 0);
    first.lost = true;
    assert.equal((await r.exec(['true'])).stdout, 'two');
    assert.deepEqual(first.calls, ['one', 'one', 'close one']);
    assert.equal(opened, 1);
  });

  it('while the host is away: each call fails, with one attempt to connect per interval at most', async () => {
    const first = { lost: true, calls: [] as string[] };
    let attempts = 0;
    let up = false;
    const r = reconnecting(fake('one', first), async () => {
      attempts++;
      if (!up) throw new Error('connect ECONNREFUSED');
      return fake('back', { lost: false, calls: [] });
    });
    await assert.rejects(r.exec(['true']), /ECONNREFUSED/);
    await assert.rejects(r.exec(['true']), /the host is away/);
    assert.equal(attempts, 1);
    up = true;
    await new Promise((res) => setTimeout(res, RECONNECT_EVERY_MS + 20));
    assert.equal((await r.exec(['true'])).stdout, 'back');
    assert.equal(attempts, 2);
  });

  it('after close nothing connects again', async () => {
    let attempts = 0;
    const r = reconnecting(fake('one', { lost: true, calls: [] }), async () => {
      attempts++;
      return fake('x', { lost: false, calls: [] });
    });
    r.close();
    await assert.rejects(r.exec(['true']), /closed/);
    assert.equal(attempts, 0);
  });
});
