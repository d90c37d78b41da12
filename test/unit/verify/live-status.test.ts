/** The live status read for the overlay: VIP holders, keepalived states and HAProxy's server view. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../../server/src/engine.js';
import { readLiveStatus } from '../../../server/src/verify/live-status.js';
import type { Connector } from '../../../server/src/deploy/deploy.js';
import type { HostTarget } from '../../../server/src/deploy/targets.js';
import { renderCommand } from '../../../server/src/deploy/shell-quote.js';

const model = analyze(readFileSync('examples/lab.halab', 'utf8')).model;
const targets = model.lbs.map((l) => ({ name: l.name, host: l.address, port: 22, user: 'root' }) as unknown as HostTarget);

// What the real commands print (ip -o addr; keepalived's SIGUSR1 dump; HAProxy `show stat`).
const IP_LB1 = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: eth0    inet 198.18.0.11/24 brd 198.18.0.255 scope global eth0\\       valid_lft forever preferred_lft forever
2: eth0    inet 198.18.0.100/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever`;
const IP_LB2 = `2: eth0    inet 198.18.0.12/24 brd 198.18.0.255 scope global eth0\\       valid_lft forever preferred_lft forever`;
const dump = (state: string) =>
  `------< VRRP Topology >------\n VRRP Instance = VI_51\n   VRRP Version = 2\n   State = ${state}\n   Flags: none\n`;
const STAT = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,` +
  `chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,
web01,FRONTEND,,,0,1,3000,5,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,1,,
web01,web1,0,0,0,1,,3,0,0,,0,,0,0,0,0,UP,100,1,0,0,0,10,0,,1,3,1,,3,,2,0,,1,L7OK,
web01,web2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,100,1,0,1,1,3,3,,1,3,2,,0,,2,0,,0,L4CON,
web02,web1,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,100,1,0,0,0,10,0,,1,4,1,,0,,2,0,,0,L7OK,
web02,web2,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,100,1,0,0,0,10,0,,1,4,2,,0,,2,0,,0,,
web02,BACKEND,0,0,0,0,300,0,0,0,0,0,,0,0,0,0,UP,100,1,0,,0,10,0,,1,4,0,,0,,1,0,,0,,
`;

function fake(outputs: Record<string, { ip: string; dump: string | null; stat: string | null }>): Connector {
  return async (t) => {
    const o = outputs[t.name];
    if (!o) throw new Error('connection refused');
    return {
      async exec(cmd) {
        const text = renderCommand(cmd);
        if (text.startsWith('ip -o addr')) return { code: 0, stdout: o.ip, stderr: '' };
        if (text.includes('keepalived.data')) return o.dump === null ? { code: 3, stdout: '', stderr: '' }
          : { code: 0, stdout: o.dump, stderr: '' };
        if (text.includes('show stat')) return o.stat === null ? { code: 3, stdout: '', stderr: 'no socket' }
          : { code: 0, stdout: o.stat, stderr: '' };
        throw new Error(`unexpected command ${text}`);
      },
      async writeFile() { throw new Error('read-only'); },
      async rename() { throw new Error('read-only'); },
      close() {},
    };
  };
}

test('the VIP holder, keepalived states and the holder\'s view of the servers', async () => {
  const live = await readLiveStatus(model, { targets, connect: fake({
    lb1: { ip: IP_LB1, dump: dump('MASTER'), stat: STAT },
    lb2: { ip: IP_LB2, dump: dump('BACKUP'), stat: STAT.replace(',DOWN,', ',UP,') },
  }) });
  assert.deepEqual(live.lbs, { lb1: { state: 'MASTER', holdsVips: ['198.18.0.100'] }, lb2: { state: 'BACKUP', holdsVips: [] } });
  assert.deepEqual(live.servers, { web01: { web1: 'UP', web2: 'DOWN' }, web02: { web1: 'UP', web2: 'MAINT' } },
    'read from lb1, the holder');
  assert.deepEqual(live.errors, []);
});

test('a stopped keepalived, a FAULT and an unreachable lb are told apart', async () => {
  const stopped = await readLiveStatus(model, {
    targets,
    connect: fake({
      lb1: { ip: IP_LB2, dump: null, stat: null },
      lb2: { ip: IP_LB1.replace('198.18.0.11', '198.18.0.12'), dump: dump('FAULT'), stat: STAT },
    }),
  });
  assert.equal(stopped.lbs.lb1!.state, 'STOP');
  assert.equal(stopped.lbs.lb2!.state, 'FAULT');
  const gone = await readLiveStatus(model, { targets, connect: fake({ lb2: { ip: IP_LB2, dump: dump('BACKUP'), stat: STAT } }) });
  assert.equal(gone.lbs.lb1!.state, 'UNKNOWN');
  assert.match(gone.errors[0]!, /^lb1: connection refused/);
});

test('two lbs holding the VIP are a split brain, said in plain words; one holder is none', async () => {
  const calm = await readLiveStatus(model, { targets, connect: fake({
    lb1: { ip: IP_LB1, dump: dump('MASTER'), stat: STAT },
    lb2: { ip: IP_LB2, dump: dump('BACKUP'), stat: STAT },
  }) });
  assert.deepEqual(calm.splitBrain, []);
  const split = await readLiveStatus(model, { targets, connect: fake({
    lb1: { ip: IP_LB1, dump: dump('MASTER'), stat: STAT },
    lb2: { ip: `${IP_LB2}\n2: eth0    inet 198.18.0.100/24 scope global secondary eth0\\       valid_lft forever`, dump: dump('MASTER'), stat: STAT },
  }) });
  assert.deepEqual(split.lbs.lb2, { state: 'MASTER', holdsVips: ['198.18.0.100'] });
  assert.deepEqual(split.splitBrain, [{
    vip: '198.18.0.100',
    holders: ['lb1', 'lb2'],
    states: { lb1: 'MASTER', lb2: 'MASTER' },
    message: 'split brain: lb1 and lb2 both hold the VIP 198.18.0.100 (both MASTER in keepalived) — ' +
      'VRRP adverts between the lbs are not getting through (a firewall dropping protocol 112?)',
  }]);
});
