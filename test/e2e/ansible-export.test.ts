/**
 * The Ansible export on the namespace lab (issue 19): examples/lab.halab moved to its own topology
 * (ax-lab, 198.18.16.0/24, bridge halabax0) is brought up, exported — the inventory then holds the
 * lab's key and known_hosts — and Debian's `ansible-playbook` runs the export:
 * - the first run deploys: the files on the hosts are halab's own render, every site answers
 *   through the VIP, and the failover test (kill-haproxy) passes afterwards;
 * - a second run reports changed=0 for every host;
 * - a broken template change stops the run on the first lb (the backup) at validation, with
 *   haproxy's own error in the output; the primary is not touched and the pair keeps serving;
 * - a change that validates but makes the backup's haproxy fail to start (with a firewall change
 *   in the same run) is rolled back on that host: files, ruleset and service as they were.
 * The lab runs nftables, so the rulesets' apply and rollback are exercised too.
 * Needs root and ansible-playbook. Network: only the lab's hosts and VIP, which the lab creates.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, hasErrors } from '../../server/src/engine.js';
import { labDown, labExec, labUp, type LabState } from '../../server/src/lab/index.js';
import { render } from '../../server/src/render/render.js';
import { envSecrets } from '../../server/src/secrets.js';
import { runFailoverTest } from '../../server/src/failover/index.js';
import { exportAnsible } from '../../server/src/export/ansible.js';
import { writeExport } from '../../server/src/export/write-export.js';
import { labVariant } from '../helpers/lab-variant.js';

const isRoot = process.getuid?.() === 0;
const PLAYBOOK = '/usr/bin/ansible-playbook';
const skip = !isRoot ? 'needs root (network namespaces)' : !existsSync(PLAYBOOK) ? `${PLAYBOOK} is not installed` : false;

const TOPOLOGY = 'ax-lab';
const NET = '198.18.16';
const VIP = `${NET}.100`;
const FILE = 'ax-lab.halab';
const TEXT = labVariant({ topology: TOPOLOGY, net: NET, bridge: 'halabax0', firewall: 'nftables' });
// a space, quotes and a backslash: the templates must quote them as halab's render does
const ENV = { HALAB_VRRP_AUTH: 'axVrrp7', HALAB_STATS_PASSWORD: 'ax "stats" pw\\9' };
const secrets = envSecrets(ENV);
const SITES = [
  { host: 'web01.lab.test', page: 'WEB 01 - TEST PAGE' },
  { host: 'web02.lab.test', page: 'WEB 02 - TEST PAGE' },
];

const tmp = mkdtempSync(join(tmpdir(), 'halab-ax-'));
const DIR = join(tmp, 'export');
const CONTROL = join(tmp, 'cp');

interface Run {
  code: number;
  out: string;
  ms: number;
  /** PLAY RECAP: host → its counters. */
  recap: Map<string, Record<string, number>>;
}

function recapOf(out: string): Map<string, Record<string, number>> {
  const recap = new Map<string, Record<string, number>>();
  const at = out.lastIndexOf('PLAY RECAP');
  for (const m of out.slice(at).matchAll(/^(\S+)\s+:\s+(.*)$/gm)) {
    recap.set(m[1]!, Object.fromEntries([...m[2]!.matchAll(/(\w+)=(\d+)/g)].map((c) => [c[1]!, Number(c[2])])));
  }
  return recap;
}

/** `ansible-playbook -i DIR/inventory.yml DIR/site.yml`, bounded; its SSH masters under CONTROL, closed in `after`. */
function playbook(): Promise<Run> {
  const env = {
    ...process.env, ...ENV, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ANSIBLE_SSH_CONTROL_PATH_DIR: CONTROL,
  };
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(PLAYBOOK, ['-i', join(DIR, 'inventory.yml'), join(DIR, 'site.yml')], { cwd: DIR, env, timeout: 420_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const out = stdout + stderr;
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, out, ms: Date.now() - t0, recap: recapOf(out) });
      });
  });
}

function get(host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: VIP, port: 80, path: '/', headers: { Host: host }, timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function sitesAnswer(): Promise<void> {
  for (const s of SITES) {
    const r = await get(s.host);
    assert.equal(r.status, 200, `${s.host} through ${VIP}`);
    assert.ok(r.body.includes(s.page), `${s.host}: ${r.body.slice(0, 200)}`);
  }
}

describe('the Ansible export on the lab', { skip, timeout: 1_500_000 }, () => {
  const a = analyze(TEXT, FILE);
  const model = a.model;
  let state: LabState;

  before(async () => {
    assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics));
    await labDown(model).catch(() => undefined); // a previous crashed run
    state = await labUp(model);
    writeExport(DIR, exportAnsible([{ file: FILE, model }]).files);
  });

  after(async () => {
    // the SSH masters Ansible left to persist: closed, not left to time out
    for (const sock of existsSync(CONTROL) ? readdirSync(CONTROL) : []) {
      try {
        execFileSync('ssh', ['-o', `ControlPath=${join(CONTROL, sock)}`, '-O', 'exit', 'lab'], { timeout: 5000, stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
    await labDown(model);
    rmSync(tmp, { recursive: true, force: true });
    assert.doesNotMatch(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), /halab-ax-lab-/);
    assert.doesNotMatch(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), /halabax0/);
  });

  it('the first run deploys: halab\'s own files on the hosts, the sites through the VIP, then a passing failover test', async () => {
    const r = await playbook();
    assert.equal(r.code, 0, r.out.slice(-4000));
    console.log(`first run: ${r.ms} ms`);
    for (const h of ['lb1', 'lb2', 'web1', 'web2']) assert.equal(r.recap.get(`${h}.${TOPOLOGY}`)?.failed, 0, `${h}: ${JSON.stringify(r.recap.get(`${h}.${TOPOLOGY}`))}`);
    for (const f of render(model, { source: FILE, secrets }).files) {
      const on = await labExec(state, f.host, ['cat', f.path]);
      assert.equal(on.stdout, f.content, `${f.host}:${f.path} is what halab renders`);
    }
    for (const h of ['lb1', 'web1']) assert.equal((await labExec(state, h, ['nft', 'list', 'table', 'inet', 'halab'])).code, 0, `${h}: its ruleset is loaded`);
    await sitesAnswer();
    const fo = await runFailoverTest(model, { secrets, fault: 'kill-haproxy' });
    assert.equal(fo.verdict, 'pass', fo.reasons.join('; '));
  });

  it('a second run changes nothing: changed=0 on every host', async () => {
    const r = await playbook();
    assert.equal(r.code, 0, r.out.slice(-4000));
    console.log(`second run: ${r.ms} ms`);
    assert.equal(r.recap.size, 4, r.out.slice(-2000));
    for (const [host, c] of r.recap) assert.equal(c.changed, 0, `${host}: ${JSON.stringify(c)}`);
  });

  it('a broken template change stops on the backup at validation with haproxy\'s error; the primary untouched, the pair serving', async () => {
    const before = async (h: string) => (await labExec(state, h, 'sha256sum /etc/haproxy/haproxy.cfg; pidof haproxy')).stdout;
    const [lb1, lb2] = [await before('lb1'), await before('lb2')];
    for (const h of ['lb1', 'lb2']) appendFileSync(join(DIR, `templates/${TOPOLOGY}/${h}/etc/haproxy/haproxy.cfg.j2`), '    halab-broken-directive on\n');
    const r = await playbook();
    console.log(`broken run: ${r.ms} ms`);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /fatal: \[lb2\.ax-lab\]: FAILED! .*Install the files that hold secrets.*haproxy\.cfg: failed to validate.*unknown keyword 'halab-broken-directive'/);
    assert.deepEqual(r.recap.get(`lb2.${TOPOLOGY}`)?.failed, 1);
    assert.equal(r.recap.get(`lb1.${TOPOLOGY}`)?.changed ?? 0, 0);
    const lbPlay = r.out.slice(r.out.indexOf('PLAY [Deploy the load balancers'), r.out.lastIndexOf('PLAY RECAP'));
    assert.ok(lbPlay.includes('[lb2.ax-lab]') && !lbPlay.includes('[lb1.ax-lab]'), 'no deploy task ran on the primary');
    assert.equal(await before('lb1'), lb1, 'the primary\'s haproxy.cfg and haproxy process are as they were');
    assert.equal(await before('lb2'), lb2, 'the backup\'s too: the broken file never replaced the live one');
    assert.ok(!r.out.includes(ENV.HALAB_STATS_PASSWORD) && !r.out.includes('ax\\x20\\x22stats'), 'no secret in the output');
    await sitesAnswer();
  });

  it('a reload that fails rolls its host back: files, ruleset and service as they were, the primary untouched', async () => {
    writeExport(DIR, exportAnsible([{ file: FILE, model }]).files); // the export again, without the broken line
    const edit = (rel: string, from: string, to: string) => {
      const p = join(DIR, rel);
      const text = readFileSync(p, 'utf8');
      assert.ok(text.includes(from), `${rel} has ${from}`);
      writeFileSync(p, text.replace(from, to));
    };
    // haproxy -c accepts a socket in a missing directory; starting haproxy does not
    edit(`templates/${TOPOLOGY}/lb2/etc/haproxy/haproxy.cfg.j2`, 'mode 660 level admin\n', 'mode 660 level admin\n    stats socket /nonexistent-halab/admin.sock\n');
    edit(`files/${TOPOLOGY}/lb2/etc/halab/firewall.nft`, '        ct state invalid drop\n', '        ct state invalid drop\n        tcp dport 9 drop comment "halab-test"\n');
    const look = async (h: string) => (await labExec(state, h, 'sha256sum /etc/haproxy/haproxy.cfg /etc/halab/firewall.nft; nft list table inet halab')).stdout;
    const [lb1, lb2] = [await look('lb1'), await look('lb2')];
    // a stopped haproxy is started by the reload: the start fails
    await labExec(state, 'lb2', 'service haproxy stop');
    const r = await playbook();
    console.log(`failed-reload run: ${r.ms} ms`);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /TASK \[Reload the services whose files changed[^\n]*\n(?:.*\n)*?failed: \[lb2\.ax-lab\] \(item=haproxy\)/);
    assert.match(r.out, /TASK \[Load the restored rulesets and firewall scripts again\][^\n]*\nchanged: \[lb2\.ax-lab\] => \(item=\/etc\/halab\/firewall\.nft\)/);
    assert.match(r.out, /fatal: \[lb2\.ax-lab\]: FAILED! .*Reload the services whose files changed/);
    assert.equal(await look('lb2'), lb2, 'the backup\'s files and ruleset are as before the run');
    assert.equal((await labExec(state, 'lb2', ['pidof', 'haproxy'])).code, 0, 'the rescue started haproxy again, on the restored file');
    assert.equal(await look('lb1'), lb1, 'the primary untouched');
    await sitesAnswer();
  });
});
