/**
 * TCP services (`service NAME { listen; servers; … }`): the model, the checks that now count them
 * (ports, names, references, use), the `listen` section they render to (read back line by line,
 * and through the real `haproxy -c` with no warning), the firewall ports on the lbs and on their
 * servers, and the failover probe's TCP exchange against loopback servers written here.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { analyze } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { probeOnce, probeTargets } from '../../../server/src/failover/probe.js';
import { Validators, canValidate, SKIP_REASON } from '../../helpers/validators.js';
import { BASE } from '../../helpers/markers.js';

const SVC = `${BASE}service db {
  listen 5432
  servers web1 web2
  port 5433
  balance leastconn
  check-send "PING\\nQUIT"
  check-expect "+PONG"
  haproxy "timeout client 1h"
}
service smtp { listen 25; servers web2; check-expect "220 " }
firewall nftables
`;

const analyzed = (text: string) => analyze(text, 'svc.halab');
const errors = (text: string) => analyzed(text).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);

describe('the service block', () => {
  it('resolves with its defaults: the servers\' port is the listen port, the first vip, roundrobin, 2s/3/2', () => {
    const { model, diagnostics } = analyzed(SVC);
    assert.deepEqual(diagnostics.filter((d) => d.severity !== 'hint'), []);
    const [db, smtp] = model.services;
    assert.deepEqual(
      { ...db!, span: undefined, nameSpan: undefined },
      { span: undefined, nameSpan: undefined, name: 'db', listen: 5432, vip: '198.18.0.100', servers: ['web1', 'web2'], port: 5433,
        balance: 'leastconn', checkSend: 'PING\nQUIT', checkExpect: '+PONG', checkIntervalMs: 2000, checkFall: 3, checkRise: 2,
        haproxy: ['timeout client 1h'] });
    assert.equal(smtp!.port, 25);
    assert.equal(smtp!.balance, 'roundrobin');
    assert.equal(smtp!.checkSend, undefined);
  });

  it('is counted by the checks: one listener per vip:port, one namespace with sites, known servers, used upstreams', () => {
    assert.deepEqual(errors(SVC.replace('listen 25;', 'listen 80;')),
      ['port-conflict: service `smtp` listens on 198.18.0.100:80, where site `s1` already listens. Use another port.']);
    assert.deepEqual(errors(SVC.replace('listen 25;', 'listen 5432;')),
      ['port-conflict: service `smtp` listens on 198.18.0.100:5432, where service `db` already listens. Use another port.']);
    assert.deepEqual(errors(SVC.replace('service smtp', 'service s1')),
      ['duplicate-name: There is already a site named `s1` (sites, services and the frontend, backend and listen sections share one namespace). Rename this one.']);
    assert.match(errors(SVC.replace('servers web2; check', 'servers web3; check')).join(), /unknown-reference: No upstream named `web3`/);
    // an upstream only a service uses is used
    const onlyService = `${BASE.replace('servers web1 web2', 'servers web1')}service db { listen 5432; servers web2 }\n`;
    assert.equal(analyzed(onlyService).diagnostics.some((d) => d.code === 'unused-upstream'), false);
    // balance uri has no meaning for TCP
    assert.match(errors(SVC.replace('balance leastconn', 'balance uri')).join(), /invalid-value/);
    // what a check sends: lines of text, no other control character
    assert.match(errors(SVC.replace('"PING\\nQUIT"', '"PING\u0001QUIT"')).join(), /invalid-value/);
  });
});

describe('rendering', () => {
  const files = render(analyzed(SVC).model, { source: 'svc.halab', secrets: envSecrets({}) }).files;
  const cfg = files.find((f) => f.host === 'lb1' && f.path === '/etc/haproxy/haproxy.cfg')!.content;

  it('a listen section in TCP mode, the check exchange escaped to one word, the servers on the service\'s port', () => {
    const section = cfg.slice(cfg.indexOf('\nlisten db\n') + 1).split('\n\n')[0]!.split('\n');
    assert.deepEqual(section, [
      'listen db',
      '    bind 198.18.0.100:5432',
      '    mode tcp',
      '    option tcplog',
      '    balance leastconn',
      '    option tcp-check',
      '    tcp-check send PING\\x0d\\x0aQUIT\\x0d\\x0a',
      '    tcp-check expect string +PONG',
      '    # pass-through: 1 line(s) of service db\'s `haproxy` statements',
      '    timeout client 1h',
      '    server web1 198.18.0.21:5433 check inter 2s fastinter 500ms downinter 500ms fall 3 rise 2 weight 100',
      '    server web2 198.18.0.22:5433 check inter 2s fastinter 500ms downinter 500ms fall 3 rise 2 weight 100',
    ]);
    assert.match(cfg, /\nlisten smtp\n {4}bind 198\.18\.0\.100:25\n[\s\S]*? {4}tcp-check expect string 220\\x20\n/);
  });

  it('opens the service ports on the lbs, and each service\'s server port on its servers', () => {
    const nft = (host: string) => files.find((f) => f.host === host && f.path === '/etc/halab/firewall.nft')!.content;
    assert.match(nft('lb1'), /tcp dport \{ 25, 80, 5432, 8080 \} accept|tcp dport \{ 25, 80, 5432 \} accept/);
    assert.match(nft('web1'), /tcp dport \{ 80, 5433 \} accept/);
    assert.match(nft('web2'), /tcp dport \{ 25, 80, 5433 \} accept/);
  });

  it('the failover probe gets one target per service, with the same exchange', () => {
    const t = probeTargets(analyzed(SVC).model);
    assert.deepEqual(t.map((x) => x.site), ['s1', 'db', 'smtp']);
    assert.deepEqual(t[1]!.tcp, { send: 'PING\r\nQUIT\r\n', expect: '+PONG' });
    assert.deepEqual(t[2]!.tcp, { expect: '220 ' });
  });
});

describe('the real haproxy -c', { skip: !canValidate() && SKIP_REASON }, () => {
  const v = new Validators();
  after(() => v.cleanup());
  it('takes the services, without a warning', async () => {
    const files = render(analyzed(SVC.replace('firewall nftables', 'firewall none')).model, {
      source: 'svc.halab',
      secrets: envSecrets({}),
    }).files;
    const [h] = await v.all(files.filter((f) => f.host === 'lb1' && f.path.endsWith('haproxy.cfg')), () => ['eth0']);
    assert.ok(h!.verdict.ok, h!.verdict.output);
  });
});

describe('the probe\'s TCP exchange (loopback servers)', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));
  const listen = async (onConn: (sock: import('node:net').Socket) => void): Promise<number> => {
    const s = createServer(onConn);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as { port: number }).port;
  };
  const target = (port: number, tcp: { send?: string; expect?: string }) =>
    ({ site: 'db', address: '127.0.0.1', port, tls: false, host: '', path: '', tcp });

  it('a banner, a reply to what it sent, a reply without the expected text, a close without answer', async () => {
    const banner = await listen((c) => c.end('220 mail ready\r\n'));
    const pong = await listen((c) => c.on('data', (d) => { if (d.toString().startsWith('PING\r\n')) c.end('+PONG\r\n'); }));
    const wrong = await listen((c) => c.end('-ERR nope\r\n'));
    const silent = await listen((c) => c.end());
    const now = () => performance.now();
    assert.equal((await probeOnce(target(banner, { expect: '220 ' }), 500, now)).ok, true);
    assert.equal((await probeOnce(target(pong, { send: 'PING\r\n', expect: '+PONG' }), 500, now)).ok, true);
    const w = await probeOnce(target(wrong, { expect: '+PONG' }), 500, now);
    assert.deepEqual([w.ok, w.error, w.connected], [false, 'no expected answer', true]);
    const s = await probeOnce(target(silent, { send: 'PING\r\n' }), 500, now);
    assert.deepEqual([s.ok, s.error], [false, 'closed without an answer']);
    // connect only: the connection is the answer; a closed port is not
    assert.equal((await probeOnce(target(silent, {}), 500, now)).ok, true);
    const refused = await probeOnce(target(1, {}), 500, now);
    assert.deepEqual([refused.ok, refused.error], [false, 'ECONNREFUSED']);
  });
});
