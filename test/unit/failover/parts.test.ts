/**
 * Failover parts without a lab: the stats CSV parser, the fault commands (run for real with a
 * fake `ip`/`service` on PATH), the expected takeover times, the probe against a loopback
 * server, and the text report.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, rmSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../../server/src/engine.js';
import { renderCommand } from '../../../server/src/deploy/shell-quote.js';
import { parseShowStat } from '../../../server/src/verify/haproxy-stats.js';
import { expectedFailoverMs, FAULTS, faultPlan, linkDownCommand, LINK_DOWN_DELAY_MS } from '../../../server/src/failover/faults.js';
import { probeOnce, startProber } from '../../../server/src/failover/probe.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('parseShowStat', () => {
  it('keeps server rows with their status and check result', () => {
    // the first columns of HAProxy 2.6's `show stat` (status is column 18, check_status 37)
    const header = '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,' +
      'chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,';
    const row = (px: string, sv: string, st: string, ck: string) =>
      [px, sv, ...Array(15).fill(''), st, ...Array(18).fill(''), ck, ''].join(',');
    const csv = [header, row('fe_http', 'FRONTEND', 'OPEN', ''), row('web01', 'web1', 'DOWN', 'L4CON'),
      row('web01', 'web2', 'UP 2/3', 'L7OK'), row('web01', 'BACKEND', 'UP', ''), ''].join('\n');
    assert.deepEqual(parseShowStat(csv), [
      { backend: 'web01', server: 'web1', status: 'DOWN', check: 'L4CON' },
      { backend: 'web01', server: 'web2', status: 'UP 2/3', check: 'L7OK' },
    ]);
    assert.deepEqual(parseShowStat('Unknown command\n'), []);
  });
});

describe('fault commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'halab-fo-'));
  const log = join(dir, 'log');
  // fake tools: each logs its argv with a timestamp (ms)
  for (const tool of ['ip', 'service', 'killall']) {
    writeFileSync(join(dir, tool), `#!/bin/sh\necho "$(date +%s%3N) ${tool} $*" >> '${log}'\n`);
    chmodSync(join(dir, tool), 0o755);
  }
  after(() => rmSync(dir, { recursive: true, force: true }));
  const sh = (cmd: Parameters<typeof renderCommand>[0]) =>
    execFileSync('sh', ['-c', renderCommand(cmd)], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8', timeout: 5000 });

  /** The log's lines once it has `n` of them: polled, bounded (a loaded machine starts the detached steps late). */
  const logLines = async (n: number): Promise<string[]> => {
    for (let waited = 0; ; waited += 25) {
      const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
      if (lines.length >= n || waited >= 5000) return lines;
      await sleep(25);
    }
  };

  it('link-down returns at once, takes the link down after its delay and up after the hold, detached', async () => {
    rmSync(log, { force: true });
    const start = Date.now();
    sh(linkDownCommand("eth0'; touch /tmp/halab-pwned; '", 400)); // a hostile name stays one argument
    assert.ok(Date.now() - start < 300, 'the command must not wait for the restore');
    assert.equal(existsSync(log), false, 'nothing before the delay');
    let lines = await logLines(1);
    assert.ok(Date.now() - start >= LINK_DOWN_DELAY_MS, 'down only after the delay');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, / ip link set dev eth0'; touch \/tmp\/halab-pwned; ' down$/);
    lines = await logLines(2);
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, / ip link set dev .* up$/);
    const [down, up] = lines.map((l) => Number(l.split(' ')[0]));
    // at least the hold; the upper bound only catches a restore that never waited for its timer
    assert.ok(up! - down! >= 390 && up! - down! < 3000, `held ${up! - down!} ms`);
    assert.equal(existsSync('/tmp/halab-pwned'), false);
  });

  it('sysv hosts use service, systemd hosts systemctl; kills are SIGKILL', () => {
    rmSync(log, { force: true });
    sh(faultPlan('stop-keepalived', 'sysv', { iface: 'eth0', holdMs: 0 }).apply);
    sh(faultPlan('stop-keepalived', 'sysv', { iface: 'eth0', holdMs: 0 }).restore);
    sh(faultPlan('kill-haproxy', 'sysv', { iface: 'eth0', holdMs: 0 }).apply);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.replace(/^\d+ /, ''));
    assert.deepEqual(lines, ['service keepalived stop', 'service keepalived start', 'killall -s KILL haproxy']);
    assert.deepEqual(faultPlan('stop-haproxy', 'systemd', { iface: 'eth0', holdMs: 0 }).apply, ['systemctl', 'stop', 'haproxy']);
  });
});

describe('block-vrrp', () => {
  const plan = faultPlan('block-vrrp', 'sysv', { iface: 'eth0', holdMs: 0 });
  const isRoot = process.getuid?.() === 0;
  const hasNft = existsSync('/usr/sbin/nft');
  /** Runs the commands in a network namespace of their own (nothing in it, nothing leaves it): the real nft, no host touched. */
  const inPrivateNet = (...cmds: Array<Parameters<typeof renderCommand>[0]>) =>
    execFileSync('unshare', ['-n', 'sh', '-c', cmds.map((c) => `( ${renderCommand(c)} ); echo "exit $?"`).join('; ')],
      { encoding: 'utf8', timeout: 10_000 });

  it('is applied to the backup, moves the VIP (the backup takes it too), and restores in one step', () => {
    assert.equal(FAULTS['block-vrrp'].target, 'vip-backup');
    assert.equal(FAULTS['block-vrrp'].movesVip, true);
    assert.equal(FAULTS['block-vrrp'].timedOnHost, undefined, 'the SSH session stays up: its restore is an ordinary command');
    // the backup hears no advert: it waits for its master-down timer (3 × 1 s + (256 − 249)/256 s)
    const m = analyze('topology t\nvip 198.18.9.100/24 { router-id 9 }\nlb a { address 198.18.9.11; role primary }\n' +
      'lb b { address 198.18.9.12; role backup }\nupstream u { address 198.18.9.21 }\nsite s { host s.test; servers u }\n').model;
    assert.equal(Math.round(expectedFailoverMs(m, 'block-vrrp', 249)), 3027);
  });

  it('drops VRRP (protocol 112) arriving at the host in a table of its own, and the restore removes exactly that table',
    { skip: (!isRoot || !hasNft) && 'needs root and nft (a private network namespace)' }, () => {
      const applied = inPrivateNet(
        ['nft', 'add', 'table', 'ip', 'other'], // somebody else's table: the restore must leave it
        plan.apply, ['nft', 'list', 'ruleset'], plan.checks[0]![1],
        plan.apply, ['nft', 'list', 'ruleset'], // applied twice (a leftover of a crashed run): replaced, not doubled
        plan.restore, ['nft', 'list', 'ruleset'], plan.checks[0]![1],
        plan.restore, // the restore twice: still fine
      );
      // each command's output, in order: add, apply, list, check, apply, list, restore, list, check, restore
      const out = applied.split(/exit \d+\n/);
      const [first, second, afterRestore] = [out[2], out[5], out[7]];
      assert.match(first!, /table inet halab_fault \{\n\s+chain input \{\n\s+type filter hook input priority -200; policy accept;\n\s+meta l4proto vrrp .*drop/);
      assert.equal((second!.match(/meta l4proto vrrp/g) ?? []).length, 1, second);
      assert.doesNotMatch(afterRestore!, /halab_fault/);
      assert.match(afterRestore!, /table ip other/);
      const exits = [...applied.matchAll(/exit (\d+)/g)].map((x) => Number(x[1]));
      // the first check fails (the table is there), the second passes
      assert.deepEqual(exits, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    });

  it('the check does not pass where nft is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'halab-nonft-'));
    try {
      const r = (() => {
        try {
          execFileSync('sh', ['-c', renderCommand(plan.checks[0]![1])], { env: { PATH: empty }, timeout: 5000 });
          return 0;
        } catch (e) {
          return (e as { status: number }).status;
        }
      })();
      assert.notEqual(r, 0);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('expectedFailoverMs', () => {
  const model = (vip: string, lbs = 'lb a { address 198.18.9.11; role primary }\nlb b { address 198.18.9.12; role backup }') =>
    analyze(`topology t\nvip 198.18.9.100/24 { router-id 9\n${vip} }\n${lbs}\nupstream u { address 198.18.9.21 }\n` +
      `site s { host s.test; servers u }\n`).model;

  it('the seed form waits for the master-down timer, the weight-0 form only for the skew', () => {
    const seed = model('track script; track-interval 2s; track-weight 2',
      'lb a { address 198.18.9.11; role primary; priority 101 }\nlb b { address 198.18.9.12; role backup; priority 100 }');
    // 2 s script + 3 × 1 s adverts + (256 − 100)/256 s skew
    assert.equal(Math.round(expectedFailoverMs(seed, 'kill-haproxy', 100)), 2000 + 3000 + 609);
    const fast = model('track script; track-interval 1s; track-weight 0');
    // 1 s script + skew (256 − 249)/256 s + one advert
    assert.equal(Math.round(expectedFailoverMs(fast, 'kill-haproxy', 249)), 1000 + 27 + 1000);
    const v3 = model('vrrp-version 3; advert 100ms');
    assert.equal(Math.round(expectedFailoverMs(v3, 'link-down', 249)), 300 + 3);
  });
});

describe('probe', () => {
  let server: Server;
  let up = true;
  after(() => server?.close());

  it('a fresh connection per request, the Host header sent, failures recorded with their error', async () => {
    const hosts: string[] = [];
    const conns = new Set<unknown>();
    server = createServer((req, res) => {
      hosts.push(req.headers.host ?? '');
      conns.add(req.socket);
      if (!up) req.socket.destroy();
      else res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const target = { site: 's', address: '127.0.0.1', port, tls: false, host: 'web01.lab.test', path: '/' };
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const one = await probeOnce(target, 500, now);
    assert.equal(one.ok, true);
    assert.equal(one.status, 200);

    const p = startProber([target], { intervalMs: 10, timeoutMs: 200, maxSamples: 1000, now });
    await p.ready;
    assert.equal(p.thread, 'worker', 'the requests are sent from a thread of their own');
    await sleep(150);
    up = false;
    await sleep(100);
    up = true;
    await sleep(100);
    await p.stop();
    const s = p.samples;
    // at most one send per interval (no bursts); at least a steady stream even when a loaded
    // machine delays the timers (a quiet one sends ~35)
    assert.ok(s.length >= 10 && s.length <= 40, `${s.length} samples in ~350 ms at 10 ms`);
    assert.ok(s.some((x) => !x.ok && x.error === 'ECONNRESET'), 'resets recorded');
    // the server reset them after accepting: they had connected (analyze.ts times them by their failure)
    assert.ok(s.filter((x) => x.error === 'ECONNRESET').every((x) => x.connected === true));
    assert.ok(s.filter((x) => x.ok).every((x) => x.connected === undefined));
    assert.ok(s.filter((x) => x.ok).length >= 10);
    assert.ok(hosts.every((h) => h === 'web01.lab.test'));
    assert.equal(conns.size, hosts.length, 'one connection per request');
    // sorted by send time
    for (let i = 1; i < s.length; i++) assert.ok(s[i]!.t >= s[i - 1]!.t);
  });

  it('a request to a port nobody listens on fails fast; the sample cap bounds the run', async () => {
    const target = { site: 's', address: '127.0.0.1', port: 1, tls: false, host: 'x', path: '/' };
    const r = await probeOnce(target, 500, () => 0);
    assert.equal(r.ok, false);
    assert.equal(r.error, 'ECONNREFUSED');
    assert.equal(r.connected, undefined, 'refused: it never connected');
    const p = startProber([target, { ...target, site: 't' }], { intervalMs: 5, timeoutMs: 100, maxSamples: 6, now: () => 0 });
    await p.ready;
    await sleep(100);
    await p.stop();
    assert.equal(p.samples.length, 6);
  });
});
