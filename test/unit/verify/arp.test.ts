/**
 * Who answers ARP for a VIP (verify/arp.ts), with a fake runner: the link found from the route,
 * arping's command bounded in count and time, its replies parsed, and the cases where ARP cannot
 * be asked said plainly. No packet leaves this machine.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { arpAnswers, arpingArgv, parseArping, parseRoute, type LocalRun } from '../../../server/src/verify/arp.js';

// iputils-arping 20221126's output, two lbs answering every broadcast request
const TWO = `ARPING 198.18.12.100 from 198.18.12.1 halabsb0
Unicast reply from 198.18.12.100 [0A:11:22:33:44:01]  0.071ms
Unicast reply from 198.18.12.100 [0A:11:22:33:44:02]  0.093ms
Unicast reply from 198.18.12.100 [0A:11:22:33:44:01]  0.064ms
Sent 2 probes (2 broadcast(s))
Received 3 response(s)
`;
const ONE = `ARPING 198.18.12.100 from 198.18.12.1 halabsb0
Unicast reply from 198.18.12.100 [0A:11:22:33:44:01]  0.071ms
Unicast reply from 198.18.12.100 [0A:11:22:33:44:01]  0.066ms
Sent 2 probes (2 broadcast(s))
Received 2 response(s)
`;
const ON_LINK = '[{"dst":"198.18.12.100","dev":"halabsb0","prefsrc":"198.18.12.1","flags":[],"uid":0,"cache":[]}]';

/** A runner that answers from a table and records what it was asked. */
function fake(answers: Record<string, { code: number; stdout: string; stderr?: string }>): LocalRun & { calls: string[][] } {
  const calls: string[][] = [];
  const run: LocalRun = async (argv) => {
    calls.push([...argv]);
    const a = answers[argv[0]!];
    return a ? { stderr: '', ...a } : { code: 127, stdout: '', stderr: 'not found' };
  };
  return Object.assign(run, { calls });
}

describe('ARP answers for a VIP', () => {
  it('arping broadcasts every request, on the route\'s link, bounded in replies and seconds', () => {
    assert.deepEqual(arpingArgv('halabsb0', '198.18.12.100', 3, 2), ['arping', '-b', '-c', '3', '-w', '2', '-I', 'halabsb0', '198.18.12.100']);
  });

  it('the distinct MACs of the replies, lower case', () => {
    assert.deepEqual(parseArping(TWO), ['0a:11:22:33:44:01', '0a:11:22:33:44:02']);
    assert.deepEqual(parseArping(ONE), ['0a:11:22:33:44:01']);
    assert.deepEqual(parseArping('ARPING 198.18.12.100 from 198.18.12.1 halabsb0\nSent 2 probes (2 broadcast(s))\nReceived 0 response(s)\n'), []);
  });

  it('the link and router of a route', () => {
    assert.deepEqual(parseRoute(ON_LINK), { dev: 'halabsb0', gateway: undefined });
    assert.deepEqual(parseRoute('[{"dst":"192.0.2.1","gateway":"10.0.0.1","dev":"eth0"}]'), { dev: 'eth0', gateway: '10.0.0.1' });
    assert.deepEqual(parseRoute('[{"type":"local","dst":"127.0.0.1","dev":"lo"}]'), { dev: 'lo' });
    assert.deepEqual(parseRoute('not json'), {});
  });

  it('two lbs answering: two MACs, on the link the route names', async () => {
    const run = fake({ ip: { code: 0, stdout: ON_LINK }, arping: { code: 0, stdout: TWO } });
    assert.deepEqual(await arpAnswers('198.18.12.100', { run }), { iface: 'halabsb0', macs: ['0a:11:22:33:44:01', '0a:11:22:33:44:02'] });
    assert.deepEqual(run.calls, [
      ['ip', '-j', 'route', 'get', '198.18.12.100'],
      ['arping', '-b', '-c', '3', '-w', '2', '-I', 'halabsb0', '198.18.12.100'],
    ]);
  });

  it('fewer replies than waited for still count (arping exits 1); none at all is an empty list', async () => {
    assert.deepEqual(await arpAnswers('198.18.12.100', { run: fake({ ip: { code: 0, stdout: ON_LINK }, arping: { code: 1, stdout: ONE } }) }),
      { iface: 'halabsb0', macs: ['0a:11:22:33:44:01'] });
    const none = 'ARPING 198.18.12.100 from 198.18.12.1 halabsb0\nSent 2 probes (2 broadcast(s))\nReceived 0 response(s)\n';
    assert.deepEqual(await arpAnswers('198.18.12.100', { run: fake({ ip: { code: 0, stdout: ON_LINK }, arping: { code: 1, stdout: none } }) }),
      { iface: 'halabsb0', macs: [] });
  });

  it('says why ARP was not asked: behind a router, IPv6, no route, no arping, arping refused', async () => {
    const via = fake({ ip: { code: 0, stdout: '[{"dst":"192.0.2.1","gateway":"10.0.0.1","dev":"eth0"}]' } });
    assert.deepEqual(await arpAnswers('192.0.2.1', { run: via }),
      { skipped: '192.0.2.1 is reached through the router 10.0.0.1: ARP is answered on its own link only' });
    assert.equal(via.calls.length, 1, 'no arping behind a router');
    assert.match((await arpAnswers('2001:db8::1', { run: fake({}) }) as { skipped: string }).skipped, /IPv4/);
    assert.deepEqual(await arpAnswers('198.18.12.100', { run: fake({ ip: { code: 2, stdout: '', stderr: 'RTNETLINK answers: Network is unreachable' } }) }),
      { skipped: 'no route to 198.18.12.100 from this machine' });
    assert.deepEqual(await arpAnswers('198.18.12.100', { run: fake({ ip: { code: 0, stdout: ON_LINK } }) }),
      { skipped: 'arping is not installed (Debian: iputils-arping)' });
    assert.deepEqual(await arpAnswers('198.18.12.100', {
      run: fake({ ip: { code: 0, stdout: ON_LINK }, arping: { code: 2, stdout: '', stderr: 'arping: socket: Operation not permitted' } }),
    }), { skipped: 'arping failed: arping: socket: Operation not permitted' });
  });
});
