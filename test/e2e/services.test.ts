/**
 * TCP services on the local lab (issue 17): examples/services.halab (198.18.7.0/24, bridge
 * halabsv0) is brought up and deployed — the deploy's cluster check makes each service's check
 * exchange through the VIP — then the failover test kills nginx on an upstream. The `web-tcp`
 * service (HEAD requests over TCP to port 80) and the `ssh-relay` service (sshd's banner) must be
 * probed and fail no exchange that started after the kill: HAProxy's checks take the dead server
 * out, and its retries with redispatch carry each new connection that met it to the other one.
 * (An exchange under way on that server at the kill cannot be replayed in TCP mode.) Needs root.
 *
 * Network: only the lab's VIP and hosts, which the lab creates.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { envSecrets } from '../../server/src/secrets.js';
import { runFailoverTest } from '../../server/src/failover/index.js';
import { inFlightAcrossKill } from '../helpers/fault-window.js';
import { useLabFixture } from '../helpers/lab-fixture.js';

const isRoot = process.getuid?.() === 0;
const FILE = fileURLToPath(new URL('../../examples/services.halab', import.meta.url));
const secrets = envSecrets({ HALAB_VRRP_AUTH: 'svcVrrp1', HALAB_STATS_PASSWORD: 'svc-Stats-pw4' });

describe('TCP services in the local lab', { skip: !isRoot && 'needs root (network namespaces)', timeout: 300_000 }, () => {
  const lab = useLabFixture(FILE, secrets, { netns: /halab-services-/, link: /halabsv0/ });

  it('kill-upstream: both services are probed through the VIP and fail no exchange begun after the kill', async () => {
    const r = await runFailoverTest(lab.model, { secrets, fault: 'kill-upstream' });
    assert.equal(r.preflight.ok, true, r.preflight.messages.join('; '));
    assert.equal(r.vipMoved, false);
    for (const name of ['web-tcp', 'ssh-relay']) {
      const s = r.sites[name];
      assert.ok(s && s.total > 100, `${name} probed ${s?.total} times`);
      // In TCP mode HAProxy cannot replay an exchange already under way on the server that dies
      // (seen once in five runs: connected at 2323.9 ms, the kill sent at 2327.7, closed at 2360.2;
      // and once in CI connected after the kill was sent but before the host had run it);
      // every connection made after that is carried to the other server.
      const inFlightAtFault = inFlightAcrossKill(r);
      const failed = r.timeline.samples.filter((x) => x.site === name && !x.ok && !inFlightAtFault(x));
      assert.deepEqual(failed.slice(0, 3), [], `${name}: no failed exchange but one in flight at the kill`);
    }
    // the fault was real: HAProxy saw the server go DOWN
    assert.notEqual(r.upstream?.markedDownMs ?? null, null, 'HAProxy marked the server DOWN');
    assert.equal(r.verdict, 'pass', r.reasons.join('; '));
  });
});
